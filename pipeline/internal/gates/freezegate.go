package gates

import (
	_ "embed"
	"encoding/json"
	"fmt"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"

	"github.com/handsoff-cdk/handsoff/checks"
	"github.com/handsoff-cdk/handsoff/internal/names"
	"github.com/handsoff-cdk/handsoff/stages"
)

//go:embed freezegate.js
var freezeGateCode string

// MaxCalendarBytes is the most calendar JSON the freeze gate carries: Lambda
// allows 4 KB of environment variables.
const MaxCalendarBytes = 3800

// MaxFunctionEnvironment is the most bytes of environment variables, names
// and values, a Lambda function holds
// (https://docs.aws.amazon.com/lambda/latest/dg/gettingstarted-limits.html).
const MaxFunctionEnvironment = 4096

// FreezeGateName is the physical name of the freeze-gate function of one
// document stage, in the pipeline account and region.
func FreezeGateName(cfg *stages.Config, stage string) string {
	return names.Join(64, cfg.Service.Name, "freeze", stage)
}

// FreezeGateArn is the ARN of a stage's freeze-gate function.
func FreezeGateArn(cfg *stages.Config, stage string) string {
	return functionArn(cfg, FreezeGateName(cfg, stage))
}

// FreezeGateEnvironment is the environment of a stage's freeze gate: the
// stage, its calendar, the pipeline and the pipeline stages of its waves.
// It fails when Lambda cannot hold it.
func FreezeGateEnvironment(cfg *stages.Config, cal *checks.Calendar, stage string, waves []string) (map[string]string, error) {
	w, _ := json.Marshal(waves)
	env := map[string]string{"STAGE": stage, "CALENDAR": cal.For(stage).JSON(), "PIPELINE": names.Pipeline(cfg.Service.Name), "WAVES": string(w)}
	n := 0
	for k, v := range env {
		n += len(k) + len(v)
	}
	if n > MaxFunctionEnvironment {
		return nil, fmt.Errorf("the freeze gate of %s needs %d bytes of environment (its windows and blackouts, and the names of its %d waves); Lambda holds %d: merge windows, drop past blackouts or use fewer waves", stage, n, len(waves), MaxFunctionEnvironment)
	}
	return env, nil
}

// NewFreezeGate makes the freeze-gate function of one document stage in
// the pipeline's stack; the BeforeEntry conditions of the stage's pipeline
// stages invoke it by name. env is FreezeGateEnvironment's.
func NewFreezeGate(stack awscdk.Stack, id string, cfg *stages.Config, stage string, env map[string]string) awslambda.CfnFunction {
	pipelineArn := fmt.Sprintf("arn:%s:codepipeline:%s:%s:%s", stages.Partition(cfg.Pipeline.Region), cfg.Pipeline.Region, cfg.Pipeline.Account, names.Pipeline(cfg.Service.Name))
	return pipelineFunction{
		name:        FreezeGateName(cfg, stage),
		description: "handsoff: fails while a freeze window or blackout blocks " + stage + " of " + cfg.Service.Name + ", but for a rollback",
		role:        "handsoff: freeze gate of " + cfg.Service.Name + " " + stage + " (writes its own logs, traces; reads the pipeline's state)",
		code:        freezeGateCode,
		environment: env,
		timeout:     10,
		statements: []Statement{
			{Sid: "TellRollbacks", Effect: "Allow", Action: []string{"codepipeline:GetPipelineState"}, Resource: []string{pipelineArn}},
		},
		outsideVPC: "The freeze gate reads the clock, its own environment and the pipeline's state (a CodePipeline API); a VPC would need an endpoint and isolate nothing.",
	}.make(stack, id, cfg)
}
