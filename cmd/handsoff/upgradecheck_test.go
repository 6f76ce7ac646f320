package main

import (
	"bytes"
	"strings"
	"testing"

	"github.com/handsoff-cdk/handsoff/internal/upgrade"
)

// TestUpgradeCheckExample: CI runs the upgrade check over the example app
// against the last release: no stateful resource may be deleted or
// replaced without a breaking release.
func TestUpgradeCheckExample(t *testing.T) {
	out, errs, code := runCLI(t, "upgrade-check")
	if code != 0 || !strings.Contains(out, "no stateful resource is deleted or replaced") {
		t.Errorf("exit %d\n%s\n%s", code, out, errs)
	}
	for _, cmd := range []string{"$ git archive ", "go run ./examples/twoline)"} {
		if !strings.Contains(out, cmd) {
			t.Errorf("the commands it runs are not printed (%q):\n%s", cmd, out)
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
