package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/handsoff-cdk/handsoff/internal/upgrade"
)

// TestUpgradeCheckExample: CI runs the upgrade check over the example app
// against the last release: no stateful resource may be deleted or
// replaced unless CHANGELOG.md's Unreleased section announces it under
// "### Breaking", naming its logical ID (a new major version).
func TestUpgradeCheckExample(t *testing.T) {
	out, errs, code := runCLI(t, "upgrade-check")
	for _, cmd := range []string{"$ git archive ", "go run ./examples/twoline)"} {
		if !strings.Contains(out, cmd) {
			t.Errorf("the commands it runs are not printed (%q):\n%s", cmd, out)
		}
	}
	if code == 0 && strings.Contains(out, "no stateful resource is deleted or replaced") {
		return
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
		if !strings.HasPrefix(line, "- ") {
			continue
		}
		// "- stack: Type LogicalID (...) would be ..."
		fields := strings.Fields(line)
		if len(fields) < 4 {
			continue
		}
		if id := fields[3]; !strings.Contains(breaking, "`"+id+"`") {
			t.Errorf("not announced under ### Breaking in CHANGELOG.md's Unreleased section (name `%s`): %s", id, line)
		}
	}
}

// TestUpgradeCheckReports: findings fail with exit 1, each named; misuse
// is exit 2.
func TestUpgradeCheckReports(t *testing.T) {
	var out bytes.Buffer
	f := upgrade.Finding{Stack: "assembly-orders-alpha/Service.template.json", LogicalID: "Data", Type: "AWS::S3::Bucket", Change: "deleted", Reason: "its logical ID is gone"}
	if code := report([]upgrade.Finding{f}, "v0.1.0", "v0.2.0", false, &out); code != 1 ||
		!strings.Contains(out.String(), "from v0.1.0 to v0.2.0, 1 stateful resources would be deleted or replaced:\n  - assembly-orders-alpha/Service.template.json: AWS::S3::Bucket Data (its data lost) would be deleted") {
		t.Errorf("exit %d: %s", code, out.String())
	}
	out.Reset()
	if code := report(nil, "a", "b", true, &out); code != 0 || strings.TrimSpace(out.String()) != "[]" {
		t.Errorf("json: exit %d: %s", code, out.String())
	}
	for _, args := range [][]string{{"upgrade-check", "--nope"}, {"upgrade-check", "extra"}, {"upgrade-check", "--to", "v0.2.0"}} {
		if _, errs, code := runCLI(t, args...); code != 2 {
			t.Errorf("%v: exit %d (%s), want 2", args, code, errs)
		}
	}
}
