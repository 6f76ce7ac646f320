package checks

import (
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/handsoff-cdk/handsoff/stages"
)

// TestGatesTemplateResources: each environment gets exactly the gates its
// document asks for.
func TestGatesTemplateResources(t *testing.T) {
	cfg, err := stages.Parse(stages.ExampleDocument(), "example")
	if err != nil {
		t.Fatal(err)
	}
	byName := map[string]stages.Environment{}
	for _, e := range cfg.Environments() {
		byName[e.Name] = e
	}
	cases := []struct {
		env    string
		alarms int
		want   []string
	}{
		// health (http) and integration (codebuild), no bake.
		{"alpha", 2, []string{"CheckintegrationLogs", "CheckintegrationRole", "Checkintegration", "ChecksKey", "GateRole", "HTTPCheck", "HTTPCheckLogs", "HTTPCheckRole", "Validation", "ValidationLogs", "ValidationRole"}},
		// health (http) and canary (lambda), a bake on two alarms.
		{"prod-use1", 2, []string{"BakeAlarm", "GateRole", "HTTPCheck", "HTTPCheckLogs", "HTTPCheckRole", "Validation", "ValidationLogs", "ValidationRole"}},
	}
	for _, tc := range cases {
		t.Run(tc.env, func(t *testing.T) {
			env := byName[tc.env]
			tmpl := GatesTemplate(cfg, env, NewValidation(cfg, env), tc.alarms)
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
	// The bake alarm watches each found alarm by parameter.
	env := byName["prod-use1"]
	tmpl := GatesTemplate(cfg, env, NewValidation(cfg, env), 2)
	rule := tmpl["Resources"].(map[string]any)["BakeAlarm"].(map[string]any)["Properties"].(map[string]any)["AlarmRule"]
	want := map[string]any{"Fn::Join": []any{"", []any{
		`ALARM("`, map[string]any{"Ref": "Alarm0"}, `")`, " OR ", `ALARM("`, map[string]any{"Ref": "Alarm1"}, `")`,
	}}}
	if diff := cmp.Diff(want, rule); diff != "" {
		t.Errorf("bake alarm rule (-want +got):\n%s", diff)
	}
}
