// Package immutable is an example that wires a golden image to the servers that run it: the
// platform's image pipeline (constructs/goldenami) builds "web" every week
// and on demand, and writes each new AMI's ID to /handsoff/ami/web/latest
// in every target account and region; the service's immutable Auto Scaling
// group (constructs/rollout) launches from that parameter and replaces its
// instances, two thirds kept healthy, when a deployment finds a new image,
// rolling back on its alarms; its application goes out with CodeDeploy,
// one-box canary strategy; and an ECS service shifts traffic blue/green.
// go run ./examples/immutable/app synthesizes it into CDK_OUTDIR (cdk.out
// when unset).
package immutable

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudwatch"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsec2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsecs"
	"github.com/aws/aws-cdk-go/awscdk/v2/awselasticloadbalancingv2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awskms"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssns"
	"github.com/aws/jsii-runtime-go"

	"github.com/handsoff-cdk/handsoff/constructs/autoscale"
	"github.com/handsoff-cdk/handsoff/constructs/goldenami"
	"github.com/handsoff-cdk/handsoff/constructs/privatebucket"
	"github.com/handsoff-cdk/handsoff/constructs/rollout"
	"github.com/handsoff-cdk/handsoff/internal/harden"
	"github.com/handsoff-cdk/handsoff/pipeline"
)

// The accounts of the example: the platform builds images, the service
// runs in prod, and its pipeline lives in the tooling account.
const (
	ImagesAccount   = "111111111111"
	ProdAccount     = "444444444444"
	PipelineAccount = "222222222222"
)

// Stacks are the example's stacks: Images (the image pipeline), ImageRole
// (the role the prod account gives it), Web (the immutable group and its
// CodeDeploy group) and Api (the ECS service's blue/green deployments).
func Stacks(app awscdk.App) map[string]awscdk.Stack {
	prod := &awscdk.Environment{Account: jsii.String(ProdAccount), Region: jsii.String("us-east-1")}
	images := awscdk.NewStack(app, jsii.String("Images"), &awscdk.StackProps{
		Description: jsii.String("platform: the web golden image"),
		Env:         &awscdk.Environment{Account: jsii.String(ImagesAccount), Region: jsii.String("us-east-1")},
	})
	goldenami.New(images, "Web", &goldenami.Props{
		Name: "web",
		Targets: []goldenami.Target{
			{Account: ImagesAccount, Region: "us-east-1"},
			{Account: ProdAccount, Region: "us-east-1"},
			{Account: ProdAccount, Region: "eu-west-1"},
		},
		KmsKeyArns: map[string]string{
			"us-east-1": "arn:aws:kms:us-east-1:111111111111:key/1234abcd-12ab-34cd-56ef-1234567890ab",
			"eu-west-1": "arn:aws:kms:eu-west-1:111111111111:key/1234abcd-12ab-34cd-56ef-1234567890ac",
		},
		NotificationTopicArn: "arn:aws:sns:us-east-1:111111111111:platform-images",
		ForwardTo:            []string{"arn:aws:events:us-east-1:" + PipelineAccount + ":event-bus/default"},
	})
	role := awscdk.NewStack(app, jsii.String("ImageRole"), &awscdk.StackProps{
		Description: jsii.String("platform: lets the image pipeline copy golden images into this account"), Env: prod,
	})
	goldenami.NewDistributionRole(role, "Distribution", &goldenami.DistributionRoleProps{
		BuildAccount: ImagesAccount,
		KmsKeyArns: []string{
			"arn:aws:kms:us-east-1:111111111111:key/1234abcd-12ab-34cd-56ef-1234567890ab",
			"arn:aws:kms:eu-west-1:111111111111:key/1234abcd-12ab-34cd-56ef-1234567890ac",
		},
		ImageNames: []string{"web"},
	})

	// The prod one-box environment of the service, as the pipeline hands
	// it to the service factory.
	env := pipeline.Environment{Name: "prod-use1-onebox", Stage: "prod", Wave: "onebox", Account: ProdAccount, Region: "us-east-1", OneBox: true}
	web := awscdk.NewStack(app, jsii.String("Web"), &awscdk.StackProps{Description: jsii.String("web: immutable servers"), Env: prod})
	vpc := awsec2.Vpc_FromVpcAttributes(web, jsii.String("Vpc"), &awsec2.VpcAttributes{
		VpcId:             jsii.String("vpc-0123456789abcdef0"),
		AvailabilityZones: jsii.Strings("us-east-1a", "us-east-1b"),
		PrivateSubnetIds:  jsii.Strings("subnet-0aaaaaaaaaaaaaaa1", "subnet-0bbbbbbbbbbbbbbb2"),
	})
	key := awskms.NewKey(web, jsii.String("EventsKey"), &awskms.KeyProps{EnableKeyRotation: jsii.Bool(true), Description: jsii.String("web: scaling events")})
	harden.Key(key)
	events := awssns.NewTopic(web, jsii.String("ScalingEvents"), &awssns.TopicProps{MasterKey: key, EnforceSSL: jsii.Bool(true)})
	servers := rollout.NewGroup(web, "Servers", &rollout.GroupProps{
		GroupProps: autoscale.GroupProps{Options: autoscale.Options{Stage: env.Stage}, Vpc: vpc, LoadBalanced: true, Notifications: events},
		Image:      "web",
		Strategy:   rollout.ForEnvironment(env),
	})
	lb := awselasticloadbalancingv2.NewApplicationLoadBalancer(web, jsii.String("Balancer"), &awselasticloadbalancingv2.ApplicationLoadBalancerProps{
		Vpc: vpc, InternetFacing: jsii.Bool(false), DropInvalidHeaderFields: jsii.Bool(true),
	})
	lb.LogAccessLogs(privatebucket.New(web, "BalancerLogs", &privatebucket.Props{Encryption: privatebucket.S3Managed, Stage: env.Stage}).Bucket(), jsii.String("web"))
	listener := lb.AddListener(jsii.String("Http"), &awselasticloadbalancingv2.BaseApplicationListenerProps{Port: jsii.Number(80), Open: jsii.Bool(false)})
	tg := listener.AddTargets(jsii.String("Servers"), &awselasticloadbalancingv2.AddApplicationTargetsProps{
		Port: jsii.Number(80), Targets: &[]awselasticloadbalancingv2.IApplicationLoadBalancerTarget{servers.AutoScalingGroup()},
		HealthCheck: &awselasticloadbalancingv2.HealthCheck{Path: jsii.String("/health")},
	})
	// The service's alarms: the pipeline's bake watches them, and they
	// roll a new image or a new revision back.
	awscloudwatch.NewAlarm(web, jsii.String("Errors"), &awscloudwatch.AlarmProps{
		AlarmDescription: jsii.String("web: 5xx from the servers"),
		Metric:           lb.Metrics().HttpCodeTarget(awselasticloadbalancingv2.HttpCodeTarget_TARGET_5XX_COUNT, nil),
		Threshold:        jsii.Number(10), EvaluationPeriods: jsii.Number(2),
		TreatMissingData: awscloudwatch.TreatMissingData_NOT_BREACHING,
	})
	awscloudwatch.NewAlarm(web, jsii.String("Unhealthy"), &awscloudwatch.AlarmProps{
		AlarmDescription: jsii.String("web: unhealthy servers"),
		Metric:           tg.Metrics().UnhealthyHostCount(nil),
		Threshold:        jsii.Number(1), EvaluationPeriods: jsii.Number(3),
	})
	rollout.NewServerDeployment(web, "Deploy", &rollout.ServerProps{
		Group: servers.AutoScalingGroup(), Strategy: rollout.ForEnvironment(env), TargetGroup: tg,
	})

	api := awscdk.NewStack(app, jsii.String("Api"), &awscdk.StackProps{Description: jsii.String("api: blue/green ECS service"), Env: prod})
	apiVpc := awsec2.Vpc_FromVpcAttributes(api, jsii.String("Vpc"), &awsec2.VpcAttributes{
		VpcId:             jsii.String("vpc-0123456789abcdef0"),
		AvailabilityZones: jsii.Strings("us-east-1a", "us-east-1b"),
		PrivateSubnetIds:  jsii.Strings("subnet-0aaaaaaaaaaaaaaa1", "subnet-0bbbbbbbbbbbbbbb2"),
	})
	cluster := awsecs.NewCluster(api, jsii.String("Cluster"), &awsecs.ClusterProps{Vpc: apiVpc, ContainerInsightsV2: awsecs.ContainerInsights_ENHANCED})
	task := awsecs.NewFargateTaskDefinition(api, jsii.String("Task"), &awsecs.FargateTaskDefinitionProps{Cpu: jsii.Number(256), MemoryLimitMiB: jsii.Number(512)})
	task.AddContainer(jsii.String("api"), &awsecs.ContainerDefinitionOptions{
		Image:        awsecs.ContainerImage_FromRegistry(jsii.String("public.ecr.aws/nginx/nginx:1.27"), nil),
		PortMappings: &[]*awsecs.PortMapping{{ContainerPort: jsii.Number(80)}},
		Logging: awsecs.LogDriver_AwsLogs(&awsecs.AwsLogDriverProps{
			StreamPrefix: jsii.String("api"),
			LogGroup: awslogs.NewLogGroup(api, jsii.String("Logs"), &awslogs.LogGroupProps{
				Retention: awslogs.RetentionDays_ONE_YEAR, RemovalPolicy: awscdk.RemovalPolicy_RETAIN,
			}),
		}),
	})
	service := awsecs.NewFargateService(api, jsii.String("Service"), &awsecs.FargateServiceProps{
		Cluster: cluster, TaskDefinition: task, DesiredCount: jsii.Number(2),
		DeploymentController: &awsecs.DeploymentController{Type: awsecs.DeploymentControllerType_CODE_DEPLOY},
	})
	apiLB := awselasticloadbalancingv2.NewApplicationLoadBalancer(api, jsii.String("Balancer"), &awselasticloadbalancingv2.ApplicationLoadBalancerProps{
		Vpc: apiVpc, InternetFacing: jsii.Bool(false), DropInvalidHeaderFields: jsii.Bool(true),
	})
	apiLB.LogAccessLogs(privatebucket.New(api, "BalancerLogs", &privatebucket.Props{Encryption: privatebucket.S3Managed, Stage: env.Stage}).Bucket(), jsii.String("api"))
	target := func(id string) awselasticloadbalancingv2.ApplicationTargetGroup {
		return awselasticloadbalancingv2.NewApplicationTargetGroup(api, jsii.String(id), &awselasticloadbalancingv2.ApplicationTargetGroupProps{
			Vpc: apiVpc, Port: jsii.Number(80), TargetType: awselasticloadbalancingv2.TargetType_IP,
			HealthCheck: &awselasticloadbalancingv2.HealthCheck{Path: jsii.String("/health")},
		})
	}
	blue, green := target("Blue"), target("Green")
	prodListener := apiLB.AddListener(jsii.String("Prod"), &awselasticloadbalancingv2.BaseApplicationListenerProps{
		Port: jsii.Number(80), Open: jsii.Bool(false), DefaultTargetGroups: &[]awselasticloadbalancingv2.IApplicationTargetGroup{blue},
	})
	testListener := apiLB.AddListener(jsii.String("Test"), &awselasticloadbalancingv2.BaseApplicationListenerProps{
		Port: jsii.Number(8080), Protocol: awselasticloadbalancingv2.ApplicationProtocol_HTTP, Open: jsii.Bool(false),
		DefaultTargetGroups: &[]awselasticloadbalancingv2.IApplicationTargetGroup{green},
	})
	service.AttachToApplicationTargetGroup(blue)
	awscloudwatch.NewAlarm(api, jsii.String("Errors"), &awscloudwatch.AlarmProps{
		AlarmDescription: jsii.String("api: 5xx from the tasks"),
		Metric:           apiLB.Metrics().HttpCodeTarget(awselasticloadbalancingv2.HttpCodeTarget_TARGET_5XX_COUNT, nil),
		Threshold:        jsii.Number(10), EvaluationPeriods: jsii.Number(2),
		TreatMissingData: awscloudwatch.TreatMissingData_NOT_BREACHING,
	})
	rollout.NewECSBlueGreen(api, "Deploy", &rollout.ECSProps{
		Service: service, Listener: prodListener, TestListener: testListener, Blue: blue, Green: green,
		Strategy: rollout.ForEnvironment(env),
	})
	return map[string]awscdk.Stack{"Images": images, "ImageRole": role, "Web": web, "Api": api}
}
