package oracle

import (
	"strings"
	"testing"
)

// TestLimits: each limit, exceeded by one, is reported with its
// documentation; at the limit, nothing is.
func TestLimits(t *testing.T) {
	long := func(n int) string { return strings.Repeat("x", n) }
	pipelineWith := func(actions int, cfgValue string, stageName string) map[string]any {
		var acts []any
		for range actions {
			acts = append(acts, map[string]any{"Name": "a", "Configuration": map[string]any{"UserParameters": cfgValue}})
		}
		return map[string]any{"Type": "AWS::CodePipeline::Pipeline", "Properties": map[string]any{"Name": "p", "Stages": []any{map[string]any{"Name": stageName, "Actions": acts}}}}
	}
	many := func(n int, r any) map[string]any {
		out := map[string]any{}
		for i := range n {
			out[strings.Repeat("R", 1)+string(rune('a'+i%26))+strings.Repeat("x", i/26)] = r
		}
		return out
	}
	fn := func(env int) map[string]any {
		return map[string]any{"Type": "AWS::Lambda::Function", "Properties": map[string]any{"Environment": map[string]any{"Variables": map[string]any{"V": long(env - 1)}}}}
	}
	cases := []struct {
		name  string
		tmpl  map[string]any
		raw   int
		limit Limit
	}{
		{"action configuration value", map[string]any{"Resources": map[string]any{"P": pipelineWith(1, long(1001), "s")}}, 0, LimitActionConfiguration},
		{"stage name", map[string]any{"Resources": map[string]any{"P": pipelineWith(1, "x", long(101))}}, 0, LimitPipelineName},
		{"actions in a stage", map[string]any{"Resources": map[string]any{"P": pipelineWith(51, "x", "s")}}, 0, LimitActionsPerStage},
		{"buildspec", map[string]any{"Resources": map[string]any{"B": map[string]any{"Type": "AWS::CodeBuild::Project", "Properties": map[string]any{"Source": map[string]any{"BuildSpec": long(25601)}}}}}, 0, LimitBuildSpec},
		{"buildspec by Fn::Join", map[string]any{"Resources": map[string]any{"B": map[string]any{"Type": "AWS::CodeBuild::Project", "Properties": map[string]any{"Source": map[string]any{"BuildSpec": map[string]any{"Fn::Join": []any{"", []any{long(25510), map[string]any{"Ref": "AWS::Region"}}}}}}}}}, 0, LimitBuildSpec},
		{"resources", map[string]any{"Resources": many(501, map[string]any{"Type": "AWS::SNS::Topic"})}, 0, LimitResources},
		{"outputs", map[string]any{"Resources": map[string]any{}, "Outputs": many(201, map[string]any{"Value": "x"})}, 0, LimitOutputs},
		{"parameters", map[string]any{"Resources": map[string]any{}, "Parameters": many(201, map[string]any{"Type": "String"})}, 0, LimitParameters},
		{"template bytes", map[string]any{"Resources": map[string]any{}}, 1_000_001, LimitTemplateBytes},
		{"lambda environment", map[string]any{"Resources": map[string]any{"F": fn(4097)}}, 0, LimitLambdaEnvironment},
		{"event pattern", map[string]any{"Resources": map[string]any{"E": map[string]any{"Type": "AWS::Events::Rule", "Properties": map[string]any{"EventPattern": map[string]any{"source": []any{long(4096)}}}}}}, 0, LimitEventPattern},
		{"target input", map[string]any{"Resources": map[string]any{"E": map[string]any{"Type": "AWS::Events::Rule", "Properties": map[string]any{"Targets": []any{map[string]any{"Input": long(8193)}}}}}}, 0, LimitTargetInput},
		{"state machine name", map[string]any{"Resources": map[string]any{"S": map[string]any{"Type": "AWS::StepFunctions::StateMachine", "Properties": map[string]any{"StateMachineName": long(81)}}}}, 0, LimitStateMachineName},
		{"function name", map[string]any{"Resources": map[string]any{"F": map[string]any{"Type": "AWS::Lambda::Function", "Properties": map[string]any{"FunctionName": long(65)}}}}, 0, LimitFunctionName},
	}
	for _, c := range cases {
		raw := map[string][]byte{"t.template.json": make([]byte, c.raw)}
		got := Limits(Assembly{"t.template.json": c.tmpl}, raw)
		if len(got) != 1 || !strings.Contains(got[0], c.limit.What) || !strings.Contains(got[0], c.limit.Doc) {
			t.Errorf("%s: got %q, want one line about %s", c.name, got, c.limit.What)
		}
	}
	// At the limits: nothing.
	ok := Assembly{"t.template.json": {"Resources": map[string]any{
		"P": pipelineWith(50, long(1000), long(100)),
		"F": fn(4096),
		"B": map[string]any{"Type": "AWS::CodeBuild::Project", "Properties": map[string]any{"Source": map[string]any{"BuildSpec": long(25600)}}},
	}}}
	if got := Limits(ok, map[string][]byte{"t.template.json": make([]byte, 1_000_000)}); len(got) > 0 {
		t.Errorf("at the limits: %q", got)
	}
}

// TestArtifactStores: an action in a region without an artifact store is
// reported; one in a region with one, or without a region, is not.
func TestArtifactStores(t *testing.T) {
	pipeline := func(storeRegions []string, actionRegion string) Assembly {
		var stores []any
		for _, r := range storeRegions {
			stores = append(stores, map[string]any{"Region": r, "ArtifactStore": map[string]any{"Type": "S3", "Location": "b-" + r}})
		}
		action := map[string]any{"Name": "Deploy"}
		if actionRegion != "" {
			action["Region"] = actionRegion
		}
		return Assembly{"p.template.json": {"Resources": map[string]any{"P": map[string]any{"Type": "AWS::CodePipeline::Pipeline", "Properties": map[string]any{
			"ArtifactStores": stores, "Stages": []any{map[string]any{"Name": "S", "Actions": []any{action}}}}}}}}
	}
	if got := ArtifactStores(pipeline([]string{"us-east-1", "eu-west-1"}, "eu-central-1")); len(got) != 1 || !strings.Contains(got[0], "runs in eu-central-1, which has no artifact store") {
		t.Errorf("missing store: %q", got)
	}
	for _, region := range []string{"eu-west-1", ""} {
		if got := ArtifactStores(pipeline([]string{"us-east-1", "eu-west-1"}, region)); len(got) > 0 {
			t.Errorf("%q: %q", region, got)
		}
	}
}
