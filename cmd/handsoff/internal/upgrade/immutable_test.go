package upgrade

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/handsoff-cdk/handsoff/internal/testenv"
)

// resolveParameter is the template as CloudFormation deploys it once it
// has read the parameter: every Ref to it replaced by its value.
func resolveParameter(t *testing.T, tmpl map[string]any, param, value string) map[string]any {
	t.Helper()
	raw, _ := json.Marshal(tmpl)
	ref, _ := json.Marshal(map[string]any{"Ref": param})
	val, _ := json.Marshal(value)
	out := strings.ReplaceAll(string(raw), string(ref), string(val))
	var m map[string]any
	if err := json.Unmarshal([]byte(out), &m); err != nil {
		t.Fatal(err)
	}
	delete(m["Parameters"].(map[string]any), param)
	return m
}

// TestNewImageReplacesNothing: the immutable group's stack
// (constructs/rollout's golden template), deployed with one AMI and then
// another, replaces and deletes nothing: the new image is a new launch
// template version and an instance refresh, not a new group. The check
// itself sees the difference when the image lands where it replaces a
// resource that holds data (an instance's ImageId).
func TestNewImageReplacesNothing(t *testing.T) {
	raw, err := os.ReadFile(filepath.Join(testenv.Root(), "constructs", "rollout", "testdata", "web.template.json"))
	if err != nil {
		t.Fatal(err)
	}
	var tmpl map[string]any
	if err := json.Unmarshal(raw, &tmpl); err != nil {
		t.Fatal(err)
	}
	param := ""
	for name, p := range tmpl["Parameters"].(map[string]any) {
		if p.(map[string]any)["Default"] == "/handsoff/ami/web/latest" {
			param = name
		}
	}
	if param == "" {
		t.Fatal("the template reads no golden image parameter")
	}
	old := map[string]map[string]any{"Web": resolveParameter(t, tmpl, param, "ami-0aaaaaaaaaaaaaaa1")}
	new := map[string]map[string]any{"Web": resolveParameter(t, tmpl, param, "ami-0bbbbbbbbbbbbbbb2")}
	if fs := Compare(old, new); len(fs) != 0 {
		t.Errorf("a new image would: %v", fs)
	}
	if !strings.Contains(string(mustJSON(new["Web"])), "ami-0bbbbbbbbbbbbbbb2") {
		t.Fatal("the image did not reach the template")
	}
	// The mutation: the image on an instance, whose ImageId replaces it.
	inst := func(ami string) map[string]map[string]any {
		return map[string]map[string]any{"Web": {"Resources": map[string]any{"Server": map[string]any{
			"Type": "AWS::EC2::Instance", "Properties": map[string]any{"ImageId": ami}}}}}
	}
	fs := Compare(inst("ami-0aaaaaaaaaaaaaaa1"), inst("ami-0bbbbbbbbbbbbbbb2"))
	if errs, _ := Counts(fs); errs != 1 {
		t.Errorf("an instance's new image: %v", fs)
	}
}

func mustJSON(v any) []byte { b, _ := json.Marshal(v); return b }
