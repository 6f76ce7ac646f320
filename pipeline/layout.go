package pipeline

import (
	"encoding/json"
	"fmt"
	"strconv"

	"github.com/aws/aws-cdk-go/awscdk/v2/awscodepipeline"

	"github.com/handsoff-cdk/handsoff/pipeline/internal/cdkbatch"
	"github.com/handsoff-cdk/handsoff/pipeline/internal/gates"
)

// Everything handsoff writes into CDK Pipelines' output goes through this
// file. CDK Pipelines does not model V2 stage conditions, Go-written gates
// stacks or bake actions, so handsoff patches the CodePipeline it built,
// by position. Each assumption that patch makes about CDK Pipelines' layout
// is named here and has a test of its own (TestLayout in layout_test.go):
// after a CDK upgrade that changes one, that test fails by name, and a
// build that meets it returns a LayoutError instead of panicking.
const (
	// LayoutBuildsUponGiven: CDK Pipelines builds upon the CodePipeline
	// handsoff gives it (CodePipelineProps.CodePipeline), with its role, so
	// handsoff holds both rather than asking for them.
	LayoutBuildsUponGiven = "CDK Pipelines builds upon the given CodePipeline and its role"
	// LayoutDefaultChild: the built pipeline's default child is its
	// CfnPipeline, which takes property overrides.
	LayoutDefaultChild = "the built pipeline's default child is an AWS::CodePipeline::Pipeline"
	// LayoutWaveStages: every wave of the document is a pipeline stage of
	// the name handsoff gave it (waveStageName), exactly once.
	LayoutWaveStages = "every wave is one pipeline stage, named as handsoff named it"
	// LayoutStageOrder: Pipeline().Stages() lists the stages in the order
	// of the template's Stages property, so index i overrides stage i.
	LayoutStageOrder = "Pipeline().Stages() is in the order of the template's Stages"
	// LayoutActionsFirst: a stage's own actions (Actions()) come first in
	// its template's Actions, so handsoff's are added after them.
	LayoutActionsFirst = "CDK Pipelines' actions of a stage come first in its Actions"
	// LayoutOverrideMerges: a property override of Stages.N merges into
	// the rendered stage (its Name and actions stay), rather than
	// replacing it.
	LayoutOverrideMerges = "an override of Stages.N merges into the rendered stage"
)

// LayoutError says which assumption about CDK Pipelines' output did not
// hold; it is a bug to report, not a mistake of the team.
type LayoutError struct {
	Assumption string
	Detail     string
}

func (e *LayoutError) Error() string {
	return fmt.Sprintf("handsoff: CDK Pipelines' output is not as handsoff assumes (%s): %s; this is a handsoff bug with this CDK version: report it with the versions of handsoff and aws-cdk-go", e.Assumption, e.Detail)
}

// builtStage is one stage of the built pipeline: its index in the
// template's Stages, its name, and how many actions CDK Pipelines put in.
type builtStage struct {
	index   int
	name    string
	actions int
}

// builtStages reads the stages of the built pipeline, in one jsii call.
func (p *Pipeline) builtStages() []builtStage {
	var out []builtStage
	for i, st := range cdkbatch.PipelineStages(p.built) {
		out = append(out, builtStage{index: i, name: st.Name, actions: st.Actions})
	}
	return out
}

// cfnPipeline is the built pipeline's CfnPipeline (LayoutDefaultChild).
func (p *Pipeline) cfnPipeline() (awscodepipeline.CfnPipeline, error) {
	child := p.built.Node().DefaultChild()
	cfn, ok := child.(awscodepipeline.CfnPipeline)
	if !ok {
		return nil, &LayoutError{LayoutDefaultChild, fmt.Sprintf("it is %T", child)}
	}
	return cfn, nil
}

// stagePatch is what handsoff adds to one pipeline stage.
type stagePatch struct {
	actions     []gates.Action // after the stage's own
	beforeEntry *gates.BeforeEntry
	onFailure   gates.OnFailure
}

// patchStages writes the patches into the built pipeline in one property
// override (one jsii call, however many stages), keyed by the stages'
// template indexes (LayoutStageOrder, LayoutActionsFirst,
// LayoutOverrideMerges).
func (p *Pipeline) patchStages(patches map[builtStage]stagePatch) error {
	cfn, err := p.cfnPipeline()
	if err != nil {
		return err
	}
	overrides := map[string]any{}
	for st, patch := range patches {
		stage := map[string]any{"OnFailure": patch.onFailure}
		if patch.beforeEntry != nil {
			stage["BeforeEntry"] = patch.beforeEntry
		}
		if len(patch.actions) > 0 {
			actions := map[string]any{}
			for k, a := range patch.actions {
				actions[strconv.Itoa(st.actions+k)] = a
			}
			stage["Actions"] = actions
		}
		overrides[strconv.Itoa(st.index)] = stage
	}
	// The typed structures go as their JSON, in one string.
	raw, err := json.Marshal(overrides)
	if err != nil {
		return err
	}
	cdkbatch.AddPropertyOverrideJSON(cfn, "Stages", raw)
	return nil
}
