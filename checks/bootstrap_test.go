package checks

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/handsoff-cdk/handsoff/internal/testenv"
)

// TestBootstrapTemplate: the bootstrap stack is valid CloudFormation, clean
// under cdk-nag and the Control Tower rules, and names its role the way the
// pipeline addresses it.
func TestBootstrapTemplate(t *testing.T) {
	tmpl := BootstrapTemplate()
	for _, p := range testenv.Schema(t).Validate(tmpl) {
		t.Error(p)
	}
	dir := t.TempDir()
	file := filepath.Join(dir, "handsoff-bootstrap.template.json")
	raw, _ := json.MarshalIndent(tmpl, "", " ")
	os.WriteFile(file, raw, 0o644)
	for _, f := range testenv.NagTemplates(t, map[string]string{"bootstrap": file}) {
		if f.Level == "error" {
			t.Errorf("cdk-nag: %s", f)
		}
	}
	// The suppressions carry the result: without them cdk-nag finds the
	// wildcards (so the clean run above means something).
	delete(tmpl["Resources"].(map[string]any)["GateRole"].(map[string]any), "Metadata")
	bare, _ := json.Marshal(tmpl)
	os.WriteFile(filepath.Join(dir, "bare.template.json"), bare, 0o644)
	if got := testenv.NagTemplates(t, map[string]string{"bare": filepath.Join(dir, "bare.template.json")}); len(got) == 0 {
		t.Error("cdk-nag finds nothing in the template stripped of its reasons")
	}
	tmpl = BootstrapTemplate()
	res := testenv.Guard(t, map[string]string{"bootstrap": file}, "identityandaccessmanagement")
	for _, f := range res.Failures {
		t.Errorf("Control Tower: %s", f)
	}
	role := tmpl["Resources"].(map[string]any)["GateRole"].(map[string]any)["Properties"].(map[string]any)
	name := strings.NewReplacer("${AWS::AccountId}", "444444444444", "${AWS::Region}", "ap-southeast-1").Replace(role["RoleName"].(map[string]any)["Fn::Sub"].(string))
	if want := GateRoleName("444444444444", "ap-southeast-1"); name != want || len(name) > 64 {
		t.Errorf("role name %s, want %s (at most 64)", name, want)
	}
	trust, _ := json.Marshal(role["AssumeRolePolicyDocument"])
	if !strings.Contains(string(trust), `"aws:PrincipalArn":{"Fn::Sub":"arn:${AWS::Partition}:iam::*:role/handsoff-*"}`) {
		t.Errorf("the gate role trusts more than the handsoff roles of the trusted accounts: %s", trust)
	}
}
