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

	"github.com/handsoff-cdk/handsoff/stages"
)

//go:embed httpcheck.js
var httpCheckJS string

// NodeRuntime is the Lambda runtime of handsoff's functions: the newest
// Node.js (cdk-nag AwsSolutions-L1).
const NodeRuntime = "nodejs24.x"

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
	// StackName names the gates stack. Default: "{service}-{env}-gates".
	StackName string
}

// Gates are the resources that gate one environment, in a stack of the
// environment's own Stage (its account and region, next to what they check):
//
//   - the validation state machine (logging ALL events, X-Ray tracing on)
//     and its role, allowed exactly the functions and projects it calls;
//   - a function for http checks and a CodeBuild project per codebuild check;
//   - the composite bake alarm, OR of every alarm of the environment;
//   - the gate role, which the pipeline account assumes to start the state
//     machine and to read the bake alarm.
//
// The resources are CloudFormation (L1) resources whose properties, policies
// and definition are computed in Go and handed to the CDK in one call each:
// synthesis of a hundred environments stays fast.
type Gates interface {
	// Stack is the gates stack.
	Stack() awscdk.Stack
	// Names are the physical names of the gate resources.
	Names() Names
	// Validation is nil when the stage has no checks.
	Validation() *Validation
	// Bakes reports whether a bake alarm was made.
	Bakes() bool
}

type gates struct {
	hasHTTP    bool
	stack      awscdk.Stack
	names      Names
	validation *Validation
	bakes      bool
}

func (g *gates) Stack() awscdk.Stack     { return g.stack }
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

// NewGatesStack makes the gates stack of props.Environment in stage, which
// must be the environment's Stage.
func NewGatesStack(stage constructs.Construct, id string, props *GatesProps) Gates {
	cfg, env := props.Config, props.Environment
	n := NamesFor(cfg, env)
	name := props.StackName
	if name == "" {
		name = n.service + "-" + env.Name + "-gates"
	}
	stack := awscdk.NewStack(stage, jsii.String(id), &awscdk.StackProps{
		StackName:   jsii.String(name),
		Description: jsii.String("handsoff: validation and bake gates of " + env.Name),
	})
	g := &gates{stack: stack, names: n, validation: NewValidation(cfg, env)}
	alarms := append(append([]string(nil), props.AlarmArns...), env.Alarms...)
	g.bakes = env.Bake > 0 && len(alarms) > 0

	var gateStatements []Statement
	if v := g.validation; v != nil {
		g.addValidation(stack, cfg, env, v, props)
		gateStatements = append(gateStatements,
			Statement{Sid: "StartValidation", Effect: "Allow", Action: []string{"states:StartExecution", "states:DescribeStateMachine"}, Resource: []string{n.StateMachineArn}},
			Statement{Sid: "FollowValidation", Effect: "Allow", Action: []string{"states:DescribeExecution", "states:StopExecution"}, Resource: []string{n.ExecutionArnPattern}})
	}
	if g.bakes {
		awscloudwatch.NewCfnCompositeAlarm(stack, jsii.String("BakeAlarm"), &awscloudwatch.CfnCompositeAlarmProps{
			AlarmName:        jsii.String(n.BakeAlarm),
			AlarmRule:        jsii.String(BakeAlarmRule(alarms)),
			AlarmDescription: jsii.String(fmt.Sprintf("handsoff: any alarm of %s during its %s bake rolls the stage back", env.Name, stages.FormatDuration(env.Bake))),
		})
		gateStatements = append(gateStatements, Statement{Sid: "WatchBake", Effect: "Allow", Action: []string{"cloudwatch:DescribeAlarms"}, Resource: []string{n.BakeAlarmArn}})
	}
	if len(gateStatements) > 0 {
		role := awsiam.NewCfnRole(stack, jsii.String("GateRole"), &awsiam.CfnRoleProps{
			RoleName:                 jsii.String(n.GateRole),
			Description:              jsii.String("handsoff: the pipeline starts validation and watches the bake alarm of " + env.Name),
			AssumeRolePolicyDocument: trust(map[string]any{"AWS": fmt.Sprintf("arn:%s:iam::%s:root", n.Partition, cfg.Pipeline.Account)}),
			Policies:                 inline("gate", gateStatements),
		})
		if g.validation != nil {
			suppressNag(role, nagSuppression{"AwsSolutions-IAM5", "Execution ARNs end in a name Step Functions generates per run; the wildcard is limited to executions of this one state machine.", []any{"Resource::" + n.ExecutionArnPattern}})
		}
	}
	return g
}

// policyDocument renders statements as an IAM policy document.
func policyDocument(statements []Statement) map[string]any {
	raw, _ := json.Marshal(map[string]any{"Version": "2012-10-17", "Statement": statements})
	var m map[string]any
	_ = json.Unmarshal(raw, &m)
	return m
}

// policy is policyDocument as an L2 PolicyDocument.
func policy(statements []Statement) awsiam.PolicyDocument {
	m := policyDocument(statements)
	return awsiam.PolicyDocument_FromJson(&m)
}

// inline is the Policies property of a CfnRole with one inline policy.
func inline(name string, statements []Statement) []any {
	return []any{map[string]any{"policyName": name, "policyDocument": policyDocument(statements)}}
}

// trust is an assume-role policy for a principal ({"Service": ...} or
// {"AWS": ...}).
func trust(principal map[string]any) map[string]any {
	return map[string]any{"Version": "2012-10-17", "Statement": []any{map[string]any{
		"Effect": "Allow", "Action": "sts:AssumeRole", "Principal": principal,
	}}}
}

type nagSuppression struct {
	id, reason string
	appliesTo  []any
}

// suppressNag records cdk-nag suppressions, with reasons, in the metadata
// cdk-nag reads, in one call.
func suppressNag(r awscdk.CfnResource, sups ...nagSuppression) {
	var list []any
	for _, s := range sups {
		m := map[string]any{"id": s.id, "reason": s.reason}
		if len(s.appliesTo) > 0 {
			m["applies_to"] = s.appliesTo
		}
		list = append(list, m)
	}
	r.AddMetadata(jsii.String("cdk_nag"), map[string]any{"rules_to_suppress": list})
}

// logGroup makes a retained log group with a year of retention.
func logGroup(stack awscdk.Stack, id, name string) awslogs.CfnLogGroup {
	lg := awslogs.NewCfnLogGroup(stack, jsii.String(id), &awslogs.CfnLogGroupProps{
		LogGroupName:    jsii.String(name),
		RetentionInDays: jsii.Number(365),
	})
	lg.ApplyRemovalPolicy(awscdk.RemovalPolicy_RETAIN, nil)
	return lg
}

func (g *gates) addValidation(stack awscdk.Stack, cfg *stages.Config, env stages.Environment, v *Validation, props *GatesProps) {
	n := g.names
	logs := logGroup(stack, "ValidationLogs", n.LogGroup)
	logArn := fmt.Sprintf("arn:%s:logs:%s:%s:log-group:%s:*", n.Partition, n.Region, n.Account, n.LogGroup)
	statements := append([]Statement{
		// Vended log delivery and X-Ray accept only Resource "*".
		{Sid: "DeliverLogs", Effect: "Allow", Resource: []string{"*"}, Action: []string{
			"logs:CreateLogDelivery", "logs:GetLogDelivery", "logs:UpdateLogDelivery", "logs:DeleteLogDelivery",
			"logs:ListLogDeliveries", "logs:PutResourcePolicy", "logs:DescribeResourcePolicies", "logs:DescribeLogGroups"}},
		{Sid: "Trace", Effect: "Allow", Resource: []string{"*"}, Action: []string{
			"xray:PutTraceSegments", "xray:PutTelemetryRecords", "xray:GetSamplingRules", "xray:GetSamplingTargets"}},
	}, v.Statements...)
	// Roles have physical names, so their ARNs are plain strings here: no
	// round trip to the CDK to read them.
	role := awsiam.NewCfnRole(stack, jsii.String("ValidationRole"), &awsiam.CfnRoleProps{
		RoleName:                 jsii.String(n.ValidationRole),
		Description:              jsii.String("handsoff: runs the checks of " + env.Name),
		AssumeRolePolicyDocument: trust(map[string]any{"Service": "states.amazonaws.com"}),
		Policies:                 inline("checks", statements),
	})
	suppressNag(role,
		nagSuppression{"AwsSolutions-IAM5", "Log delivery and X-Ray actions that Step Functions needs for logging and tracing accept only Resource \"*\".", []any{"Resource::*"}},
		nagSuppression{"AwsSolutions-IAM5", "Checks may call a version or alias (ARN:*) of exactly the functions the document names.", []any{map[string]any{"regex": "/^Resource::arn:[^:]+:lambda:.*:\\*$/g"}}})
	sm := awsstepfunctions.NewCfnStateMachine(stack, jsii.String("Validation"), &awsstepfunctions.CfnStateMachineProps{
		StateMachineName:     jsii.String(n.StateMachine),
		StateMachineType:     jsii.String("STANDARD"),
		DefinitionString:     jsii.String(v.Definition),
		RoleArn:              role.AttrArn(),
		TracingConfiguration: map[string]any{"enabled": true},
		LoggingConfiguration: map[string]any{
			"level": "ALL", "includeExecutionData": true,
			"destinations": []any{map[string]any{"cloudWatchLogsLogGroup": map[string]any{"logGroupArn": logArn}}},
		},
	})
	sm.AddDependency(logs) // Step Functions needs the log group, and the role
	sm.AddDependency(role)

	var keyArn, bucket, object string
	for _, chk := range v.Checks {
		switch chk.Type {
		case stages.CheckHTTP:
			if !g.hasHTTP {
				g.addHTTPFunction(stack, env, v)
				g.hasHTTP = true
			}
		case stages.CheckCodeBuild:
			if keyArn == "" {
				keyArn, bucket, object = g.addCheckSource(stack, env, props)
			}
			g.addProject(stack, env, chk, keyArn, bucket, object)
		}
	}
}

func (g *gates) addHTTPFunction(stack awscdk.Stack, env stages.Environment, v *Validation) {
	n := g.names
	group := "/aws/lambda/" + n.HTTPFunction
	logGroup(stack, "HTTPCheckLogs", group)
	logArn := fmt.Sprintf("arn:%s:logs:%s:%s:log-group:%s:*", n.Partition, n.Region, n.Account, group)
	role := awsiam.NewCfnRole(stack, jsii.String("HTTPCheckRole"), &awsiam.CfnRoleProps{
		RoleName:                 jsii.String(n.HTTPRole),
		Description:              jsii.String("handsoff: http checks of " + env.Name + " (writes its own logs, traces)"),
		AssumeRolePolicyDocument: trust(map[string]any{"Service": "lambda.amazonaws.com"}),
		Policies:                 inline("run", functionStatements(logArn)),
	})
	suppressFunctionRole(role, logArn)
	fn := awslambda.NewCfnFunction(stack, jsii.String("HTTPCheck"), &awslambda.CfnFunctionProps{
		FunctionName:  jsii.String(n.HTTPFunction),
		Description:   jsii.String("handsoff: http checks of " + env.Name),
		Runtime:       jsii.String(NodeRuntime),
		Handler:       jsii.String("index.handler"),
		Code:          map[string]any{"zipFile": httpCheckJS},
		Timeout:       jsii.Number(v.HTTPTimeout.Seconds() + 5),
		MemorySize:    jsii.Number(256),
		Role:          jsii.String(n.HTTPRoleArn),
		TracingConfig: map[string]any{"mode": "Active"},
		LoggingConfig: map[string]any{"logGroup": group},
	})
	fn.AddDependency(role)
	suppressGuard(fn, "The http check calls the environment's public endpoints, as customers do; a VPC would add NAT and hide the customer's view. Checks of private endpoints use codebuild checks.", "lambda_inside_vpc_check")
}

// functionStatements let a handsoff function write its logs and traces.
func functionStatements(logArn string) []Statement {
	return []Statement{
		{Sid: "Logs", Effect: "Allow", Action: []string{"logs:CreateLogStream", "logs:PutLogEvents"}, Resource: []string{logArn}},
		{Sid: "Trace", Effect: "Allow", Action: []string{"xray:PutTraceSegments", "xray:PutTelemetryRecords"}, Resource: []string{"*"}},
	}
}

// suppressFunctionRole records why a handsoff function's role holds the
// wildcards it does.
func suppressFunctionRole(role awscdk.CfnResource, logArn string) {
	suppressNag(role,
		nagSuppression{"AwsSolutions-IAM5", "Log streams are named by Lambda at run time; the wildcard is limited to this function's own log group.", []any{"Resource::" + logArn}},
		nagSuppression{"AwsSolutions-IAM5", "X-Ray tracing (xray:PutTraceSegments, xray:PutTelemetryRecords) accepts only Resource \"*\".", []any{"Resource::*"}})
}

// addCheckSource uploads the repository for codebuild checks and makes the
// key that encrypts their builds; it returns the key's ARN and the source's
// bucket and object key.
func (g *gates) addCheckSource(stack awscdk.Stack, env stages.Environment, props *GatesProps) (keyArn, bucket, object string) {
	n := g.names
	key := awskms.NewCfnKey(stack, jsii.String("ChecksKey"), &awskms.CfnKeyProps{
		Description:       jsii.String("handsoff: encrypts the check builds of " + env.Name),
		EnableKeyRotation: jsii.Bool(true),
		KeyPolicy:         keyPolicy(n.Partition, n.Account),
	})
	key.ApplyRemovalPolicy(awscdk.RemovalPolicy_RETAIN, nil)
	dir := props.SourceDir
	if dir == "" {
		dir = "."
	}
	asset := awss3assets.NewAsset(stack, jsii.String("CheckSource"), &awss3assets.AssetProps{
		Path:    jsii.String(dir),
		Exclude: jsii.Strings("cdk.out", "**/cdk.out", "node_modules", "**/node_modules", ".git", "*.test"),
	})
	return *key.AttrArn(), *asset.S3BucketName(), *asset.S3ObjectKey()
}

// keyPolicy lets the account administer and use a key, and lets only AWS
// services create grants on it (AWS Control Tower CT.KMS.PR.3).
func keyPolicy(partition, account string) map[string]any {
	return map[string]any{"Version": "2012-10-17", "Statement": []any{
		map[string]any{"Sid": "AccountAdministers", "Effect": "Allow", "Action": "kms:*", "Resource": "*",
			"Principal": map[string]any{"AWS": fmt.Sprintf("arn:%s:iam::%s:root", partition, account)}},
		map[string]any{"Sid": "GrantsOnlyForAWSResources", "Effect": "Deny", "Action": "kms:CreateGrant", "Resource": "*",
			"Principal": map[string]any{"AWS": "*"},
			"Condition": map[string]any{"BoolIfExists": map[string]any{"kms:GrantIsForAWSResource": "false", "aws:PrincipalIsAWSService": "false"}}},
	}}
}

func (g *gates) addProject(stack awscdk.Stack, env stages.Environment, chk stages.Check, keyArn, bucket, object string) {
	n := g.names
	id := "Check" + alnum(chk.Name)
	project := n.Project(chk.Name)
	group := "/aws/codebuild/" + project
	logGroup(stack, id+"Logs", group)
	logArn := fmt.Sprintf("arn:%s:logs:%s:%s:log-group:%s:*", n.Partition, n.Region, n.Account, group)
	role := awsiam.NewCfnRole(stack, jsii.String(id+"Role"), &awsiam.CfnRoleProps{
		Description:              jsii.String(fmt.Sprintf("handsoff: the %q check of %s", chk.Name, env.Name)),
		AssumeRolePolicyDocument: trust(map[string]any{"Service": "codebuild.amazonaws.com"}),
		Policies: inline("build", []Statement{
			{Sid: "Logs", Effect: "Allow", Action: []string{"logs:CreateLogStream", "logs:PutLogEvents"}, Resource: []string{logArn}},
			{Sid: "Source", Effect: "Allow", Action: []string{"s3:GetObject", "s3:GetObjectVersion"}, Resource: []string{fmt.Sprintf("arn:%s:s3:::%s/%s", n.Partition, bucket, object)}},
			{Sid: "Encrypt", Effect: "Allow", Action: []string{"kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey", "kms:DescribeKey"}, Resource: []string{keyArn}},
		}),
	})
	suppressNag(role, nagSuppression{"AwsSolutions-IAM5", "CodeBuild names log streams per build; the wildcard is limited to this project's own log group.", []any{"Resource::" + logArn}})
	spec, _ := json.Marshal(map[string]any{"version": "0.2", "phases": map[string]any{"build": map[string]any{"commands": chk.Commands}}})
	awscodebuild.NewCfnProject(stack, jsii.String(id), &awscodebuild.CfnProjectProps{
		Name:             jsii.String(project),
		Description:      jsii.String(fmt.Sprintf("handsoff: the %q check of %s", chk.Name, env.Name)),
		ServiceRole:      role.AttrArn(),
		EncryptionKey:    jsii.String(keyArn),
		TimeoutInMinutes: jsii.Number(chk.Timeout.Minutes()),
		Source:           map[string]any{"type": "S3", "location": bucket + "/" + object, "buildSpec": string(spec)},
		Artifacts:        map[string]any{"type": "NO_ARTIFACTS"},
		Environment: map[string]any{
			"type": "LINUX_CONTAINER", "image": "aws/codebuild/standard:7.0",
			"computeType": "BUILD_GENERAL1_SMALL", "privilegedMode": false,
		},
		LogsConfig: map[string]any{"cloudWatchLogs": map[string]any{"status": "ENABLED", "groupName": group}},
	})
}

// alnum keeps letters and digits, for logical ids.
func alnum(s string) string {
	var b strings.Builder
	for _, r := range s {
		if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' {
			b.WriteRune(r)
		}
	}
	return b.String()
}

// suppressGuard records cfn-guard suppressions with their reason (see
// internal/guard for the format).
func suppressGuard(r awscdk.CfnResource, reason string, rules ...string) {
	reasons := map[string]any{}
	list := make([]any, len(rules))
	for i, rule := range rules {
		reasons[rule] = reason
		list[i] = rule
	}
	r.AddMetadata(jsii.String("guard"), map[string]any{"SuppressedRules": list, "Reasons": reasons})
}
