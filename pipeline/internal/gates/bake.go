package gates

import (
	_ "embed"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"

	"github.com/handsoff-cdk/handsoff/internal/nag"
	"github.com/handsoff-cdk/handsoff/internal/names"
	"github.com/handsoff-cdk/handsoff/stages"
)

//go:embed bakewatch.js
var bakeWatchJS string

// MaxActionConfigurationValue is the most characters CodePipeline takes in
// one action configuration value
// (https://docs.aws.amazon.com/codepipeline/latest/userguide/limits.html).
const MaxActionConfigurationValue = 1000

// BakeWatcherName is the physical name of a service's bake-watcher function,
// in the pipeline account and region.
func BakeWatcherName(cfg *stages.Config) string {
	return names.Join(64, cfg.Service.Name, "bake-watch")
}

// BakeWatcherRoleName names the bake watcher's role. It starts with checks.Prefix,
// which the bootstrap gate roles trust.
func BakeWatcherRoleName(cfg *stages.Config) string { return names.BakeWatcherRole(cfg.Service.Name) }

// BakeTarget is one environment a bake action watches.
type BakeTarget struct {
	Environment     string
	Account, Region string
	// Stacks are the environment's stacks in its own account and region;
	// their alarms are found when the bake runs.
	Stacks []string
	// Alarms are named by the document.
	Alarms []string
}

type bakeTarget struct {
	Name   string   `json:"n"`
	Acct   string   `json:"a"`
	Region string   `json:"r"`
	Stacks []string `json:"s,omitempty"`
	Alarms []string `json:"l,omitempty"`
}

type bakeParams struct {
	Minutes int          `json:"m"`
	Service string       `json:"p"`
	Stage   string       `json:"g,omitempty"`
	Envs    []bakeTarget `json:"e"`
}

// bakeTargetOf is a target as the action's parameters write it.
func bakeTargetOf(service string, t BakeTarget) bakeTarget {
	var stacks []string
	prefix := service + "-" + t.Environment
	for _, s := range t.Stacks {
		if rest, ok := strings.CutPrefix(s, prefix); ok {
			s = "-" + rest
		}
		stacks = append(stacks, s)
	}
	return bakeTarget{Name: t.Environment, Acct: t.Account, Region: t.Region, Stacks: stacks, Alarms: t.Alarms}
}

// BakeTargetsPerAction is how many targets one bake action holds when each
// is at most as long as the longest of targets and the pipeline stage's
// name at most stageLen characters: what fits CodePipeline's 1,000
// characters of parameters for the longest bake. It is 0 when not even one
// fits.
func BakeTargetsPerAction(service string, stageLen int, targets []BakeTarget) int {
	p := bakeParams{Minutes: int(stages.MaxBake.Minutes()), Service: service, Stage: strings.Repeat("x", stageLen)}
	empty, _ := json.Marshal(p)
	longest := 0
	for _, t := range targets {
		raw, _ := json.Marshal(bakeTargetOf(service, t))
		longest = max(longest, len(raw)+1) // and a comma
	}
	if longest == 0 {
		return stages.BakeEnvironmentsPerAction
	}
	return (MaxActionConfigurationValue - len(empty)) / longest
}

// BakeAction is the CodePipeline action, in CloudFormation's shape, that
// bakes targets for minutes: a Lambda invoke action of the bake watcher
// (NewBakeWatcher) that fails, and so rolls the stage back, as soon as an
// alarm of one of them is in ALARM.
//
// Why an action and not a CloudWatchAlarm rule in the stage's OnSuccess
// condition: the rule's reference says WaitTime is how long to "wait for a
// state change before running the rule result" and that a rule that finds
// the alarm OK at first succeeds at once
// (https://docs.aws.amazon.com/codepipeline/latest/userguide/rule-reference-CloudWatchAlarm.html),
// which would bake for no time at all; the launch announcement says an
// alarm "within 60 minutes" rolls back
// (https://aws.amazon.com/about-aws/whats-new/2024/08/aws-codepipeline-stage-level-conditions-implement-pipeline-gates/).
// Neither says whether a composite alarm may be watched. An action that
// waits with continuation tokens (documented, up to 24 hours) and reads
// every alarm itself works under every reading, and lifts the 5 rules per
// condition that held baked waves to 5 environments.
//
// The parameters are compact, to fit CodePipeline's 1,000 characters per
// configuration value: a stack named {service}-{environment}{rest} (as CDK
// names the stacks of a Stage) is written as "-" + rest.
//
// stage is the pipeline stage the action is in, which the watcher looks up
// to tell a rollback (which it does not bake) from a release.
func BakeAction(name, service, stage, function string, minutes int, targets []BakeTarget, runOrder int) (Action, error) {
	p := bakeParams{Minutes: minutes, Service: service, Stage: stage}
	for _, t := range targets {
		p.Envs = append(p.Envs, bakeTargetOf(service, t))
	}
	raw, err := json.Marshal(p)
	if err != nil {
		return Action{}, err
	}
	if len(raw) > MaxActionConfigurationValue {
		return Action{}, fmt.Errorf("the bake action %s needs %d characters of parameters (the environments' stack and alarm names); CodePipeline takes at most %d: use shorter stack names, fewer stacks, or smaller waves",
			name, len(raw), MaxActionConfigurationValue)
	}
	return Action{
		Name:          name,
		ActionTypeId:  invoke("Lambda"),
		Configuration: map[string]any{"FunctionName": function, "UserParameters": string(raw)},
		RunOrder:      runOrder,
	}, nil
}

// NewBakeWatcher makes the bake-watcher function in the pipeline's stack.
// Its role may assume the service's bootstrap gate roles of the
// environments (which trust it by name) and report the job
// result; CodePipeline's job actions take no resource
// (https://docs.aws.amazon.com/service-authorization/latest/reference/list_awscodepipeline.html).
func NewBakeWatcher(stack awscdk.Stack, id string, cfg *stages.Config) awslambda.CfnFunction {
	gateRoles := GateRolesPattern(cfg)
	pipelineArn := fmt.Sprintf("arn:%s:codepipeline:%s:%s:%s", stages.Partition(cfg.Pipeline.Region), cfg.Pipeline.Region, cfg.Pipeline.Account, names.Pipeline(cfg.Service.Name))
	return pipelineFunction{
		name:        BakeWatcherName(cfg),
		environment: map[string]string{"PIPELINE": names.Pipeline(cfg.Service.Name)},
		roleName:    BakeWatcherRoleName(cfg),
		description: "handsoff: watches the alarms of " + cfg.Service.Name + "'s environments while they bake; fails the action on an alarm",
		role:        "handsoff: bake watcher of " + cfg.Service.Name + " (reads alarms through the gate roles, reports the job)",
		code:        bakeWatchJS,
		timeout:     90,
		statements: []Statement{
			{Sid: "UseGateRoles", Effect: "Allow", Action: []string{"sts:AssumeRole"}, Resource: []string{gateRoles}},
			{Sid: "ReportJob", Effect: "Allow", Action: []string{"codepipeline:PutJobSuccessResult", "codepipeline:PutJobFailureResult"}, Resource: []string{"*"}},
			{Sid: "TellRollbacks", Effect: "Allow", Action: []string{"codepipeline:GetPipelineState"}, Resource: []string{pipelineArn}},
		},
		suppressions: []nag.Suppression{
			{ID: "AwsSolutions-IAM5", Reason: "CodePipeline's PutJobSuccessResult and PutJobFailureResult accept only Resource \"*\".", AppliesTo: []any{"Resource::*"}},
			{ID: "AwsSolutions-IAM5", Reason: "The bake watcher assumes the handsoff bootstrap gate role of each environment's account and region; each is the service's own and trusts only its pipeline stack's roles of the pipeline accounts it was bootstrapped for.", AppliesTo: []any{"Resource::" + gateRoles}},
		},
		outsideVPC: "The bake watcher calls AWS APIs only (STS, CloudFormation, CloudWatch, CodePipeline); a VPC would need endpoints for each and isolate nothing.",
	}.make(stack, id, cfg)
}

// BakeWatcherArn is the ARN of a service's bake-watcher function.
func BakeWatcherArn(cfg *stages.Config) string { return functionArn(cfg, BakeWatcherName(cfg)) }
