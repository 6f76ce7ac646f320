package pipeline_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/handsoff-cdk/handsoff/internal/testenv"
	"github.com/handsoff-cdk/handsoff/pipeline"
)

// TestLayout holds CDK Pipelines' output to each assumption handsoff's
// patch of it makes (pipeline/layout.go), one subtest each, so that a CDK
// upgrade that breaks one fails here by name.
func TestLayout(t *testing.T) {
	s := synthExample(t)
	p := s.pipeline
	tmpl := testenv.Templates(t, s.dir)["orders-pipeline.template.json"]
	var stagesOut []map[string]any
	for _, r := range tmpl["Resources"].(map[string]any) {
		rm := r.(map[string]any)
		if rm["Type"] == "AWS::CodePipeline::Pipeline" {
			for _, st := range rm["Properties"].(map[string]any)["Stages"].([]any) {
				stagesOut = append(stagesOut, st.(map[string]any))
			}
		}
	}
	built := p.BuiltStages()
	actionNames := func(st map[string]any) []string {
		var out []string
		for _, a := range st["Actions"].([]any) {
			out = append(out, a.(map[string]any)["Name"].(string))
		}
		return out
	}
	t.Run(pipeline.LayoutBuildsUponGiven, func(t *testing.T) {
		if !p.BuildsUponGiven() {
			t.Error("CodePipeline.Pipeline() is not the pipeline (or role) handsoff gave CDK Pipelines")
		}
	})
	t.Run(pipeline.LayoutDefaultChild, func(t *testing.T) {
		if err := p.CfnPipelineErr(); err != nil {
			t.Error(err)
		}
	})
	t.Run(pipeline.LayoutWaveStages, func(t *testing.T) {
		var names []string
		for _, b := range built {
			names = append(names, b.Name)
		}
		for _, w := range p.WaveStageNames() {
			if n := strings.Count(","+strings.Join(names, ",")+",", ","+w+","); n != 1 {
				t.Errorf("wave stage %s appears %d times in %v", w, n, names)
			}
		}
	})
	t.Run(pipeline.LayoutStageOrder, func(t *testing.T) {
		if len(built) != len(stagesOut) {
			t.Fatalf("%d built stages, %d in the template", len(built), len(stagesOut))
		}
		for i, b := range built {
			if got := stagesOut[i]["Name"]; got != b.Name {
				t.Errorf("stage %d: built %s, template %v", i, b.Name, got)
			}
		}
	})
	t.Run(pipeline.LayoutActionsFirst, func(t *testing.T) {
		for i, b := range built {
			got := actionNames(stagesOut[i])
			if len(got) < len(b.Actions) || !slices.Equal(got[:len(b.Actions)], b.Actions) {
				t.Errorf("stage %s: CDK Pipelines' actions %v do not come first in %v", b.Name, b.Actions, got)
			}
		}
	})
	t.Run(pipeline.LayoutOverrideMerges, func(t *testing.T) {
		patched := 0
		for i, b := range built {
			if !slices.Contains(p.WaveStageNames(), b.Name) {
				continue
			}
			got := actionNames(stagesOut[i])
			ours := got[len(b.Actions):]
			if len(ours) == 0 || stagesOut[i]["OnFailure"] == nil || stagesOut[i]["Name"] != b.Name {
				t.Errorf("stage %s: handsoff's patch did not merge: actions %v", b.Name, got)
			}
			patched++
		}
		if patched == 0 {
			t.Error("no wave stage was patched")
		}
	})
}
