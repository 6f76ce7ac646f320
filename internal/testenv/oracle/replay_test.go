package oracle

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// app is a synthetic assembly: a pipeline deploying the given stacks in
// order, each a template.
func app(stacks ...[2]any) Assembly {
	asm := Assembly{}
	var actions []any
	for i, s := range stacks {
		name := s[0].(string)
		asm["a/"+name+".template.json"] = s[1].(map[string]any)
		actions = append(actions, map[string]any{
			"Name": name, "RunOrder": float64(i + 1),
			"ActionTypeId":  map[string]any{"Category": "Deploy", "Owner": "AWS", "Provider": "CloudFormation", "Version": "1"},
			"Configuration": map[string]any{"StackName": name, "TemplatePath": "Synth_Output::a/" + name + ".template.json"},
			"Region":        "us-east-1", "RoleArn": "arn:aws:iam::444444444444:role/cdk-x-deploy-role-444444444444-us-east-1",
		})
	}
	asm["pipeline.template.json"] = map[string]any{"Resources": map[string]any{"P": map[string]any{
		"Type": "AWS::CodePipeline::Pipeline", "Properties": map[string]any{"Stages": []any{map[string]any{"Name": "prod", "Actions": actions}}}}}}
	return asm
}

func alarm(name string) map[string]any {
	return map[string]any{"Type": "AWS::CloudWatch::Alarm", "Properties": map[string]any{"AlarmName": name}}
}

// The designs the replay must refuse: handsoff's bake alarm as it was
// (alarms exported by the team's stack, imported by the gates stack), and
// a composite alarm of another stack that names alarms.
func TestReplay(t *testing.T) {
	team := func(alarms ...string) [2]any {
		res, outs := map[string]any{}, map[string]any{}
		for _, a := range alarms {
			res[a] = alarm(a)
			outs["Out"+a] = map[string]any{"Value": map[string]any{"Fn::GetAtt": []any{a, "Arn"}}, "Export": map[string]any{"Name": "svc:handsoff-alarm-" + a}}
		}
		return [2]any{"team", map[string]any{"Resources": res, "Outputs": outs}}
	}
	gatesImporting := func(alarms ...string) [2]any {
		var parts []any
		for _, a := range alarms {
			parts = append(parts, `ALARM("`, map[string]any{"Fn::ImportValue": "svc:handsoff-alarm-" + a}, `")`)
		}
		return [2]any{"gates", map[string]any{"Resources": map[string]any{"Bake": map[string]any{"Type": "AWS::CloudWatch::CompositeAlarm",
			"Properties": map[string]any{"AlarmName": "bake", "AlarmRule": map[string]any{"Fn::Join": []any{"", parts}}}}}}}
	}
	gatesNaming := func(alarms ...string) [2]any {
		var rule []string
		for _, a := range alarms {
			rule = append(rule, `ALARM("`+a+`")`)
		}
		return [2]any{"gates", map[string]any{"Resources": map[string]any{"Bake": map[string]any{"Type": "AWS::CloudWatch::CompositeAlarm",
			"Properties": map[string]any{"AlarmName": "bake", "AlarmRule": strings.Join(rule, " OR ")}}}}}
	}
	noGates := [2]any{"gates", map[string]any{"Resources": map[string]any{}}}
	scope := "444444444444/us-east-1/"
	cases := []struct {
		name     string
		from, to Assembly
		want     []string
	}{
		{"exports: an alarm added deploys", app(team("A"), gatesImporting("A")), app(team("A", "B"), gatesImporting("A", "B")), nil},
		{"exports: an alarm removed is refused", app(team("A", "B"), gatesImporting("A", "B")), app(team("A"), gatesImporting("A")),
			[]string{scope + "team: cannot remove export svc:handsoff-alarm-B: " + scope + "gates imports it"}},
		{"exports: the rollback of an added alarm is refused", app(team("A", "B"), gatesImporting("A", "B")), app(team("A"), gatesImporting("A")),
			[]string{scope + "team: cannot remove export svc:handsoff-alarm-B: " + scope + "gates imports it"}},
		{"exports: bake turned off is refused", app(team("A"), gatesImporting("A")), app(team(), noGates),
			[]string{scope + "team: cannot remove export svc:handsoff-alarm-A: " + scope + "gates imports it"}},
		{"exports: importing what nobody exports", app(team(), noGates), app(team(), gatesImporting("A")),
			[]string{scope + "gates: imports svc:handsoff-alarm-A, which no other stack exports"}},
		{"composite by name: an alarm removed is refused", app(team("A", "B"), gatesNaming("A", "B")), app(team("A"), gatesNaming("A")),
			[]string{scope + "team: cannot delete alarm B: a composite alarm of " + scope + "gates names it"}},
		{"composite by name: naming a missing alarm", app(team("A"), gatesNaming("A")), app(team("A"), gatesNaming("A", "C")),
			[]string{scope + "gates: a composite alarm names alarm C, which does not exist"}},
		{"no cross-stack reference: anything goes", app(team("A", "B"), noGates), app(team("C"), noGates), nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if diff := cmp.Diff(c.want, Replay(c.from, c.to, "aws", "us-east-1")); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}
