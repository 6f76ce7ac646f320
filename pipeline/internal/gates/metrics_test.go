package gates

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/handsoff-cdk/handsoff/internal/testenv"
)

// metricsHarness runs the delivery-metrics function under Node: mode
// "summarize" prints summarize() of the shared recorded history; mode
// "events" feeds t.events in order with fake clients over t.history and
// prints every metric put.
const metricsHarness = `
const m = require(process.argv[1]);
console.log = () => {};
const t = JSON.parse(process.argv[2]);
if (t.mode === "summarize") {
  const s = m.summarize(t.fixture.pipelineExecutionSummaries, Date.parse(t.fixture.from), Date.parse(t.fixture.to));
  process.stdout.write(JSON.stringify({deployments: s.deployments, failures: s.failures, leadTimeSeconds: s.leadTimes,
    restoreSeconds: s.restores.map((r) => r.seconds), brokenSince: s.brokenSince ? new Date(s.brokenSince).toISOString().replace(".000", "") : "",
    brokenFailures: s.brokenFailures}));
  process.exit(0);
}
const out = [];
const deps = {
  env: { PIPELINE: "orders-pipeline" },
  now: () => Date.parse(t.now),
  codepipeline: () => ({
    listPipelineExecutions: async () => ({ pipelineExecutionSummaries: t.history }),
    listActionExecutions: async ({ filter }) => ({ actionExecutionDetails: (t.actions || []).filter((a) => a.pipelineExecutionId === filter.pipelineExecutionId) }),
  }),
  cloudwatch: () => ({ putMetricData: async ({ Namespace, MetricData }) => {
    for (const d of MetricData) out.push(Namespace + " " + d.MetricName + " " + d.Dimensions.map((x) => x.Name + "=" + x.Value).join(",") + " " + d.Value + " " + d.Unit);
  } }),
};
(async () => {
  const h = m.makeHandler(deps);
  for (const e of t.events) await h(e);
  process.stdout.write(out.join("\n"));
})().catch((e) => process.stdout.write("threw " + e.message));
`

func runMetricsJS(t *testing.T, input any) string {
	t.Helper()
	node := testenv.NeedNode(t)
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "index.js"), []byte(metricsJS), 0o644)
	arg, _ := json.Marshal(input)
	out, err := exec.Command(node, "-e", metricsHarness, filepath.Join(dir, "index.js"), string(arg)).CombinedOutput()
	if err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	return string(out)
}

// TestMetricsArithmeticMatchesGo: the function's summarize gives, on the
// recorded history, the numbers internal/metrics is held to.
func TestMetricsArithmeticMatchesGo(t *testing.T) {
	raw, err := os.ReadFile(filepath.Join(testenv.Root(), "internal", "metrics", "testdata", "executions.json"))
	if err != nil {
		t.Fatal(err)
	}
	var fixture map[string]any
	json.Unmarshal(raw, &fixture)
	var got, want any
	json.Unmarshal([]byte(runMetricsJS(t, map[string]any{"mode": "summarize", "fixture": fixture})), &got)
	want = fixture["want"]
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("metrics.js summarize (-want +got):\n%s", diff)
	}
}

// TestMetricsEvents: a recorded event sequence (a failed execution, then a
// fix whose stages and actions succeed), and the metrics each event puts.
func TestMetricsEvents(t *testing.T) {
	ev := func(detailType, at string, detail map[string]any) map[string]any {
		detail["pipeline"] = "orders-pipeline"
		return map[string]any{"source": "aws.codepipeline", "detail-type": detailType, "time": at, "detail": detail}
	}
	history := []any{
		map[string]any{"pipelineExecutionId": "e-2", "status": "InProgress", "startTime": "2026-11-04T12:00:00Z", "lastUpdateTime": "2026-11-04T12:30:00Z"},
		map[string]any{"pipelineExecutionId": "e-1", "status": "Failed", "startTime": "2026-11-04T09:00:00Z", "lastUpdateTime": "2026-11-04T10:00:00Z"},
		map[string]any{"pipelineExecutionId": "e-0", "status": "Succeeded", "startTime": "2026-11-03T09:00:00Z", "lastUpdateTime": "2026-11-03T15:00:00Z"},
	}
	actions := []any{
		map[string]any{"pipelineExecutionId": "e-2", "stageName": "Build", "actionName": "Synth", "startTime": "2026-11-04T12:01:00Z"},
		map[string]any{"pipelineExecutionId": "e-2", "stageName": "orders-alpha", "actionName": "Deploy", "startTime": "2026-11-04T12:20:00Z"},
	}
	events := []any{
		ev("CodePipeline Action Execution State Change", "2026-11-04T12:09:00Z", map[string]any{"execution-id": "e-2", "stage": "Build", "action": "Synth", "state": "SUCCEEDED", "type": map[string]any{"category": "Build"}}),
		ev("CodePipeline Action Execution State Change", "2026-11-04T12:30:00Z", map[string]any{"execution-id": "e-2", "stage": "orders-alpha", "action": "Deploy", "state": "SUCCEEDED", "type": map[string]any{"category": "Deploy"}}),
		ev("CodePipeline Action Execution State Change", "2026-11-04T12:31:00Z", map[string]any{"execution-id": "e-2", "stage": "orders-alpha", "action": "Validate-alpha", "state": "SUCCEEDED", "type": map[string]any{"category": "Invoke"}}),
		ev("CodePipeline Stage Execution State Change", "2026-11-04T12:45:00Z", map[string]any{"execution-id": "e-2", "stage": "orders-alpha", "state": "SUCCEEDED"}),
		ev("CodePipeline Stage Execution State Change", "2026-11-04T12:46:00Z", map[string]any{"execution-id": "e-2", "stage": "orders-beta", "state": "FAILED"}),
		ev("CodePipeline Pipeline Execution State Change", "2026-11-04T18:00:00Z", map[string]any{"execution-id": "e-2", "state": "SUCCEEDED"}),
		ev("CodePipeline Pipeline Execution State Change", "2026-11-04T18:00:00Z", map[string]any{"execution-id": "e-9", "state": "SUPERSEDED"}),
		map[string]any{"source": "aws.codepipeline", "detail-type": "CodePipeline Pipeline Execution State Change", "detail": map[string]any{"pipeline": "payments-pipeline", "state": "FAILED"}},
		map[string]any{"source": "aws.events", "detail-type": "Scheduled Event", "time": "2026-11-04T11:00:00Z", "detail": map[string]any{}},
	}
	got := runMetricsJS(t, map[string]any{"mode": "events", "now": "2026-11-04T11:00:00Z", "history": history, "actions": actions, "events": events})
	want := strings.Join([]string{
		"handsoff/Delivery BuildDuration Pipeline=orders-pipeline 480 Seconds",
		"handsoff/Delivery DeployDuration Pipeline=orders-pipeline 600 Seconds",
		"handsoff/Delivery LeadTime Pipeline=orders-pipeline,Stage=orders-alpha 2700 Seconds",
		"handsoff/Delivery Executions Pipeline=orders-pipeline 1 Count",
		"handsoff/Delivery FailedExecutions Pipeline=orders-pipeline 0 Count",
		"handsoff/Delivery Deployments Pipeline=orders-pipeline 1 Count",
		"handsoff/Delivery LeadTime Pipeline=orders-pipeline 21600 Seconds",
		// From the end of the failure (10:00) to this success (18:00).
		"handsoff/Delivery TimeToRestore Pipeline=orders-pipeline 28800 Seconds",
		// The schedule at 11:00, with e-1 the latest counted: broken 60 minutes.
		"handsoff/Delivery BrokenMinutes Pipeline=orders-pipeline 60 None",
	}, "\n")
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("metrics put (-want +got):\n%s", diff)
	}
}
