package plan

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"time"
)

// File is the plan as JSON, which pipeline.New writes beside the cloud assembly
// for programs (handsoff plan --format json reads it).
const File = "handsoff-plan.json"

// Schema names the shape of the JSON plan; a change that removes or
// retypes a field gets a new name.
const Schema = "handsoff.plan/v1"

// The JSON plan: durations in whole seconds, names in lower camel case.
type planJSON struct {
	Schema              string        `json:"schema"`
	Repo                string        `json:"repo"`
	Service             string        `json:"service"`
	Owner               string        `json:"owner"`
	Configuration       string        `json:"configuration"`
	Pipeline            string        `json:"pipeline"`
	Account             string        `json:"account"`
	Region              string        `json:"region"`
	Branch              string        `json:"branch"`
	EstimateSeconds     int64         `json:"estimateSeconds"`
	Waves               []waveJSON    `json:"waves"`
	FreezeWindows       []string      `json:"freezeWindows"`
	Blackouts           []string      `json:"blackouts"`
	FunctionPermissions []string      `json:"functionPermissions"`
	CriticalPath        []stepJSON    `json:"criticalPath"`
	Arrivals            []arrivalJSON `json:"arrivals"`
}

type waveJSON struct {
	PipelineStage     string            `json:"pipelineStage"`
	Stage             string            `json:"stage"`
	Wave              string            `json:"wave"`
	Planned           bool              `json:"planned"`
	Approval          bool              `json:"approval"`
	ApprovalStage     string            `json:"approvalStage,omitempty"`
	Freeze            bool              `json:"freeze"`
	BakeSeconds       int64             `json:"bakeSeconds"`
	ValidationSeconds int64             `json:"validationSeconds"`
	Checks            []string          `json:"checks"`
	Environments      []environmentJSON `json:"environments"`
}

type environmentJSON struct {
	Name       string   `json:"name"`
	Account    string   `json:"account"`
	Region     string   `json:"region"`
	OneBox     bool     `json:"onebox"`
	Stacks     []string `json:"stacks"`
	Alarms     int      `json:"alarms"`
	Bakes      bool     `json:"bakes"`
	Suppressed []string `json:"suppressed"`
	Runbooks   []string `json:"runbooks,omitempty"`
}

type stepJSON struct {
	PipelineStage   string `json:"pipelineStage"`
	What            string `json:"what"`
	DurationSeconds int64  `json:"durationSeconds"`
	AtSeconds       int64  `json:"atSeconds"`
}

type arrivalJSON struct {
	Environment string `json:"environment"`
	Stage       string `json:"stage"`
	AtSeconds   int64  `json:"atSeconds"`
}

func seconds(d time.Duration) int64 { return int64(d / time.Second) }

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// JSON is the plan for programs (schema Schema), with its critical path
// and every environment's estimated arrival.
func (pl *Plan) JSON() []byte {
	out := planJSON{
		Schema: Schema, Repo: pl.Repo, Service: pl.Service, Owner: pl.Owner, Configuration: pl.Origin,
		Pipeline: pl.PipelineName, Account: pl.PipelineAccount, Region: pl.Region, Branch: pl.Branch,
		EstimateSeconds: seconds(pl.Estimate), Waves: []waveJSON{},
		FreezeWindows: nonNil(pl.FreezeWindows), Blackouts: nonNil(pl.Blackouts), FunctionPermissions: nonNil(pl.FunctionPermissions),
		CriticalPath: []stepJSON{}, Arrivals: []arrivalJSON{},
	}
	for _, w := range pl.Waves {
		wj := waveJSON{
			PipelineStage: w.PipelineStage, Stage: w.Stage, Wave: w.Wave, Planned: w.Planned, Approval: w.Approval,
			ApprovalStage: w.ApprovalStage, Freeze: w.Freeze, BakeSeconds: seconds(w.Bake), ValidationSeconds: seconds(w.Validation),
			Checks: nonNil(w.Checks), Environments: []environmentJSON{},
		}
		for _, e := range w.Environments {
			wj.Environments = append(wj.Environments, environmentJSON{
				Name: e.Name, Account: e.Account, Region: e.Region, OneBox: e.OneBox,
				Stacks: nonNil(e.Stacks), Alarms: e.Alarms, Bakes: e.Bakes, Suppressed: nonNil(e.Suppressed), Runbooks: e.Runbooks,
			})
		}
		out.Waves = append(out.Waves, wj)
	}
	for _, s := range pl.CriticalPath() {
		out.CriticalPath = append(out.CriticalPath, stepJSON{s.PipelineStage, s.What, seconds(s.Duration), seconds(s.At)})
	}
	for _, a := range pl.Arrivals() {
		out.Arrivals = append(out.Arrivals, arrivalJSON{a.Environment, a.Stage, seconds(a.At)})
	}
	raw, _ := json.MarshalIndent(out, "", "  ") // plain values only: cannot fail
	return append(raw, '\n')
}

// Read reads the plan pipeline.New wrote into a cloud assembly directory
// (File), so that a program can render it without synthesizing again.
func Read(dir string) (*Plan, error) {
	raw, err := os.ReadFile(filepath.Join(dir, File))
	if err != nil {
		return nil, err
	}
	var in planJSON
	if err := json.Unmarshal(raw, &in); err != nil {
		return nil, fmt.Errorf("%s: %w", filepath.Join(dir, File), err)
	}
	if in.Schema != Schema {
		return nil, fmt.Errorf("%s: schema %q, this handsoff reads %q: synthesize again with this version", filepath.Join(dir, File), in.Schema, Schema)
	}
	pl := &Plan{
		Repo: in.Repo, Service: in.Service, Owner: in.Owner, Origin: in.Configuration, PipelineName: in.Pipeline,
		PipelineAccount: in.Account, Region: in.Region, Branch: in.Branch, Estimate: time.Duration(in.EstimateSeconds) * time.Second,
		FreezeWindows: in.FreezeWindows, Blackouts: in.Blackouts, FunctionPermissions: in.FunctionPermissions,
	}
	for _, w := range in.Waves {
		pw := Wave{
			PipelineStage: w.PipelineStage, Stage: w.Stage, Wave: w.Wave, Planned: w.Planned, Approval: w.Approval,
			ApprovalStage: w.ApprovalStage, Freeze: w.Freeze, Bake: time.Duration(w.BakeSeconds) * time.Second,
			Validation: time.Duration(w.ValidationSeconds) * time.Second, Checks: w.Checks,
		}
		for _, e := range w.Environments {
			pw.Environments = append(pw.Environments, Environment{
				Name: e.Name, Account: e.Account, Region: e.Region, OneBox: e.OneBox, Stacks: e.Stacks, Alarms: e.Alarms, Bakes: e.Bakes, Suppressed: e.Suppressed, Runbooks: e.Runbooks,
			})
		}
		pl.Waves = append(pl.Waves, pw)
	}
	return pl, nil
}
