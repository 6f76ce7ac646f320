// Package plan is a pipeline described for people: its waves and
// environments, the gates before each wave, and the estimated time from a
// commit to every environment. pipeline.New builds it and writes it beside
// the cloud assembly as JSON (File); Read reads it back, and String, Table,
// SVG, HTML, Mermaid and JSON render it.
//
// The package links no jsii, so the CLI (handsoff plan, handsoff
// resources) reads and renders a synthesized plan without the CDK, whose
// Go packages embed their JavaScript (aws-cdk-lib's is a 29 MB tarball):
// when the CLI read the plan through pipeline, its binary was 71 MB and
// its go install, with only the standard library in the build cache, took
// 90 to 170 s on two shared cores; without the CDK, 17 MB and 22 to 45 s
// (cmd/handsoff's TestLinksNoJsii keeps it so).
// pipeline exports these types under its own names (pipeline.Plan,
// pipeline.PlanWave, ...), which are the public API.
package plan

import (
	"fmt"
	"strings"
	"time"

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
	Waves                        []Wave
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

// Wave is one deployment stage of the pipeline.
type Wave struct {
	PipelineStage string // the CodePipeline stage
	Stage, Wave   string
	Planned       bool // planned by handsoff from a plain list
	Approval      bool
	// ApprovalStage is the pipeline stage that holds the approval, before
	// the wave's own.
	ApprovalStage string
	Freeze        bool // a freeze window or blackout applies
	Bake          time.Duration
	Environments  []Environment
	Validation    time.Duration // longest check timeout
	Checks        []string      // "health (http)"
}

// Environment is one environment of a wave.
type Environment struct {
	Name, Account, Region string
	OneBox                bool
	Stacks                []string
	Alarms                int
	Bakes                 bool
	// Suppressed lists guardrails this environment breaks on purpose, with
	// the team's reasons.
	Suppressed []string
	// Runbooks are the names of the environment's runbooks.
	Runbooks []string
}

// Before lists the gates that run before the wave starts, in order.
func (w Wave) Before() []string {
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
			if len(e.Runbooks) > 0 {
				f("    runbooks: %-18s %s\n", e.Name, strings.Join(e.Runbooks, ", "))
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
