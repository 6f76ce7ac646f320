// Package configservice is an example CDK app that runs the configuration
// service (cmd/handsoff-config) on AWS: one Fargate task (SQLite has one
// writer) with its database on an encrypted EFS file system, behind an
// HTTPS Application Load Balancer whose access logs go to a private bucket.
// Its tests hold it to cdk-nag, the AWS Control Tower rules, handsoff's
// guardrails and the CloudFormation registry schemas. For several tasks,
// point --dsn at PostgreSQL (Aurora) and raise DesiredCount.
package configservice

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsec2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsecs"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsefs"
	"github.com/aws/aws-cdk-go/awscdk/v2/awselasticloadbalancingv2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awskms"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/handsoff-cdk/handsoff/constructs/privatebucket"
	"github.com/handsoff-cdk/handsoff/internal/harden"
	"github.com/handsoff-cdk/handsoff/internal/nag"
)

// Props place the service. Every field is required.
type Props struct {
	Account, Region string
	// The VPC and its subnets (private with egress for the task and the
	// file system, public for the load balancer).
	VpcID                         string
	AvailabilityZones             []string
	PrivateSubnets, PublicSubnets []string
	// CertificateArn is the ACM certificate of the service's name.
	CertificateArn string
	// Image is the container image (from cmd/handsoff-config/Dockerfile).
	Image string
}

// NewStack makes the stack.
func NewStack(scope constructs.Construct, id string, p Props) awscdk.Stack {
	stack := awscdk.NewStack(scope, jsii.String(id), &awscdk.StackProps{Env: &awscdk.Environment{Account: jsii.String(p.Account), Region: jsii.String(p.Region)}})
	vpc := awsec2.Vpc_FromVpcAttributes(stack, jsii.String("Vpc"), &awsec2.VpcAttributes{
		VpcId: jsii.String(p.VpcID), AvailabilityZones: jsii.Strings(p.AvailabilityZones...),
		PrivateSubnetIds: jsii.Strings(p.PrivateSubnets...), PublicSubnetIds: jsii.Strings(p.PublicSubnets...),
	})
	key := awskms.NewKey(stack, jsii.String("DataKey"), &awskms.KeyProps{EnableKeyRotation: jsii.Bool(true), Description: jsii.String("handsoff-config: the database and logs")})
	harden.Key(key)
	data := awsefs.NewFileSystem(stack, jsii.String("Data"), &awsefs.FileSystemProps{
		Vpc: vpc, Encrypted: jsii.Bool(true), KmsKey: key, EnableAutomaticBackups: jsii.Bool(true),
		RemovalPolicy: awscdk.RemovalPolicy_RETAIN, VpcSubnets: &awsec2.SubnetSelection{SubnetType: awsec2.SubnetType_PRIVATE_WITH_EGRESS},
	})
	ap := data.AddAccessPoint(jsii.String("Db"), &awsefs.AccessPointOptions{
		Path:      jsii.String("/handsoff-config"),
		PosixUser: &awsefs.PosixUser{Uid: jsii.String("65532"), Gid: jsii.String("65532")},
		CreateAcl: &awsefs.Acl{OwnerUid: jsii.String("65532"), OwnerGid: jsii.String("65532"), Permissions: jsii.String("750")},
	})
	cluster := awsecs.NewCluster(stack, jsii.String("Cluster"), &awsecs.ClusterProps{Vpc: vpc, ContainerInsightsV2: awsecs.ContainerInsights_ENHANCED})
	task := awsecs.NewFargateTaskDefinition(stack, jsii.String("Task"), &awsecs.FargateTaskDefinitionProps{Cpu: jsii.Number(512), MemoryLimitMiB: jsii.Number(1024)})
	task.AddVolume(&awsecs.Volume{Name: jsii.String("data"), EfsVolumeConfiguration: &awsecs.EfsVolumeConfiguration{
		FileSystemId: data.FileSystemId(), TransitEncryption: jsii.String("ENABLED"),
		AuthorizationConfig: &awsecs.AuthorizationConfig{AccessPointId: ap.AccessPointId(), Iam: jsii.String("ENABLED")},
	}})
	data.GrantReadWrite(task.TaskRole())
	logs := awslogs.NewLogGroup(stack, jsii.String("Logs"), &awslogs.LogGroupProps{Retention: awslogs.RetentionDays_ONE_YEAR, RemovalPolicy: awscdk.RemovalPolicy_RETAIN, EncryptionKey: key})
	key.GrantEncryptDecrypt(awsiam.NewServicePrincipal(jsii.String("logs."+p.Region+".amazonaws.com"), nil))
	c := task.AddContainer(jsii.String("config"), &awsecs.ContainerDefinitionOptions{
		Image:                  awsecs.ContainerImage_FromRegistry(jsii.String(p.Image), nil),
		Logging:                awsecs.LogDriver_AwsLogs(&awsecs.AwsLogDriverProps{StreamPrefix: jsii.String("config"), LogGroup: logs}),
		PortMappings:           &[]*awsecs.PortMapping{{ContainerPort: jsii.Number(8080)}},
		ReadonlyRootFilesystem: jsii.Bool(true),
		// Behind the load balancer, which terminates TLS and sets
		// X-Forwarded-Proto: page cookies are then Secure.
		Command: &[]*string{jsii.String("--trust-proxy")},
	})
	c.AddMountPoints(&awsecs.MountPoint{ContainerPath: jsii.String("/data"), SourceVolume: jsii.String("data"), ReadOnly: jsii.Bool(false)})
	svc := awsecs.NewFargateService(stack, jsii.String("Service"), &awsecs.FargateServiceProps{
		Cluster: cluster, TaskDefinition: task, DesiredCount: jsii.Number(1),
		// One writer: a new task starts only after the old one stopped.
		MinHealthyPercent: jsii.Number(0), MaxHealthyPercent: jsii.Number(100),
		CircuitBreaker: &awsecs.DeploymentCircuitBreaker{Enable: jsii.Bool(true), Rollback: jsii.Bool(true)},
		VpcSubnets:     &awsec2.SubnetSelection{SubnetType: awsec2.SubnetType_PRIVATE_WITH_EGRESS},
		AssignPublicIp: jsii.Bool(false),
	})
	data.Connections().AllowDefaultPortFrom(svc, jsii.String("the service's task"))
	accessLogs := privatebucket.New(stack, "AlbLogs", &privatebucket.Props{Encryption: privatebucket.S3Managed, Stage: "prod"})
	alb := awselasticloadbalancingv2.NewApplicationLoadBalancer(stack, jsii.String("Alb"), &awselasticloadbalancingv2.ApplicationLoadBalancerProps{
		Vpc: vpc, InternetFacing: jsii.Bool(true), DropInvalidHeaderFields: jsii.Bool(true),
		VpcSubnets: &awsec2.SubnetSelection{SubnetType: awsec2.SubnetType_PUBLIC},
	})
	alb.LogAccessLogs(accessLogs.Bucket(), jsii.String("alb"))
	for _, sg := range *alb.Connections().SecurityGroups() {
		if cfn, ok := sg.Node().DefaultChild().(awscdk.CfnResource); ok {
			nag.Suppress(cfn, nag.Suppression{ID: "AwsSolutions-EC23", Reason: "The configuration service is an HTTPS API that pipelines (CodeBuild, EventBridge API destinations) and people call from wherever they run; only port 443 is open, and every request needs a token."})
		}
	}
	listener := alb.AddListener(jsii.String("Https"), &awselasticloadbalancingv2.BaseApplicationListenerProps{
		Port: jsii.Number(443), Protocol: awselasticloadbalancingv2.ApplicationProtocol_HTTPS,
		Certificates: &[]awselasticloadbalancingv2.IListenerCertificate{awselasticloadbalancingv2.ListenerCertificate_FromArn(jsii.String(p.CertificateArn))},
		SslPolicy:    awselasticloadbalancingv2.SslPolicy_RECOMMENDED_TLS,
	})
	listener.AddTargets(jsii.String("Config"), &awselasticloadbalancingv2.AddApplicationTargetsProps{
		Port: jsii.Number(8080), Protocol: awselasticloadbalancingv2.ApplicationProtocol_HTTP,
		Targets:     &[]awselasticloadbalancingv2.IApplicationLoadBalancerTarget{svc},
		HealthCheck: &awselasticloadbalancingv2.HealthCheck{Path: jsii.String("/readyz")},
	})
	return stack
}
