package rollout

import (
	"fmt"
	"time"

	"github.com/handsoff-cdk/handsoff/pipeline"
)

// Kind is the shape of a strategy.
type Kind int

// The strategies.
const (
	// KindOneAtATime replaces or deploys to one instance at a time.
	KindOneAtATime Kind = iota + 1
	// KindHalfAtATime takes up to half the fleet at a time.
	KindHalfAtATime
	// KindAllAtOnce takes the whole fleet at once.
	KindAllAtOnce
	// KindLinear shifts Percent every Interval.
	KindLinear
	// KindCanary shifts Percent, waits Interval, then the rest.
	KindCanary
	// KindZonal deploys zone by zone, watching each for Interval.
	KindZonal
)

// Strategy is how a rollout takes capacity: one at a time, half at a time,
// all at once, linear by percentage, a canary, or zone by zone. The zero
// Strategy is [ForEnvironment]'s choice; set one with the constructors.
type Strategy struct {
	Kind Kind
	// Percent is the share each step takes (Linear, Canary) or keeps
	// healthy in each zone (Zonal), 1 to 99.
	Percent int
	// Interval is the time between steps (Linear, Canary) or each zone's
	// watch (Zonal).
	Interval time.Duration
}

// The fixed strategies.
var (
	OneAtATime  = Strategy{Kind: KindOneAtATime}
	HalfAtATime = Strategy{Kind: KindHalfAtATime}
	AllAtOnce   = Strategy{Kind: KindAllAtOnce}
)

// Linear shifts percent of the traffic (ECS) or the fleet (EC2) every
// interval.
func Linear(percent int, every time.Duration) Strategy {
	return Strategy{Kind: KindLinear, Percent: percent, Interval: every}
}

// Canary shifts percent, waits, then shifts the rest.
func Canary(percent int, wait time.Duration) Strategy {
	return Strategy{Kind: KindCanary, Percent: percent, Interval: wait}
}

// Zonal deploys one availability zone at a time, keeping minHealthyPercent
// of each zone's hosts healthy and watching each zone for monitor.
func Zonal(minHealthyPercent int, monitor time.Duration) Strategy {
	return Strategy{Kind: KindZonal, Percent: minHealthyPercent, Interval: monitor}
}

func (s Strategy) String() string {
	switch s.Kind {
	case KindOneAtATime:
		return "one at a time"
	case KindHalfAtATime:
		return "half at a time"
	case KindAllAtOnce:
		return "all at once"
	case KindLinear:
		return fmt.Sprintf("linear, %d%% every %s", s.Percent, s.Interval)
	case KindCanary:
		return fmt.Sprintf("canary, %d%% then the rest after %s", s.Percent, s.Interval)
	case KindZonal:
		return fmt.Sprintf("zone by zone, %d%% of each healthy, %s a zone", s.Percent, s.Interval)
	}
	return "the environment's default"
}

// check lists the strategy's problems, for the field path.
func (s Strategy) check(path string) []string {
	var out []string
	switch s.Kind {
	case 0, KindOneAtATime, KindHalfAtATime, KindAllAtOnce:
		if s.Percent != 0 || s.Interval != 0 {
			out = append(out, fmt.Sprintf("%s: %s takes no Percent or Interval; use Linear, Canary or Zonal", path, s))
		}
	case KindLinear, KindCanary, KindZonal:
		if s.Percent < 1 || s.Percent > 99 {
			out = append(out, fmt.Sprintf("%s: Percent %d is outside 1 to 99", path, s.Percent))
		}
		// CodeDeploy counts intervals in whole minutes
		// (https://docs.aws.amazon.com/codedeploy/latest/APIReference/API_TimeBasedLinear.html).
		if s.Interval < time.Minute || s.Interval%time.Minute != 0 || s.Interval > 48*time.Hour {
			out = append(out, fmt.Sprintf("%s: Interval %s must be whole minutes, 1m to 48h", path, s.Interval))
		}
	default:
		out = append(out, fmt.Sprintf("%s: Kind %d is not a strategy; use OneAtATime, HalfAtATime, AllAtOnce, Linear, Canary or Zonal", path, s.Kind))
	}
	return out
}

// The defaults of ForEnvironment.
var (
	// DefaultCanary is the one-box's: 10% for 5 minutes
	// (CodeDeployDefault.ECSCanary10Percent5Minutes).
	DefaultCanary = Canary(10, 5*time.Minute)
	// DefaultLinear is the later prod waves': 10% every minute
	// (CodeDeployDefault.ECSLinear10PercentEvery1Minutes).
	DefaultLinear = Linear(10, time.Minute)
)

// ForEnvironment is the safe strategy for an environment of the pipeline:
// a prod one-box takes a canary, prod's other environments shift
// linearly, and the stages before prod deploy all at once (they hold no
// customers, and their bake is what is watched).
func ForEnvironment(env pipeline.Environment) Strategy {
	switch {
	case env.Stage == "prod" && env.OneBox:
		return DefaultCanary
	case env.Stage == "prod":
		return DefaultLinear
	}
	return AllAtOnce
}
