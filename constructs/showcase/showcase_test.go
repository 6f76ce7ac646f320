package showcase

import (
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdklabs/cdk-nag-go/cdknag/v2"
	"github.com/google/go-cmp/cmp"

	"github.com/handsoff-cdk/handsoff/constructs/guardrails"
	"github.com/handsoff-cdk/handsoff/internal/testenv"
)

var update = flag.Bool("update", false, "rewrite testdata/")

var (
	once sync.Once
	dir  string
)

func synth(t *testing.T) string {
	t.Helper()
	once.Do(func() {
		dir, _ = os.MkdirTemp("", "handsoff-showcase-")
		app := awscdk.NewApp(&awscdk.AppProps{Outdir: jsii.String(dir)})
		awscdk.Aspects_Of(app).Add(cdknag.NewAwsSolutionsChecks(&cdknag.NagPackProps{Verbose: jsii.Bool(true)}), nil)
		NewStack(app, "Showcase")
		app.Synth(nil)
	})
	return dir
}

func TestMain(m *testing.M) {
	code := m.Run()
	if dir != "" {
		os.RemoveAll(dir)
	}
	os.Exit(code)
}

func TestNag(t *testing.T) {
	for _, f := range testenv.Annotations(t, synth(t)) {
		if f.Level == "error" {
			t.Error(f)
		}
	}
}

func TestControlTowerGuard(t *testing.T) {
	res := testenv.Guard(t, testenv.TemplateFiles(t, synth(t)), "s3", "ec2autoscaling", "identityandaccessmanagement", "keymanagementservice")
	for _, f := range res.Failures {
		t.Error(f)
	}
	t.Logf("cfn-guard: %d failures, %d reasoned suppressions", len(res.Failures), res.Suppressed)
}

func TestGuardrailRules(t *testing.T) {
	rep, err := guardrails.CheckAssembly(synth(t), guardrails.Context{})
	if err != nil {
		t.Fatal(err)
	}
	if err := rep.Err(); err != nil {
		t.Error(err)
	}
}

var reHash = regexp.MustCompile(`[0-9a-f]{64}`)

func TestGolden(t *testing.T) {
	data, err := os.ReadFile(filepath.Join(synth(t), "Showcase.template.json"))
	if err != nil {
		t.Fatal(err)
	}
	var got map[string]any
	json.Unmarshal(reHash.ReplaceAll(data, []byte("<hash>")), &got)
	delete(got["Parameters"].(map[string]any), "BootstrapVersion")
	delete(got, "Rules")
	path := filepath.Join("testdata", "showcase.template.json")
	if *update {
		out, _ := json.MarshalIndent(got, "", "  ")
		os.MkdirAll("testdata", 0o755)
		os.WriteFile(path, append(out, '\n'), 0o644)
		return
	}
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var want map[string]any
	json.Unmarshal(raw, &want)
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("showcase template (-want +got); run go test ./constructs/showcase -update if intended:\n%s", diff)
	}
}

// TestBaselineInvariants reads the synthesized group and service: prod keeps
// two or more, spreads over two zones, replaces at most a third.
func TestBaselineInvariants(t *testing.T) {
	data, _ := os.ReadFile(filepath.Join(synth(t), "Showcase.template.json"))
	s := string(data)
	for _, want := range []string{
		`"MinSize": "2"`, `"MaxSize": "10"`, `"MinInstancesInService": 2`, `"MaxBatchSize": 1`,
		`"HealthCheckGracePeriod": 300`, `"HttpTokens": "required"`, `"Encrypted": true`,
		`"MinimumHealthyPercent": 67`, `"Rollback": true`, `"TargetValue": 50`,
		`"subnet-0aaaaaaaaaaaaaaa1"`, `"subnet-0bbbbbbbbbbbbbbb2"`,
	} {
		if !strings.Contains(s, want) {
			t.Errorf("template lacks %s", want)
		}
	}
	if strings.Contains(s, `"DesiredCapacity"`) || strings.Contains(s, `"DesiredCount"`) {
		t.Error("a desired count in the template resets scaled capacity on every deployment")
	}
}

func TestDecodesStrictly(t *testing.T) {
	// CloudFormation added AvailabilityZoneRebalancing to ECS services after
	// goformation's 2024 resource specification; everything else must decode.
	newer := func(typ string, props map[string]any) []string {
		if typ == "AWS::ECS::Service" {
			if props["AvailabilityZoneRebalancing"] != "ENABLED" {
				return []string{"AvailabilityZoneRebalancing is not ENABLED"}
			}
			delete(props, "AvailabilityZoneRebalancing")
		}
		return nil
	}
	for _, p := range testenv.StrictDecode(t, testenv.TemplateFiles(t, synth(t)), newer) {
		t.Error(p)
	}
}

// TestMatchesRegistrySchemas checks the showcase's templates against the
// current CloudFormation registry schemas.
func TestMatchesRegistrySchemas(t *testing.T) {
	schema := testenv.Schema(t)
	for name, tmpl := range testenv.Templates(t, synth(t)) {
		for _, p := range schema.Validate(tmpl) {
			t.Errorf("%s: %s", name, p)
		}
	}
}
