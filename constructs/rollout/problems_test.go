package rollout_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudwatch"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsec2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsecs"
	"github.com/aws/jsii-runtime-go"

	"github.com/handsoff-cdk/handsoff/constructs/autoscale"
	"github.com/handsoff-cdk/handsoff/constructs/rollout"
	"github.com/handsoff-cdk/handsoff/internal/testenv"
)

// TestProblems: every mistake in the props fails synthesis with an error
// on the construct that names the field and the fix, all at once; a
// rollout with no alarm to roll back on, or more than a deployment
// watches, is refused too.
func TestProblems(t *testing.T) {
	if testing.Short() {
		t.Skip("synthesizes")
	}
	dir := t.TempDir()
	app := awscdk.NewApp(&awscdk.AppProps{Outdir: jsii.String(dir)})
	env := &awscdk.Environment{Account: jsii.String("444444444444"), Region: jsii.String("us-east-1")}
	stack := awscdk.NewStack(app, jsii.String("Bad"), &awscdk.StackProps{Env: env})
	vpc := awsec2.Vpc_FromVpcAttributes(stack, jsii.String("Vpc"), &awsec2.VpcAttributes{
		VpcId: jsii.String("vpc-0123456789abcdef0"), AvailabilityZones: jsii.Strings("us-east-1a", "us-east-1b"),
		PrivateSubnetIds: jsii.Strings("subnet-0aaaaaaaaaaaaaaa1", "subnet-0bbbbbbbbbbbbbbb2"),
	})
	rollout.NewGroup(stack, "NoImage", &rollout.GroupProps{Strategy: rollout.Linear(0, time.Second), BakeTime: 72 * time.Hour})
	rollout.NewGroup(stack, "Zonal", &rollout.GroupProps{Image: "web", Strategy: rollout.Zonal(50, time.Minute)})
	rollout.NewServerDeployment(stack, "NoGroup", &rollout.ServerProps{})
	cluster := awsecs.NewCluster(stack, jsii.String("Cluster"), &awsecs.ClusterProps{Vpc: vpc})
	task := awsecs.NewFargateTaskDefinition(stack, jsii.String("Task"), nil)
	task.AddContainer(jsii.String("c"), &awsecs.ContainerDefinitionOptions{Image: awsecs.ContainerImage_FromRegistry(jsii.String("nginx"), nil)})
	svc := awsecs.NewFargateService(stack, jsii.String("Service"), &awsecs.FargateServiceProps{Cluster: cluster, TaskDefinition: task})
	rollout.NewECSBlueGreen(stack, "Ecs", &rollout.ECSProps{Service: svc, Strategy: rollout.HalfAtATime})

	// A group in a stack with no alarm, and one in a stack with eleven.
	quiet := awscdk.NewStack(app, jsii.String("Quiet"), &awscdk.StackProps{Env: env})
	qvpc := awsec2.Vpc_FromLookup(quiet, jsii.String("Vpc"), &awsec2.VpcLookupOptions{VpcId: jsii.String("vpc-0123456789abcdef0")})
	rollout.NewGroup(quiet, "Servers", &rollout.GroupProps{Image: "web", GroupProps: autoscale.GroupProps{Options: autoscale.Options{Stage: "beta"}, Vpc: qvpc}})
	loud := awscdk.NewStack(app, jsii.String("Loud"), &awscdk.StackProps{Env: env})
	lvpc := awsec2.Vpc_FromLookup(loud, jsii.String("Vpc"), &awsec2.VpcLookupOptions{VpcId: jsii.String("vpc-0123456789abcdef0")})
	rollout.NewGroup(loud, "Servers", &rollout.GroupProps{Image: "web", GroupProps: autoscale.GroupProps{Options: autoscale.Options{Stage: "beta"}, Vpc: lvpc}})
	for i := range 11 {
		awscloudwatch.NewAlarm(loud, jsii.String(fmt.Sprintf("A%d", i)), &awscloudwatch.AlarmProps{
			Metric:    awscloudwatch.NewMetric(&awscloudwatch.MetricProps{Namespace: jsii.String("AWS/EC2"), MetricName: jsii.String("CPUUtilization")}),
			Threshold: jsii.Number(90), EvaluationPeriods: jsii.Number(1)})
	}
	app.Synth(nil)
	var got []string
	for _, a := range testenv.Annotations(t, dir) {
		if a.Level == "error" {
			got = append(got, a.Path+": "+a.Message)
		}
	}
	all := strings.Join(got, "\n")
	for _, want := range []string{
		"/Bad/NoImage: handsoff rollout: Image is required",
		"/Bad/NoImage: handsoff rollout: Strategy: Percent 0",
		"/Bad/NoImage: handsoff rollout: Strategy: Interval 1s",
		"/Bad/NoImage: handsoff rollout: BakeTime 72h0m0s",
		"/Bad/Zonal: handsoff rollout: Strategy: an instance refresh has no zonal strategy",
		"/Bad/NoGroup: handsoff rollout: Group is required",
		"/Bad/Ecs: handsoff rollout: Blue is required",
		"/Bad/Ecs: handsoff rollout: Listener is required",
		`/Bad/Ecs: handsoff rollout: Service: its deployment controller is "ECS"`,
		"/Bad/Ecs: handsoff rollout: Strategy: ECS shifts traffic",
		"/Quiet/Servers: handsoff rollout: no alarm to roll back on",
		"/Loud/Servers: handsoff rollout: 11 alarms to roll back on, over the 10",
	} {
		if !strings.Contains(all, want) {
			t.Errorf("no problem says %q:\n%s", want, all)
		}
	}
}
