package pipeline_test

import (
	"path/filepath"
	"slices"
	"testing"

	"github.com/handsoff-cdk/handsoff/cmd/handsoff-config/configtest"
	"github.com/handsoff-cdk/handsoff/stages"
)

// TestStatusStagesAccepted: the configuration service lists the stages of
// the synthesized pipeline in its order (its pages show them so), accepts
// a report of every one (it refuses stages a pipeline does not have, and
// names them from the document by pipeline's rules), and refuses a near
// miss.
func TestStatusStagesAccepted(t *testing.T) {
	s := synthExample(t)
	cfg, err := stages.Parse(stages.ExampleDocument(), "example")
	if err != nil {
		t.Fatal(err)
	}
	synthesized := pipelineStages(t, readTemplate(t, filepath.Join(s.dir, "orders-pipeline.template.json")))
	var order []string
	for _, st := range synthesized {
		order = append(order, st.Name)
	}
	if got := configtest.PipelineStages(cfg); !slices.Equal(got, order) {
		t.Errorf("the service orders the stages %v; the pipeline has %v", got, order)
	}
	for _, st := range synthesized {
		if !configtest.PipelineStage(cfg, st.Name) {
			t.Errorf("the service would refuse reports of stage %s", st.Name)
		}
		if configtest.PipelineStage(cfg, st.Name+"x") {
			t.Errorf("the service would take reports of stage %sx", st.Name)
		}
	}
}
