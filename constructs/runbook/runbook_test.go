package runbook_test

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/jsii-runtime-go"
	"github.com/google/go-cmp/cmp"
	"gopkg.in/yaml.v3"

	"github.com/handsoff-cdk/handsoff/constructs/runbook"
	"github.com/handsoff-cdk/handsoff/internal/testenv"
)

// TestNew: the document is an Automation document in YAML, updated as new
// versions, named as asked; a token in it (the role's ARN) resolves in the
// template, in place in the YAML text, which still reads as the document;
// the template matches the CloudFormation registry, which allows each value
// set and a string Content.
func TestNew(t *testing.T) {
	dir := t.TempDir()
	app := awscdk.NewApp(&awscdk.AppProps{Outdir: jsii.String(dir)})
	stack := awscdk.NewStack(app, jsii.String("Ops"), nil)
	role := awsiam.NewRole(stack, jsii.String("AutomationRole"), &awsiam.RoleProps{AssumedBy: awsiam.NewServicePrincipal(jsii.String("ssm.amazonaws.com"), nil)})
	doc := restartRunbook()
	doc.AssumeRole = *role.RoleArn()
	rb := runbook.New(stack, "Restart", &runbook.Props{Document: doc, Name: "handsoff-restart-instance"})
	if *rb.Node().Path() != "Ops/Restart" {
		t.Errorf("path %s", *rb.Node().Path())
	}
	app.Synth(nil)
	for _, f := range testenv.Annotations(t, dir) {
		if f.Level == "error" {
			t.Error(f)
		}
	}

	tmpl := assertions.Template_FromStack(stack, nil)
	tmpl.ResourceCountIs(jsii.String("AWS::SSM::Document"), jsii.Number(1))
	tmpl.HasResourceProperties(jsii.String("AWS::SSM::Document"), map[string]any{
		"DocumentType":   "Automation",
		"DocumentFormat": "YAML",
		"UpdateMethod":   "NewVersion",
		"Name":           "handsoff-restart-instance",
	})

	// The content is the document, with the role's ARN where the token was.
	var content any
	for _, r := range *tmpl.FindResources(jsii.String("AWS::SSM::Document"), nil) {
		content = (*r)["Properties"].(map[string]any)["Content"]
	}
	text := flatten(t, content)
	if !strings.Contains(text, `assumeRole: "<AutomationRole`) {
		t.Errorf("assumeRole is not the role's Arn:\n%s", text)
	}
	var got map[string]any
	if err := yaml.Unmarshal([]byte(text), &got); err != nil {
		t.Fatalf("the content does not read as YAML: %v\n%s", err, text)
	}
	delete(got, "assumeRole")
	doc.AssumeRole = ""
	if diff := cmp.Diff(decoded(t, doc), jsonRoundTrip(t, got)); diff != "" {
		t.Errorf("content (-want +got):\n%s", diff)
	}

	schema := testenv.Schema(t)
	for _, p := range schema.Validate(*tmpl.ToJSON()) {
		t.Error(p)
	}
	for prop, value := range map[string]string{"DocumentType": "Automation", "DocumentFormat": "YAML", "UpdateMethod": "NewVersion"} {
		if allowed := schema.AllowedValues("AWS::SSM::Document", prop); !slices.Contains(allowed, value) {
			t.Errorf("the registry allows %s %q, not %q", prop, allowed, value)
		}
	}
}

// flatten is a Content as text: a string, or an Fn::Join of strings and
// references, each reference written "<Logical.Attribute>" or "<Ref>".
func flatten(t testing.TB, v any) string {
	t.Helper()
	switch x := v.(type) {
	case string:
		return x
	case map[string]any:
		if j, ok := x["Fn::Join"].([]any); ok {
			var b strings.Builder
			for i, p := range j[1].([]any) {
				if i > 0 {
					b.WriteString(j[0].(string))
				}
				b.WriteString(flatten(t, p))
			}
			return b.String()
		}
		if g, ok := x["Fn::GetAtt"].([]any); ok {
			return fmt.Sprintf("<%s.%s>", g[0], g[1])
		}
		if r, ok := x["Ref"].(string); ok {
			return "<" + r + ">"
		}
	}
	t.Fatalf("Content is %#v, not text", v)
	return ""
}

// jsonRoundTrip is a value as JSON would decode it.
func jsonRoundTrip(t testing.TB, v any) map[string]any {
	t.Helper()
	raw, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	var out map[string]any
	if err := json.Unmarshal(raw, &out); err != nil {
		t.Fatal(err)
	}
	return out
}

// decoded is a document's JSON, decoded.
func decoded(t *testing.T, d *runbook.Document) map[string]any {
	t.Helper()
	raw, err := d.JSON()
	if err != nil {
		t.Fatal(err)
	}
	var out map[string]any
	if err := json.Unmarshal(raw, &out); err != nil {
		t.Fatal(err)
	}
	return out
}

// TestNewPlain: without tokens the content is exactly the document's YAML,
// and without a Name CloudFormation names it.
func TestNewPlain(t *testing.T) {
	app := awscdk.NewApp(&awscdk.AppProps{Outdir: jsii.String(t.TempDir())})
	stack := awscdk.NewStack(app, jsii.String("Ops"), nil)
	runbook.New(stack, "Restart", &runbook.Props{Document: restartRunbook()})
	want, err := restartRunbook().YAML()
	if err != nil {
		t.Fatal(err)
	}
	tmpl := assertions.Template_FromStack(stack, nil)
	tmpl.HasResourceProperties(jsii.String("AWS::SSM::Document"), map[string]any{
		"Content": string(want),
		"Name":    assertions.Match_Absent(),
	})
}

// TestNewReportsProblems: a broken document, a bad name, no document, and
// a stack whose name CloudFormation would lend the document a reserved
// prefix each fail synthesis, listed on the construct.
func TestNewReportsProblems(t *testing.T) {
	dir := t.TempDir()
	app := awscdk.NewApp(&awscdk.AppProps{Outdir: jsii.String(dir)})
	stack := awscdk.NewStack(app, jsii.String("Ops"), nil)
	broken := restartRunbook()
	broken.Steps[4].NextStep = "Missing"
	runbook.New(stack, "Broken", &runbook.Props{Document: broken, Name: "handsoff-broken"})
	runbook.New(stack, "Reserved", &runbook.Props{Document: restartRunbook(), Name: "AWS-Restart"})
	runbook.New(stack, "Short", &runbook.Props{Document: restartRunbook(), Name: "r/"})
	runbook.New(stack, "Empty", nil)
	amazon := awscdk.NewStack(app, jsii.String("AmazonOps"), nil)
	runbook.New(amazon, "Generated", &runbook.Props{Document: restartRunbook()})
	app.Synth(nil)

	var got []string
	for _, f := range testenv.Annotations(t, dir) {
		if f.Level == "error" && strings.HasPrefix(f.Message, "handsoff runbook: ") {
			got = append(got, f.Path+": "+strings.TrimPrefix(f.Message, "handsoff runbook: "))
		}
	}
	want := []string{
		`/AmazonOps/Generated: Name: CloudFormation would name the document after the stack "AmazonOps", which starts with "Amazon", a prefix AWS reserves; set Name`,
		`/Ops/Broken: mainSteps[4](WaitStopped).nextStep: "Missing" is not a step; steps: Describe, IsRunning, Approve, Stop, WaitStopped, Start, Settle, IsUp, Report`,
		`/Ops/Empty: Document is required: the runbook to deploy`,
		`/Ops/Reserved: Name "AWS-Restart" starts with "AWS", a prefix AWS reserves for its own documents; choose another`,
		`/Ops/Short: Name "r/": use 3 to 128 letters, digits, "_", "-" and "."`,
	}
	slices.Sort(got)
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("errors (-want +got):\n%s", diff)
	}
}
