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
	// GateRole is the service's handsoff bootstrap role of the
	// environment's account and region (see checks.BootstrapTemplate), which the pipeline assumes to
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
	// The service's bootstrap gate role may start its state machines,
	// named handsoff-{service}_*, and no other service's.
	n.StateMachine = names.Validation(svc, env.Name)
	n.StateMachineArn = fmt.Sprintf("arn:%s:states:%s:%s:stateMachine:%s", p, env.Region, env.Account, n.StateMachine)
	n.Runner = names.Join(64, svc, env.Name, "check-runner")
	n.RunnerArn = fmt.Sprintf("arn:%s:lambda:%s:%s:function:%s", p, env.Region, env.Account, n.Runner)
	n.GateRole = checks.GateRoleName(svc, env.Region)
	n.GateRoleArn = n.RoleArn(n.GateRole)
	// The log group keeps the name it had before the state machines were
	// renamed per service (bootstrap version 3): a new name would replace
	// it, and a year of validation logs with it.
	n.LogGroup = "/aws/vendedlogs/states/" + names.Join(80, checks.Prefix, svc, env.Name, "checks")
	n.ValidationRole = names.Join(64, svc, env.Name, "checks")
	n.ValidationRoleArn = n.RoleArn(n.ValidationRole)
	n.RunnerRole = names.Join(64, svc, env.Name, "check-runner")
	n.RunnerRoleArn = n.RoleArn(n.RunnerRole)
	return n
}

// GateRolesPattern matches the service's bootstrap gate roles in every
// account and region (an IAM resource pattern). It may match another
// service's gate role whose name starts the same way: that role's trust
// policy admits none of this service's roles, so the pattern grants
// nothing there.
func GateRolesPattern(cfg *stages.Config) string {
	return fmt.Sprintf("arn:%s:iam::*:role/%s", stages.Partition(cfg.Pipeline.Region), names.GateRole(cfg.Service.Name, "*"))
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
