package stages

import (
	"errors"
	"fmt"
	"time"
)

// CodePipeline quotas that a planned pipeline must respect.
const (
	MaxActionsPerStage    = 50
	MaxActionsPerPipeline = 500
	MaxStagesPerPipeline  = 50
)

// Capacity says how much of the CodePipeline quotas each environment uses, so
// that waves can be planned and checked against them. The zero value assumes a
// service of one stack.
type Capacity struct {
	// DeployActionsPerEnvironment is the number of CodePipeline actions that
	// deploy one environment: two per stack with change sets (prepare and
	// execute). Default: 2.
	DeployActionsPerEnvironment int
	// FixedStages is the number of pipeline stages before the first
	// deployment (Source, Build, UpdatePipeline, Assets). Default: 4.
	FixedStages int
	// FixedActions is the number of actions in those stages. Default: 4.
	FixedActions int
	// BakeEnvironmentsPerAction is the most environments one bake action
	// watches: as many as its parameters (each environment's account,
	// region, stacks and named alarms) fit in CodePipeline's 1,000
	// characters, which the pipeline works out from the longest
	// environment's. Default: BakeEnvironmentsPerAction.
	BakeEnvironmentsPerAction int
}

func (c Capacity) withDefaults() Capacity {
	if c.DeployActionsPerEnvironment <= 0 {
		c.DeployActionsPerEnvironment = 2
	}
	if c.FixedStages <= 0 {
		c.FixedStages = 4
	}
	if c.FixedActions <= 0 {
		c.FixedActions = 4
	}
	if c.BakeEnvironmentsPerAction <= 0 {
		c.BakeEnvironmentsPerAction = BakeEnvironmentsPerAction
	}
	return c
}

// BakeEnvironmentsPerAction is the most environments one bake action
// watches by default (Capacity.BakeEnvironmentsPerAction). The action's
// parameters (each environment's account, region and stacks) must fit
// CodePipeline's 1,000 characters per configuration value, and one action
// per wave rather than per environment keeps a hundred baked environments
// inside the 500 actions of a pipeline.
const BakeEnvironmentsPerAction = 10

// ActionsPerEnvironment is the number of actions one environment of stage s
// adds: its deploy actions and one validation action when the stage has
// checks. Bake actions are counted per wave (see WaveActions).
func (c Capacity) ActionsPerEnvironment(s Stage) int {
	n := c.withDefaults().DeployActionsPerEnvironment
	if len(s.Checks) > 0 {
		n++
	}
	return n
}

// BakeActions is the number of bake actions a wave of n environments holds.
func BakeActions(n int, bake time.Duration) int {
	if bake <= 0 || n == 0 {
		return 0
	}
	return (n + BakeEnvironmentsPerAction - 1) / BakeEnvironmentsPerAction
}

// WaveActions is the number of actions a wave's pipeline stage holds. A
// stage's approval has a pipeline stage of its own before its first wave,
// so that the freeze calendar is read after a person approves.
func (c Capacity) WaveActions(s Stage, waveIndex int) int {
	w := s.Waves[waveIndex]
	return c.actions(s, len(w.Environments), w.Bake)
}

func (c Capacity) actions(s Stage, n int, bake time.Duration) int {
	return n*c.ActionsPerEnvironment(s) + c.BakeActions(n, bake)
}

// BakeActions is the number of bake actions a wave of n environments holds
// at this capacity.
func (c Capacity) BakeActions(n int, bake time.Duration) int {
	if bake <= 0 || n == 0 {
		return 0
	}
	per := c.withDefaults().BakeEnvironmentsPerAction
	return (n + per - 1) / per
}

// waveLimit is the most environments one wave of s with the given bake may
// hold.
func (c Capacity) waveLimit(s Stage, bake time.Duration) int {
	n := MaxActionsPerStage / c.ActionsPerEnvironment(s)
	for n > 0 && c.actions(s, n, bake) > MaxActionsPerStage {
		n--
	}
	return n
}

// Plan (re)plans prod waves that the document left to the library and checks
// every wave against the CodePipeline quotas for the given capacity. Parse
// calls it with the zero Capacity; the pipeline calls it again once it knows
// how many stacks each environment has.
//
// Planned waves follow the Amazon practice: one-box environments first, then
// a single environment in the first region the document lists (list the
// lowest-traffic region first), then waves that double (2, 4, 8, ...) up to
// the most a stage can hold.
func (cfg *Config) Plan(capacity Capacity) error {
	err := cfg.plan(capacity)
	var ve *ValidationError
	if asValidation(err, &ve) {
		ve.Source = cfg.Origin
	}
	return err
}

func (cfg *Config) plan(capacity Capacity) error {
	capacity = capacity.withDefaults()
	var ps problems
	for i := range cfg.Stages {
		s := &cfg.Stages[i]
		if s.PlannedWaves {
			s.Waves = planWaves(*s, s.Environments(), capacity, &ps)
		}
	}
	stages, actions := capacity.FixedStages, capacity.FixedActions
	for _, s := range cfg.Stages {
		if s.Approval {
			stages++ // the approval's own stage
			actions++
		}
		for wi, w := range s.Waves {
			stages++
			n := capacity.WaveActions(s, wi)
			actions += n
			where := w.Path
			what := fmt.Sprintf("wave %q", w.Name)
			if len(s.Waves) == 1 && w.Name == s.Name {
				what = fmt.Sprintf("stage %q", s.Name)
			}
			if n > MaxActionsPerStage {
				bake := ""
				if b := capacity.BakeActions(len(w.Environments), w.Bake); b > 0 {
					bake = fmt.Sprintf(", plus %d bake action(s)", b)
				}
				ps.addc(CodeQuota, where, "%s needs %d CodePipeline actions (%d environments × %d%s); a stage holds at most %d actions: split it into smaller waves",
					what, n, len(w.Environments), capacity.ActionsPerEnvironment(s), bake, MaxActionsPerStage)
			}
		}
	}
	if stages > MaxStagesPerPipeline {
		ps.addc(CodeQuota, "stages", "the pipeline needs %d stages (%d of them fixed: source, build, self-update, assets; an approval takes a stage of its own); CodePipeline allows at most %d: use fewer, larger waves or fewer environments",
			stages, capacity.FixedStages, MaxStagesPerPipeline)
	}
	if actions > MaxActionsPerPipeline {
		ps.addc(CodeQuota, "stages", "the pipeline needs %d actions; CodePipeline allows at most %d per pipeline: split the service's environments across pipelines",
			actions, MaxActionsPerPipeline)
	}
	return ps.err(cfg.Origin)
}

func planWaves(s Stage, envs []Environment, capacity Capacity, ps *problems) []Wave {
	var oneboxes, full []Environment
	for _, e := range envs {
		if e.OneBox {
			oneboxes = append(oneboxes, e)
		} else {
			full = append(full, e)
		}
	}
	var waves []Wave
	add := func(name string, group []Environment) {
		w := Wave{Name: name, Stage: s.Name, Bake: s.Bake, Path: s.Path}
		for _, e := range group {
			e.Wave, e.Bake = name, s.Bake
			w.Environments = append(w.Environments, e)
		}
		waves = append(waves, w)
	}
	limit := func() int { return capacity.waveLimit(s, s.Bake) }
	if limit() < 1 {
		ps.addc(CodeQuota, s.Path, "one environment needs %d CodePipeline actions; a stage holds at most %d", capacity.actions(s, 1, s.Bake), MaxActionsPerStage)
		return []Wave{{Name: s.Name, Stage: s.Name, Bake: s.Bake, Environments: envs, Path: s.Path}}
	}
	for i := 0; len(oneboxes) > 0; i++ {
		n := min(limit(), len(oneboxes))
		name := "onebox"
		if i > 0 {
			name = fmt.Sprintf("onebox-%d", i+1)
		}
		add(name, oneboxes[:n])
		oneboxes = oneboxes[n:]
	}
	for size, i := 1, 1; len(full) > 0; i++ {
		n := min(size, limit(), len(full))
		add(fmt.Sprintf("wave-%d", i), full[:n])
		full = full[n:]
		size = min(size*2, MaxActionsPerStage) // no wave holds more; and no overflow
	}
	return waves
}

func asValidation(err error, target **ValidationError) bool {
	return err != nil && errors.As(err, target)
}
