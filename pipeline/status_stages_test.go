package pipeline_test

import (
	"path/filepath"
	"testing"

	"github.com/handsoff-cdk/handsoff/internal/configsvc"
	"github.com/handsoff-cdk/handsoff/stages"
)

// TestStatusStagesAccepted: the configuration service accepts a report of
// every stage the synthesized pipeline has (it refuses stages a pipeline
// does not have, and names them from the document by pipeline's rules),
// and refuses a near miss.
func TestStatusStagesAccepted(t *testing.T) {
	s := synthExample(t)
	cfg, err := stages.Parse(stages.ExampleDocument(), "example")
	if err != nil {
		t.Fatal(err)
	}
	for _, st := range pipelineStages(t, readTemplate(t, filepath.Join(s.dir, "orders-pipeline.template.json"))) {
		if !configsvc.PipelineStage(cfg, st.Name) {
			t.Errorf("the service would refuse reports of stage %s", st.Name)
		}
		if configsvc.PipelineStage(cfg, st.Name+"x") {
			t.Errorf("the service would take reports of stage %sx", st.Name)
		}
	}
}
