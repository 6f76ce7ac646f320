package gates

import (
	_ "embed"
	"github.com/handsoff-cdk/handsoff/checks"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"

	"github.com/handsoff-cdk/handsoff/stages"
)

//go:embed freezegate.js
var freezeGateCode string

// MaxCalendarBytes is the most calendar JSON the freeze gate carries: Lambda
// allows 4 KB of environment variables.
const MaxCalendarBytes = 3800

// FreezeGateArn is the ARN of a service's freeze-gate function.
func FreezeGateArn(cfg *stages.Config) string { return functionArn(cfg, FreezeGateName(cfg)) }

// NewFreezeGate makes the freeze-gate function in the pipeline's stack. The
// pipeline's BeforeEntry conditions invoke it by name.
func NewFreezeGate(stack awscdk.Stack, id string, cfg *stages.Config, cal *checks.Calendar) awslambda.CfnFunction {
	return pipelineFunction{
		name:        FreezeGateName(cfg),
		description: "handsoff: fails while a freeze window or blackout blocks a stage of " + cfg.Service.Name,
		role:        "handsoff: freeze gate of " + cfg.Service.Name + " (writes its own logs, traces)",
		code:        freezeGateCode,
		environment: map[string]string{"CALENDAR": cal.JSON()},
		timeout:     10,
		outsideVPC:  "The freeze gate reads only the clock and its own environment; it calls nothing, so a VPC would isolate nothing.",
	}.make(stack, id, cfg)
}
