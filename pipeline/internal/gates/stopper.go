package gates

import (
	_ "embed"
	"fmt"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsevents"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/jsii-runtime-go"

	"github.com/handsoff-cdk/handsoff/internal/nag"
	"github.com/handsoff-cdk/handsoff/internal/names"
	"github.com/handsoff-cdk/handsoff/stages"
)

//go:embed stopper.js
var stopperJS string

// StopperName is the physical name of a service's validation stopper.
func StopperName(cfg *stages.Config) string {
	return names.Join(64, cfg.Service.Name, "validation-stop")
}

// StopperRoleName names the validation stopper's role. It starts with
// checks.Prefix, which the bootstrap gate roles trust.
func StopperRoleName(cfg *stages.Config) string { return names.StopperRole(cfg.Service.Name) }

// StopperEventPatterns are what the validation stopper's rules match: a
// stage of the pipeline that failed, was stopped or canceled, and a
// StepFunctions action of it that failed (a timeout, say) or was abandoned
// (https://docs.aws.amazon.com/codepipeline/latest/userguide/detect-state-changes-cloudwatch-events.html).
// Both, because a failed action does not fail its stage until the stage's
// other actions end. Two rules rather than one pattern with $or: plain
// patterns read the same in every EventBridge feature set.
func StopperEventPatterns(pipeline string) map[string]map[string]any {
	return map[string]map[string]any{
		"Stage": {
			"source":      []any{"aws.codepipeline"},
			"detail-type": []any{"CodePipeline Stage Execution State Change"},
			"detail":      map[string]any{"pipeline": []any{pipeline}, "state": []any{"FAILED", "STOPPED", "CANCELED"}},
		},
		"Action": {
			"source":      []any{"aws.codepipeline"},
			"detail-type": []any{"CodePipeline Action Execution State Change"},
			"detail": map[string]any{"pipeline": []any{pipeline}, "state": []any{"FAILED", "ABANDONED"},
				"type": map[string]any{"provider": []any{"StepFunctions"}}},
		},
	}
}

// NewValidationStopper makes, in the pipeline's stack, the function that
// stops the validation executions a stage gave up on (stopper.js), and the
// EventBridge rule that runs it. Its role may read the pipeline's structure
// and assume the service's gate roles, which may list and stop the
// executions of its state machines (checks.BootstrapTemplate, version 3).
func NewValidationStopper(stack awscdk.Stack, id string, cfg *stages.Config, pipeline string) awslambda.CfnFunction {
	part := stages.Partition(cfg.Pipeline.Region)
	gateRoles := GateRolesPattern(cfg)
	pipelineArn := fmt.Sprintf("arn:%s:codepipeline:%s:%s:%s", part, cfg.Pipeline.Region, cfg.Pipeline.Account, pipeline)
	fn := pipelineFunction{
		name:        StopperName(cfg),
		roleName:    StopperRoleName(cfg),
		description: "handsoff: stops the validations of " + cfg.Service.Name + " that a failed, stopped or canceled pipeline stage gave up on",
		role:        "handsoff: validation stopper of " + cfg.Service.Name + " (reads the pipeline, stops executions through the gate roles)",
		code:        stopperJS,
		timeout:     60,
		statements: []Statement{
			{Sid: "ReadPipeline", Effect: "Allow", Action: []string{"codepipeline:GetPipeline"}, Resource: []string{pipelineArn}},
			{Sid: "UseGateRoles", Effect: "Allow", Action: []string{"sts:AssumeRole"}, Resource: []string{gateRoles}},
		},
		suppressions: []nag.Suppression{
			{ID: "AwsSolutions-IAM5", Reason: "The stopper assumes the handsoff bootstrap gate role of each environment's account and region; each is the service's own and trusts only its pipeline stack's roles of the pipeline accounts it was bootstrapped for.", AppliesTo: []any{"Resource::" + gateRoles}},
		},
		outsideVPC: "The validation stopper calls AWS APIs only (STS, CodePipeline, Step Functions); a VPC would need endpoints for each and isolate nothing.",
	}.make(stack, id, cfg)
	patterns := StopperEventPatterns(pipeline)
	for _, kind := range []string{"Stage", "Action"} {
		invokeOnRule(stack, id+kind, fn, "stopper", &awsevents.CfnRuleProps{
			Description:  jsii.String(fmt.Sprintf("handsoff: stops the validations of %s when a %s gives up on them", pipeline, map[string]string{"Stage": "stage", "Action": "validation action"}[kind])),
			EventPattern: patterns[kind],
		})
	}
	return fn
}
