package plan

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// TestScheduleArithmetic: the critical path and the arrivals add up to the
// estimate, on hand-made plans whose numbers are known.
func TestScheduleArithmetic(t *testing.T) {
	before := EstimateSource + EstimateSynth + EstimateUpdate + EstimateAssets
	wave := func(name string, validation, bake time.Duration, envs ...string) Wave {
		w := Wave{PipelineStage: name, Stage: name, Validation: validation, Bake: bake}
		if validation > 0 {
			w.Checks = []string{"health (http)"}
		}
		for _, e := range envs {
			w.Environments = append(w.Environments, Environment{Name: e})
		}
		return w
	}
	d := EstimateDeploy
	cases := []struct {
		name     string
		waves    []Wave
		arrivals map[string]time.Duration
		steps    int
	}{
		{"no waves", nil, map[string]time.Duration{}, 4},
		{"one wave, its bake not counted", []Wave{wave("alpha", 5*time.Minute, time.Hour, "a")},
			map[string]time.Duration{"a": before + d + 5*time.Minute}, 6},
		{"bakes between waves, parallel environments", []Wave{
			wave("alpha", 0, 0, "a"),
			wave("gamma", 10*time.Minute, 30*time.Minute, "g1", "g2"),
			wave("prod", 10*time.Minute, time.Hour, "p1", "p2", "p3"),
		}, map[string]time.Duration{
			"a":  before + d,
			"g1": before + 2*d + 10*time.Minute, "g2": before + 2*d + 10*time.Minute,
			"p1": before + 3*d + 20*time.Minute + 30*time.Minute, "p2": before + 3*d + 50*time.Minute, "p3": before + 3*d + 50*time.Minute,
		}, 4 + 1 + 3 + 2},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			pl := &Plan{Waves: c.waves}
			got := map[string]time.Duration{}
			for _, a := range pl.Arrivals() {
				got[a.Environment] = a.At
			}
			if diff := cmp.Diff(c.arrivals, got); diff != "" {
				t.Errorf("arrivals (-want +got):\n%s", diff)
			}
			path := pl.CriticalPath()
			if len(path) != c.steps {
				t.Errorf("%d steps, want %d: %+v", len(path), c.steps, path)
			}
			var sum time.Duration
			for _, s := range path {
				sum += s.Duration
				if s.At != sum {
					t.Errorf("step %s %q ends at %v, but the steps so far add up to %v", s.PipelineStage, s.What, s.At, sum)
				}
			}
			last := before
			for _, a := range pl.Arrivals() {
				last = a.At
			}
			if sum != last {
				t.Errorf("critical path %v, last arrival %v", sum, last)
			}
		})
	}
}
