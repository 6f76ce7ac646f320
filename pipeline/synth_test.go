package pipeline_test

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdklabs/cdk-nag-go/cdknag/v2"

	"github.com/handsoff-cdk/handsoff/examples/orders"
	"github.com/handsoff-cdk/handsoff/internal/testenv"
	"github.com/handsoff-cdk/handsoff/pipeline"
	"github.com/handsoff-cdk/handsoff/stages"
)

// synthesized is one app synthesized for many tests: jsii synthesis takes
// seconds, so tests share it.
type synthesized struct {
	dir      string
	pipeline *pipeline.Pipeline
	err      error
}

var (
	exampleOnce sync.Once
	example     synthesized
)

// synthExample synthesizes the quick-start app (the example document and
// service) with cdk-nag's AwsSolutions pack on the App and on every
// environment's Stage, once per test binary.
func synthExample(t testing.TB) synthesized {
	t.Helper()
	exampleOnce.Do(func() {
		dir, err := os.MkdirTemp("", "handsoff-example-")
		if err != nil {
			example.err = err
			return
		}
		example = synthesize(dir, pipeline.Props{Repo: "acme/orders", Service: orders.Service, CheckSourceDir: "testdata/checksource",
			Load: stages.LoadOptions{Document: stages.ExampleDocument()}})
	})
	if example.err != nil {
		t.Fatal(example.err)
	}
	return example
}

func synthesize(dir string, props pipeline.Props) synthesized {
	// The project's cdk.json context (the CDK's recommended feature flags),
	// as `go run` and `cdk synth` of the example use it.
	ctx := pipeline.CDKContext(testenv.Root())
	app := awscdk.NewApp(&awscdk.AppProps{Outdir: jsii.String(dir), Context: &ctx})
	nag := cdknag.NewAwsSolutionsChecks(&cdknag.NagPackProps{Verbose: jsii.Bool(true)})
	// On the App too: it reaches the cross-region support stacks.
	awscdk.Aspects_Of(app).Add(nag, nil)
	props.Aspects = append(props.Aspects, nag)
	p, err := pipeline.Build(app, props)
	if err != nil {
		return synthesized{err: err}
	}
	app.Synth(nil)
	return synthesized{dir: dir, pipeline: p}
}

func TestMain(m *testing.M) {
	code := m.Run()
	if example.dir != "" {
		if os.Getenv("HANDSOFF_KEEP_SYNTH") != "" {
			fmt.Fprintln(os.Stderr, "kept the synthesized example in", example.dir)
		} else {
			os.RemoveAll(example.dir)
		}
	}
	os.Exit(code)
}

func TestNagAwsSolutions(t *testing.T) {
	s := synthExample(t)
	var errors []string
	for _, f := range testenv.Annotations(t, s.dir) {
		if f.Level == "error" {
			errors = append(errors, f.String())
		}
	}
	// The gates stacks are templates written in Go, no construct tree:
	// cdk-nag reads them included as the CDK's L1 resources.
	gates, _ := filepath.Glob(filepath.Join(s.dir, "assembly-*", "*-gates.template.json"))
	if len(gates) != 9 {
		t.Fatalf("found %d gates templates, want one per environment (9): %v", len(gates), gates)
	}
	files := map[string]string{}
	for _, g := range gates {
		rel, _ := filepath.Rel(s.dir, g)
		files[rel] = g
	}
	for _, f := range testenv.NagTemplates(t, files) {
		if f.Level == "error" {
			errors = append(errors, f.String())
		}
	}
	// The same harness finds the wildcards once their reasons are gone.
	tmpl := readTemplate(t, gates[0])
	for _, r := range tmpl["Resources"].(map[string]any) {
		delete(r.(map[string]any), "Metadata")
	}
	stripped := filepath.Join(t.TempDir(), "stripped.template.json")
	data, _ := json.Marshal(tmpl)
	if err := os.WriteFile(stripped, data, 0o644); err != nil {
		t.Fatal(err)
	}
	found := 0
	for _, f := range testenv.NagTemplates(t, map[string]string{"stripped": stripped}) {
		if f.Level == "error" && strings.Contains(f.Message, "AwsSolutions-IAM5") {
			found++
		}
	}
	if found == 0 {
		t.Error("cdk-nag found no IAM5 error in a gates template without its suppressions: the harness does not reach the gates")
	}
	for _, e := range errors {
		t.Error(e)
	}
	t.Logf("cdk-nag AwsSolutions: %d unsuppressed errors (the pipeline, its support stacks, every Stage, and the %d gates stacks)", len(errors), len(gates))
}

func TestControlTowerGuard(t *testing.T) {
	s := synthExample(t)
	res := testenv.Guard(t, testenv.TemplateFiles(t, s.dir), testenv.GuardRules...)
	for _, f := range res.Failures {
		t.Error(f)
	}
	t.Logf("cfn-guard Control Tower: %d failures, %d reasoned suppressions", len(res.Failures), res.Suppressed)
}
