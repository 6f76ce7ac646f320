package checks

import (
	_ "embed"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudwatch"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscodebuild"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awskms"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/aws-cdk-go/awscdk/v2/awss3assets"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsstepfunctions"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdklabs/cdk-nag-go/cdknag/v2"

	"github.com/handsoff-cdk/handsoff/internal/guard"
	"github.com/handsoff-cdk/handsoff/internal/harden"
	"github.com/handsoff-cdk/handsoff/stages"
)

//go:embed httpcheck.js
var httpCheckJS string

// GatesProps configure the gate resources of one environment.
type GatesProps struct {
	// Config is the validated document. Required.
	Config *stages.Config
	// Environment is the environment the gates watch. Required.
	Environment stages.Environment
	// AlarmArns are the alarms found in the environment's stacks; with the
	// document's named alarms they make the bake alarm. Default: none.
	AlarmArns []string
	// SourceDir is the directory uploaded for codebuild checks, as it is at
	// synth time. Default: "." (the CDK app's directory).
	SourceDir string
}

// Gates are the resources that gate one environment. They live in a stack of
// the environment's own Stage, in its account and region, next to what they
// check:
//
//   - the validation state machine (logging ALL events, X-Ray tracing on)
//     and its role, allowed exactly the functions and projects it calls;
//   - a function for http checks and a CodeBuild project per codebuild check;
//   - the composite bake alarm, OR of every alarm of the environment;
//   - the gate role, which the pipeline account assumes to start the state
//     machine and to read the bake alarm.
type Gates interface {
	constructs.IConstruct
	// Names are the physical names of the gate resources.
	Names() Names
	// Validation is nil when the stage has no checks.
	Validation() *Validation
	// Bakes reports whether a bake alarm was made.
	Bakes() bool
}

type gates struct {
	constructs.Construct
	names      Names
	validation *Validation
	bakes      bool
}

func (g *gates) Names() Names            { return g.names }
func (g *gates) Validation() *Validation { return g.validation }
func (g *gates) Bakes() bool             { return g.bakes }

// BakeAlarmRule is the composite alarm rule over alarms (names or ARNs).
func BakeAlarmRule(alarms []string) string {
	parts := make([]string, len(alarms))
	for i, a := range alarms {
		parts[i] = fmt.Sprintf("ALARM(%q)", a)
	}
	return strings.Join(parts, " OR ")
}

// NewGates makes the gate resources of props.Environment in scope, which
// should be a stack in the environment's Stage.
func NewGates(scope constructs.Construct, id string, props *GatesProps) Gates {
	c := constructs.NewConstruct(scope, jsii.String(id))
	cfg, env := props.Config, props.Environment
	g := &gates{Construct: c, names: NamesFor(cfg, env), validation: NewValidation(cfg, env)}
	n := g.names
	alarms := append(append([]string(nil), props.AlarmArns...), env.Alarms...)
	g.bakes = env.Bake > 0 && len(alarms) > 0

	var gateStatements []Statement
	if v := g.validation; v != nil {
		g.addStateMachine(c, cfg, env, v, props)
		gateStatements = append(gateStatements,
			Statement{Sid: "StartValidation", Effect: "Allow", Action: []string{"states:StartExecution", "states:DescribeStateMachine"}, Resource: []string{n.StateMachineArn}},
			Statement{Sid: "FollowValidation", Effect: "Allow", Action: []string{"states:DescribeExecution", "states:StopExecution"}, Resource: []string{n.ExecutionArnPattern}})
	}
	if g.bakes {
		awscloudwatch.NewCfnCompositeAlarm(c, jsii.String("BakeAlarm"), &awscloudwatch.CfnCompositeAlarmProps{
			AlarmName:        jsii.String(n.BakeAlarm),
			AlarmRule:        jsii.String(BakeAlarmRule(alarms)),
			AlarmDescription: jsii.String(fmt.Sprintf("handsoff: any alarm of %s during its %s bake rolls the stage back", env.Name, stages.FormatDuration(env.Bake))),
		})
		gateStatements = append(gateStatements, Statement{Sid: "WatchBake", Effect: "Allow", Action: []string{"cloudwatch:DescribeAlarms"}, Resource: []string{n.BakeAlarmArn}})
	}
	if len(gateStatements) > 0 {
		role := awsiam.NewRole(c, jsii.String("GateRole"), &awsiam.RoleProps{
			RoleName:       jsii.String(n.GateRole),
			Description:    jsii.String("handsoff: the pipeline starts validation and watches the bake alarm of " + env.Name),
			AssumedBy:      awsiam.NewAccountPrincipal(jsii.String(cfg.Pipeline.Account)),
			InlinePolicies: &map[string]awsiam.PolicyDocument{"gate": policy(gateStatements)},
		})
		if g.validation != nil {
			cdknag.NagSuppressions_AddResourceSuppressions(role, &[]*cdknag.NagPackSuppression{{
				Id:        jsii.String("AwsSolutions-IAM5"),
				Reason:    jsii.String("Execution ARNs end in a name Step Functions generates per run; the wildcard is limited to executions of this one state machine."),
				AppliesTo: &[]interface{}{"Resource::" + n.ExecutionArnPattern},
			}}, jsii.Bool(true))
		}
	}
	return g
}

func policy(statements []Statement) awsiam.PolicyDocument {
	doc := map[string]any{"Version": "2012-10-17", "Statement": statements}
	raw, _ := json.Marshal(doc)
	var m map[string]any
	_ = json.Unmarshal(raw, &m)
	return awsiam.PolicyDocument_FromJson(&m)
}

func (g *gates) addStateMachine(c constructs.Construct, cfg *stages.Config, env stages.Environment, v *Validation, props *GatesProps) {
	n := g.names
	logs := awslogs.NewLogGroup(c, jsii.String("ValidationLogs"), &awslogs.LogGroupProps{
		LogGroupName:  jsii.String(n.LogGroup),
		Retention:     awslogs.RetentionDays_ONE_YEAR,
		RemovalPolicy: awscdk.RemovalPolicy_RETAIN,
	})
	role := awsiam.NewRole(c, jsii.String("ValidationRole"), &awsiam.RoleProps{
		Description:    jsii.String("handsoff: runs the checks of " + env.Name),
		AssumedBy:      awsiam.NewServicePrincipal(jsii.String("states.amazonaws.com"), nil),
		InlinePolicies: &map[string]awsiam.PolicyDocument{"checks": policy(v.Statements)},
	})
	sm := awsstepfunctions.NewStateMachine(c, jsii.String("Validation"), &awsstepfunctions.StateMachineProps{
		StateMachineName: jsii.String(n.StateMachine),
		DefinitionBody:   awsstepfunctions.DefinitionBody_FromString(jsii.String(v.Definition)),
		Role:             role,
		TracingEnabled:   jsii.Bool(true),
		Logs: &awsstepfunctions.LogOptions{
			Destination:          logs,
			Level:                awsstepfunctions.LogLevel_ALL,
			IncludeExecutionData: jsii.Bool(true),
		},
	})
	cdknag.NagSuppressions_AddResourceSuppressions(role, &[]*cdknag.NagPackSuppression{{
		Id:        jsii.String("AwsSolutions-IAM5"),
		Reason:    jsii.String("Log delivery and X-Ray actions that Step Functions needs for logging and tracing accept only Resource \"*\"; the CDK adds exactly those."),
		AppliesTo: &[]interface{}{"Resource::*"},
	}, {
		Id:     jsii.String("AwsSolutions-IAM5"),
		Reason: jsii.String("Checks may call a function version or alias (ARN:*), of exactly the functions the document names."),
		AppliesTo: &[]interface{}{
			map[string]interface{}{"regex": "/^Resource::arn:[^:]+:lambda:.*:\\*$/g"},
		},
	}}, jsii.Bool(true))
	_ = sm

	var key awskms.Key
	var source awscodebuild.ISource
	for _, chk := range v.Checks {
		switch chk.Type {
		case stages.CheckHTTP:
			if c.Node().TryFindChild(jsii.String("HTTPCheck")) != nil {
				continue
			}
			g.addHTTPFunction(c, env, v)
		case stages.CheckCodeBuild:
			if key == nil {
				key = awskms.NewKey(c, jsii.String("ChecksKey"), &awskms.KeyProps{
					EnableKeyRotation: jsii.Bool(true),
					Description:       jsii.String("handsoff: encrypts the check builds of " + env.Name),
					RemovalPolicy:     awscdk.RemovalPolicy_RETAIN,
				})
				harden.Key(key)
				dir := props.SourceDir
				if dir == "" {
					dir = "."
				}
				asset := awss3assets.NewAsset(c, jsii.String("CheckSource"), &awss3assets.AssetProps{
					Path:    jsii.String(dir),
					Exclude: jsii.Strings("cdk.out", "**/cdk.out", "node_modules", "**/node_modules", ".git", "*.test"),
				})
				source = awscodebuild.Source_S3(&awscodebuild.S3SourceProps{Bucket: asset.Bucket(), Path: asset.S3ObjectKey()})
			}
			g.addProject(c, cfg, env, chk, key, source)
		}
	}
}

func (g *gates) addHTTPFunction(c constructs.Construct, env stages.Environment, v *Validation) {
	n := g.names
	logs := awslogs.NewLogGroup(c, jsii.String("HTTPCheckLogs"), &awslogs.LogGroupProps{
		LogGroupName:  jsii.String("/aws/lambda/" + n.HTTPFunction),
		Retention:     awslogs.RetentionDays_ONE_YEAR,
		RemovalPolicy: awscdk.RemovalPolicy_RETAIN,
	})
	logArn := fmt.Sprintf("arn:%s:logs:%s:%s:log-group:/aws/lambda/%s:*", n.Partition, n.Region, n.Account, n.HTTPFunction)
	role := awsiam.NewRole(c, jsii.String("HTTPCheckRole"), &awsiam.RoleProps{
		Description: jsii.String("handsoff: http checks of " + env.Name + " (writes its own logs only)"),
		AssumedBy:   awsiam.NewServicePrincipal(jsii.String("lambda.amazonaws.com"), nil),
		InlinePolicies: &map[string]awsiam.PolicyDocument{"logs": policy([]Statement{{
			Effect: "Allow", Action: []string{"logs:CreateLogStream", "logs:PutLogEvents"}, Resource: []string{logArn},
		}})},
	})
	fn := awslambda.NewFunction(c, jsii.String("HTTPCheck"), &awslambda.FunctionProps{
		FunctionName: jsii.String(n.HTTPFunction),
		Description:  jsii.String("handsoff: http checks of " + env.Name),
		Runtime:      awslambda.Runtime_NODEJS_24_X(),
		Handler:      jsii.String("index.handler"),
		Code:         awslambda.Code_FromInline(jsii.String(httpCheckJS)),
		Timeout:      awscdk.Duration_Seconds(jsii.Number(v.HTTPTimeout.Seconds() + 5)),
		MemorySize:   jsii.Number(256),
		Role:         role,
		LogGroup:     logs,
		Tracing:      awslambda.Tracing_ACTIVE,
	})
	// After the function: its tracing grants create the role's policy.
	suppressFunctionRole(role, logArn)
	guard.Suppress(fn, "The http check calls the environment's public endpoints, as customers do; a VPC would add NAT and hide the customer's view. Checks of private endpoints use codebuild checks.", "lambda_inside_vpc_check")
}

// suppressFunctionRole records why a handsoff function's role holds the
// wildcards it does.
func suppressFunctionRole(role awsiam.Role, logArn string) {
	cdknag.NagSuppressions_AddResourceSuppressions(role, &[]*cdknag.NagPackSuppression{{
		Id:        jsii.String("AwsSolutions-IAM5"),
		Reason:    jsii.String("Log streams are named by Lambda at run time; the wildcard is limited to this function's own log group."),
		AppliesTo: &[]interface{}{"Resource::" + logArn},
	}, {
		Id:        jsii.String("AwsSolutions-IAM5"),
		Reason:    jsii.String("X-Ray tracing (xray:PutTraceSegments, xray:PutTelemetryRecords) accepts only Resource \"*\"; the CDK adds exactly those for active tracing."),
		AppliesTo: &[]interface{}{"Resource::*"},
	}}, jsii.Bool(true))
}

func (g *gates) addProject(c constructs.Construct, cfg *stages.Config, env stages.Environment, chk stages.Check, key awskms.Key, source awscodebuild.ISource) {
	n := g.names
	id := "Check-" + chk.Name
	project := awscodebuild.NewProject(c, jsii.String(id), &awscodebuild.ProjectProps{
		ProjectName:   jsii.String(n.Project(chk.Name)),
		Description:   jsii.String(fmt.Sprintf("handsoff: the %q check of %s", chk.Name, env.Name)),
		Source:        source,
		EncryptionKey: key,
		Timeout:       awscdk.Duration_Minutes(jsii.Number(chk.Timeout.Minutes())),
		Environment: &awscodebuild.BuildEnvironment{
			BuildImage:  awscodebuild.LinuxBuildImage_STANDARD_7_0(),
			ComputeType: awscodebuild.ComputeType_SMALL,
		},
		Logging: &awscodebuild.LoggingOptions{CloudWatch: &awscodebuild.CloudWatchLoggingOptions{
			LogGroup: awslogs.NewLogGroup(c, jsii.String(id+"Logs"), &awslogs.LogGroupProps{
				LogGroupName:  jsii.String("/aws/codebuild/" + n.Project(chk.Name)),
				Retention:     awslogs.RetentionDays_ONE_YEAR,
				RemovalPolicy: awscdk.RemovalPolicy_RETAIN,
			}),
		}},
		BuildSpec: awscodebuild.BuildSpec_FromObject(&map[string]interface{}{
			"version": "0.2",
			"phases":  map[string]interface{}{"build": map[string]interface{}{"commands": chk.Commands}},
		}),
	})
	cdknag.NagSuppressions_AddResourceSuppressions(project, &[]*cdknag.NagPackSuppression{{
		Id:     jsii.String("AwsSolutions-IAM5"),
		Reason: jsii.String("The CDK grants the project its own log streams and report groups, and reads of the check source asset; the wildcards are limited to those."),
	}}, jsii.Bool(true))
}
