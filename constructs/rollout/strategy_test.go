package rollout

import (
	"strings"
	"testing"
	"time"

	"gopkg.in/yaml.v3"
	"pgregory.net/rapid"

	"github.com/handsoff-cdk/handsoff/pipeline"
)

// TestForEnvironment: prod's one-box takes a canary, prod's other
// environments shift linearly, the stages before prod all at once.
func TestForEnvironment(t *testing.T) {
	for _, c := range []struct {
		env  pipeline.Environment
		want Strategy
	}{
		{pipeline.Environment{Stage: "prod", OneBox: true}, DefaultCanary},
		{pipeline.Environment{Stage: "prod"}, DefaultLinear},
		{pipeline.Environment{Stage: "gamma"}, AllAtOnce},
		{pipeline.Environment{Stage: "alpha", OneBox: true}, AllAtOnce},
	} {
		if got := ForEnvironment(c.env); got != c.want {
			t.Errorf("%+v: %s, want %s", c.env, got, c.want)
		}
	}
}

// strategies draws any valid strategy.
func strategies(t *rapid.T) Strategy {
	switch rapid.IntRange(0, 5).Draw(t, "kind") {
	case 0:
		return OneAtATime
	case 1:
		return HalfAtATime
	case 2:
		return AllAtOnce
	case 3:
		return Linear(rapid.IntRange(1, 99).Draw(t, "pct"), time.Duration(rapid.IntRange(1, 60).Draw(t, "min"))*time.Minute)
	case 4:
		return Canary(rapid.IntRange(1, 99).Draw(t, "pct"), time.Duration(rapid.IntRange(1, 60).Draw(t, "min"))*time.Minute)
	}
	return Zonal(rapid.IntRange(1, 99).Draw(t, "pct"), time.Duration(rapid.IntRange(1, 60).Draw(t, "min"))*time.Minute)
}

// TestRefreshKeepsTwoThirds: whatever the strategy and bake, an image
// rollout keeps at least two thirds healthy, never more than all; a canary
// stops at its share for its wait; and the numbers are within what the
// instance refresh API takes (API_RefreshPreferences).
func TestRefreshKeepsTwoThirds(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		s := strategies(t)
		if s.Kind == KindZonal {
			return // refused by NewGroup
		}
		bake := time.Duration(rapid.IntRange(0, 48*60).Draw(t, "bake")) * time.Minute
		p := refreshPreferences(s, bake)
		min := p["MinHealthyPercentage"].(int)
		if min < MinHealthyPercent || min > 100 {
			t.Fatalf("%s: MinHealthyPercentage %d", s, min)
		}
		if b := p["BakeTime"].(int); b < 0 || b > 172800 {
			t.Fatalf("BakeTime %d", b)
		}
		cps, hasCP := p["CheckpointPercentages"].([]int)
		if (s.Kind == KindCanary) != hasCP {
			t.Fatalf("%s: checkpoints %v", s, cps)
		}
		if hasCP && (cps[0] != s.Percent || cps[len(cps)-1] != 100 || p["CheckpointDelay"].(int) != int(s.Interval/time.Second)) {
			t.Fatalf("%s: checkpoints %v delay %v", s, cps, p["CheckpointDelay"])
		}
	})
}

// TestStrategyChecks: each malformed strategy is refused with its field.
func TestStrategyChecks(t *testing.T) {
	for _, c := range []struct {
		s    Strategy
		want string
	}{
		{Strategy{Kind: KindOneAtATime, Percent: 5}, "takes no Percent"},
		{Linear(0, time.Minute), "Percent 0"},
		{Canary(100, time.Minute), "Percent 100"},
		{Linear(10, 90*time.Second), "whole minutes"},
		{Zonal(50, 72*time.Hour), "whole minutes, 1m to 48h"},
		{Strategy{Kind: 42}, "not a strategy"},
	} {
		if got := strings.Join(c.s.check("Strategy"), "; "); !strings.Contains(got, c.want) {
			t.Errorf("%+v: %q, want %q", c.s, got, c.want)
		}
	}
	rapid.Check(t, func(t *rapid.T) {
		if s := strategies(t); len(s.check("Strategy")) != 0 {
			t.Fatalf("%s refused: %v", s, s.check("Strategy"))
		}
	})
}

// TestAppSpecs: the AppSpecs read as YAML with the hooks in lifecycle
// order; every malformed hook is refused, all at once.
func TestAppSpecs(t *testing.T) {
	spec, err := ServerAppSpec("app", "/opt/web", []Hook{
		{Event: "ValidateService", Target: "scripts/validate.sh", Timeout: 2 * time.Minute},
		{Event: "ApplicationStop", Target: "scripts/stop.sh"},
	})
	if err != nil {
		t.Fatal(err)
	}
	var v struct {
		Hooks yaml.Node `yaml:"hooks"`
	}
	if err := yaml.Unmarshal([]byte(spec), &v); err != nil {
		t.Fatalf("%v\n%s", err, spec)
	}
	if strings.Index(spec, "ApplicationStop") > strings.Index(spec, "ValidateService") || !strings.Contains(spec, "timeout: 120") {
		t.Errorf("hooks out of order or timeout lost:\n%s", spec)
	}
	ecs, err := ECSAppSpec("api", 80, []Hook{{Event: "AfterAllowTestTraffic", Target: "api-smoke"}, {Event: "BeforeInstall", Target: "api-pre"}})
	if err != nil {
		t.Fatal(err)
	}
	var e map[string]any
	if err := yaml.Unmarshal([]byte(ecs), &e); err != nil || !strings.Contains(ecs, "<TASK_DEFINITION>") || strings.Index(ecs, "BeforeInstall") > strings.Index(ecs, "AfterAllowTestTraffic") {
		t.Errorf("%v\n%s", err, ecs)
	}
	_, err = ServerAppSpec("/abs", "rel", []Hook{{Event: "Install", Target: "x.sh"}, {Event: "AfterInstall", Target: "../x.sh"}, {Event: "AfterInstall", Target: "a.sh", Timeout: 2 * time.Hour},
		{Event: "ValidateService", Target: "a.sh", Timeout: 40 * time.Minute}, {Event: "ValidateService", Target: "b.sh", Timeout: 40 * time.Minute}})
	for _, want := range []string{"source", `"Install" is not`, `"../x.sh"`, "Timeout 2h0m0s", "ValidateService run 1h20m0s"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("ServerAppSpec: %v lacks %q", err, want)
		}
	}
	_, err = ECSAppSpec("bad name", 0, []Hook{{Event: "ValidateService", Target: "f"}, {Event: "BeforeInstall", Target: "f g"}, {Event: "AfterInstall", Target: "f"}, {Event: "AfterInstall", Target: "g"}, {Event: "AfterAllowTraffic", Target: "f", Timeout: time.Minute}})
	for _, want := range []string{`container "bad name"`, "port 0", `"ValidateService" is not an ECS`, `"f g" is not a Lambda`, "has a hook already", "no Timeout"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("ECSAppSpec: %v lacks %q", err, want)
		}
	}
}
