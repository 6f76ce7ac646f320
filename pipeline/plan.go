package pipeline

import (
	"fmt"
	"strings"
	"time"

	"github.com/handsoff-cdk/handsoff/checks"
	"github.com/handsoff-cdk/handsoff/constructs/guardrails"
	"github.com/handsoff-cdk/handsoff/internal/gates"
	"github.com/handsoff-cdk/handsoff/stages"
)

// Time assumptions of the estimate. A CloudFormation deployment of a small
// service takes minutes; these are deliberately on the slow side.
const (
	EstimateSource = 1 * time.Minute
	EstimateSynth  = 8 * time.Minute
	EstimateUpdate = 3 * time.Minute
	EstimateAssets = 3 * time.Minute
	EstimateDeploy = 10 * time.Minute // per wave: environments deploy in parallel
)

// Plan is the pipeline described for people. Print it with String.
type Plan struct {
	Repo, Service, Owner, Origin string
	PipelineName                 string
	PipelineAccount, Region      string
	Branch                       string
	Waves                        []PlanWave
	FreezeWindows                []string
	Blackouts                    []string
	// FunctionPermissions are the AWS CLI commands that let the checks role
	// call lambda checks in other accounts than their environments': each
	// function's owner runs one once, in the function's account.
	FunctionPermissions []string
	// Estimate is the time from a commit to the last prod environment
	// deployed and validated, with no approval wait and no freeze.
	Estimate time.Duration
}

// PlanWave is one deployment stage of the pipeline.
type PlanWave struct {
	PipelineStage string // the CodePipeline stage
	Stage, Wave   string
	Planned       bool // planned by handsoff from a plain list
	Approval      bool
	// ApprovalStage is the pipeline stage that holds the approval, before
	// the wave's own.
	ApprovalStage string
	Freeze        bool // a freeze window or blackout applies
	Bake          time.Duration
	Environments  []PlanEnvironment
	Validation    time.Duration // longest check timeout
	Checks        []string      // "health (http)"
}

// PlanEnvironment is one environment of a wave.
type PlanEnvironment struct {
	Name, Account, Region string
	OneBox                bool
	Stacks                []string
	Alarms                int
	Bakes                 bool
	// Suppressed lists guardrails this environment breaks on purpose, with
	// the team's reasons.
	Suppressed []string
}

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
					Suppressed: suppressedLines(d),
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

// Before lists the gates that run before the wave starts, in order.
func (w PlanWave) Before() []string {
	var before []string
	if w.Approval {
		before = append(before, fmt.Sprintf("manual approval (stage %s)", w.ApprovalStage))
	}
	if w.Freeze {
		if w.Approval {
			before = append(before, "then the freeze calendar")
		} else {
			before = append(before, "freeze calendar")
		}
	}
	return before
}

// Environments counts the environments of the plan.
func (pl *Plan) Environments() int {
	n := 0
	for _, w := range pl.Waves {
		n += len(w.Environments)
	}
	return n
}

// String renders the plan as text for a terminal.
func (pl *Plan) String() string {
	var b strings.Builder
	f := func(format string, args ...any) { fmt.Fprintf(&b, format, args...) }
	f("handsoff plan: %s (service %s, owner %s)\n", pl.Repo, pl.Service, pl.Owner)
	f("configuration: %s\n", pl.Origin)
	f("pipeline:      %s, CodePipeline V2 in %s %s, triggered by pushes to %s\n", pl.PipelineName, pl.PipelineAccount, pl.Region, pl.Branch)
	f("before deploys: Source -> Build (cdk synth) -> UpdatePipeline (self-mutation) -> Assets\n")
	f("\n%d deployment stages, %d environments:\n", len(pl.Waves), pl.Environments())
	for i, w := range pl.Waves {
		title := w.PipelineStage
		if w.Planned {
			title += " (wave planned by handsoff)"
		}
		f("\n%2d. %s\n", i+1, title)
		if before := w.Before(); len(before) > 0 {
			f("    before:   %s\n", strings.Join(before, ", "))
		}
		for _, e := range w.Environments {
			tag := ""
			if e.OneBox {
				tag = "  one-box"
			}
			f("    deploy:   %-18s %s %-15s %d stack(s)%s\n", e.Name, e.Account, e.Region, len(e.Stacks), tag)
		}
		for _, e := range w.Environments {
			for _, sup := range e.Suppressed {
				f("    guardrail exception in %s: %s\n", e.Name, sup)
			}
		}
		if len(w.Checks) > 0 {
			f("    validate: %s, in parallel (up to %s)\n", strings.Join(w.Checks, ", "), stages.FormatDuration(w.Validation))
		}
		if w.Bake > 0 {
			alarms := 0
			for _, e := range w.Environments {
				alarms += e.Alarms
			}
			f("    bake:     %s watching %d alarm(s); an alarm rolls the stage back\n", stages.FormatDuration(w.Bake), alarms)
		}
		f("    failure:  roll back the stage, notify\n")
	}
	if len(pl.FreezeWindows)+len(pl.Blackouts) > 0 {
		f("\nno stage starts during:\n")
		for _, w := range pl.FreezeWindows {
			f("    freeze window %s\n", w)
		}
		for _, bl := range pl.Blackouts {
			f("    blackout %s\n", bl)
		}
	}
	if len(pl.FunctionPermissions) > 0 {
		f("\nlambda checks in other accounts: each function's owner runs once, in the function's account,\n")
		f("    or the check fails with AccessDenied on every run:\n")
		for _, cmd := range pl.FunctionPermissions {
			f("    %s\n", cmd)
		}
	}
	f("\nrollback: a failed deployment, validation or bake rolls its stage back to the last execution\n")
	f("    that succeeded under the current pipeline structure. It cannot when there is none: the first\n")
	f("    release after a change of the pipeline's structure (an environment, stack, check, bake,\n")
	f("    approval or freeze gate added, removed or changed; self-mutation makes a new structure), and\n")
	f("    a stage's first release. The stage then stays failed and notifies: fix forward with a new\n")
	f("    commit, or retry it. A rejected or expired approval stops the release and rolls nothing back.\n")
	f("\nestimated time from commit to the last prod environment: %s\n", roundDuration(pl.Estimate))
	f("    (%s per deployment, checks at their timeouts, bakes in full; no approval wait, no freeze)\n", stages.FormatDuration(EstimateDeploy))
	return b.String()
}

func roundDuration(d time.Duration) string {
	d = d.Round(time.Minute)
	h, m := int(d.Hours()), int(d.Minutes())%60
	switch {
	case h == 0:
		return fmt.Sprintf("%dm", m)
	case m == 0:
		return fmt.Sprintf("%dh", h)
	}
	return fmt.Sprintf("%dh%02dm", h, m)
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
