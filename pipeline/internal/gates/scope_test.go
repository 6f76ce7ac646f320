package gates

import (
	"fmt"
	"strings"
	"testing"

	"pgregory.net/rapid"

	"github.com/handsoff-cdk/handsoff/checks"
	"github.com/handsoff-cdk/handsoff/internal/names"
	"github.com/handsoff-cdk/handsoff/internal/testenv/oracle"
	"github.com/handsoff-cdk/handsoff/stages"
)

// bootstrapOf is the bootstrap stack a service's setup deploys.
func bootstrapOf(service string) map[string]any { return checks.BootstrapTemplate(service) }

// principalsOf are the roles of a service's pipeline stack that use the
// gate roles: the pipeline's own, the bake watcher's, the stopper's.
func principalsOf(partition, account string, cfg *stages.Config) []string {
	var out []string
	for _, n := range []string{names.PipelineRole(cfg.Service.Name), BakeWatcherRoleName(cfg), StopperRoleName(cfg)} {
		out = append(out, fmt.Sprintf("arn:%s:iam::%s:role/%s", partition, account, n))
	}
	return out
}

// TestGateRolesScopedPerService: two services whose pipelines share a
// pipeline account and deploy to the same account and region, each with
// its own bootstrap: every role of each pipeline may start, follow and stop
// its own service's validations there, and no role of one may start,
// describe, list or stop the other's, through any bootstrap role of the
// account. Oracle: IAM's trust (aws:PrincipalArn) and Allow evaluation
// over the rendered bootstrap templates (oracle.Bootstrap.Reaches).
// Service names are drawn so that one is often a prefix of the other,
// and environment names so that they often hold the other service's name.
func TestGateRolesScopedPerService(t *testing.T) {
	regions := []string{"us-east-1", "eu-central-1", "ap-southeast-4", "us-gov-west-1", "cn-north-1"}
	rapid.Check(t, func(t *rapid.T) {
		a := rapid.StringMatching(`[a-z][a-z0-9-]{0,12}`).Draw(t, "a")
		b := rapid.OneOf(
			rapid.StringMatching(`[a-z][a-z0-9-]{0,29}`),
			rapid.Map(rapid.StringMatching(`-[a-z0-9-]{0,12}`), func(s string) string { return a + s }),
			rapid.Map(rapid.StringMatching(`[a-z][a-z0-9-]{0,8}-`), func(s string) string { return s + a }),
		).Draw(t, "b")
		b = b[:min(len(b), 30)]
		if a == b {
			t.Skip("one service")
		}
		region := rapid.SampledFrom(regions).Draw(t, "region")
		part := stages.Partition(region)
		const pipelineAccount, account = "111111111111", "222222222222"
		env := func(label string, other string) stages.Environment {
			name := rapid.OneOf(
				rapid.StringMatching(`[A-Za-z][A-Za-z0-9-]{0,39}`),
				rapid.Map(rapid.StringMatching(`[A-Za-z0-9-]{0,10}`), func(s string) string { return "x-" + other + "-" + s }),
			).Draw(t, label)
			return stages.Environment{Name: name[:min(len(name), 40)], Account: account, Region: region, Stage: stages.Prod}
		}
		cfgA := &stages.Config{Service: stages.Service{Name: a}}
		cfgB := &stages.Config{Service: stages.Service{Name: b}}
		nA, nB := NamesFor(cfgA, env("envA", b)), NamesFor(cfgB, env("envB", a))
		boot := oracle.Bootstrap{Templates: []map[string]any{bootstrapOf(a), bootstrapOf(b)}, PipelineAccount: pipelineAccount, Partition: part}
		exec := func(n Names) string {
			return strings.Replace(n.StateMachineArn, ":stateMachine:", ":execution:", 1) + ":run-1"
		}
		// A role of the service's names in an account the bootstrap was
		// not told to trust reaches nothing.
		for _, p := range principalsOf(part, "999999999999", cfgA) {
			if role, ok := boot.Reaches(account, region, p, "states:StartExecution", nA.StateMachineArn); ok {
				t.Fatalf("%s, of an account not trusted, may start %s through %s", p, nA.StateMachineArn, role)
			}
		}
		for _, side := range []struct {
			cfg        *stages.Config
			own, other Names
		}{{cfgA, nA, nB}, {cfgB, nB, nA}} {
			for _, p := range principalsOf(part, pipelineAccount, side.cfg) {
				for _, call := range []struct{ action, resource func(Names) string }{
					{func(Names) string { return "states:StartExecution" }, func(n Names) string { return n.StateMachineArn }},
					{func(Names) string { return "states:ListExecutions" }, func(n Names) string { return n.StateMachineArn }},
					{func(Names) string { return "states:DescribeExecution" }, exec},
					{func(Names) string { return "states:StopExecution" }, exec},
				} {
					if _, ok := boot.Reaches(account, region, p, call.action(side.own), call.resource(side.own)); !ok {
						t.Fatalf("%s may not %s its own %s", p, call.action(side.own), call.resource(side.own))
					}
					if role, ok := boot.Reaches(account, region, p, call.action(side.other), call.resource(side.other)); ok {
						t.Fatalf("%s may %s another service's %s, through %s", p, call.action(side.other), call.resource(side.other), role)
					}
				}
			}
		}
	})
}
