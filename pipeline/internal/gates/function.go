package gates

import (
	"fmt"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsevents"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/jsii-runtime-go"

	"github.com/handsoff-cdk/handsoff/internal/nag"
	"github.com/handsoff-cdk/handsoff/stages"
)

// pipelineFunction is a handsoff function in the pipeline's stack: its
// code inline, its own log group (a year, deleted with it), a role
// that may write its logs and traces plus statements, X-Ray tracing.
type pipelineFunction struct {
	name, roleName    string // roleName empty: CloudFormation names the role
	description, role string // of the function; of the role
	code              string
	environment       map[string]string
	timeout           int // seconds
	statements        []Statement
	suppressions      []nag.Suppression // beyond those of the logs and traces
	outsideVPC        string            // why it runs outside a VPC (Control Tower)
}

// functionArn is the ARN of a function of the pipeline's account and region.
func functionArn(cfg *stages.Config, name string) string {
	return fmt.Sprintf("arn:%s:lambda:%s:%s:function:%s", stages.Partition(cfg.Pipeline.Region), cfg.Pipeline.Region, cfg.Pipeline.Account, name)
}

func (f pipelineFunction) make(stack awscdk.Stack, id string, cfg *stages.Config) awslambda.CfnFunction {
	p, region, account := stages.Partition(cfg.Pipeline.Region), cfg.Pipeline.Region, cfg.Pipeline.Account
	group := "/aws/lambda/" + f.name
	logGroup(stack, id+"Logs", group)
	logArn := fmt.Sprintf("arn:%s:logs:%s:%s:log-group:%s:*", p, region, account, group)
	props := &awsiam.CfnRoleProps{
		Description:              jsii.String(f.role),
		AssumeRolePolicyDocument: trust(map[string]any{"Service": "lambda.amazonaws.com"}),
		Policies:                 inline("run", append(functionStatements(logArn), f.statements...)),
	}
	if f.roleName != "" {
		props.RoleName = jsii.String(f.roleName)
	}
	role := awsiam.NewCfnRole(stack, jsii.String(id+"Role"), props)
	// A new role has no metadata to keep: one write, not nag.Suppress's
	// read and write.
	role.AddMetadata(jsii.String(nag.Key), nag.Metadata(append(functionSuppressions(logArn), f.suppressions...)...))
	fp := &awslambda.CfnFunctionProps{
		FunctionName:  jsii.String(f.name),
		Description:   jsii.String(f.description),
		Runtime:       jsii.String(NodeRuntime),
		Handler:       jsii.String("index.handler"),
		Code:          map[string]any{"zipFile": f.code},
		Timeout:       jsii.Number(f.timeout),
		MemorySize:    jsii.Number(128),
		Role:          role.AttrArn(),
		TracingConfig: map[string]any{"mode": "Active"},
		LoggingConfig: map[string]any{"logGroup": group},
	}
	if len(f.environment) > 0 {
		fp.Environment = map[string]any{"variables": f.environment}
	}
	fn := awslambda.NewCfnFunction(stack, jsii.String(id), fp)
	suppressGuard(fn, f.outsideVPC, "lambda_inside_vpc_check")
	return fn
}

// invokeOnRule makes an enabled EventBridge rule ({id}Rule) whose target
// (targetID) is fn, and fn's permission for that rule ({id}Invoke):
// EventBridge invokes a function only with the function's permission for
// the rule
// (https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-use-resource-based.html#eb-lambda-permissions).
func invokeOnRule(stack awscdk.Stack, id string, fn awslambda.CfnFunction, targetID string, props *awsevents.CfnRuleProps) {
	props.State = jsii.String("ENABLED")
	props.Targets = &[]any{map[string]any{"id": targetID, "arn": fn.AttrArn()}}
	rule := awsevents.NewCfnRule(stack, jsii.String(id+"Rule"), props)
	awslambda.NewCfnPermission(stack, jsii.String(id+"Invoke"), &awslambda.CfnPermissionProps{
		Action:       jsii.String("lambda:InvokeFunction"),
		FunctionName: fn.Ref(),
		Principal:    jsii.String("events.amazonaws.com"),
		SourceArn:    rule.AttrArn(),
	})
}
