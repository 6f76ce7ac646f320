package rollout_test

import (
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/google/go-cmp/cmp"

	"github.com/handsoff-cdk/handsoff/examples/immutable"
	"github.com/handsoff-cdk/handsoff/internal/testenv"
)

var update = flag.Bool("update", false, "rewrite the golden templates")

// The example app (examples/immutable), synthesized once with cdk-nag.
var example = testenv.NewShared("handsoff-rollout-", func(app awscdk.App) { immutable.Stacks(app) })

type fixture struct {
	dir   string
	tmpls map[string]map[string]any
}

func TestMain(m *testing.M) {
	code := m.Run()
	example.Close()
	os.Exit(code)
}

func synth(t *testing.T) *fixture {
	t.Helper()
	dir, tmpls := example.Get(t)
	return &fixture{dir: dir, tmpls: tmpls}
}

func resources(tmpl map[string]any, typ string) map[string]map[string]any {
	out := map[string]map[string]any{}
	for id, r := range tmpl["Resources"].(map[string]any) {
		if rm := r.(map[string]any); rm["Type"] == typ {
			out[id] = rm
		}
	}
	return out
}

func props(r map[string]any) map[string]any { return r["Properties"].(map[string]any) }

// refs are the logical IDs a value refers to with Ref.
func refs(v any) []string {
	var out []string
	var walk func(any)
	walk = func(v any) {
		switch x := v.(type) {
		case map[string]any:
			if r, ok := x["Ref"].(string); ok && len(x) == 1 {
				out = append(out, r)
			}
			for _, y := range x {
				walk(y)
			}
		case []any:
			for _, y := range x {
				walk(y)
			}
		}
	}
	walk(v)
	sort.Strings(out)
	return out
}

// TestRollbackAlarmsAreTheBakeAlarms: in each stack, the alarms a new
// image (the instance refresh) and a new revision (the deployment group)
// roll back on are exactly the stack's alarms, which are the ones the
// pipeline's bake watches; an alarm made after the rollout counts too.
func TestRollbackAlarmsAreTheBakeAlarms(t *testing.T) {
	f := synth(t)
	for _, name := range []string{"Web", "Api"} {
		tmpl := f.tmpls[name+".template.json"]
		var alarms []string
		for id := range resources(tmpl, "AWS::CloudWatch::Alarm") {
			alarms = append(alarms, id)
		}
		sort.Strings(alarms)
		if len(alarms) == 0 {
			t.Fatalf("%s has no alarm", name)
		}
		for id, dg := range resources(tmpl, "AWS::CodeDeploy::DeploymentGroup") {
			if got := refs(props(dg)["AlarmConfiguration"]); !slices.Equal(got, alarms) {
				t.Errorf("%s %s rolls back on %v; the stack's alarms are %v", name, id, got, alarms)
			}
		}
		for id, g := range resources(tmpl, "AWS::AutoScaling::AutoScalingGroup") {
			up, _ := g["UpdatePolicy"].(map[string]any)
			if got := refs(up["AutoScalingInstanceRefresh"]); !slices.Equal(got, alarms) {
				t.Errorf("%s %s refreshes watching %v; the stack's alarms are %v", name, id, got, alarms)
			}
		}
	}
}

// TestGolden: the Web and Api stacks; go test ./constructs/rollout -update
// rewrites them.
func TestGolden(t *testing.T) {
	f := synth(t)
	for _, name := range []string{"Web", "Api"} {
		raw, _ := json.Marshal(f.tmpls[name+".template.json"])
		var tmpl map[string]any
		json.Unmarshal(raw, &tmpl)
		delete(tmpl["Parameters"].(map[string]any), "BootstrapVersion")
		delete(tmpl, "Rules")
		got, _ := json.MarshalIndent(tmpl, "", "  ")
		got = append(got, '\n')
		file := filepath.Join("testdata", strings.ToLower(name)+".template.json")
		if *update {
			os.MkdirAll("testdata", 0o755)
			if err := os.WriteFile(file, got, 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		want, err := os.ReadFile(file)
		if err != nil {
			t.Fatalf("%v: run go test ./constructs/rollout -update", err)
		}
		if diff := cmp.Diff(string(want), string(got)); diff != "" {
			t.Errorf("%s (-want +got); go test ./constructs/rollout -update if intended:\n%s", file, diff)
		}
	}
}

// TestAWSRules: the offline oracle of what AWS documents finds nothing in
// the example's templates.
func TestAWSRules(t *testing.T) {
	f := synth(t)
	for _, name := range []string{"Web", "Api"} {
		for _, p := range checkTemplate(f.tmpls[name+".template.json"]) {
			t.Errorf("%s: %s", name, p)
		}
	}
}

// TestChecks: cdk-nag's AwsSolutions finds no unsuppressed error, and
// AWS Control Tower's cfn-guard rules for Auto Scaling, EC2 and IAM no
// unsuppressed failure, in the Web and Api stacks; the templates match
// the CloudFormation registry.
func TestChecks(t *testing.T) {
	f := synth(t)
	for _, a := range testenv.Annotations(t, f.dir) {
		if a.Level == "error" && (strings.HasPrefix(a.Path, "/Web/") || strings.HasPrefix(a.Path, "/Api/")) {
			t.Error(a)
		}
	}
	files := testenv.TemplateFiles(t, f.dir)
	for name := range files {
		if name != "Web.template.json" && name != "Api.template.json" {
			delete(files, name)
		}
	}
	res := testenv.Guard(t, files, "ec2autoscaling", "ec2", "identityandaccessmanagement")
	for _, fl := range res.Failures {
		t.Error(fl)
	}
	t.Logf("cfn-guard: %d failures, %d reasoned suppressions", len(res.Failures), res.Suppressed)
	schema := testenv.Schema(t)
	for _, name := range []string{"Web", "Api"} {
		for _, p := range schema.Validate(f.tmpls[name+".template.json"]) {
			t.Errorf("%s: %s", name, p)
		}
	}
}
