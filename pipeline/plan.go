package pipeline

import (
	"fmt"
	"strings"
	"time"

	"github.com/handsoff-cdk/handsoff/checks"
	"github.com/handsoff-cdk/handsoff/constructs/guardrails"
	"github.com/handsoff-cdk/handsoff/internal/plan"
	"github.com/handsoff-cdk/handsoff/pipeline/internal/gates"
)

// The plan's types, reader and renderings live in internal/plan, which
// links no jsii, so that the CLI can read a synthesized plan without the
// CDK; these are their public names.

// Time assumptions of the estimate. A CloudFormation deployment of a small
// service takes minutes; these are deliberately on the slow side.
const (
	EstimateSource = plan.EstimateSource
	EstimateSynth  = plan.EstimateSynth
	EstimateUpdate = plan.EstimateUpdate
	EstimateAssets = plan.EstimateAssets
	EstimateDeploy = plan.EstimateDeploy // per wave: environments deploy in parallel
)

// Plan is the pipeline described for people. Print it with String.
type Plan = plan.Plan

// PlanWave is one deployment stage of the pipeline.
type PlanWave = plan.Wave

// PlanEnvironment is one environment of a wave.
type PlanEnvironment = plan.Environment

// Step is one step of the critical path from a commit to the last prod
// environment (Plan.CriticalPath).
type Step = plan.Step

// Arrival is when an environment is estimated to run the commit
// (Plan.Arrivals).
type Arrival = plan.Arrival

// PlanFile is the plan as JSON, which New writes beside the cloud assembly
// for programs (handsoff plan --format json reads it).
const PlanFile = plan.File

// PlanSchema names the shape of the JSON plan; a change that removes or
// retypes a field gets a new name.
const PlanSchema = plan.Schema

// PictureFile is the page New writes beside the cloud assembly.
const PictureFile = plan.PictureFile

// ReadPlan reads the plan New wrote into a cloud assembly directory
// (PlanFile), so that a program can render it without synthesizing again.
func ReadPlan(dir string) (*Plan, error) { return plan.Read(dir) }

func newPlan(p *Pipeline) *Plan {
	cfg := p.config
	pl := &Plan{
		Repo: cfg.Service.Repo, Service: cfg.Service.Name, Owner: cfg.Service.Owner, Origin: cfg.Origin,
		PipelineName: pipelineName(cfg), PipelineAccount: cfg.Pipeline.Account,
		Region: cfg.Pipeline.Region, Branch: cfg.Pipeline.Branch,
	}
	pl.Estimate = EstimateSource + EstimateSynth + EstimateUpdate + EstimateAssets
	for _, s := range cfg.Stages {
		var checkNames []string
		var longest time.Duration
		for _, c := range s.Checks {
			chk := cfg.Checks[c]
			checkNames = append(checkNames, fmt.Sprintf("%s (%s)", c, chk.Type))
			longest = max(longest, chk.Timeout)
		}
		for wi, w := range s.Waves {
			pw := PlanWave{
				PipelineStage: waveStageName(cfg, s, w), Stage: s.Name, Wave: w.Name, Planned: s.PlannedWaves,
				Approval: s.Approval && wi == 0, Freeze: p.calendar.Applies(s.Name), Bake: w.Bake,
				Validation: longest, Checks: checkNames,
			}
			if pw.Approval {
				pw.ApprovalStage = approvalStageName(s)
			}
			for _, e := range w.Environments {
				d := p.byEnv[e.Name]
				for _, f := range gates.ForeignFunctions(cfg, e) {
					pl.FunctionPermissions = append(pl.FunctionPermissions, f.Command())
				}
				pw.Environments = append(pw.Environments, PlanEnvironment{
					Name: e.Name, Account: e.Account, Region: e.Region, OneBox: e.OneBox,
					Stacks: d.stacks, Alarms: d.alarms, Bakes: e.Bake > 0,
					Suppressed: suppressedLines(d), Runbooks: d.runbooks,
				})
			}
			pl.Waves = append(pl.Waves, pw)
			pl.Estimate += EstimateDeploy + longest + w.Bake
		}
	}
	if n := len(pl.Waves); n > 0 {
		pl.Estimate -= pl.Waves[n-1].Bake // the last bake comes after the last deployment
	}
	for _, w := range cfg.FreezeWindows {
		pl.FreezeWindows = append(pl.FreezeWindows, fmt.Sprintf("%s: %s, for %s", w.Name, checks.Describe(w), strings.Join(w.AppliesTo, ", ")))
	}
	for _, b := range cfg.Blackouts {
		pl.Blackouts = append(pl.Blackouts, fmt.Sprintf("%s: %s to %s, for %s", b.Name, b.From.Format(time.RFC3339), b.To.Format(time.RFC3339), strings.Join(b.AppliesTo, ", ")))
	}
	return pl
}

func suppressedLines(d *envDeployment) []string {
	var out []string
	for _, f := range d.suppressed {
		where := f.Resource
		if f.Path != "" {
			where += " " + f.Path
		}
		kind := ""
		if f.Outcome == guardrails.Unresolved {
			kind = " (a value known only at deploy time)"
		}
		out = append(out, fmt.Sprintf("%s %s%s on %s: %s", f.Rule.ID, f.Rule.Name, kind, where, f.Reason))
	}
	return out
}
