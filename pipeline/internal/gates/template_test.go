package gates

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/handsoff-cdk/handsoff/stages"
)

// exampleEnvironments parses the example document and indexes its
// environments by name.
func exampleEnvironments(t testing.TB) (*stages.Config, map[string]stages.Environment) {
	t.Helper()
	cfg, err := stages.Parse(stages.ExampleDocument(), "example")
	if err != nil {
		t.Fatal(err)
	}
	byName := map[string]stages.Environment{}
	for _, e := range cfg.Environments() {
		byName[e.Name] = e
	}
	return cfg, byName
}

// TestGatesTemplateResources: each environment gets exactly the gates its
// document asks for.
func TestGatesTemplateResources(t *testing.T) {
	cfg, byName := exampleEnvironments(t)
	cases := []struct {
		env  string
		want []string
	}{
		// health (http) and integration (codebuild).
		{"alpha", []string{"CheckRunner", "CheckRunnerLogs", "CheckRunnerRole", "CheckintegrationLogs", "CheckintegrationRole", "Checkintegration", "ChecksKey", "Validation", "ValidationLogs", "ValidationRole"}},
		// health (http) and canary (lambda); the bake is an action of the
		// pipeline, and the gate role comes from the bootstrap stack.
		{"prod-use1", []string{"CheckRunner", "CheckRunnerLogs", "CheckRunnerRole", "Validation", "ValidationLogs", "ValidationRole"}},
	}
	for _, tc := range cases {
		t.Run(tc.env, func(t *testing.T) {
			env := byName[tc.env]
			tmpl := GatesTemplate(cfg, env, NewValidation(cfg, env))
			var got []string
			for id := range tmpl["Resources"].(map[string]any) {
				got = append(got, id)
			}
			slices.Sort(got)
			want := slices.Sorted(slices.Values(tc.want))
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("resources (-want +got):\n%s", diff)
			}
		})
	}
}

// TestGatesTemplateRetention: the checks' KMS key is kept on delete (but not
// after a failed first create, which would leave a name behind), and the
// log groups, whose names are fixed, go with the stack, so that the
// environment can be added back.
func TestGatesTemplateRetention(t *testing.T) {
	cfg, byName := exampleEnvironments(t)
	env := byName["alpha"]
	want := map[string]string{"AWS::KMS::Key": "RetainExceptOnCreate", "AWS::Logs::LogGroup": "Delete"}
	checked := 0
	for id, r := range GatesTemplate(cfg, env, NewValidation(cfg, env))["Resources"].(map[string]any) {
		rm := r.(map[string]any)
		if w, ok := want[fmt.Sprint(rm["Type"])]; ok {
			checked++
			if rm["DeletionPolicy"] != w {
				t.Errorf("%s: DeletionPolicy %v, want %s", id, rm["DeletionPolicy"], w)
			}
		}
	}
	if checked < 2 {
		t.Error("no key or log group: the test proves nothing")
	}
}

// TestNewGates: the values only the pipeline knows replace the template's
// parameters, every taggable resource carries the tags, and Write leaves the
// template and its CodePipeline template configuration side by side.
func TestNewGates(t *testing.T) {
	cfg, byName := exampleEnvironments(t)
	tags := map[string]string{"service": "orders", "environment": "alpha"}
	t.Run("codebuild checks need the source", func(t *testing.T) {
		if !NeedsSource(cfg, byName["alpha"]) || NeedsSource(cfg, byName["prod-use1"]) {
			t.Fatal("NeedsSource: alpha runs a codebuild check, prod-use1 does not")
		}
		if _, err := NewGates(&GatesProps{Config: cfg, Environment: byName["alpha"]}); err == nil {
			t.Fatal("no error without the source location")
		}
	})
	g, err := NewGates(&GatesProps{Config: cfg, Environment: byName["alpha"], SourceBucket: "cdk-assets-bucket", SourceKey: "abc.zip", Tags: tags})
	if err != nil {
		t.Fatal(err)
	}
	tmpl := g.Template()
	if _, ok := tmpl["Parameters"]; ok {
		t.Errorf("the template keeps parameters: %v", tmpl["Parameters"])
	}
	res := tmpl["Resources"].(map[string]any)
	loc := res["Checkintegration"].(map[string]any)["Properties"].(map[string]any)["Source"].(map[string]any)["Location"]
	if diff := cmp.Diff(map[string]any{"Fn::Join": []any{"/", []any{"cdk-assets-bucket", "abc.zip"}}}, loc); diff != "" {
		t.Errorf("source location (-want +got):\n%s", diff)
	}
	for id, r := range res {
		rm := r.(map[string]any)
		if !taggable[rm["Type"].(string)] {
			continue
		}
		want := []any{map[string]any{"Key": "environment", "Value": "alpha"}, map[string]any{"Key": "service", "Value": "orders"}}
		if diff := cmp.Diff(want, rm["Properties"].(map[string]any)["Tags"]); diff != "" {
			t.Errorf("%s tags (-want +got):\n%s", id, diff)
		}
	}

	dir := t.TempDir()
	if err := g.Write(dir); err != nil {
		t.Fatal(err)
	}
	var written map[string]any
	data, err := os.ReadFile(filepath.Join(dir, "orders-alpha-gates.template.json"))
	if err == nil {
		err = json.Unmarshal(data, &written)
	}
	if err != nil {
		t.Fatal(err)
	}
	var want map[string]any // the template as JSON reads it back
	raw, _ := json.Marshal(tmpl)
	_ = json.Unmarshal(raw, &want)
	if diff := cmp.Diff(want, written); diff != "" {
		t.Errorf("written template (-want +got):\n%s", diff)
	}
	config, err := os.ReadFile(filepath.Join(dir, "orders-alpha-gates.template.json.config.json"))
	if err != nil {
		t.Fatal(err)
	}
	var cfgFile map[string]map[string]string
	if err := json.Unmarshal(config, &cfgFile); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(map[string]map[string]string{"Tags": tags}, cfgFile); diff != "" {
		t.Errorf("template configuration (-want +got):\n%s", diff)
	}

	t.Run("an environment without checks has no gates", func(t *testing.T) {
		env := byName["prod-use1"]
		env.Checks = nil
		if _, err := NewGates(&GatesProps{Config: cfg, Environment: env}); err == nil {
			t.Error("gates without checks")
		}
	})
}

// TestDeployActions: the gates deploy like CDK Pipelines deploys a stack,
// with the environment's bootstrap roles, directly or through a change set.
func TestDeployActions(t *testing.T) {
	cfg, byName := exampleEnvironments(t)
	env := byName["prod-use1"]
	g, err := NewGates(&GatesProps{Config: cfg, Environment: env})
	if err != nil {
		t.Fatal(err)
	}
	role := func(kind string) map[string]any {
		return map[string]any{"Fn::Join": []any{"", []any{"arn:", map[string]any{"Ref": "AWS::Partition"},
			":iam::" + env.Account + ":role/cdk-custom-" + kind + "-role-" + env.Account + "-" + env.Region}}}
	}
	path := "Synth_Output::assembly-orders-prod-use1/orders-prod-use1-gates.template.json"
	got := DeployActions("Gates-prod-use1", g, DeployOptions{Artifact: "Synth_Output", Dir: "assembly-orders-prod-use1", Qualifier: "custom", RunOrder: 2})
	want := []Action{{
		Name:         "Gates-prod-use1.Deploy",
		ActionTypeId: ActionType{Category: "Deploy", Owner: "AWS", Provider: "CloudFormation", Version: "1"},
		Configuration: map[string]any{
			"ActionMode": "CREATE_UPDATE", "StackName": "orders-prod-use1-gates", "RoleArn": role("cfn-exec"),
			"Capabilities": "CAPABILITY_NAMED_IAM,CAPABILITY_AUTO_EXPAND", "TemplatePath": path, "TemplateConfiguration": path + ".config.json",
		},
		InputArtifacts: []Artifact{{Name: "Synth_Output"}},
		Region:         env.Region, RoleArn: role("deploy"), RunOrder: 2,
	}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("deploy action (-want +got):\n%s", diff)
	}
	cs := DeployActions("Gates-prod-use1", g, DeployOptions{Artifact: "Synth_Output", Dir: "assembly-orders-prod-use1", ChangeSets: true, RunOrder: 2})
	if len(cs) != 2 || cs[0].Name != "Gates-prod-use1.Prepare" || cs[1].Name != "Gates-prod-use1.Deploy" || cs[1].RunOrder != 3 ||
		cs[0].Configuration["ActionMode"] != "CHANGE_SET_REPLACE" || cs[1].Configuration["ActionMode"] != "CHANGE_SET_EXECUTE" {
		t.Errorf("change-set actions: %v", cs)
	}
}
