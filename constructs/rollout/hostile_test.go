package rollout_test

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsautoscaling"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudwatch"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsec2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsecs"
	"github.com/aws/aws-cdk-go/awscdk/v2/awselasticloadbalancingv2"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/handsoff-cdk/handsoff/constructs/autoscale"
	"github.com/handsoff-cdk/handsoff/constructs/rollout"
	"github.com/handsoff-cdk/handsoff/internal/testenv"
)

var hostileEnv = &awscdk.Environment{Account: jsii.String("444444444444"), Region: jsii.String("us-east-1")}

// hostileSynth synthesizes an app that make fills and returns the
// templates and the error annotations.
func hostileSynth(t *testing.T, make func(app awscdk.App)) (map[string]map[string]any, string) {
	t.Helper()
	if testing.Short() {
		t.Skip("synthesizes")
	}
	dir := t.TempDir()
	app := awscdk.NewApp(&awscdk.AppProps{Outdir: jsii.String(dir)})
	make(app)
	app.Synth(nil)
	var errs []string
	for _, a := range testenv.Annotations(t, dir) {
		if a.Level == "error" {
			errs = append(errs, a.Path+": "+a.Message)
		}
	}
	if len(errs) > 0 {
		return nil, strings.Join(errs, "\n")
	}
	return testenv.Templates(t, dir), ""
}

func hostileVpc(stack awscdk.Stack) awsec2.IVpc {
	return awsec2.Vpc_FromVpcAttributes(stack, jsii.String("Vpc"), &awsec2.VpcAttributes{
		VpcId: jsii.String("vpc-0123456789abcdef0"), AvailabilityZones: jsii.Strings("us-east-1a", "us-east-1b"),
		PrivateSubnetIds: jsii.Strings("subnet-0aaaaaaaaaaaaaaa1", "subnet-0bbbbbbbbbbbbbbb2"),
	})
}

func hostileAlarm(scope awscdk.Stack, id string) awscloudwatch.Alarm {
	return awscloudwatch.NewAlarm(scope, jsii.String(id), &awscloudwatch.AlarmProps{
		Metric:    awscloudwatch.NewMetric(&awscloudwatch.MetricProps{Namespace: jsii.String("web"), MetricName: jsii.String(id)}),
		Threshold: jsii.Number(1), EvaluationPeriods: jsii.Number(1),
	})
}

// refreshAlarms is the alarm list of the instance refresh of the one group
// of tmpl, and of its deployment groups, as JSON.
func refreshAlarms(t *testing.T, tmpl map[string]any) (string, []string) {
	t.Helper()
	var refresh string
	for _, r := range resources(tmpl, "AWS::AutoScaling::AutoScalingGroup") {
		b, _ := json.Marshal(r["UpdatePolicy"].(map[string]any)["AutoScalingInstanceRefresh"].(map[string]any)["Preferences"].(map[string]any)["AlarmSpecification"])
		refresh = string(b)
	}
	var dgs []string
	for _, r := range resources(tmpl, "AWS::CodeDeploy::DeploymentGroup") {
		b, _ := json.Marshal(props(r)["AlarmConfiguration"])
		dgs = append(dgs, string(b))
	}
	return refresh, dgs
}

// TestHostileScalingAlarmsDoNotRollBack: a step-scaling policy's alarms
// (CDK's scaleOnMetric) act on the group, and the scale-in one is in
// ALARM whenever load is low: the pipeline's bake leaves them out (an
// alarm whose actions are all Auto Scaling policies), and so must the
// rollout's default, or every image rollout in a quiet hour rolls back.
func TestHostileScalingAlarmsDoNotRollBack(t *testing.T) {
	tmpls, errs := hostileSynth(t, func(app awscdk.App) {
		stack := awscdk.NewStack(app, jsii.String("Web"), &awscdk.StackProps{Env: hostileEnv})
		g := rollout.NewGroup(stack, "Servers", &rollout.GroupProps{Image: "web", GroupProps: autoscale.GroupProps{Options: autoscale.Options{Stage: "beta"}, Vpc: hostileVpc(stack)}})
		g.AutoScalingGroup().ScaleOnMetric(jsii.String("Queue"), &awsautoscaling.BasicStepScalingPolicyProps{
			Metric: awscloudwatch.NewMetric(&awscloudwatch.MetricProps{Namespace: jsii.String("web"), MetricName: jsii.String("Queue")}),
			ScalingSteps: &[]*awsautoscaling.ScalingInterval{
				{Upper: jsii.Number(10), Change: jsii.Number(-1)}, {Lower: jsii.Number(50), Change: jsii.Number(1)},
			},
			AdjustmentType: awsautoscaling.AdjustmentType_CHANGE_IN_CAPACITY,
		})
		hostileAlarm(stack, "Errors")
		rollout.NewServerDeployment(stack, "Deploy", &rollout.ServerProps{Group: g.AutoScalingGroup()})
	})
	if errs != "" {
		t.Fatal(errs)
	}
	refresh, dgs := refreshAlarms(t, tmpls["Web.template.json"])
	if strings.Count(refresh, "Ref") != 1 || !strings.Contains(refresh, "Errors") {
		t.Errorf("the instance refresh watches %s, want the Errors alarm alone", refresh)
	}
	for _, dg := range dgs {
		if strings.Count(dg, "Ref") != 1 || !strings.Contains(dg, "Errors") {
			t.Errorf("the deployment group watches %s, want the Errors alarm alone", dg)
		}
	}
}

// TestHostileNestedAndCompositeAlarms: the bake watches every alarm of the
// environment's stacks, nested stacks' and composite alarms included
// (bakewatch.js); so does the rollout's default.
func TestHostileNestedAndCompositeAlarms(t *testing.T) {
	tmpls, errs := hostileSynth(t, func(app awscdk.App) {
		stack := awscdk.NewStack(app, jsii.String("Web"), &awscdk.StackProps{Env: hostileEnv})
		rollout.NewGroup(stack, "Servers", &rollout.GroupProps{Image: "web", GroupProps: autoscale.GroupProps{Options: autoscale.Options{Stage: "beta"}, Vpc: hostileVpc(stack)}})
		a := hostileAlarm(stack, "Errors")
		nested := awscdk.NewNestedStack(stack, jsii.String("Inner"), nil)
		b := awscloudwatch.NewAlarm(nested, jsii.String("Latency"), &awscloudwatch.AlarmProps{
			Metric:    awscloudwatch.NewMetric(&awscloudwatch.MetricProps{Namespace: jsii.String("web"), MetricName: jsii.String("Latency")}),
			Threshold: jsii.Number(1), EvaluationPeriods: jsii.Number(1),
		})
		awscloudwatch.NewCompositeAlarm(stack, jsii.String("Both"), &awscloudwatch.CompositeAlarmProps{
			AlarmRule: awscloudwatch.AlarmRule_AllOf(awscloudwatch.AlarmRule_FromAlarm(a, awscloudwatch.AlarmState_ALARM), awscloudwatch.AlarmRule_FromAlarm(b, awscloudwatch.AlarmState_ALARM)),
		})
	})
	if errs != "" {
		t.Fatal(errs)
	}
	refresh, _ := refreshAlarms(t, tmpls["Web.template.json"])
	for _, want := range []string{"Errors", "Inner", "Both"} {
		if !strings.Contains(refresh, want) {
			t.Errorf("the instance refresh watches %s, not %s", refresh, want)
		}
	}
}

// TestHostilePropsThatPanicked: a nil alarm, a termination wait that is
// not whole minutes (CodeDeploy counts it in minutes, and the CDK throws),
// and an image that cannot be a parameter's name are errors that name the
// field, not panics nor a template CloudFormation refuses.
func TestHostilePropsThatPanicked(t *testing.T) {
	var panicked any
	_, errs := hostileSynth(t, func(app awscdk.App) {
		defer func() { panicked = recover() }()
		stack := awscdk.NewStack(app, jsii.String("Bad"), &awscdk.StackProps{Env: hostileEnv})
		vpc := hostileVpc(stack)
		rollout.NewGroup(stack, "NilAlarm", &rollout.GroupProps{Image: "web", Alarms: []awscloudwatch.IAlarm{nil},
			GroupProps: autoscale.GroupProps{Options: autoscale.Options{Stage: "beta"}, Vpc: vpc}})
		rollout.NewGroup(stack, "BadImage", &rollout.GroupProps{Image: "Web App", GroupProps: autoscale.GroupProps{Options: autoscale.Options{Stage: "beta"}, Vpc: vpc}})
		cluster := awsecs.NewCluster(stack, jsii.String("Cluster"), &awsecs.ClusterProps{Vpc: vpc})
		task := awsecs.NewFargateTaskDefinition(stack, jsii.String("Task"), nil)
		task.AddContainer(jsii.String("c"), &awsecs.ContainerDefinitionOptions{Image: awsecs.ContainerImage_FromRegistry(jsii.String("nginx"), nil)})
		svc := awsecs.NewFargateService(stack, jsii.String("Service"), &awsecs.FargateServiceProps{Cluster: cluster, TaskDefinition: task,
			DeploymentController: &awsecs.DeploymentController{Type: awsecs.DeploymentControllerType_CODE_DEPLOY}})
		lb := awselasticloadbalancingv2.NewApplicationLoadBalancer(stack, jsii.String("LB"), &awselasticloadbalancingv2.ApplicationLoadBalancerProps{Vpc: vpc})
		tg := func(id string) awselasticloadbalancingv2.ApplicationTargetGroup {
			return awselasticloadbalancingv2.NewApplicationTargetGroup(stack, jsii.String(id), &awselasticloadbalancingv2.ApplicationTargetGroupProps{Vpc: vpc, Port: jsii.Number(80), TargetType: awselasticloadbalancingv2.TargetType_IP})
		}
		blue, green := tg("Blue"), tg("Green")
		l := lb.AddListener(jsii.String("L"), &awselasticloadbalancingv2.BaseApplicationListenerProps{Port: jsii.Number(80), DefaultTargetGroups: &[]awselasticloadbalancingv2.IApplicationTargetGroup{blue}})
		hostileAlarm(stack, "Errors")
		rollout.NewECSBlueGreen(stack, "Ecs", &rollout.ECSProps{Service: svc, Listener: l, Blue: blue, Green: green, TerminationWait: 90 * time.Second,
			Alarms: []awscloudwatch.IAlarm{nil}})
		rollout.NewServerDeployment(stack, "Deploy", &rollout.ServerProps{Group: nil, Alarms: []awscloudwatch.IAlarm{nil}})
	})
	if panicked != nil {
		t.Fatalf("panicked: %v", panicked)
	}
	for _, want := range []string{
		"/Bad/NilAlarm: handsoff rollout: Alarms[0] is nil",
		`/Bad/BadImage: handsoff rollout: Image "Web App"`,
		"/Bad/Ecs: handsoff rollout: TerminationWait 1m30s",
		"/Bad/Ecs: handsoff rollout: Alarms[0] is nil",
		"/Bad/Deploy: handsoff rollout: Alarms[0] is nil",
	} {
		if !strings.Contains(errs, want) {
			t.Errorf("no problem says %q:\n%s", want, errs)
		}
	}
}

// lateAlarm is an aspect that adds an alarm to the stack when it visits
// the construct named Late, after the rollout in the tree.
type lateAlarm struct{ added bool }

func (l *lateAlarm) Visit(node constructs.IConstruct) {
	if l.added || *node.Node().Id() != "Late" {
		return
	}
	l.added = true
	hostileAlarm(awscdk.Stack_Of(node), "AddedByAspect")
}

// TestHostileAlarmsAddedByAspects: an alarm an aspect adds (a platform's
// standard alarms, say) is in the template and so in the bake's; the
// rollout watches it too, wherever the aspect's node is in the tree.
func TestHostileAlarmsAddedByAspects(t *testing.T) {
	tmpls, errs := hostileSynth(t, func(app awscdk.App) {
		stack := awscdk.NewStack(app, jsii.String("Web"), &awscdk.StackProps{Env: hostileEnv})
		rollout.NewGroup(stack, "Servers", &rollout.GroupProps{Image: "web", GroupProps: autoscale.GroupProps{Options: autoscale.Options{Stage: "beta"}, Vpc: hostileVpc(stack)}})
		hostileAlarm(stack, "Errors")
		constructs.NewConstruct(stack, jsii.String("Late"))
		awscdk.Aspects_Of(stack).Add(&lateAlarm{}, nil)
	})
	if errs != "" {
		t.Fatal(errs)
	}
	tmpl := tmpls["Web.template.json"]
	if len(resources(tmpl, "AWS::CloudWatch::Alarm")) != 2 {
		t.Fatalf("the aspect added no alarm")
	}
	if refresh, _ := refreshAlarms(t, tmpl); !strings.Contains(refresh, "AddedByAspect") {
		t.Errorf("the instance refresh watches %s, not the alarm the aspect added", refresh)
	}
}
