package pipeline_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/google/go-cmp/cmp"

	"github.com/handsoff-cdk/handsoff/examples/orders"
	"github.com/handsoff-cdk/handsoff/internal/testenv/oracle"
	"github.com/handsoff-cdk/handsoff/pipeline"
	"github.com/handsoff-cdk/handsoff/stages"
)

// TestPlanRenderings: the example's plan as a table, Mermaid and JSON
// (goldens; -update rewrites them), and the JSON read back renders the same.
func TestPlanRenderings(t *testing.T) {
	s := synthExample(t)
	pl := s.pipeline.Plan()
	if got, want := pl.CriticalPath()[len(pl.CriticalPath())-1].At, pl.Estimate; got != want {
		t.Errorf("critical path ends at %v, the estimate is %v", got, want)
	}
	for name, got := range map[string]string{"plan.table.golden": pl.Table(), "plan.mermaid.golden": pl.Mermaid(), "plan.json.golden": string(pl.JSON())} {
		path := filepath.Join("testdata", name)
		if *update {
			os.WriteFile(path, []byte(got), 0o644)
			continue
		}
		want, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(string(want), got); diff != "" {
			t.Errorf("%s (-want +got); go test ./pipeline -run PlanRenderings -update rewrites it:\n%s", name, diff)
		}
	}
	dir := t.TempDir()
	if err := pl.WriteFiles(dir); err != nil {
		t.Fatal(err)
	}
	read, err := pipeline.ReadPlan(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range []struct {
		name      string
		want, got string
	}{{"text", pl.String(), read.String()}, {"table", pl.Table(), read.Table()}, {"json", string(pl.JSON()), string(read.JSON())}, {"svg", pl.SVG(), read.SVG()}} {
		if diff := cmp.Diff(r.want, r.got); diff != "" {
			t.Errorf("%s of the plan read back from %s (-written +read):\n%s", r.name, pipeline.PlanFile, diff)
		}
	}
	os.WriteFile(filepath.Join(dir, pipeline.PlanFile), []byte(`{"schema": "handsoff.plan/v0"}`), 0o644)
	if _, err := pipeline.ReadPlan(dir); err == nil {
		t.Error("a plan of another schema was read")
	}
}

// TestMetricsProps: a BrokenAfter under the schedule's period is refused
// with the field's path before anything is built, and Disabled leaves the
// delivery metrics out.
func TestMetricsProps(t *testing.T) {
	_, err := pipeline.Build(awscdk.NewApp(nil), pipeline.Props{Repo: "acme/orders", Service: orders.Service,
		Metrics: pipeline.MetricsProps{BrokenAfter: time.Minute}, Load: stages.LoadOptions{Document: stages.ExampleDocument()}})
	if err == nil || !strings.Contains(err.Error(), "Props.Metrics.BrokenAfter: 1m0s is shorter than 5m") {
		t.Errorf("err = %v", err)
	}
	dir := t.TempDir()
	s := synthesize(dir, pipeline.Props{Repo: "acme/orders", Service: orders.Service, CheckSourceDir: "testdata/checksource",
		Metrics: pipeline.MetricsProps{Disabled: true}, Load: stages.LoadOptions{Document: stages.ExampleDocument()}})
	if s.err != nil {
		t.Fatal(s.err)
	}
	raw, _ := os.ReadFile(filepath.Join(dir, "orders-pipeline.template.json"))
	if strings.Contains(string(raw), "DeliveryMetrics") || strings.Contains(string(raw), "handsoff/Delivery") {
		t.Error("Disabled still made delivery metrics")
	}
}

// TestDeliveryMetricsWired holds the AWS rules the delivery metrics rely
// on, over the synthesized pipeline stack: EventBridge delivers the
// pipeline's execution, stage and action events
// (https://docs.aws.amazon.com/codepipeline/latest/userguide/detect-state-changes-cloudwatch-events.html)
// and a schedule to the function only with a Lambda permission for each
// rule (https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-use-resource-based.html#eb-lambda-permissions);
// the role may put metrics only in the namespace the alarm reads
// (https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/iam-cw-condition-keys-namespace.html)
// and read this pipeline's executions.
func TestDeliveryMetricsWired(t *testing.T) {
	s := synthExample(t)
	var tmpl struct {
		Resources map[string]struct {
			Type       string
			Properties map[string]any
		}
	}
	raw, _ := os.ReadFile(filepath.Join(s.dir, "orders-pipeline.template.json"))
	if err := json.Unmarshal(raw, &tmpl); err != nil {
		t.Fatal(err)
	}
	fn := "DeliveryMetrics"
	targets := func(p map[string]any) bool {
		for _, tg := range asList(p["Targets"]) {
			if compactJSON(tg.(map[string]any)["Arn"]) == compactJSON(map[string]any{"Fn::GetAtt": []any{fn, "Arn"}}) {
				return true
			}
		}
		return false
	}
	permitted := map[string]bool{} // rule logical ids with an invoke permission
	for _, r := range tmpl.Resources {
		if r.Type == "AWS::Lambda::Permission" && compactJSON(r.Properties["FunctionName"]) == compactJSON(map[string]any{"Ref": fn}) &&
			r.Properties["Principal"] == "events.amazonaws.com" {
			if ga, ok := r.Properties["SourceArn"].(map[string]any)["Fn::GetAtt"].([]any); ok {
				permitted[ga[0].(string)] = true
			}
		}
	}
	for _, kind := range []string{"CodePipeline Pipeline Execution State Change", "CodePipeline Stage Execution State Change", "CodePipeline Action Execution State Change", "Scheduled Event"} {
		event := map[string]any{"source": "aws.codepipeline", "detail-type": kind, "detail": map[string]any{"pipeline": "orders-pipeline", "state": "SUCCEEDED"}}
		found := false
		for id, r := range tmpl.Resources {
			if r.Type != "AWS::Events::Rule" || r.Properties["State"] != "ENABLED" || !targets(r.Properties) || !permitted[id] {
				continue
			}
			if kind == "Scheduled Event" {
				found = found || r.Properties["ScheduleExpression"] == "rate(5 minutes)"
			} else {
				found = found || oracle.Matches(r.Properties["EventPattern"], event)
			}
		}
		if !found {
			t.Errorf("no enabled rule with an invoke permission sends %q of orders-pipeline to the metrics function", kind)
		}
		other := map[string]any{"source": "aws.codepipeline", "detail-type": kind, "detail": map[string]any{"pipeline": "payments-pipeline"}}
		for _, r := range tmpl.Resources {
			if r.Type == "AWS::Events::Rule" && targets(r.Properties) && r.Properties["EventPattern"] != nil && oracle.Matches(r.Properties["EventPattern"], other) {
				t.Errorf("the metrics rule matches another pipeline's %q", kind)
			}
		}
	}
	alarm := tmpl.Resources["DeliveryMetricsBrokenAlarm"].Properties
	role := compactJSON(tmpl.Resources["DeliveryMetricsRole"].Properties["Policies"])
	if !strings.Contains(role, `"cloudwatch:namespace":"`+alarm["Namespace"].(string)+`"`) || !strings.Contains(role, `"Action":["cloudwatch:PutMetricData"]`) {
		t.Errorf("the role may not put metrics in the alarm's namespace %v: %s", alarm["Namespace"], role)
	}
	if !strings.Contains(role, `"arn:aws:codepipeline:us-east-1:111111111111:orders-pipeline"`) || !strings.Contains(role, "codepipeline:ListActionExecutions") {
		t.Errorf("the role may not read the pipeline's executions: %s", role)
	}
	if alarm["MetricName"] != "BrokenMinutes" || alarm["Threshold"] != float64(240) {
		t.Errorf("alarm: %v", alarm)
	}
}

func asList(v any) []any { l, _ := v.([]any); return l }
