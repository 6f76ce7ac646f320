package checks

import (
	_ "embed"
	"fmt"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/jsii-runtime-go"

	"github.com/handsoff-cdk/handsoff/stages"
)

//go:embed freezegate.js
var freezeGateCode string

// MaxCalendarBytes is the most calendar JSON the freeze gate carries: Lambda
// allows 4 KB of environment variables.
const MaxCalendarBytes = 3800

// FreezeGateArn is the ARN of a service's freeze-gate function.
func FreezeGateArn(cfg *stages.Config) string {
	return fmt.Sprintf("arn:%s:lambda:%s:%s:function:%s", stages.Partition(cfg.Pipeline.Region), cfg.Pipeline.Region, cfg.Pipeline.Account, FreezeGateName(cfg))
}

// NewFreezeGate makes the freeze-gate function in the pipeline's stack. The
// pipeline's BeforeEntry conditions invoke it by name.
func NewFreezeGate(stack awscdk.Stack, id string, cfg *stages.Config, cal *Calendar) awslambda.CfnFunction {
	name := FreezeGateName(cfg)
	p, region, account := stages.Partition(cfg.Pipeline.Region), cfg.Pipeline.Region, cfg.Pipeline.Account
	group := "/aws/lambda/" + name
	logGroup(stack, id+"Logs", group)
	logArn := fmt.Sprintf("arn:%s:logs:%s:%s:log-group:%s:*", p, region, account, group)
	role := awsiam.NewCfnRole(stack, jsii.String(id+"Role"), &awsiam.CfnRoleProps{
		Description:              jsii.String("handsoff: freeze gate of " + cfg.Service.Name + " (writes its own logs, traces)"),
		AssumeRolePolicyDocument: trust(map[string]any{"Service": "lambda.amazonaws.com"}),
		Policies:                 inline("run", functionStatements(logArn)),
	})
	suppressFunctionRole(role, logArn)
	fn := awslambda.NewCfnFunction(stack, jsii.String(id), &awslambda.CfnFunctionProps{
		FunctionName:  jsii.String(name),
		Description:   jsii.String("handsoff: fails while a freeze window or blackout blocks a stage of " + cfg.Service.Name),
		Runtime:       jsii.String(NodeRuntime),
		Handler:       jsii.String("index.handler"),
		Code:          map[string]any{"zipFile": freezeGateCode},
		Environment:   map[string]any{"variables": map[string]any{"CALENDAR": cal.JSON()}},
		Timeout:       jsii.Number(10),
		MemorySize:    jsii.Number(128),
		Role:          role.AttrArn(),
		TracingConfig: map[string]any{"mode": "Active"},
		LoggingConfig: map[string]any{"logGroup": group},
	})
	suppressGuard(fn, "The freeze gate reads only the clock and its own environment; it calls nothing, so a VPC would isolate nothing.", "lambda_inside_vpc_check")
	return fn
}
