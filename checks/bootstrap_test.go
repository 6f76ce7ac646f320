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
	tmpl := BootstrapTemplate("orders")
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
	tmpl = BootstrapTemplate("orders")
	res := testenv.Guard(t, map[string]string{"bootstrap": file}, "identityandaccessmanagement")
	for _, f := range res.Failures {
		t.Errorf("Control Tower: %s", f)
	}
	role := tmpl["Resources"].(map[string]any)["GateRole"].(map[string]any)["Properties"].(map[string]any)
	name := strings.NewReplacer("${AWS::AccountId}", "444444444444", "${AWS::Region}", "ap-southeast-1").Replace(role["RoleName"].(map[string]any)["Fn::Sub"].(string))
	if want := GateRoleName("orders", "ap-southeast-1"); name != want {
		t.Errorf("role name %s, want %s", name, want)
	}
	// Who may assume it and what it may do, for services of every name:
	// internal/gates TestGateRolesScopedPerService.
}

// TestGateRoleNameFits: the longest service name and region give a role
// name within IAM's 64 characters, and the stack name within
// CloudFormation's 128.
func TestGateRoleNameFits(t *testing.T) {
	svc := strings.Repeat("s", 30) // stages: service.name is at most 30
	for _, region := range []string{"ap-southeast-4", "us-gov-west-1", "eu-central-2", "ap-northeast-3"} {
		if n := GateRoleName(svc, region); len(n) > 64 {
			t.Errorf("%s: %d characters, more than 64", n, len(n))
		}
	}
	if n := BootstrapStackName(svc); len(n) > 128 {
		t.Errorf("%s: more than 128 characters", n)
	}
}
