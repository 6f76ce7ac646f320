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

// stopperHarness runs the validation stopper's own code under Node with
// fake AWS clients: t.stages is the pipeline's structure, t.running maps a
// state machine ARN to its running executions ({arn, start}), t.errors
// names calls that throw. It prints every call, then what came back.
const stopperHarness = `
const s = require(process.argv[1]);
const t = JSON.parse(process.argv[2]);
const calls = [];
const fail = (name) => { if ((t.errors || []).includes(name)) throw new Error(name + " denied"); };
const deps = {
  now: () => Date.parse("2026-12-03T12:00:00Z"),
  assume: async (role) => { fail("assume"); calls.push("assume " + role); return {}; },
  codepipeline: () => ({ getPipeline: async ({ name }) => { calls.push("get " + name); return { pipeline: { name, stages: t.stages } }; } }),
  sfn: (region) => ({
    listExecutions: async ({ stateMachineArn, statusFilter }) => {
      fail("list");
      calls.push("list " + region + " " + stateMachineArn + " " + statusFilter);
      return { executions: (t.running[stateMachineArn] || []).map((x) => ({ executionArn: x.arn, startDate: new Date(x.start) })) };
    },
    stopExecution: async ({ executionArn, error, cause }) => { calls.push("stop " + executionArn + " " + error + ": " + cause); },
  }),
};
s.makeHandler(deps)(t.event).then((r) => process.stdout.write(calls.concat("ok " + r.stopped.length).join("\n")),
  (e) => process.stdout.write(calls.concat("threw " + e.message).join("\n")));
`

// TestValidationStopper runs the stopper for the events its rules match.
func TestValidationStopper(t *testing.T) {
	node := testenv.NeedNode(t)
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "index.js"), []byte(stopperJS), 0o644)
	const smA, smB = "arn:aws:states:us-east-1:222222222222:stateMachine:handsoff-orders_gamma-use1-checks", "arn:aws:states:eu-west-1:333333333333:stateMachine:handsoff-orders_gamma-euw1-checks"
	roleA, roleB := "arn:aws:iam::222222222222:role/handsoff-orders-gate-us-east-1", "arn:aws:iam::333333333333:role/handsoff-orders-gate-eu-west-1"
	sfnAction := func(name, sm, region, role string) map[string]any {
		return map[string]any{"name": name, "region": region, "roleArn": role, "actionTypeId": map[string]any{"provider": "StepFunctions"},
			"configuration": map[string]any{"StateMachineArn": sm}}
	}
	pipelineStages := []any{
		map[string]any{"name": "gamma", "actions": []any{
			map[string]any{"name": "gamma-use1.Deploy", "actionTypeId": map[string]any{"provider": "CloudFormation"}, "configuration": map[string]any{}},
			sfnAction("Validate-gamma-use1", smA, "us-east-1", roleA),
			sfnAction("Validate-gamma-euw1", smB, "eu-west-1", roleB),
		}},
	}
	running := map[string]any{
		smA: []any{map[string]any{"arn": smA + ":old", "start": "2026-12-03T11:50:00Z"}, map[string]any{"arn": smA + ":rollback", "start": "2026-12-03T11:59:30Z"}},
		smB: []any{map[string]any{"arn": smB + ":old", "start": "2026-12-03T11:40:00Z"}},
	}
	stageEvent := map[string]any{"time": "2026-12-03T11:59:00Z", "detail-type": "CodePipeline Stage Execution State Change",
		"detail": map[string]any{"pipeline": "orders-pipeline", "stage": "gamma", "state": "FAILED"}}
	actionEvent := map[string]any{"time": "2026-12-03T11:59:00Z", "detail-type": "CodePipeline Action Execution State Change",
		"detail": map[string]any{"pipeline": "orders-pipeline", "stage": "gamma", "action": "Validate-gamma-euw1", "state": "FAILED"}}
	cases := []struct {
		name  string
		input map[string]any
		want  []string
	}{
		{"a failed stage stops every validation it started, not a later one", map[string]any{"event": stageEvent, "stages": pipelineStages, "running": running}, []string{
			"get orders-pipeline",
			"assume " + roleA, "list us-east-1 " + smA + " RUNNING",
			"stop " + smA + ":old handsoff.PipelineGaveUp: stage gamma of pipeline orders-pipeline failed",
			"assume " + roleB, "list eu-west-1 " + smB + " RUNNING",
			"stop " + smB + ":old handsoff.PipelineGaveUp: stage gamma of pipeline orders-pipeline failed",
			"ok 2"}},
		{"a failed action stops its own validation only", map[string]any{"event": actionEvent, "stages": pipelineStages, "running": running}, []string{
			"get orders-pipeline",
			"assume " + roleB, "list eu-west-1 " + smB + " RUNNING",
			"stop " + smB + ":old handsoff.PipelineGaveUp: stage gamma of pipeline orders-pipeline failed (action Validate-gamma-euw1)",
			"ok 1"}},
		{"a stage without validation: nothing to stop", map[string]any{"event": map[string]any{"detail": map[string]any{"pipeline": "orders-pipeline", "stage": "Build", "state": "FAILED"}},
			"stages": pipelineStages, "running": running}, []string{"handsoff validation stopper: orders-pipeline has no stage Build", "get orders-pipeline", "ok 0"}},
		{"not a pipeline event", map[string]any{"event": map[string]any{"detail": map[string]any{}}, "stages": pipelineStages, "running": running}, []string{`handsoff validation stopper: not a CodePipeline stage or action event: {"detail":{}}`, "ok 0"}},
		{"a denied role is an error, so Lambda retries", map[string]any{"event": actionEvent, "stages": pipelineStages, "running": running, "errors": []string{"assume"}}, []string{
			"get orders-pipeline", "threw handsoff validation stopper: Validate-gamma-euw1: assume denied"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			in, _ := json.Marshal(c.input)
			out, err := exec.Command(node, "-e", stopperHarness, filepath.Join(dir, "index.js"), string(in)).CombinedOutput()
			if err != nil {
				t.Fatalf("%v: %s", err, out)
			}
			var got []string
			for _, l := range strings.Split(string(out), "\n") {
				if !strings.HasPrefix(l, "{") { // the function's JSON log line of what it did
					got = append(got, l)
				}
			}
			if diff := cmp.Diff(c.want, got); diff != "" {
				t.Errorf("calls (-want +got):\n%s", diff)
			}
		})
	}
}
