package plan

import (
	"fmt"
	"strings"
	"time"

	"github.com/handsoff-cdk/handsoff/stages"
)

// Step is one step of the critical path from a commit to the last prod
// environment: CodePipeline runs its stages one after another, and the
// environments of a wave in parallel, so the path is every pipeline stage,
// and in each wave the longest of its environments.
type Step struct {
	PipelineStage string        // the CodePipeline stage
	What          string        // "deploy", "validate", "bake", "synth", ...
	Duration      time.Duration // the estimate of this step
	At            time.Duration // the estimated time from the commit to the step's end
}

// Arrival is when an environment is estimated to run the commit: deployed
// and validated, before its wave's bake.
type Arrival struct {
	Environment, Stage string
	At                 time.Duration
}

// CriticalPath is the estimate step by step, ending with the last prod
// environment validated (its bake is after the last deployment and not
// counted). Approvals are taken as granted at once, and no freeze applies.
func (pl *Plan) CriticalPath() []Step {
	var steps []Step
	at := time.Duration(0)
	add := func(stage, what string, d time.Duration) {
		at += d
		steps = append(steps, Step{PipelineStage: stage, What: what, Duration: d, At: at})
	}
	add("Source", "fetch the commit", EstimateSource)
	add("Build", "cdk synth", EstimateSynth)
	add("UpdatePipeline", "self-mutation", EstimateUpdate)
	add("Assets", "publish assets", EstimateAssets)
	for i, w := range pl.Waves {
		what := fmt.Sprintf("deploy %d environments in parallel", len(w.Environments))
		if len(w.Environments) == 1 {
			what = "deploy " + w.Environments[0].Name
		}
		add(w.PipelineStage, what, EstimateDeploy)
		if w.Validation > 0 {
			add(w.PipelineStage, "validate: "+strings.Join(w.Checks, ", "), w.Validation)
		}
		if w.Bake > 0 && i < len(pl.Waves)-1 {
			add(w.PipelineStage, "bake on alarms", w.Bake)
		}
	}
	return steps
}

// Arrivals lists, for every environment, when the commit is estimated to be
// deployed and validated there, in pipeline order.
func (pl *Plan) Arrivals() []Arrival {
	at := EstimateSource + EstimateSynth + EstimateUpdate + EstimateAssets
	var out []Arrival
	for _, w := range pl.Waves {
		at += EstimateDeploy + w.Validation
		for _, e := range w.Environments {
			out = append(out, Arrival{Environment: e.Name, Stage: w.Stage, At: at})
		}
		at += w.Bake
	}
	return out
}

// Table is the plan as one line per environment: pipeline stage, the
// gates before it, bake and the estimated arrival.
func (pl *Plan) Table() string {
	var b strings.Builder
	arrivals := map[string]time.Duration{}
	for _, a := range pl.Arrivals() {
		arrivals[a.Environment] = a.At
	}
	row := func(cols ...string) {
		fmt.Fprintln(&b, strings.TrimRight(fmt.Sprintf("%-3s %-26s %-18s %-13s %-15s %-17s %-6s %s", cols[0], cols[1], cols[2], cols[3], cols[4], cols[5], cols[6], cols[7]), " "))
	}
	row("#", "PIPELINE STAGE", "ENVIRONMENT", "ACCOUNT", "REGION", "BEFORE", "BAKE", "ETA")
	for i, w := range pl.Waves {
		var gates []string
		if w.Approval {
			gates = append(gates, "approval")
		}
		if w.Freeze {
			gates = append(gates, "freeze")
		}
		before := strings.Join(gates, ", ")
		if before == "" {
			before = "-"
		}
		bake := "-"
		if w.Bake > 0 {
			bake = stages.FormatDuration(w.Bake)
		}
		for _, e := range w.Environments {
			name := e.Name
			if e.OneBox {
				name += "*"
			}
			row(fmt.Sprint(i+1), w.PipelineStage, name, e.Account, e.Region, before, bake, roundDuration(arrivals[e.Name]))
		}
	}
	fmt.Fprintf(&b, "\n* one-box. BEFORE: a manual approval, then the freeze calendar, before the stage starts.\n")
	fmt.Fprintf(&b, "ETA: deployed and validated, from the commit; approvals granted at once, no freeze.\n")
	if len(pl.FreezeWindows)+len(pl.Blackouts) > 0 {
		fmt.Fprintf(&b, "\nno stage marked freeze starts during:\n")
		for _, w := range pl.FreezeWindows {
			fmt.Fprintf(&b, "  freeze window %s\n", w)
		}
		for _, bl := range pl.Blackouts {
			fmt.Fprintf(&b, "  blackout %s\n", bl)
		}
	}
	fmt.Fprintf(&b, "\ncritical path to the last prod environment (%s):\n", roundDuration(pl.Estimate))
	for _, s := range pl.CriticalPath() {
		fmt.Fprintf(&b, "  %7s  %-26s %s (%s)\n", roundDuration(s.At), s.PipelineStage, s.What, roundDuration(s.Duration))
	}
	return b.String()
}

// Mermaid is the pipeline as a Mermaid flowchart (for a README or a pull
// request): one subgraph per pipeline stage, its environments inside, and
// the gates on the arrows.
func (pl *Plan) Mermaid() string {
	var b strings.Builder
	id := func(i int) string { return fmt.Sprintf("s%d", i) }
	quote := func(s string) string {
		return `"` + strings.NewReplacer(`"`, "#quot;", "<", "#lt;", ">", "#gt;").Replace(s) + `"`
	}
	b.WriteString("flowchart LR\n")
	fmt.Fprintf(&b, "  src[%s] --> build[%s]\n", quote("Source: "+pl.Repo+" "+pl.Branch), quote("Build, self-mutation, assets"))
	prev := "build"
	for i, w := range pl.Waves {
		fmt.Fprintf(&b, "  subgraph %s[%s]\n", id(i), quote(w.PipelineStage))
		for j, e := range w.Environments {
			label := e.Name + " " + e.Account + " " + e.Region
			if e.OneBox {
				label += " one-box"
			}
			fmt.Fprintf(&b, "    %s_%d[%s]\n", id(i), j, quote(label))
		}
		b.WriteString("  end\n")
		var gatesOn []string
		gatesOn = append(gatesOn, w.Before()...)
		if len(gatesOn) > 0 {
			fmt.Fprintf(&b, "  %s -->|%s| %s\n", prev, quote(strings.Join(gatesOn, ", ")), id(i))
		} else {
			fmt.Fprintf(&b, "  %s --> %s\n", prev, id(i))
		}
		prev = id(i)
		var after []string
		if len(w.Checks) > 0 {
			after = append(after, "validate")
		}
		if w.Bake > 0 {
			after = append(after, "bake "+stages.FormatDuration(w.Bake))
		}
		if len(after) > 0 && i < len(pl.Waves)-1 {
			gate := fmt.Sprintf("g%d", i)
			fmt.Fprintf(&b, "  %s --> %s{{%s}}\n", prev, gate, quote(strings.Join(after, ", ")))
			prev = gate
		}
	}
	return b.String()
}
