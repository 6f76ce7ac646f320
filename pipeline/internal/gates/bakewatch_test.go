package gates

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/handsoff-cdk/handsoff/internal/testenv"
	"github.com/handsoff-cdk/handsoff/stages"
)

// bakeHarness runs the bake watcher's own code under Node with fake AWS
// clients: stacks map stack name to its alarm names, alarms map an alarm
// name to its state, errors names API calls that throw. It returns what the
// function reported to CodePipeline.
const bakeHarness = `
const w = require(process.argv[1]);
const t = JSON.parse(process.argv[2]);
const calls = [];
let now = t.now;
const fail = (name) => { if ((t.errors || []).includes(name)) throw new Error(name + " throttled"); };
const deps = {
  now: () => now,
  sleep: async (ms) => { calls.push("sleep " + ms); now += ms; },
  assume: async (role) => { fail("assume"); calls.push("assume " + role); return {}; },
  cloudformation: () => ({ listStackResources: async ({ StackName }) => {
    fail("list");
    if (!(StackName in t.stacks)) throw new Error("Stack with id " + StackName + " does not exist");
    return { StackResourceSummaries: t.stacks[StackName].map((n) => ({ ResourceType: n.startsWith("c:") ? "AWS::CloudWatch::CompositeAlarm" : n.startsWith("s:") ? "AWS::CloudFormation::Stack" : "AWS::CloudWatch::Alarm", PhysicalResourceId: n.replace(/^[cs]:/, ""), ResourceStatus: "UPDATE_COMPLETE" })) };
  } }),
  // Pages as CloudWatch does: MaxRecords (default 50) per page, then NextToken.
  cloudwatch: () => ({ describeAlarms: async ({ AlarmNames, MaxRecords, NextToken }) => {
    fail("describe");
    const found = AlarmNames.filter((n) => n in t.alarms).map((n) => ({ AlarmName: n, StateValue: t.alarms[n], StateReason: "threshold crossed",
      AlarmActions: (t.actions || {})[n] || [] }));
    const from = NextToken ? Number(NextToken) : 0, size = Math.min(MaxRecords || 50, t.pageSize || 100);
    const page = found.slice(from, from + size);
    return { MetricAlarms: page, CompositeAlarms: [], NextToken: from + size < found.length ? String(from + size) : undefined };
  } }),
  pipeline: t.pipeline,
  codepipeline: () => ({
    putJobSuccessResult: async (r) => { calls.push("success " + (r.continuationToken ? "continue" : "done") + (r.executionDetails ? ": " + r.executionDetails.summary : "")); },
    putJobFailureResult: async (r) => { calls.push("failure " + r.failureDetails.message); },
    getPipelineState: async ({ name }) => { fail("state"); calls.push("state " + name); return { stageStates: t.stageStates || [] }; },
  }),
};
const event = t.event || { "CodePipeline.job": { id: "job-1", data: {
  actionConfiguration: { configuration: { UserParameters: JSON.stringify(t.params) } },
  continuationToken: t.token ? JSON.stringify(t.token) : undefined } } };
const context = { invokedFunctionArn: "arn:aws:lambda:us-east-1:111111111111:function:orders-bake-watch" };
if (t.remaining) context.getRemainingTimeInMillis = () => t.remaining;
w.makeHandler(deps)(event, context)
  .then(() => process.stdout.write(calls.join("\n")), (e) => { process.stdout.write(calls.concat("threw " + e.message).join("\n")); });
`

// TestBakeWatcher runs the watcher's code for every outcome a bake has.
func TestBakeWatcher(t *testing.T) {
	node := testenv.NeedNode(t)
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "index.js"), []byte(bakeWatchJS), 0o644)
	// "--Service" is the compact form of orders-prod-use1-Service.
	params := map[string]any{"m": 60, "p": "orders", "e": []any{map[string]any{"n": "prod-use1", "a": "444444444444", "r": "us-east-1", "s": []string{"--Service"}, "l": []string{"platform-latency"}}}}
	stacks := map[string][]string{"orders-prod-use1-Service": {"Errors", "c:Composite"}}
	withStage := map[string]any{"m": 60, "p": "orders", "g": "prod-wave-1", "e": params["e"]}
	ok := map[string]string{"Errors": "OK", "Composite": "INSUFFICIENT_DATA", "platform-latency": "OK"}
	const start = 1_700_000_000_000
	// The role the watcher assumes is the one the Go side names.
	role := "assume " + NamesFor(&stages.Config{Service: stages.Service{Name: "orders"}}, stages.Environment{Name: "prod-use1", Account: "444444444444", Region: "us-east-1"}).GateRoleArn
	cases := []struct {
		name   string
		input  map[string]any
		want   []string
		prefix bool // the last line only has to start with the wanted one
	}{
		{"first call: healthy, keeps baking", map[string]any{"params": params, "stacks": stacks, "alarms": ok},
			[]string{role, "sleep 55000", "success continue"}, false},
		{"healthy at the end: done", map[string]any{"params": params, "stacks": stacks, "alarms": ok, "token": map[string]any{"until": start, "errors": 0}},
			[]string{role, "success done"}, false},
		{"an alarm of a stack fires", map[string]any{"params": params, "stacks": stacks, "alarms": map[string]string{"Errors": "ALARM", "Composite": "OK", "platform-latency": "OK"}},
			[]string{role, "failure handsoff bake: prod-use1: alarm Errors is in ALARM (threshold crossed)"}, false},
		{"a composite alarm fires", map[string]any{"params": params, "stacks": stacks, "alarms": map[string]string{"Errors": "OK", "Composite": "ALARM", "platform-latency": "OK"}},
			[]string{role, "failure handsoff bake: prod-use1: alarm Composite is in ALARM"}, true},
		{"an alarm of a nested stack fires", map[string]any{"params": params, "alarms": map[string]string{"Errors": "OK", "Composite": "OK", "platform-latency": "OK", "Deep": "ALARM"},
			"stacks": map[string][]string{"orders-prod-use1-Service": {"Errors", "c:Composite", "s:arn:aws:cloudformation:us-east-1:444444444444:stack/nested/1"}, "arn:aws:cloudformation:us-east-1:444444444444:stack/nested/1": {"Deep"}}},
			[]string{role, "failure handsoff bake: prod-use1: alarm Deep is in ALARM (threshold crossed)"}, false},
		{"a named alarm fires", map[string]any{"params": params, "stacks": stacks, "alarms": map[string]string{"Errors": "OK", "Composite": "OK", "platform-latency": "ALARM"}},
			[]string{role, "failure handsoff bake: prod-use1: alarm platform-latency is in ALARM"}, true},
		{"a named alarm is missing: fails closed", map[string]any{"params": params, "stacks": stacks, "alarms": map[string]string{"Errors": "OK", "Composite": "OK"}},
			[]string{role, "failure handsoff bake: cannot watch the alarms (fails closed): alarm platform-latency, named by the document for prod-use1, does not exist in 444444444444 us-east-1"}, false},
		{"a stack is missing: fails closed", map[string]any{"params": params, "stacks": map[string][]string{}, "alarms": ok},
			[]string{role, "failure handsoff bake: cannot watch the alarms (fails closed): stack orders-prod-use1-Service of prod-use1 does not exist in 444444444444 us-east-1"}, false},
		{"a throttled call is tried again", map[string]any{"params": params, "stacks": stacks, "alarms": ok, "errors": []string{"describe"}},
			[]string{"check 1 of 5 failed, trying again: describe throttled", role, "sleep 55000", "success continue"}, false},
		{"five failed checks in a row fail closed", map[string]any{"params": params, "stacks": stacks, "alarms": ok, "errors": []string{"describe"}, "token": map[string]any{"until": start + 3_600_000, "errors": 4}},
			[]string{role, "failure handsoff bake: cannot watch the alarms (fails closed): describe throttled"}, false},
		{"a failed last check does not pass the bake", map[string]any{"params": params, "stacks": stacks, "alarms": ok, "errors": []string{"assume"}, "token": map[string]any{"until": start - 1, "errors": 0}},
			[]string{"check 1 of 5 failed, trying again: assume throttled", "sleep 0", "success continue"}, false},
		{"past the first page of alarms", map[string]any{"params": params, "pageSize": 1, "stacks": map[string][]string{"orders-prod-use1-Service": {"A", "B", "C"}},
			"alarms": map[string]string{"A": "OK", "B": "OK", "C": "ALARM", "platform-latency": "OK"}},
			[]string{role, "failure handsoff bake: prod-use1: alarm C is in ALARM (threshold crossed)"}, false},
		{"a named alarm past the first page is found", map[string]any{"params": params, "pageSize": 1, "stacks": map[string][]string{"orders-prod-use1-Service": {"A", "B", "C"}},
			"alarms": map[string]string{"A": "OK", "B": "OK", "C": "OK", "platform-latency": "OK"}},
			[]string{role, "sleep 55000", "success continue"}, false},
		{"a scale-in alarm is no health alarm", map[string]any{"params": params, "stacks": map[string][]string{"orders-prod-use1-Service": {"ScaleIn", "Errors"}},
			"alarms":  map[string]string{"ScaleIn": "ALARM", "Errors": "OK", "platform-latency": "OK"},
			"actions": map[string][]string{"ScaleIn": {"arn:aws:autoscaling:us-east-1:444444444444:scalingPolicy:1:resource/ecs/service/c/s:policyName/in"}}},
			[]string{role, "sleep 55000", "success continue"}, false},
		{"an alarm that also notifies counts", map[string]any{"params": params, "stacks": map[string][]string{"orders-prod-use1-Service": {"ScaleIn"}},
			"alarms":  map[string]string{"ScaleIn": "ALARM", "platform-latency": "OK"},
			"actions": map[string][]string{"ScaleIn": {"arn:aws:autoscaling:us-east-1:444444444444:scalingPolicy:1:autoScalingGroupName/g:policyName/in", "arn:aws:sns:us-east-1:444444444444:oncall"}}},
			[]string{role, "failure handsoff bake: prod-use1: alarm ScaleIn is in ALARM (threshold crossed)"}, false},
		{"a scaling alarm the document names counts", map[string]any{"params": params, "stacks": stacks,
			"alarms":  map[string]string{"Errors": "OK", "Composite": "OK", "platform-latency": "ALARM"},
			"actions": map[string][]string{"platform-latency": {"arn:aws:autoscaling:us-east-1:444444444444:scalingPolicy:1:autoScalingGroupName/g:policyName/out"}}},
			[]string{role, "failure handsoff bake: prod-use1: alarm platform-latency is in ALARM (threshold crossed)"}, false},
		{"little time left: sleeps only what it has", map[string]any{"params": params, "stacks": stacks, "alarms": ok, "remaining": 40000},
			[]string{role, "sleep 25000", "success continue"}, false},
		{"no time left: reports at once", map[string]any{"params": params, "stacks": stacks, "alarms": ok, "remaining": 9000},
			[]string{role, "sleep 0", "success continue"}, false},
		{"a rollback does not bake", map[string]any{"params": withStage, "pipeline": "orders-pipeline", "stacks": stacks, "alarms": map[string]string{"Errors": "ALARM", "Composite": "OK", "platform-latency": "OK"},
			"stageStates": []any{map[string]any{"stageName": "prod-wave-1", "latestExecution": map[string]any{"pipelineExecutionId": "e", "status": "InProgress", "type": "ROLLBACK"}}}},
			[]string{"state orders-pipeline", "success done: handsoff bake: a rollback to a known-good version; the alarms are not watched while it returns"}, false},
		{"a release bakes", map[string]any{"params": withStage, "pipeline": "orders-pipeline", "stacks": stacks, "alarms": map[string]string{"Errors": "ALARM", "Composite": "OK", "platform-latency": "OK"},
			"stageStates": []any{map[string]any{"stageName": "prod-wave-1", "latestExecution": map[string]any{"pipelineExecutionId": "e", "status": "InProgress", "type": "STANDARD"}}}},
			[]string{"state orders-pipeline", role, "failure handsoff bake: prod-use1: alarm Errors is in ALARM (threshold crossed)"}, false},
		{"cannot tell: bakes as usual", map[string]any{"params": withStage, "pipeline": "orders-pipeline", "stacks": stacks, "alarms": map[string]string{"Errors": "ALARM", "Composite": "OK", "platform-latency": "OK"},
			"errors": []string{"state"}},
			[]string{"cannot tell whether this is a rollback, baking as usual: state throttled", role, "failure handsoff bake: prod-use1: alarm Errors is in ALARM (threshold crossed)"}, false},
		{"bad parameters fail closed", map[string]any{"params": map[string]any{"e": []any{}}, "stacks": stacks, "alarms": ok},
			[]string{"failure handsoff bake watcher: bad parameters (fails closed): no bake minutes or environments"}, false},
		{"not a job: throws, naming what came", map[string]any{"event": map[string]any{"hello": "world"}, "stacks": stacks, "alarms": ok},
			[]string{`threw handsoff bake watcher: not a CodePipeline job: {"hello":"world"}`}, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			tc.input["now"] = start
			in, _ := json.Marshal(tc.input)
			out, err := exec.Command(node, "-e", bakeHarness, filepath.Join(dir, "index.js"), string(in)).CombinedOutput()
			if err != nil {
				t.Fatalf("node: %v\n%s", err, out)
			}
			got := strings.Split(strings.TrimSpace(string(out)), "\n")
			if tc.prefix && len(got) == len(tc.want) && strings.HasPrefix(got[len(got)-1], tc.want[len(tc.want)-1]) {
				got[len(got)-1] = tc.want[len(tc.want)-1]
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("calls (-want +got):\n%s", diff)
			}
		})
	}
}

// TestBakeAction: the action's parameters carry each environment, and
// parameters past CodePipeline's 1,000 characters are refused.
func TestBakeAction(t *testing.T) {
	targets := []BakeTarget{{Environment: "prod-use1", Account: "444444444444", Region: "us-east-1", Stacks: []string{"orders-prod-use1-Service"}}}
	a, err := BakeAction("Bake", "orders", "prod-use1", "orders-bake-watch", 120, targets, 4)
	if err != nil {
		t.Fatal(err)
	}
	want := Action{
		Name:          "Bake",
		ActionTypeId:  ActionType{Category: "Invoke", Owner: "AWS", Provider: "Lambda", Version: "1"},
		Configuration: map[string]any{"FunctionName": "orders-bake-watch", "UserParameters": `{"m":120,"p":"orders","g":"prod-use1","e":[{"n":"prod-use1","a":"444444444444","r":"us-east-1","s":["--Service"]}]}`},
		RunOrder:      4,
	}
	if diff := cmp.Diff(want, a); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
	for i := range 12 {
		targets = append(targets, BakeTarget{Environment: fmt.Sprintf("prod-%d", i), Account: "444444444444", Region: "ap-southeast-1", Stacks: []string{fmt.Sprintf("stack-of-prod-%d", i)}})
	}
	if _, err := BakeAction("Bake", "orders", "prod-use1", "orders-bake-watch", 120, targets, 4); err == nil || !strings.Contains(err.Error(), "CodePipeline takes at most 1000") {
		t.Errorf("err = %v", err)
	}
}
