package goldenami_test

import (
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/jsii-runtime-go"
	"github.com/google/go-cmp/cmp"

	"github.com/handsoff-cdk/handsoff/constructs/goldenami"
	"github.com/handsoff-cdk/handsoff/examples/immutable"
	"github.com/handsoff-cdk/handsoff/internal/testenv"
)

var update = flag.Bool("update", false, "rewrite the golden templates")

var example = testenv.NewShared("handsoff-goldenami-", func(app awscdk.App) { immutable.Stacks(app) })

type fixture struct {
	dir   string
	tmpls map[string]map[string]any
}

func TestMain(m *testing.M) {
	code := m.Run()
	example.Close()
	os.Exit(code)
}

func synth(t *testing.T) *fixture {
	t.Helper()
	dir, tmpls := example.Get(t)
	return &fixture{dir: dir, tmpls: tmpls}
}

func resources(tmpl map[string]any, typ string) []map[string]any {
	var out []map[string]any
	for _, r := range tmpl["Resources"].(map[string]any) {
		if rm := r.(map[string]any); rm["Type"] == typ {
			out = append(out, rm["Properties"].(map[string]any))
		}
	}
	return out
}

func compact(v any) string { b, _ := json.Marshal(v); return string(b) }

// TestImagePipeline: what the issue promises of the image, read from the
// template: the parent from the public parameter, hardening and the agent,
// IMDSv2 on the build instance, encrypted volumes, tests on, a schedule
// that builds when something changed, a parameter in every target (AMI
// account set for the other accounts, whose IDs get a copy), and the
// execution role allowed to write exactly those parameters.
func TestImagePipeline(t *testing.T) {
	f := synth(t)
	tmpl := f.tmpls["Images.template.json"]
	recipe := resources(tmpl, "AWS::ImageBuilder::ImageRecipe")[0]
	if recipe["ParentImage"] != "ssm:"+goldenami.DefaultBaseImage {
		t.Errorf("parent %v", recipe["ParentImage"])
	}
	if comps := compact(recipe["Components"]); !strings.Contains(comps, "amazon-cloudwatch-agent-linux/x.x.x") || !strings.Contains(comps, "Hardening") {
		t.Errorf("components %s", comps)
	}
	if ebs := compact(recipe["BlockDeviceMappings"]); !strings.Contains(ebs, `"Encrypted":true`) || !strings.Contains(ebs, "kms:us-east-1") {
		t.Errorf("volumes %s", ebs)
	}
	infra := resources(tmpl, "AWS::ImageBuilder::InfrastructureConfiguration")[0]
	if compact(infra["InstanceMetadataOptions"]) != `{"HttpPutResponseHopLimit":2,"HttpTokens":"required"}` || infra["TerminateInstanceOnFailure"] != true {
		t.Errorf("infrastructure %s", compact(infra))
	}
	pipe := resources(tmpl, "AWS::ImageBuilder::ImagePipeline")[0]
	if compact(pipe["ImageTestsConfiguration"]) != `{"ImageTestsEnabled":true}` ||
		!strings.Contains(compact(pipe["Schedule"]), "EXPRESSION_MATCH_AND_DEPENDENCY_UPDATES_AVAILABLE") || pipe["ExecutionRole"] == nil {
		t.Errorf("pipeline %s", compact(pipe))
	}
	dist := resources(tmpl, "AWS::ImageBuilder::DistributionConfiguration")[0]["Distributions"].([]any)
	want := map[string]string{
		"us-east-1": `{"AmiDistributionConfiguration":{"AmiTags":{"handsoff:image":"web"},"Description":"handsoff golden image web","KmsKeyId":"arn:aws:kms:us-east-1:111111111111:key/1234abcd-12ab-34cd-56ef-1234567890ab","Name":"web-{{ imagebuilder:buildDate }}","TargetAccountIds":["444444444444"]},"Region":"us-east-1","SsmParameterConfigurations":[{"DataType":"aws:ec2:image","ParameterName":"/handsoff/ami/web/latest"},{"AmiAccountId":"444444444444","DataType":"aws:ec2:image","ParameterName":"/handsoff/ami/web/latest"}]}`,
		"eu-west-1": `{"AmiDistributionConfiguration":{"AmiTags":{"handsoff:image":"web"},"Description":"handsoff golden image web","KmsKeyId":"arn:aws:kms:eu-west-1:111111111111:key/1234abcd-12ab-34cd-56ef-1234567890ac","Name":"web-{{ imagebuilder:buildDate }}","TargetAccountIds":["444444444444"]},"Region":"eu-west-1","SsmParameterConfigurations":[{"AmiAccountId":"444444444444","DataType":"aws:ec2:image","ParameterName":"/handsoff/ami/web/latest"}]}`,
	}
	if len(dist) != 2 {
		t.Fatalf("%d distributions", len(dist))
	}
	for _, d := range dist {
		r := d.(map[string]any)["Region"].(string)
		if got := compact(d); got != want[r] {
			t.Errorf("%s:\n got %s\nwant %s", r, got, want[r])
		}
	}
	var policies []string
	for _, p := range resources(tmpl, "AWS::IAM::Policy") {
		policies = append(policies, compact(p["PolicyDocument"]))
	}
	joined := strings.Join(policies, "\n")
	for _, r := range []string{"us-east-1", "eu-west-1"} {
		if !strings.Contains(joined, ":ssm:"+r+":111111111111:parameter/handsoff/ami/web/latest") {
			t.Errorf("the execution role may not write the parameter in %s: %s", r, joined)
		}
	}
	if strings.Contains(joined, "ssm:*") || strings.Contains(joined, `"Action":"*"`) {
		t.Errorf("a wildcard action: %s", joined)
	}
	// New images reach the pipelines' bus; failed builds the topic.
	var rules []string
	for _, r := range resources(tmpl, "AWS::Events::Rule") {
		rules = append(rules, compact(r))
	}
	all := strings.Join(rules, "\n")
	if !strings.Contains(all, `"status":["AVAILABLE"]`) || !strings.Contains(all, "event-bus/default") || !strings.Contains(all, `"status":["FAILED"]`) {
		t.Errorf("rules %s", all)
	}
}

// TestDistributionRole: the role has the name Image Builder requires, trusts
// the build account alone, and may write only the images' parameters.
func TestDistributionRole(t *testing.T) {
	f := synth(t)
	tmpl := f.tmpls["ImageRole.template.json"]
	role := resources(tmpl, "AWS::IAM::Role")[0]
	if role["RoleName"] != goldenami.DistributionRoleName || !strings.Contains(compact(role["AssumeRolePolicyDocument"]), "arn:\",{\"Ref\":\"AWS::Partition\"},\":iam::111111111111:root") {
		t.Errorf("role %s", compact(role))
	}
	if p := compact(resources(tmpl, "AWS::IAM::Policy")[0]); !strings.Contains(p, "parameter/handsoff/ami/web/latest") || !strings.Contains(p, "kms:ReEncrypt*") {
		t.Errorf("policy %s", p)
	}
}

// TestChecks: cdk-nag AwsSolutions finds no unsuppressed error, AWS
// Control Tower's IAM and EC2 rules no failure, and the templates match
// the CloudFormation registry.
func TestChecks(t *testing.T) {
	f := synth(t)
	for _, a := range testenv.Annotations(t, f.dir) {
		if a.Level == "error" && (strings.HasPrefix(a.Path, "/Images/") || strings.HasPrefix(a.Path, "/ImageRole/")) {
			t.Error(a)
		}
	}
	files := testenv.TemplateFiles(t, f.dir)
	for name := range files {
		if name != "Images.template.json" && name != "ImageRole.template.json" {
			delete(files, name)
		}
	}
	res := testenv.Guard(t, files, "identityandaccessmanagement", "ec2")
	for _, fl := range res.Failures {
		t.Error(fl)
	}
	schema := testenv.Schema(t)
	for _, name := range []string{"Images", "ImageRole"} {
		for _, p := range schema.Validate(f.tmpls[name+".template.json"]) {
			t.Errorf("%s: %s", name, p)
		}
	}
}

// TestGolden: the Images and ImageRole templates; go test
// ./constructs/goldenami -update rewrites them.
func TestGolden(t *testing.T) {
	f := synth(t)
	for _, name := range []string{"Images", "ImageRole"} {
		raw, _ := json.Marshal(f.tmpls[name+".template.json"])
		var tmpl map[string]any
		json.Unmarshal(raw, &tmpl)
		if ps, ok := tmpl["Parameters"].(map[string]any); ok {
			delete(ps, "BootstrapVersion")
			if len(ps) == 0 {
				delete(tmpl, "Parameters")
			}
		}
		delete(tmpl, "Rules")
		got, _ := json.MarshalIndent(tmpl, "", "  ")
		got = append(got, '\n')
		file := filepath.Join("testdata", strings.ToLower(name)+".template.json")
		if *update {
			os.MkdirAll("testdata", 0o755)
			if err := os.WriteFile(file, got, 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		want, err := os.ReadFile(file)
		if err != nil {
			t.Fatalf("%v: run go test ./constructs/goldenami -update", err)
		}
		if diff := cmp.Diff(string(want), string(got)); diff != "" {
			t.Errorf("%s (-want +got); go test ./constructs/goldenami -update if intended:\n%s", file, diff)
		}
	}
}

// TestProblems: every mistake in the props fails synthesis with an error
// on the construct that names the field and the fix, all at once.
func TestProblems(t *testing.T) {
	if testing.Short() {
		t.Skip("synthesizes")
	}
	dir := t.TempDir()
	app := awscdk.NewApp(&awscdk.AppProps{Outdir: jsii.String(dir)})
	stack := awscdk.NewStack(app, jsii.String("Bad"), &awscdk.StackProps{Env: &awscdk.Environment{Account: jsii.String("111111111111"), Region: jsii.String("us-east-1")}})
	if g := goldenami.New(stack, "Image", &goldenami.Props{
		Name: "Web_1", BaseImageParameter: "not a path", Components: []string{"arn:aws:s3:::x"}, Schedule: "rate(1 day)",
		Targets:              []goldenami.Target{{Account: "1234", Region: "mars-1"}, {Account: "444444444444", Region: "eu-west-1"}, {Account: "444444444444", Region: "eu-west-1"}},
		KmsKeyArns:           map[string]string{"us-east-1": "arn:aws:kms:eu-west-1:111111111111:key/x"},
		NotificationTopicArn: "topic", ForwardTo: []string{"bus"},
	}); g != nil {
		t.Error("New returned a construct for bad props")
	}
	goldenami.NewDistributionRole(stack, "Role", &goldenami.DistributionRoleProps{BuildAccount: "x", ImageNames: []string{"Bad Name"}})
	app.Synth(nil)
	var got []string
	for _, a := range testenv.Annotations(t, dir) {
		if a.Level == "error" {
			got = append(got, a.Message)
		}
	}
	all := strings.Join(got, "\n")
	for _, want := range []string{
		`Name "Web_1"`, `BaseImageParameter "not a path"`, "Components[0]", `Schedule "rate(1 day)"`,
		`Targets[0].Account "1234"`, `Targets[0].Region "mars-1"`, "Targets[2] (444444444444 eu-west-1) is listed twice",
		`KmsKeyArns["eu-west-1"] is required`, `KmsKeyArns["us-east-1"] is a key of eu-west-1`,
		`NotificationTopicArn "topic"`, `ForwardTo[0] "bus"`,
		`BuildAccount "x"`, "KmsKeyArns is required", `ImageNames[0] "Bad Name"`,
	} {
		if !strings.Contains(all, want) {
			t.Errorf("no problem says %q:\n%s", want, all)
		}
	}
	if n := len(got); n < 14 {
		t.Errorf("%d problems, expected every one at once:\n%s", n, all)
	}
	_ = slices.Contains[[]string]
	_ = fmt.Sprint
}
