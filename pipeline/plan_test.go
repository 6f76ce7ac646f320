package pipeline

import (
	"strings"
	"testing"

	"github.com/handsoff-cdk/handsoff/pipeline/internal/gates"
)

// TestPlanListsForeignFunctions: the plan tells the owner of a lambda check
// in another account what to run, before the check fails at run time.
func TestPlanListsForeignFunctions(t *testing.T) {
	f := gates.ForeignFunction{Environment: "alpha", Check: "canary", FunctionArn: "arn:aws:lambda:eu-west-1:999999999999:function:c",
		Region: "eu-west-1", Role: "arn:aws:iam::222222222222:role/orders-alpha-checks"}
	with := (&Plan{FunctionPermissions: []string{f.Command()}}).String()
	if !strings.Contains(with, "lambda checks in other accounts") || !strings.Contains(with, "    "+f.Command()+"\n") {
		t.Errorf("plan lacks the permission command:\n%s", with)
	}
	if without := (&Plan{}).String(); strings.Contains(without, "lambda checks in other accounts") {
		t.Errorf("plan mentions foreign functions when there are none:\n%s", without)
	}
}
