package main

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/jsii-runtime-go"

	"github.com/handsoff-cdk/handsoff/checks"
	"github.com/handsoff-cdk/handsoff/internal/testenv"
	"github.com/handsoff-cdk/handsoff/internal/testenv/oracle"
	"github.com/handsoff-cdk/handsoff/pipeline"
	"github.com/handsoff-cdk/handsoff/stages"
)

func synthLibrary(tb testing.TB, n int, dir string) *pipeline.Pipeline {
	app := awscdk.NewApp(&awscdk.AppProps{Outdir: jsii.String(dir)})
	p, err := pipeline.Build(app, pipeline.Props{Repo: "acme/bench", Service: service, Load: stages.LoadOptions{Document: document(n)}})
	if err != nil {
		tb.Fatal(err)
	}
	app.Synth(nil)
	return p
}

func synthHandWritten(n int, dir string) {
	app := awscdk.NewApp(&awscdk.AppProps{Outdir: jsii.String(dir)})
	handWritten(app, n)
	app.Synth(nil)
}

// BenchmarkSynth synthesizes the handsoff app and the hand-written app of
// the same topology side by side, for N = 3, 30 and 100 prod environments
// after the one-box. Compare the pairs: go test -run '^$' -bench Synth
// ./examples/bench.
func BenchmarkSynth(b *testing.B) {
	for _, n := range []int{3, 30, 100} {
		b.Run(fmt.Sprintf("N=%d/handsoff", n), func(b *testing.B) {
			for range b.N {
				synthLibrary(b, n, b.TempDir())
			}
		})
		b.Run(fmt.Sprintf("N=%d/handwritten", n), func(b *testing.B) {
			for range b.N {
				synthHandWritten(n, b.TempDir())
			}
		})
	}
}

// TestScaleHundredProdEnvironments: 100 prod environments in 20 regions,
// no explicit waves, fit every CodePipeline and CloudFormation quota.
func TestScaleHundredProdEnvironments(t *testing.T) {
	if testing.Short() {
		t.Skip("synthesizes 104 environments")
	}
	dir := t.TempDir()
	p := synthLibrary(t, 99, dir) // the one-box and 99 more: 100 prod environments
	if s, _ := p.Config().Stage(stages.Prod); len(s.Environments()) != 100 {
		t.Fatalf("prod has %d environments", len(s.Environments()))
	}
	data, err := os.ReadFile(filepath.Join(dir, "bench-pipeline.template.json"))
	if err != nil {
		t.Fatal(err)
	}
	var tmpl struct {
		Resources map[string]struct {
			Type       string
			Properties struct {
				Stages []struct {
					Name    string
					Actions []any
				}
			}
		}
	}
	json.Unmarshal(data, &tmpl)
	total, stagesN := 0, 0
	for _, r := range tmpl.Resources {
		if r.Type != "AWS::CodePipeline::Pipeline" {
			continue
		}
		for _, s := range r.Properties.Stages {
			stagesN++
			total += len(s.Actions)
			if len(s.Actions) > stages.MaxActionsPerStage {
				t.Errorf("stage %s has %d actions", s.Name, len(s.Actions))
			}
		}
	}
	if stagesN > stages.MaxStagesPerPipeline || total > stages.MaxActionsPerPipeline {
		t.Errorf("pipeline has %d stages and %d actions", stagesN, total)
	}
	biggest, most := 0, 0
	for name, file := range testenv.TemplateFiles(t, dir) {
		st, _ := os.Stat(file)
		var tm struct{ Resources map[string]any }
		raw, _ := os.ReadFile(file)
		json.Unmarshal(raw, &tm)
		biggest, most = max(biggest, int(st.Size())), max(most, len(tm.Resources))
		if st.Size() >= 1<<20 || len(tm.Resources) >= 500 {
			t.Errorf("%s: %d bytes, %d resources", name, st.Size(), len(tm.Resources))
		}
	}
	asm := oracle.Assembly(testenv.Templates(t, dir))
	schema := testenv.Schema(t)
	for name, tmpl := range asm {
		for _, p := range schema.Validate(tmpl) {
			t.Errorf("%s: %s", name, p)
		}
	}
	for _, p := range oracle.IAMQuotas(asm) {
		t.Error(p) // CDK Pipelines' and handsoff's policies grow with environments
	}
	largest := 0
	for _, tmpl := range asm {
		for _, r := range tmpl["Resources"].(map[string]any) {
			rm := r.(map[string]any)
			if rm["Type"] == "AWS::IAM::Policy" || rm["Type"] == "AWS::IAM::ManagedPolicy" {
				largest = max(largest, oracle.Size(rm["Properties"].(map[string]any)["PolicyDocument"]))
			}
		}
	}
	for _, p := range oracle.RolesBeforePipeline(asm, oracle.Bootstrap{Templates: []map[string]any{checks.BootstrapTemplate("bench")},
		CDKQualifier: "hnb659fds" /* the CDK's default bootstrap qualifier, which both apps use */, PipelineAccount: "111111111111", PipelineRegion: "us-east-1"}) {
		t.Error(p)
	}
	for _, p := range append(oracle.ArtifactStores(asm), oracle.ArtifactReaders(asm, "aws", "111111111111", "us-east-1")...) {
		t.Error(p)
	}
	t.Logf("100 prod environments: %d pipeline stages, %d actions; largest template %d bytes, most resources %d; largest IAM policy %d characters (IAM: 6,144 managed, 10,240 inline per role)",
		stagesN, total, biggest, most, largest)
}

// TestLibraryDoesNotLoadCdkNag: a jsii package that the library calls is
// loaded into Node.js on first use, and cdk-nag's costs about 0.4 s of
// every synth. The library writes cdk-nag's suppression metadata itself
// (internal/nag); only apps that run cdk-nag should pay for it.
func TestLibraryDoesNotLoadCdkNag(t *testing.T) {
	out, err := exec.Command("go", "list", "-deps",
		"github.com/handsoff-cdk/handsoff/pipeline", "github.com/handsoff-cdk/handsoff/checks",
		"github.com/handsoff-cdk/handsoff/constructs/...").CombinedOutput()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, out)
	}
	for _, dep := range strings.Fields(string(out)) {
		if strings.HasPrefix(dep, "github.com/cdklabs/cdk-nag-go/") {
			t.Errorf("the library imports %s: write the metadata with internal/nag instead", dep)
		}
	}
}
