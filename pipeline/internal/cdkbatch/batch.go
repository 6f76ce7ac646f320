package cdkbatch

import (
	"fmt"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscodepipeline"
	"github.com/aws/constructs-go/constructs/v10"
)

// Stack is a top-level stack of a Stage.
type Stack struct {
	Name string
	// Local: the stack is in the Stage's own account and region.
	Local bool
	// Alarms counts its AWS::CloudWatch::Alarm and CompositeAlarm
	// resources, those of its nested stacks included.
	Alarms int
	// DeployRole is its synthesizer's deploy role ARN, with the
	// placeholders ${AWS::AccountId}, ${AWS::Region} and
	// ${AWS::Partition}; "" when it has none.
	DeployRole string
}

// StageInfo is what DescribeStage reports of a Stage.
type StageInfo struct {
	// Outdir is the Stage's cloud assembly directory.
	Outdir string
	// Stacks are its top-level stacks, in construct pre-order, but for
	// those under a Stage nested in it.
	Stacks []Stack
	// NestedStages are the paths of the Stages nested in it, which CDK
	// Pipelines does not deploy.
	NestedStages []string
}

// Tag is one tag: key and value.
type Tag struct{ Key, Value string }

// DescribeStage tags every taggable resource under stage with tags, added
// in the order given (Tags.of(stage).add each), and reports the stage's
// stacks. home is the stage's environment, "aws://account/region". One
// jsii call, for 1 + len(tags) + 2 + 3 a stack.
func DescribeStage(stage awscdk.Stage, home string, tags []Tag) StageInfo {
	m := asMap(call("describeStage", stage, home, tagPairs(tags)))
	info := StageInfo{Outdir: str(m["outdir"])}
	for _, s := range list(m["stacks"]) {
		sm := asMap(s)
		info.Stacks = append(info.Stacks, Stack{Name: str(sm["name"]), Local: sm["local"] == true, Alarms: num(sm["alarms"]), DeployRole: str(sm["deployRole"])})
	}
	for _, p := range list(m["nestedStages"]) {
		info.NestedStages = append(info.NestedStages, str(p))
	}
	return info
}

// AddTags tags every taggable resource under scope with tags, added in
// the order given (Tags.of(scope).add each): one jsii call for
// 1 + len(tags).
func AddTags(scope constructs.IConstruct, tags []Tag) {
	call("tag", scope, tagPairs(tags))
}

// tagPairs are tags as cdkbatch.js takes them: [key, value] lists.
func tagPairs(tags []Tag) []any {
	out := make([]any, len(tags))
	for i, t := range tags {
		out[i] = []any{t.Key, t.Value}
	}
	return out
}

// FirstLocalStack is the first top-level stack of stage, in construct
// pre-order, in home ("aws://account/region"); nil if there is none.
func FirstLocalStack(stage awscdk.Stage, home string) awscdk.Stack {
	var st awscdk.Stack
	callInto(&st, "firstLocalStack", stage, home)
	return st
}

// AddPropertyOverrideJSON is resource.AddPropertyOverride(path, value) for
// the value that raw (JSON) encodes: one string through jsii instead of a
// tree of values that the kernel converts one by one.
func AddPropertyOverrideJSON(resource awscdk.CfnResource, path string, raw []byte) {
	call("addPropertyOverrideJSON", resource, path, string(raw))
}

// AddNagSuppressions adds entries (cdk-nag's rules_to_suppress entries, as
// nag.Entries makes them) to every IAM role, policy and managed policy
// under scopes, as nag.Suppress does to one resource, and returns how many
// resources it changed.
func AddNagSuppressions(scopes []constructs.IConstruct, entries []any) int {
	return num(call("addNagSuppressions", scopes, entries))
}

// PipelineStage is a stage of a built CodePipeline.
type PipelineStage struct {
	Name    string
	Actions int
}

// PipelineStages are the stages of pipeline in template order, with how
// many actions each has: one jsii call for 1 + 2 a stage.
func PipelineStages(pipeline awscodepipeline.Pipeline) []PipelineStage {
	var out []PipelineStage
	for _, s := range list(call("pipelineStages", pipeline)) {
		sm := asMap(s)
		out = append(out, PipelineStage{Name: str(sm["name"]), Actions: num(sm["actions"])})
	}
	return out
}

// HardenSupportStacks applies spec to the replication bucket and key of
// every cross-region support stack of pipeline, region by region in
// alphabetical order. It panics (a handsoff bug, which the tests catch)
// when a support stack is not one bucket, one L2 key and its CfnKey.
func HardenSupportStacks(pipeline awscodepipeline.Pipeline, spec SupportSpec) {
	call("hardenSupportStacks", pipeline, spec.value())
}

// SupportSpec is what HardenSupportStacks does in each support stack:
//  1. it adds an L1 bucket for the replication bucket's access logs,
//     LogBucketID with LogBucketProps (CfnBucketProps in their JSON form),
//     LogBucketRemovalPolicy (an awscdk.RemovalPolicy) and
//     LogBucketMetadata (key, value, added in order);
//  2. then its bucket policy, LogPolicyID, with LogPolicyDocument;
//  3. the replication bucket logs to it; BucketProperties (JSON name,
//     value) are set on its CfnBucket in order; BucketRemovalPolicy
//     applies to it, and BucketMetadata is added;
//  4. the key rotates, and its policy gets KeyStatement (IAM JSON) with
//     Key.addToResourcePolicy.
type SupportSpec struct {
	LogBucketID            string
	LogBucketProps         map[string]any
	LogBucketRemovalPolicy awscdk.RemovalPolicy
	LogBucketMetadata      []KeyValue
	LogPolicyID            string
	LogPolicyDocument      map[string]any
	BucketProperties       []KeyValue
	BucketRemovalPolicy    awscdk.RemovalPolicy
	BucketMetadata         []KeyValue
	KeyStatement           map[string]any
}

// KeyValue is one named value, where order matters.
type KeyValue struct {
	Key   string
	Value any
}

// value is spec as cdkbatch.js reads it; a removal policy's Go value is
// its JavaScript member name.
func (s SupportSpec) value() map[string]any {
	pairs := func(kvs []KeyValue) []any {
		out := make([]any, len(kvs))
		for i, kv := range kvs {
			out[i] = []any{kv.Key, kv.Value}
		}
		return out
	}
	return map[string]any{
		"logBucket":    map[string]any{"id": s.LogBucketID, "props": s.LogBucketProps, "removalPolicy": string(s.LogBucketRemovalPolicy), "metadata": pairs(s.LogBucketMetadata)},
		"logPolicy":    map[string]any{"id": s.LogPolicyID, "document": s.LogPolicyDocument},
		"bucket":       map[string]any{"properties": pairs(s.BucketProperties), "removalPolicy": string(s.BucketRemovalPolicy), "metadata": pairs(s.BucketMetadata)},
		"keyStatement": s.KeyStatement,
	}
}

func asMap(v any) map[string]any {
	m, ok := v.(map[string]any)
	if !ok {
		panic(fmt.Sprintf("cdkbatch: expected an object from the kernel, got %T", v)) // a bug in cdkbatch.js
	}
	return m
}

func list(v any) []any {
	if v == nil {
		return nil
	}
	l, ok := v.([]any)
	if !ok {
		panic(fmt.Sprintf("cdkbatch: expected a list from the kernel, got %T", v))
	}
	return l
}

func str(v any) string {
	s, ok := v.(string)
	if !ok {
		panic(fmt.Sprintf("cdkbatch: expected a string from the kernel, got %T", v))
	}
	return s
}

func num(v any) int {
	f, ok := v.(float64)
	if !ok {
		panic(fmt.Sprintf("cdkbatch: expected a number from the kernel, got %T", v))
	}
	return int(f)
}
