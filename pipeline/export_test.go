package pipeline

// What the layout tests read of the built pipeline.

// LayoutStage is a stage of the built pipeline as CDK Pipelines made it.
type LayoutStage struct {
	Index   int
	Name    string
	Actions []string // CDK Pipelines' own, in order
}

// BuiltStages is builtStages, with the actions' names.
func (p *Pipeline) BuiltStages() []LayoutStage {
	var out []LayoutStage
	for i, st := range *p.cdk.Pipeline().Stages() {
		ls := LayoutStage{Index: i, Name: *st.StageName()}
		for _, a := range *st.Actions() {
			ls.Actions = append(ls.Actions, *a.ActionProperties().ActionName)
		}
		out = append(out, ls)
	}
	return out
}

// BuildsUponGiven reports whether CDK Pipelines' built pipeline and its
// role are the ones handsoff gave it (LayoutBuildsUponGiven).
func (p *Pipeline) BuildsUponGiven() bool {
	return p.cdk.Pipeline() == p.built && p.cdk.Pipeline().Role() == p.role
}

// CfnPipelineErr is cfnPipeline's error.
func (p *Pipeline) CfnPipelineErr() error { _, err := p.cfnPipeline(); return err }

// WaveStageNames are the names handsoff gives the waves' pipeline stages.
func (p *Pipeline) WaveStageNames() []string {
	var out []string
	for _, s := range p.config.Stages {
		for _, w := range s.Waves {
			out = append(out, waveStageName(p.config, s, w))
		}
	}
	return out
}

// StatusTransformer is the input transformer of the status reports of a
// pipeline whose stages have these runbooks.
func StatusTransformer(runbooks map[string]map[string][]string) (map[string]string, string, error) {
	t, err := statusTemplate(runbooks)
	return statusReport.paths, t, err
}
