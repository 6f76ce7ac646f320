// Package showcase is a stack of every guardrail construct, configured the
// way a service team would: the tests hold it to cdk-nag, the AWS Control
// Tower rules and handsoff's guardrails, and it is an example to copy.
package showcase

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsec2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsecs"
	"github.com/aws/aws-cdk-go/awscdk/v2/awskms"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssns"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/handsoff-cdk/handsoff/constructs/autoscale"
	"github.com/handsoff-cdk/handsoff/constructs/privatebucket"
	"github.com/handsoff-cdk/handsoff/internal/harden"
)

// NewStack makes the showcase in a prod stage.
func NewStack(scope constructs.Construct, id string) awscdk.Stack {
	stack := awscdk.NewStack(scope, jsii.String(id), &awscdk.StackProps{
		Env: &awscdk.Environment{Account: jsii.String("444444444444"), Region: jsii.String("us-east-1")},
	})
	vpc := awsec2.Vpc_FromVpcAttributes(stack, jsii.String("Vpc"), &awsec2.VpcAttributes{
		VpcId:             jsii.String("vpc-0123456789abcdef0"),
		AvailabilityZones: jsii.Strings("us-east-1a", "us-east-1b"),
		PrivateSubnetIds:  jsii.Strings("subnet-0aaaaaaaaaaaaaaa1", "subnet-0bbbbbbbbbbbbbbb2"),
	})

	privatebucket.New(stack, "Documents", &privatebucket.Props{Stage: "prod"})

	key := awskms.NewKey(stack, jsii.String("EventsKey"), &awskms.KeyProps{EnableKeyRotation: jsii.Bool(true)})
	harden.Key(key)
	events := awssns.NewTopic(stack, jsii.String("ScalingEvents"), &awssns.TopicProps{MasterKey: key, EnforceSSL: jsii.Bool(true)})

	autoscale.NewGroup(stack, "Workers", &autoscale.GroupProps{
		Options:       autoscale.Options{Stage: "prod"},
		Vpc:           vpc,
		MachineImage:  awsec2.MachineImage_LatestAmazonLinux2023(nil),
		Notifications: events,
	})

	cluster := awsecs.NewCluster(stack, jsii.String("Cluster"), &awsecs.ClusterProps{
		Vpc: vpc, ContainerInsightsV2: awsecs.ContainerInsights_ENHANCED,
	})
	task := awsecs.NewFargateTaskDefinition(stack, jsii.String("Task"), &awsecs.FargateTaskDefinitionProps{Cpu: jsii.Number(256), MemoryLimitMiB: jsii.Number(512)})
	task.AddContainer(jsii.String("app"), &awsecs.ContainerDefinitionOptions{
		Image: awsecs.ContainerImage_FromRegistry(jsii.String("public.ecr.aws/nginx/nginx:1.27"), nil),
		Logging: awsecs.LogDriver_AwsLogs(&awsecs.AwsLogDriverProps{
			StreamPrefix: jsii.String("app"),
			LogGroup: awslogs.NewLogGroup(stack, jsii.String("AppLogs"), &awslogs.LogGroupProps{
				Retention: awslogs.RetentionDays_ONE_YEAR, RemovalPolicy: awscdk.RemovalPolicy_RETAIN,
			}),
		}),
		PortMappings: &[]*awsecs.PortMapping{{ContainerPort: jsii.Number(80)}},
	})
	autoscale.NewFargateService(stack, "Web", &autoscale.ServiceProps{
		Options: autoscale.Options{Stage: "prod"}, Cluster: cluster, TaskDefinition: task,
	})
	return stack
}
