package checks

import (
	_ "embed"
	"fmt"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/handsoff-cdk/handsoff/internal/guard"
	"github.com/handsoff-cdk/handsoff/stages"
)

//go:embed freezegate.js
var freezeGateCode string

// MaxCalendarBytes is the most calendar JSON the freeze gate carries: Lambda
// allows 4 KB of environment variables.
const MaxCalendarBytes = 3800

// NewFreezeGate makes the freeze-gate function in the pipeline's stack. The
// pipeline's BeforeEntry conditions invoke it by name.
func NewFreezeGate(scope constructs.Construct, id string, cfg *stages.Config, cal *Calendar) awslambda.Function {
	name := FreezeGateName(cfg)
	calendar := cal.JSON()
	p, region, account := stages.Partition(cfg.Pipeline.Region), cfg.Pipeline.Region, cfg.Pipeline.Account
	logs := awslogs.NewLogGroup(scope, jsii.String(id+"Logs"), &awslogs.LogGroupProps{
		LogGroupName:  jsii.String("/aws/lambda/" + name),
		Retention:     awslogs.RetentionDays_ONE_YEAR,
		RemovalPolicy: awscdk.RemovalPolicy_RETAIN,
	})
	logArn := fmt.Sprintf("arn:%s:logs:%s:%s:log-group:/aws/lambda/%s:*", p, region, account, name)
	role := awsiam.NewRole(scope, jsii.String(id+"Role"), &awsiam.RoleProps{
		Description: jsii.String("handsoff: freeze gate of " + cfg.Service.Name + " (writes its own logs only)"),
		AssumedBy:   awsiam.NewServicePrincipal(jsii.String("lambda.amazonaws.com"), nil),
		InlinePolicies: &map[string]awsiam.PolicyDocument{"logs": policy([]Statement{{
			Effect: "Allow", Action: []string{"logs:CreateLogStream", "logs:PutLogEvents"}, Resource: []string{logArn},
		}})},
	})
	fn := awslambda.NewFunction(scope, jsii.String(id), &awslambda.FunctionProps{
		FunctionName: jsii.String(name),
		Description:  jsii.String("handsoff: fails while a freeze window or blackout blocks a stage of " + cfg.Service.Name),
		Runtime:      awslambda.Runtime_NODEJS_24_X(),
		Handler:      jsii.String("index.handler"),
		Code:         awslambda.Code_FromInline(jsii.String(freezeGateCode)),
		Environment:  &map[string]*string{"CALENDAR": jsii.String(calendar)},
		Timeout:      awscdk.Duration_Seconds(jsii.Number(10)),
		MemorySize:   jsii.Number(128),
		Role:         role,
		LogGroup:     logs,
		Tracing:      awslambda.Tracing_ACTIVE,
	})
	suppressFunctionRole(role, logArn) // after the function, whose tracing grants make the role's policy
	guard.Suppress(fn, "The freeze gate reads only the clock and its own environment; it calls nothing, so a VPC would isolate nothing.", "lambda_inside_vpc_check")
	return fn
}
