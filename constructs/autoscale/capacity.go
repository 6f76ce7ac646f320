package autoscale

import (
	"fmt"
	"time"
)

// Capacity is how many instances or tasks run.
type Capacity struct {
	Min, Max int
}

// ForStage is the baseline capacity of a stage kind (alpha, beta, gamma,
// prod). Unknown stages get prod's, the safe side.
func ForStage(stage string) Capacity {
	switch stage {
	case "alpha", "beta":
		return Capacity{Min: 1, Max: 2}
	case "gamma":
		return Capacity{Min: 2, Max: 4}
	}
	return Capacity{Min: 2, Max: 10}
}

// Settings are the resolved scaling settings of a group or service.
type Settings struct {
	Capacity
	TargetCPU float64
	Grace     time.Duration
	Cooldown  time.Duration
	// BatchSize is how many instances a rolling update replaces at once: at
	// most a third of the minimum, at least one.
	BatchSize int
}

// Options are the scaling choices common to groups and services. The zero
// value is the baseline.
type Options struct {
	// Stage is the stage kind the resource deploys to. Required.
	Stage string
	// Capacity overrides the stage's baseline. Default: ForStage(Stage).
	// Prod may not go below 2.
	Capacity Capacity
	// TargetCPU is the CPU utilization, in percent, that scaling holds.
	// Default: 50.
	TargetCPU float64
	// HealthCheckGrace is how long a new instance or task may take before
	// health checks count. Default: 5 minutes.
	HealthCheckGrace time.Duration
	// Cooldown is the pause between scaling activities. Default: 5 minutes.
	Cooldown time.Duration
}

// Resolve applies defaults and checks the options; it returns every problem
// at once.
func (o Options) Resolve() (Settings, []string) {
	var problems []string
	s := Settings{Capacity: o.Capacity, TargetCPU: o.TargetCPU, Grace: o.HealthCheckGrace, Cooldown: o.Cooldown}
	if o.Stage == "" {
		problems = append(problems, "Stage is required: the stage kind (alpha, beta, gamma or prod) decides the baseline capacity")
	}
	if s.Capacity == (Capacity{}) {
		s.Capacity = ForStage(o.Stage)
	}
	if s.TargetCPU == 0 {
		s.TargetCPU = 50
	}
	if s.Grace == 0 {
		s.Grace = 5 * time.Minute
	}
	if s.Cooldown == 0 {
		s.Cooldown = 5 * time.Minute
	}
	switch {
	case s.Min < 1:
		problems = append(problems, fmt.Sprintf("Capacity.Min is %d: keep at least 1", s.Min))
	case o.Stage == "prod" && s.Min < 2:
		problems = append(problems, fmt.Sprintf("Capacity.Min is %d in prod: prod never runs below 2, so that one failure is not an outage", s.Min))
	}
	if s.Max < s.Min {
		problems = append(problems, fmt.Sprintf("Capacity.Max (%d) is below Capacity.Min (%d)", s.Max, s.Min))
	}
	if s.TargetCPU < 10 || s.TargetCPU > 90 {
		problems = append(problems, fmt.Sprintf("TargetCPU is %g: hold between 10 and 90 percent", s.TargetCPU))
	}
	s.BatchSize = max(1, s.Min/3)
	if s.Max < s.Min+s.BatchSize {
		// The minimum stays in service while a batch is replaced, so the
		// group needs room above it.
		problems = append(problems, fmt.Sprintf("Capacity.Max (%d) leaves no room to replace a batch of %d while %d stay in service: raise it to %d", s.Max, s.BatchSize, s.Min, s.Min+s.BatchSize))
	}
	return s, problems
}
