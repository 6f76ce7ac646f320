package pipeline_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudwatch"
	"github.com/aws/jsii-runtime-go"

	"github.com/handsoff-cdk/handsoff/internal/testenv"
	"github.com/handsoff-cdk/handsoff/internal/testenv/oracle"
	"github.com/handsoff-cdk/handsoff/pipeline"
	"github.com/handsoff-cdk/handsoff/stages"
)

// smallDocument is the example with one gamma and one prod environment,
// both baking; bake false removes every bake.
func smallDocument(t *testing.T, bake bool) []byte {
	var doc map[string]any
	json.Unmarshal(stages.ExampleDocument(), &doc)
	gamma := map[string]any{"name": "gamma", "checks": []any{"health"},
		"environments": []any{map[string]any{"name": "gamma-use1", "account": "333333333333", "region": "us-east-1"}}}
	prod := map[string]any{"name": "prod", "checks": []any{"health"},
		"environments": []any{map[string]any{"name": "prod-use1", "account": "444444444444", "region": "us-east-1"}}}
	if bake {
		gamma["bake"], prod["bake"] = "30m", "1h"
	}
	doc["stages"] = []any{gamma, prod}
	out, _ := json.Marshal(doc)
	return out
}

// alarmService makes a service whose stacks hold the named alarms: "Stack/Id".
func alarmService(alarms ...string) pipeline.ServiceFactory {
	return func(stage awscdk.Stage, env pipeline.Environment) {
		stacks := map[string]awscdk.Stack{}
		for _, a := range alarms {
			stackID, id, _ := strings.Cut(a, "/")
			st := stacks[stackID]
			if st == nil {
				st = awscdk.NewStack(stage, jsii.String(stackID), nil)
				stacks[stackID] = st
			}
			awscloudwatch.NewAlarm(st, jsii.String(id), &awscloudwatch.AlarmProps{
				Metric:            awscloudwatch.NewMetric(&awscloudwatch.MetricProps{Namespace: jsii.String("Orders"), MetricName: jsii.String(id)}),
				Threshold:         jsii.Number(1),
				EvaluationPeriods: jsii.Number(1),
			})
		}
	}
}

func synthVersion(t *testing.T, bake bool, alarms ...string) oracle.Assembly {
	t.Helper()
	dir := t.TempDir()
	app := awscdk.NewApp(&awscdk.AppProps{Outdir: jsii.String(dir)})
	if _, err := pipeline.Build(app, pipeline.Props{Repo: "acme/orders", Service: alarmService(alarms...),
		Load: stages.LoadOptions{Document: smallDocument(t, bake)}}); err != nil {
		t.Fatal(err)
	}
	app.Synth(nil)
	return oracle.Assembly(testenv.Templates(t, dir))
}

// TestAlarmChangesNeverLockDeploys synthesizes a service in versions that
// change its alarms, and replays each release and its automatic rollback
// under CloudFormation's export rules and CloudWatch's composite-alarm
// rules: nothing may be refused. (The design before this one, with alarms
// exported to the gates stack, is refused in every removal; see
// internal/oracle's TestReplay.)
func TestAlarmChangesNeverLockDeploys(t *testing.T) {
	if testing.Short() {
		t.Skip("synthesizes six apps")
	}
	base := synthVersion(t, true, "Service/Errors", "Service/Latency")
	versions := map[string]oracle.Assembly{
		"an alarm added":                synthVersion(t, true, "Service/Errors", "Service/Latency", "Service/Throttles"),
		"an alarm removed":              synthVersion(t, true, "Service/Errors"),
		"an alarm's logical ID changed": synthVersion(t, true, "Service/Errors", "Service/LatencyP99"),
		"alarms moved to a new stack":   synthVersion(t, true, "Service/Errors", "Metrics/Latency"),
		"bake turned off":               synthVersion(t, false, "Service/Errors", "Service/Latency"),
	}
	for name, v := range versions {
		t.Run(name, func(t *testing.T) {
			for _, dir := range []struct {
				what     string
				from, to oracle.Assembly
			}{{"release", base, v}, {"rollback", v, base}} {
				if got := oracle.Replay(dir.from, dir.to, "aws", "us-east-1"); len(got) > 0 {
					t.Errorf("%s refused:\n  %s", dir.what, strings.Join(got, "\n  "))
				}
			}
		})
	}
	// The replay saw the deployments, so its silence means something.
	raw, _ := json.Marshal(base)
	if n := strings.Count(string(raw), `"Provider":"CloudFormation"`); n < 4 {
		t.Errorf("the base version deploys %d stacks", n)
	}
	if strings.Contains(string(raw), "Fn::ImportValue") {
		t.Error("a template imports a value: a later change can lock it")
	}
}

// TestNestedStacks: a nested stack deploys with its parent, so it is no
// stack of its own to deploy or to watch; its alarms count, and the bake
// watcher reaches them through the parent.
func TestNestedStacks(t *testing.T) {
	service := func(stage awscdk.Stage, env pipeline.Environment) {
		parent := awscdk.NewStack(stage, jsii.String("Service"), nil)
		nested := awscdk.NewNestedStack(parent, jsii.String("Metrics"), nil)
		awscloudwatch.NewAlarm(nested, jsii.String("Errors"), &awscloudwatch.AlarmProps{
			Metric:            awscloudwatch.NewMetric(&awscloudwatch.MetricProps{Namespace: jsii.String("Orders"), MetricName: jsii.String("Errors")}),
			Threshold:         jsii.Number(1),
			EvaluationPeriods: jsii.Number(1),
		})
	}
	app := awscdk.NewApp(&awscdk.AppProps{Outdir: jsii.String(t.TempDir())})
	p, err := pipeline.Build(app, pipeline.Props{Repo: "acme/orders", Service: service, Load: stages.LoadOptions{Document: smallDocument(t, true)}})
	if err != nil {
		t.Fatal(err)
	}
	for _, w := range p.Plan().Waves {
		for _, e := range w.Environments {
			// The team's stack and the gates stack.
			if len(e.Stacks) != 2 || e.Alarms != 1 {
				t.Errorf("%s: stacks %v, %d alarm(s); want the parent and the gates, 1 alarm", e.Name, e.Stacks, e.Alarms)
			}
		}
	}
}
