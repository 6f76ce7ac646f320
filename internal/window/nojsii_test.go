package window

import (
	"os/exec"
	"strings"
	"testing"
)

// TestLinksNoJsii: the package links no jsii, so that whatever writes the
// runbook calendar (the configuration service, a pipeline action) can use
// Encode without the CDK.
func TestLinksNoJsii(t *testing.T) {
	out, err := exec.Command("go", "list", "-deps", ".").Output()
	if err != nil {
		t.Fatalf("go list -deps: %v", err)
	}
	if !strings.Contains(string(out), "github.com/handsoff-cdk/handsoff/checks\n") {
		t.Fatalf("go list -deps does not list checks, which the package imports:\n%s", out)
	}
	for _, p := range strings.Fields(string(out)) {
		for _, m := range []string{"github.com/aws/jsii-runtime-go", "github.com/aws/aws-cdk-go/", "github.com/aws/constructs-go/", "github.com/cdklabs/"} {
			if strings.HasPrefix(p, m) {
				t.Errorf("the package links %s: keep the CDK out of it", p)
			}
		}
	}
}
