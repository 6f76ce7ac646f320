package gates

import (
	_ "embed"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/jsii-runtime-go"

	"github.com/handsoff-cdk/handsoff/internal/harden"
	"github.com/handsoff-cdk/handsoff/stages"
)

//go:embed checkrunner.js
var checkRunnerJS string

// NodeRuntime is the Lambda runtime of handsoff's functions: the newest
// Node.js (cdk-nag AwsSolutions-L1).
const NodeRuntime = "nodejs24.x"

// GatesProps configure the gates of one environment.
type GatesProps struct {
	// Config is the validated document. Required.
	Config *stages.Config
	// Environment is the environment the gates watch. Required.
	Environment stages.Environment
	// SourceBucket and SourceKey locate the source uploaded for codebuild
	// checks (a CDK asset in the environment's account and region).
	// Required when the environment has codebuild checks; see NeedsSource.
	SourceBucket, SourceKey string
	// StackName names the gates stack. Default: "{service}-{env}-gates".
	StackName string
	// Tags are put on every resource that takes tags, and on the stack.
	// Default: none.
	Tags map[string]string
}

// Gates are the resources that validate one environment, as one
// CloudFormation stack in the environment's account and region, next to
// what they check:
//
//   - the validation state machine (logging ALL events, X-Ray tracing on)
//     and its role, allowed exactly the functions and projects it calls;
//   - the check runner function, which runs http checks and reports the
//     results of all, and a CodeBuild project per codebuild check.
//
// The pipeline starts the state machine with the environment's bootstrap
// gate role (checks.BootstrapTemplate), which exists before the pipeline does.
//
// The template is computed in Go and written as a file into the cloud
// assembly, and the pipeline deploys it with a CloudFormation action and the
// environment's CDK bootstrap roles, like any stack of the environment. It
// is no CDK construct tree: at a hundred environments, synthesizing a
// second stack per environment through jsii would cost about as much as the
// rest of the pipeline.
type Gates interface {
	// StackName is the name of the gates stack.
	StackName() string
	// Template is the complete CloudFormation template.
	Template() map[string]any
	// Names are the physical names of the gate resources.
	Names() Names
	// Validation is the environment's validation state machine.
	Validation() *Validation
	// Write writes the template as {StackName}.template.json into dir, with
	// the stack's tags in {StackName}.template.json.config.json, the
	// template configuration CodePipeline's CloudFormation action reads.
	Write(dir string) error
}

type gates struct {
	name       string
	template   func() map[string]any
	names      Names
	validation *Validation
	tags       map[string]string
}

func (g *gates) StackName() string        { return g.name }
func (g *gates) Template() map[string]any { return g.template() }
func (g *gates) Names() Names             { return g.names }
func (g *gates) Validation() *Validation  { return g.validation }

// NeedsSource reports whether env's gates run codebuild checks, which need
// the source uploaded (GatesProps.SourceBucket and SourceKey).
func NeedsSource(cfg *stages.Config, env stages.Environment) bool {
	for _, c := range env.Checks {
		if chk, ok := cfg.Checks[c]; ok && chk.Type == stages.CheckCodeBuild {
			return true
		}
	}
	return false
}

// NewGates computes the gates of props.Environment, which must have checks.
// It makes no construct.
func NewGates(props *GatesProps) (Gates, error) {
	cfg, env := props.Config, props.Environment
	if len(env.Checks) == 0 {
		return nil, fmt.Errorf("%s has no checks to run", env.Name)
	}
	n := NamesFor(cfg, env)
	name := props.StackName
	if name == "" {
		name = n.service + "-" + env.Name + "-gates"
	}
	if NeedsSource(cfg, env) && (props.SourceBucket == "" || props.SourceKey == "") {
		return nil, fmt.Errorf("the codebuild checks of %s need the location of the uploaded source", env.Name)
	}
	g := &gates{name: name, names: n, validation: NewValidation(cfg, env), tags: props.Tags}
	// The template is computed when it is first needed (Write, Template):
	// pipeline.Build writes it in the background, while jsii works.
	g.template = sync.OnceValue(func() map[string]any {
		tmpl := GatesTemplate(cfg, env, g.validation)
		values := map[string]any{}
		if p, _ := tmpl["Parameters"].(map[string]any); p[ParamSourceBucket] != nil {
			values[ParamSourceBucket], values[ParamSourceKey] = props.SourceBucket, props.SourceKey
		}
		// The values are known now: the template needs no parameters.
		tmpl = substitute(tmpl, values).(map[string]any)
		delete(tmpl, "Parameters")
		tmpl["Description"] = "handsoff: the validation gate of " + env.Name
		if len(props.Tags) > 0 {
			tagResources(tmpl, props.Tags)
		}
		return tmpl
	})
	return g, nil
}

// substitute replaces each {"Ref": name} of a parameter in values.
func substitute(v any, values map[string]any) any {
	switch x := v.(type) {
	case map[string]any:
		if ref, ok := x["Ref"].(string); ok && len(x) == 1 {
			if val, ok := values[ref]; ok {
				return val
			}
		}
		out := make(map[string]any, len(x))
		for k, e := range x {
			out[k] = substitute(e, values)
		}
		return out
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = substitute(e, values)
		}
		return out
	}
	return v
}

// taggable are the gate resource types that take Tags, as a list of
// {Key, Value}.
var taggable = map[string]bool{
	"AWS::IAM::Role": true, "AWS::Lambda::Function": true, "AWS::Logs::LogGroup": true,
	"AWS::StepFunctions::StateMachine": true,
	"AWS::CodeBuild::Project":          true, "AWS::KMS::Key": true,
}

// tagResources tags every taggable resource, keys sorted (as the CDK does).
func tagResources(tmpl map[string]any, tags map[string]string) {
	keys := make([]string, 0, len(tags))
	for k := range tags {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, r := range tmpl["Resources"].(map[string]any) {
		rm := r.(map[string]any)
		if !taggable[rm["Type"].(string)] {
			continue
		}
		list := make([]any, 0, len(keys))
		for _, k := range keys {
			list = append(list, map[string]any{"Key": k, "Value": tags[k]})
		}
		props, _ := rm["Properties"].(map[string]any)
		if props == nil {
			props = map[string]any{}
			rm["Properties"] = props
		}
		props["Tags"] = list
	}
}

func (g *gates) Write(dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	tmpl, err := json.MarshalIndent(g.template(), "", " ")
	if err != nil {
		return err
	}
	path := filepath.Join(dir, g.name+".template.json")
	if err := os.WriteFile(path, tmpl, 0o644); err != nil {
		return err
	}
	config, err := json.MarshalIndent(map[string]any{"Tags": g.tags}, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(path+".config.json", config, 0o644)
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
// {"AWS": ...}), with conditions when given.
func trust(principal map[string]any, condition ...map[string]any) map[string]any {
	st := map[string]any{"Effect": "Allow", "Action": "sts:AssumeRole", "Principal": principal}
	if len(condition) > 0 {
		st["Condition"] = condition[0]
	}
	return map[string]any{"Version": "2012-10-17", "Statement": []any{st}}
}

// logGroup makes a log group with a year of retention, kept on delete and
// replacement but not after a failed first create, which would block every
// later create on its fixed name
// (https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-attribute-deletionpolicy.html).
func logGroup(stack awscdk.Stack, id, name string) awslogs.CfnLogGroup {
	lg := awslogs.NewCfnLogGroup(stack, jsii.String(id), &awslogs.CfnLogGroupProps{
		LogGroupName:    jsii.String(name),
		RetentionInDays: jsii.Number(365),
	})
	// A fixed name goes with its stack: kept, it would make the function's
	// next create (a freeze gate needed again) fail on the name
	// (oracle.RetainedWithTheirName).
	lg.ApplyRemovalPolicy(awscdk.RemovalPolicy_DESTROY, nil)
	return lg
}

// functionStatements let a handsoff function write its logs and traces.
func functionStatements(logArn string) []Statement {
	return []Statement{
		{Sid: "Logs", Effect: "Allow", Action: []string{"logs:CreateLogStream", "logs:PutLogEvents"}, Resource: []string{logArn}},
		{Sid: "Trace", Effect: "Allow", Action: []string{"xray:PutTraceSegments", "xray:PutTelemetryRecords"}, Resource: []string{"*"}},
	}
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
