package cdkbatch

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudwatch"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscodepipeline"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscodepipelineactions"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awss3"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssns"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
	"github.com/google/go-cmp/cmp"

	"github.com/handsoff-cdk/handsoff/internal/nag"
)

// TestManifestDeclaresEveryMethod: the jsii manifest declares exactly the
// static methods of cdkbatch.js, with their parameters, or the kernel
// refuses the call.
func TestManifestDeclaresEveryMethod(t *testing.T) {
	re := regexp.MustCompile(`(?m)^  static (\w+)\(([^)]*)\)`)
	var inJS, declared []string
	for _, m := range re.FindAllStringSubmatch(string(source), -1) {
		inJS = append(inJS, m[1]+"("+strings.ReplaceAll(m[2], " ", "")+")")
	}
	for _, m := range methods {
		declared = append(declared, m.name+"("+strings.Join(m.params, ",")+")")
	}
	slices.Sort(inJS)
	slices.Sort(declared)
	if diff := cmp.Diff(inJS, declared); diff != "" {
		t.Errorf("cdkbatch.js (-) and the manifest's methods (+) differ:\n%s", diff)
	}
}

// TestTarballIsStable: the same bytes every time, so that the kernel's
// package cache keeps one copy; and npm's layout.
func TestTarballIsStable(t *testing.T) {
	a, b := tarball(), tarball()
	if !bytes.Equal(a, b) {
		t.Fatal("two tarballs differ")
	}
	gz, err := gzip.NewReader(bytes.NewReader(a))
	if err != nil {
		t.Fatal(err)
	}
	tr := tar.NewReader(gz)
	var names []string
	for {
		h, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		names = append(names, h.Name)
	}
	if want := []string{"package/package.json", "package/.jsii", "package/cdkbatch.js"}; !slices.Equal(names, want) {
		t.Errorf("files %v, want %v", names, want)
	}
}

const home = "aws://111111111111/us-east-1"

// goDescribe is what DescribeStage replaced, one jsii call a step: the
// reference its result is held to.
func goDescribe(stage awscdk.Stage) StageInfo {
	info := StageInfo{Outdir: *stage.Outdir()}
	var current *Stack
	for _, c := range *stage.Node().FindAll(constructs.ConstructOrder_PREORDER) {
		if slices.ContainsFunc(info.NestedStages, func(p string) bool { return strings.HasPrefix(*c.Node().Path(), p+"/") }) {
			continue
		}
		switch v := c.(type) {
		case awscdk.Stage:
			if *v.Node().Path() != *stage.Node().Path() {
				info.NestedStages = append(info.NestedStages, *v.Node().Path())
				current = nil
			}
		case awscdk.Stack:
			if *v.Nested() {
				continue
			}
			role := ""
			if *v.StackName() != "Mixed-Team2" {
				role = *v.Synthesizer().(awscdk.DefaultStackSynthesizer).DeployRoleArn()
			}
			info.Stacks = append(info.Stacks, Stack{Name: *v.StackName(), Local: *v.Environment() == home, DeployRole: role})
			current = &info.Stacks[len(info.Stacks)-1]
		case awscloudwatch.CfnAlarm, awscloudwatch.CfnCompositeAlarm:
			current.Alarms++
		}
	}
	return info
}

func alarm(scope constructs.Construct, id string) {
	awscloudwatch.NewAlarm(scope, jsii.String(id), &awscloudwatch.AlarmProps{
		Metric:            awscloudwatch.NewMetric(&awscloudwatch.MetricProps{Namespace: jsii.String("N"), MetricName: jsii.String("M")}),
		Threshold:         jsii.Number(1),
		EvaluationPeriods: jsii.Number(1),
	})
}

// TestDescribeStage holds DescribeStage to the Go walk on stages of every
// shape: no stack, stacks in and out of the stage's account and region,
// alarms in nested stacks, composite alarms, and a construct tree where
// the first stack is foreign. Tags land on the resources, in order.
func TestDescribeStage(t *testing.T) {
	app := awscdk.NewApp(&awscdk.AppProps{Outdir: jsii.String(t.TempDir())})
	env := &awscdk.Environment{Account: jsii.String("111111111111"), Region: jsii.String("us-east-1")}
	newStage := func(id string) awscdk.Stage {
		return awscdk.NewStage(app, jsii.String(id), &awscdk.StageProps{Env: env})
	}
	empty := newStage("Empty")

	mixed := newStage("Mixed")
	foreign := awscdk.NewStack(mixed, jsii.String("Foreign"), &awscdk.StackProps{Env: &awscdk.Environment{Account: jsii.String("111111111111"), Region: jsii.String("eu-west-1")}})
	alarm(foreign, "FarAlarm")
	api := awscdk.NewStack(mixed, jsii.String("Api"), &awscdk.StackProps{StackName: jsii.String("custom-api")})
	alarm(api, "Errors")
	alarm(api, "Latency")
	nested := awscdk.NewNestedStack(api, jsii.String("Inner"), nil)
	alarm(nested, "InnerAlarm")
	a := awscloudwatch.NewAlarm(nested, jsii.String("ForComposite"), &awscloudwatch.AlarmProps{
		Metric: awscloudwatch.NewMetric(&awscloudwatch.MetricProps{Namespace: jsii.String("N"), MetricName: jsii.String("C")}), Threshold: jsii.Number(1), EvaluationPeriods: jsii.Number(1),
	})
	awscloudwatch.NewCompositeAlarm(api, jsii.String("Composite"), &awscloudwatch.CompositeAlarmProps{AlarmRule: awscloudwatch.AlarmRule_FromAlarm(a, awscloudwatch.AlarmState_ALARM)})
	data := awscdk.NewStack(mixed, jsii.String("Data"), nil)
	awss3.NewBucket(data, jsii.String("Bucket"), nil)
	awssns.NewTopic(awscdk.NewStack(mixed, jsii.String("Other"), &awscdk.StackProps{Env: &awscdk.Environment{Account: jsii.String("222222222222"), Region: jsii.String("us-east-1")}}), jsii.String("T"), nil)
	awscdk.NewStack(mixed, jsii.String("Team2"), &awscdk.StackProps{Synthesizer: awscdk.NewDefaultStackSynthesizer(&awscdk.DefaultStackSynthesizerProps{Qualifier: jsii.String("team2")})})
	inner := awscdk.NewStage(mixed, jsii.String("InnerStage"), nil)
	alarm(awscdk.NewStack(inner, jsii.String("Hidden"), nil), "HiddenAlarm")
	alarm(awscdk.NewStack(mixed, jsii.String("After"), nil), "AfterAlarm")

	for _, st := range []awscdk.Stage{empty, mixed} {
		want := goDescribe(st)
		for i := range want.Stacks {
			if want.Stacks[i].Name == "Mixed-Team2" {
				// Go cannot read back the role of a synthesizer it made
				// (jsii hands back a bare reference); this is its role.
				want.Stacks[i].DeployRole = "arn:${AWS::Partition}:iam::111111111111:role/cdk-team2-deploy-role-111111111111-us-east-1"
			}
		}
		got := DescribeStage(st, home, []Tag{{"b", "2"}, {"a", "1"}})
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("%s: DescribeStage differs from the Go walk (-want +got):\n%s", *st.Node().Id(), diff)
		}
	}
	if got := FirstLocalStack(empty, home); got != nil {
		t.Errorf("FirstLocalStack of a stage without stacks = %v", *got.StackName())
	}
	if got := FirstLocalStack(mixed, home); got == nil || *got.StackName() != "custom-api" {
		t.Errorf("FirstLocalStack = %v, want custom-api (Foreign comes first but is in eu-west-1)", got)
	}

	asm := mixed.Synth(nil)
	tmpl := asm.GetStackByName(jsii.String("Mixed-Data")).Template().(map[string]any)
	for id, r := range tmpl["Resources"].(map[string]any) {
		props, _ := r.(map[string]any)["Properties"].(map[string]any)
		if tags, ok := props["Tags"]; ok {
			want := []any{map[string]any{"Key": "a", "Value": "1"}, map[string]any{"Key": "b", "Value": "2"}}
			if diff := cmp.Diff(want, tags); diff != "" {
				t.Errorf("%s: tags (-want +got):\n%s", id, diff)
			}
			return
		}
	}
	t.Error("no tagged resource in Mixed-Data")
}

// TestPipelineStages holds PipelineStages to the Go reads it replaced.
func TestPipelineStages(t *testing.T) {
	app := awscdk.NewApp(&awscdk.AppProps{Outdir: jsii.String(t.TempDir())})
	stack := awscdk.NewStack(app, jsii.String("P"), nil)
	p := awscodepipeline.NewPipeline(stack, jsii.String("Pipeline"), nil)
	for i, name := range []string{"One", "Two", "Three"} {
		st := p.AddStage(&awscodepipeline.StageOptions{StageName: jsii.String(name)})
		for j := range i + 1 {
			st.AddAction(awscodepipelineactions.NewManualApprovalAction(&awscodepipelineactions.ManualApprovalActionProps{ActionName: jsii.String(fmt.Sprint("Approve", j))}))
		}
	}
	var want []PipelineStage
	for _, s := range *p.Stages() {
		want = append(want, PipelineStage{Name: *s.StageName(), Actions: len(*s.Actions())})
	}
	if diff := cmp.Diff(want, PipelineStages(p)); diff != "" {
		t.Errorf("(-Go +batch):\n%s", diff)
	}
}

// TestAddNagSuppressions holds AddNagSuppressions to nag.Suppress on each
// role and policy, over overlapping scopes, with metadata already there.
func TestAddNagSuppressions(t *testing.T) {
	sups := []nag.Suppression{
		{ID: "AwsSolutions-IAM5", Reason: "a reason long enough", AppliesTo: []any{"Resource::*", map[string]any{"regex": "/^x$/g"}}},
		{ID: "AwsSolutions-IAM4", Reason: "another reason, ünicode"},
	}
	build := func(batched bool) map[string]any {
		app := awscdk.NewApp(&awscdk.AppProps{Outdir: jsii.String(t.TempDir())})
		stack := awscdk.NewStack(app, jsii.String("S"), nil)
		role := awsiam.NewRole(stack, jsii.String("Role"), &awsiam.RoleProps{AssumedBy: awsiam.NewServicePrincipal(jsii.String("lambda.amazonaws.com"), nil)})
		role.AddToPolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{Actions: jsii.Strings("s3:GetObject"), Resources: jsii.Strings("*")}))
		awsiam.NewManagedPolicy(stack, jsii.String("Managed"), &awsiam.ManagedPolicyProps{Statements: &[]awsiam.PolicyStatement{
			awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{Actions: jsii.Strings("s3:ListBucket"), Resources: jsii.Strings("*")})}})
		awss3.NewCfnBucket(stack, jsii.String("NotIAM"), nil)
		// Already there: one entry equal to a new one, one other.
		nag.Suppress(role.Node().DefaultChild().(awscdk.CfnResource), sups[0], nag.Suppression{ID: "AwsSolutions-IAM6", Reason: "kept from before"})
		scopes := []constructs.IConstruct{stack, role} // role is under stack too
		if batched {
			if n := AddNagSuppressions(scopes, nag.Entries(sups...)); n != 3 {
				t.Errorf("changed %d resources, want 3 (role, its policy, the managed policy)", n)
			}
		} else {
			for _, s := range scopes {
				for _, c := range *s.Node().FindAll(constructs.ConstructOrder_PREORDER) {
					switch r := c.(type) {
					case awsiam.CfnRole:
						nag.Suppress(r, sups...)
					case awsiam.CfnPolicy:
						nag.Suppress(r, sups...)
					case awsiam.CfnManagedPolicy:
						nag.Suppress(r, sups...)
					}
				}
			}
		}
		return app.Synth(nil).GetStackByName(jsii.String("S")).Template().(map[string]any)
	}
	want, got := build(false), build(true)
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("template (-nag.Suppress +AddNagSuppressions):\n%s", diff)
	}
	if !strings.Contains(fmt.Sprint(got), "kept from before") {
		t.Error("the entry that was there is gone")
	}
}

// TestAddPropertyOverrideJSON: the same template as AddPropertyOverride of
// the decoded value, for strings that JSON escapes.
func TestAddPropertyOverrideJSON(t *testing.T) {
	value := map[string]any{"0": map[string]any{"Name": "a<b>&c \"q\" ü", "N": 3.5, "L": []any{true, nil, map[string]any{"x": 1}}}}
	raw, err := json.Marshal(value)
	if err != nil {
		t.Fatal(err)
	}
	build := func(batched bool) map[string]any {
		app := awscdk.NewApp(&awscdk.AppProps{Outdir: jsii.String(t.TempDir())})
		stack := awscdk.NewStack(app, jsii.String("S"), nil)
		r := awscdk.NewCfnResource(stack, jsii.String("R"), &awscdk.CfnResourceProps{Type: jsii.String("AWS::X::Y"), Properties: &map[string]any{"Stages": []any{map[string]any{"Name": "first"}}}})
		if batched {
			AddPropertyOverrideJSON(r, "Stages", raw)
		} else {
			r.AddPropertyOverride(jsii.String("Stages"), value)
		}
		return app.Synth(nil).GetStackByName(jsii.String("S")).Template().(map[string]any)
	}
	if diff := cmp.Diff(build(false), build(true)); diff != "" {
		t.Errorf("template (-AddPropertyOverride +JSON):\n%s", diff)
	}
}

// TestManifestIsValid: the kernel accepts the hand-written jsii manifest
// when it checks assemblies against the jsii schema (it does not by
// default; JSII_VALIDATE_ASSEMBLIES=1 makes it), so a stricter kernel would
// still load it. The check runs in a child process, whose kernel starts
// with the variable set.
func TestManifestIsValid(t *testing.T) {
	if os.Getenv("CDKBATCH_VALIDATE_CHILD") != "" {
		app := awscdk.NewApp(&awscdk.AppProps{Outdir: jsii.String(t.TempDir())})
		PipelineStages(awscodepipeline.NewPipeline(awscdk.NewStack(app, jsii.String("P"), nil), jsii.String("Pipeline"), nil))
		return
	}
	cmd := exec.Command(os.Args[0], "-test.run=^TestManifestIsValid$", "-test.v")
	cmd.Env = append(os.Environ(), "CDKBATCH_VALIDATE_CHILD=1", "JSII_VALIDATE_ASSEMBLIES=1")
	out, err := cmd.CombinedOutput()
	if err != nil || !strings.Contains(string(out), "--- PASS: TestManifestIsValid") {
		t.Fatalf("the kernel refused the assembly under JSII_VALIDATE_ASSEMBLIES=1: %v\n%s", err, out)
	}
}

// TestAddTags holds AddTags to Tags.of(scope).add of each tag, in order,
// on a stack that holds taggable and untaggable resources.
func TestAddTags(t *testing.T) {
	tags := []Tag{{"z", "last"}, {"a", "first"}, {"z", "again"}}
	build := func(batched bool) map[string]any {
		app := awscdk.NewApp(&awscdk.AppProps{Outdir: jsii.String(t.TempDir())})
		stack := awscdk.NewStack(app, jsii.String("S"), nil)
		awss3.NewBucket(stack, jsii.String("Bucket"), nil)
		awssns.NewTopic(stack, jsii.String("Topic"), nil)
		if batched {
			AddTags(stack, tags)
		} else {
			for _, tag := range tags {
				awscdk.Tags_Of(stack).Add(jsii.String(tag.Key), jsii.String(tag.Value), nil)
			}
		}
		return app.Synth(nil).GetStackByName(jsii.String("S")).Template().(map[string]any)
	}
	want, got := build(false), build(true)
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("template (-Tags.of +AddTags):\n%s", diff)
	}
	if !strings.Contains(fmt.Sprint(got), "again") {
		t.Error("no tag reached the template")
	}
}
