package guardrails

import (
	"os"
	"path/filepath"
	"testing"
)

// TestCheckAssemblyNamesConstructPaths: templates synthesized without path
// metadata (no CDK CLI) still get findings by construct path, from the
// assembly's manifest.
func TestCheckAssemblyNamesConstructPaths(t *testing.T) {
	dir := t.TempDir()
	tmpl := `{"Resources": {"Web1234": {"Type": "AWS::EC2::SecurityGroup", "Properties": {"SecurityGroupIngress": [{"IpProtocol": "tcp", "FromPort": 22, "ToPort": 22, "CidrIp": "0.0.0.0/0"}]}}}}`
	manifest := `{"artifacts": {"App": {"type": "aws:cloudformation:stack", "properties": {"templateFile": "App.template.json"},
	  "metadata": {"/prod/App/Web/Resource": [{"type": "aws:cdk:logicalId", "data": "Web1234"}]}}}}`
	for name, body := range map[string]string{"App.template.json": tmpl, "manifest.json": manifest} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	rep, err := CheckAssembly(dir, Context{})
	if err != nil {
		t.Fatal(err)
	}
	if f := rep.Failures(); len(f) != 1 || f[0].Resource != "prod/App/Web/Resource" {
		t.Errorf("failures = %+v, want one on prod/App/Web/Resource", f)
	}
}
