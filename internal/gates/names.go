package gates

import (
	"fmt"
	"github.com/handsoff-cdk/handsoff/checks"

	"github.com/handsoff-cdk/handsoff/internal/names"
	"github.com/handsoff-cdk/handsoff/stages"
)

// Names are the physical names and ARNs of one environment's gate resources.
// They are fixed by the service and environment names, so that the pipeline
// (in another account) can address them without cross-stack references, and
// so that the state machine definition is plain JSON, built in Go.
type Names struct {
	Partition, Account, Region string
	StateMachine               string // ≤ 80
	StateMachineArn            string
	// Runner is the check runner function: it runs http checks and
	// reports the results of all checks.
	Runner    string // ≤ 64
	RunnerArn string
	// GateRole is the handsoff bootstrap role of the environment's account
	// and region (see checks.BootstrapTemplate), which the pipeline assumes to
	// start validation and the bake watcher assumes to read alarms. It
	// exists before any pipeline does.
	GateRole          string
	GateRoleArn       string
	LogGroup          string
	ValidationRole    string // ≤ 64: assumed by Step Functions
	ValidationRoleArn string
	RunnerRole        string // ≤ 64: the check runner's
	RunnerRoleArn     string
	service, env      string
}

// NamesFor returns the gate names of env.
func NamesFor(cfg *stages.Config, env stages.Environment) Names {
	p := stages.Partition(env.Region)
	svc := cfg.Service.Name
	n := Names{Partition: p, Account: env.Account, Region: env.Region, service: svc, env: env.Name}
	// The bootstrap gate role may start state machines named handsoff-*.
	n.StateMachine = names.Join(80, checks.Prefix, svc, env.Name, "checks")
	n.StateMachineArn = fmt.Sprintf("arn:%s:states:%s:%s:stateMachine:%s", p, env.Region, env.Account, n.StateMachine)
	n.Runner = names.Join(64, svc, env.Name, "check-runner")
	n.RunnerArn = fmt.Sprintf("arn:%s:lambda:%s:%s:function:%s", p, env.Region, env.Account, n.Runner)
	n.GateRole = checks.GateRoleName(env.Account, env.Region)
	n.GateRoleArn = n.RoleArn(n.GateRole)
	n.LogGroup = "/aws/vendedlogs/states/" + n.StateMachine
	n.ValidationRole = names.Join(64, svc, env.Name, "checks")
	n.ValidationRoleArn = n.RoleArn(n.ValidationRole)
	n.RunnerRole = names.Join(64, svc, env.Name, "check-runner")
	n.RunnerRoleArn = n.RoleArn(n.RunnerRole)
	return n
}

// RoleArn is the ARN of a role of the environment's account.
func (n Names) RoleArn(name string) string {
	return fmt.Sprintf("arn:%s:iam::%s:role/%s", n.Partition, n.Account, name)
}

// Project is the name of the CodeBuild project that runs a codebuild check.
func (n Names) Project(check string) string { return names.Join(150, n.service, n.env, check) }

// ProjectArn is the ARN of that project.
func (n Names) ProjectArn(check string) string {
	return fmt.Sprintf("arn:%s:codebuild:%s:%s:project/%s", n.Partition, n.Region, n.Account, n.Project(check))
}
