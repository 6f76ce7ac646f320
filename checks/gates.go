package checks

import (
	_ "embed"
	"encoding/json"
	"fmt"
	"os"
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/aws-cdk-go/awscdk/v2/awss3assets"
	"github.com/aws/aws-cdk-go/awscdk/v2/cloudformationinclude"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/handsoff-cdk/handsoff/internal/harden"
	"github.com/handsoff-cdk/handsoff/internal/nag"
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
// The template is computed in Go (GatesTemplate) and handed to the CDK in
// one call (CfnInclude), so synthesis of a hundred environments stays fast;
// the included resources are the CDK's typed L1 classes, which cdk-nag and
// aspects such as Tags see as usual.
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
	stack      awscdk.Stack
	names      Names
	validation *Validation
	bakes      bool
}

func (g *gates) Stack() awscdk.Stack     { return g.stack }
func (g *gates) Names() Names            { return g.names }
func (g *gates) Validation() *Validation { return g.validation }
func (g *gates) Bakes() bool             { return g.bakes }

// NewGatesStack makes the gates stack of props.Environment in stage, which
// must be the environment's Stage. The template is computed in Go
// (GatesTemplate) and included in one call; values only the CDK knows (the
// check source asset, alarms of the team's stacks) are passed as parameters.
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
	g.bakes = env.Bake > 0 && len(props.AlarmArns)+len(env.Alarms) > 0
	tmpl := GatesTemplate(cfg, env, g.validation, len(props.AlarmArns))
	params := map[string]interface{}{}
	if env.Bake > 0 {
		for i, arn := range props.AlarmArns {
			params[ParamAlarm(i)] = arn
		}
	}
	if p, _ := tmpl["Parameters"].(map[string]any); p[ParamSourceBucket] != nil {
		dir := props.SourceDir
		if dir == "" {
			dir = "."
		}
		asset := awss3assets.NewAsset(stack, jsii.String("CheckSource"), &awss3assets.AssetProps{
			Path:    jsii.String(dir),
			Exclude: jsii.Strings("cdk.out", "**/cdk.out", "node_modules", "**/node_modules", ".git", "*.test"),
		})
		params[ParamSourceBucket], params[ParamSourceKey] = *asset.S3BucketName(), *asset.S3ObjectKey()
	}
	file, err := writeTemplate(tmpl)
	if err != nil {
		panic("checks: cannot write the gates template: " + err.Error()) // a full disk, not a user mistake
	}
	defer os.Remove(file)
	cloudformationinclude.NewCfnInclude(stack, jsii.String("Gates"), &cloudformationinclude.CfnIncludeProps{
		TemplateFile: jsii.String(file),
		Parameters:   &params,
	})
	return g
}

// writeTemplate writes a template to a temporary file for CfnInclude.
func writeTemplate(tmpl map[string]any) (string, error) {
	f, err := os.CreateTemp("", "handsoff-gates-*.json")
	if err != nil {
		return "", err
	}
	defer f.Close()
	if err := json.NewEncoder(f).Encode(tmpl); err != nil {
		return "", err
	}
	return f.Name(), nil
}

// policyDocument renders statements as an IAM policy document.
func policyDocument(statements []Statement) map[string]any {
	raw, _ := json.Marshal(map[string]any{"Version": "2012-10-17", "Statement": statements})
	var m map[string]any
	_ = json.Unmarshal(raw, &m)
	return m
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

// logGroup makes a retained log group with a year of retention.
func logGroup(stack awscdk.Stack, id, name string) awslogs.CfnLogGroup {
	lg := awslogs.NewCfnLogGroup(stack, jsii.String(id), &awslogs.CfnLogGroupProps{
		LogGroupName:    jsii.String(name),
		RetentionInDays: jsii.Number(365),
	})
	lg.ApplyRemovalPolicy(awscdk.RemovalPolicy_RETAIN, nil)
	return lg
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
	nag.Suppress(role, functionSuppressions(logArn)...)
}

// keyPolicy lets the account administer and use a key, and lets only AWS
// services create grants on it (AWS Control Tower CT.KMS.PR.3).
func keyPolicy(partition, account string) map[string]any {
	return map[string]any{"Version": "2012-10-17", "Statement": []any{
		map[string]any{"Sid": "AccountAdministers", "Effect": "Allow", "Action": "kms:*", "Resource": "*",
			"Principal": map[string]any{"AWS": fmt.Sprintf("arn:%s:iam::%s:root", partition, account)}},
		harden.DenyForeignGrants(),
	}}
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
	r.AddMetadata(jsii.String("guard"), guardMetadata(reason, rules...))
}
