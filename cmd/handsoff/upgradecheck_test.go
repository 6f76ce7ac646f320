package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/handsoff-cdk/handsoff/cmd/handsoff/internal/upgrade"
)

// TestUpgradeCheckExample: CI runs the upgrade check over the example app
// against the last release: no stateful resource may be deleted or
// replaced unless CHANGELOG.md's Unreleased section announces it under
// "### Breaking", naming its logical ID (a new major version).
func TestUpgradeCheckExample(t *testing.T) {
	out, errs, code := runCLI(t, "upgrade-check")
	for _, cmd := range []string{"$ git archive ", "go run ./examples/twoline)"} {
		if !strings.Contains(errs, cmd) {
			t.Errorf("the commands it runs are not printed on stderr (%q):\n%s", cmd, errs)
		}
	}
	if code == 0 {
		return // warnings at most: printed for the reviewer, not a breaking change
	}
	if code != 1 {
		t.Fatalf("exit %d\n%s\n%s", code, out, errs)
	}
	changelog, err := os.ReadFile(filepath.Join("..", "..", "CHANGELOG.md"))
	if err != nil {
		t.Fatal(err)
	}
	unreleased, _, _ := strings.Cut(strings.SplitN(string(changelog), "## Unreleased", 2)[1], "\n## ")
	breaking, _, _ := strings.Cut(strings.SplitN(unreleased+"### Breaking", "### Breaking", 2)[1], "\n### ")
	for _, line := range strings.Split(out, "\n") {
		line = strings.TrimSpace(line)
		if !strings.HasPrefix(line, "- error ") {
			continue
		}
		// "- error stack: Type LogicalID would be ..."
		fields := strings.Fields(line)
		if len(fields) < 5 {
			continue
		}
		if id := fields[4]; !strings.Contains(breaking, "`"+id+"`") {
			t.Errorf("not announced under ### Breaking in CHANGELOG.md's Unreleased section (name `%s`): %s", id, line)
		}
	}
}

// TestUpgradeCheckReports: an error (a resource that holds data) fails
// with exit 1, warnings alone pass and are shown; --json prints one JSON
// object and nothing else; misuse is exit 2.
func TestUpgradeCheckReports(t *testing.T) {
	bucket := upgrade.Finding{Stack: "1/r/orders-alpha", LogicalID: "Data", Type: "AWS::S3::Bucket", Change: "deleted", Reason: "its logical ID is gone", Policy: "Delete", Severity: upgrade.Error, Data: "the registry marks AWS::S3::Bucket stateful"}
	fn := upgrade.Finding{Stack: "1/r/orders-alpha", LogicalID: "Fn", Type: "AWS::Lambda::Function", Change: "replaced", Reason: "a property that requires replacement changes: FunctionName", Policy: "Delete", Severity: upgrade.Warning}
	var out bytes.Buffer
	if code := report([]upgrade.Finding{fn, bucket}, "v0.1.0", "v0.2.0", false, &out); code != 1 ||
		!strings.Contains(out.String(), "from v0.1.0 to v0.2.0, 2 resources would be deleted or replaced: 1 that hold data (errors), 1 that are not known to (warnings):\n  - error 1/r/orders-alpha: AWS::S3::Bucket Data would be deleted (its data lost)") ||
		!strings.Contains(out.String(), "\n  - warning 1/r/orders-alpha: AWS::Lambda::Function Fn would be replaced (the old one deleted)") {
		t.Errorf("exit %d: %s", code, out.String())
	}
	out.Reset()
	if code := report([]upgrade.Finding{fn}, "a", "b", false, &out); code != 0 || !strings.Contains(out.String(), "warning") {
		t.Errorf("warnings only: exit %d: %s", code, out.String())
	}
	out.Reset()
	if code := report([]upgrade.Finding{fn, bucket}, "a", "b", true, &out); code != 1 {
		t.Errorf("json: exit %d", code)
	}
	var v struct {
		Errors, Warnings int
		Findings         []map[string]any
	}
	if err := json.Unmarshal(out.Bytes(), &v); err != nil || v.Errors != 1 || v.Warnings != 1 || v.Findings[0]["logicalId"] == nil {
		t.Errorf("json: %v %+v\n%s", err, v, out.String())
	}
	for _, args := range [][]string{{"upgrade-check", "--nope"}, {"upgrade-check", "extra"}, {"upgrade-check", "--to", "v0.2.0"}} {
		if _, errs, code := runCLI(t, args...); code != 2 {
			t.Errorf("%v: exit %d (%s), want 2", args, code, errs)
		}
	}
}

// TestCopyModuleKeepsRelativeReplaces: a team module that replaces a
// module with a directory beside it builds from the copy too.
func TestCopyModuleKeepsRelativeReplaces(t *testing.T) {
	root := t.TempDir()
	write := func(path, text string) {
		t.Helper()
		os.MkdirAll(filepath.Dir(path), 0o755)
		if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write(filepath.Join(root, "lib", "go.mod"), "module example.com/lib\n\ngo 1.22\n")
	write(filepath.Join(root, "lib", "lib.go"), "package lib\n\nconst Name = \"lib\"\n")
	write(filepath.Join(root, "team", "go.mod"), "module example.com/team\n\ngo 1.22\n\nrequire example.com/lib v0.0.0\n\nreplace example.com/lib => ../lib\n")
	write(filepath.Join(root, "team", "main.go"), "package main\n\nimport \"example.com/lib\"\n\nfunc main() { println(lib.Name) }\n")
	write(filepath.Join(root, "team", "vendor", "modules.txt"), "# stale\n")
	dst := filepath.Join(t.TempDir(), "new")
	if err := copyModule(filepath.Join(root, "team"), dst); err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	if err := show(&out, dst, []string{"GOFLAGS=-mod=mod"}, "go", "build", "./..."); err != nil {
		t.Fatalf("the copy does not build: %v\n%s", err, out.String())
	}
	if _, err := os.Stat(filepath.Join(dst, "vendor")); err == nil {
		t.Error("vendor/ was copied")
	}
}
