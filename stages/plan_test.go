package stages

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// prodDoc returns the example with prod listing n plain environments (the
// first `oneboxes` marked one-box) across 20 regions.
func prodDoc(t testing.TB, n, oneboxes int, bake string, checks bool) []byte {
	t.Helper()
	regionsList := []string{"us-east-1", "us-east-2", "us-west-1", "us-west-2", "ca-central-1", "eu-west-1", "eu-west-2", "eu-west-3", "eu-central-1", "eu-north-1",
		"ap-southeast-1", "ap-southeast-2", "ap-northeast-1", "ap-northeast-2", "ap-northeast-3", "ap-south-1", "sa-east-1", "me-central-1", "af-south-1", "ap-east-1"}
	var envs []any
	for i := range n {
		envs = append(envs, map[string]any{
			"name": fmt.Sprintf("prod-%03d", i), "account": fmt.Sprintf("%012d", 500000000000+i%7),
			"region": regionsList[i%len(regionsList)], "onebox": i < oneboxes,
		})
	}
	prod := map[string]any{"name": "prod", "environments": envs, "approval": true}
	if bake != "" {
		prod["bake"] = bake
	}
	if checks {
		prod["checks"] = []any{"health"}
	}
	return edited(t, "stages[3]", prod)
}

func waveSizes(cfg *Config) []string {
	s, _ := cfg.Stage(Prod)
	var out []string
	for _, w := range s.Waves {
		out = append(out, fmt.Sprintf("%s:%d", w.Name, len(w.Environments)))
	}
	return out
}

func TestPlanWaves(t *testing.T) {
	cases := []struct {
		name           string
		envs, oneboxes int
		bake           string
		checks         bool
		capacity       Capacity
		want           []string
	}{
		{"one environment", 1, 0, "", false, Capacity{}, []string{"wave-1:1"}},
		{"onebox then doubling", 8, 1, "", false, Capacity{}, []string{"onebox:1", "wave-1:1", "wave-2:2", "wave-3:4"}},
		{"doubling capped by actions", 100, 0, "", true, Capacity{},
			// 3 actions per environment: 16 fit a stage (the approval has a stage of its own).
			[]string{"wave-1:1", "wave-2:2", "wave-3:4", "wave-4:8", "wave-5:16", "wave-6:16", "wave-7:16", "wave-8:16", "wave-9:16", "wave-10:5"}},
		{"baked waves add a bake action per 10 environments", 30, 2, "1h", true, Capacity{},
			// 16 × 3 actions + 2 bake actions fill a stage.
			[]string{"onebox:2", "wave-1:1", "wave-2:2", "wave-3:4", "wave-4:8", "wave-5:13"}},
		{"more stacks per environment", 40, 0, "", false, Capacity{DeployActionsPerEnvironment: 10},
			[]string{"wave-1:1", "wave-2:2", "wave-3:4", "wave-4:5", "wave-5:5", "wave-6:5", "wave-7:5", "wave-8:5", "wave-9:5", "wave-10:3"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			cfg, err := ParseWith(prodDoc(t, tc.envs, tc.oneboxes, tc.bake, tc.checks), "doc", tc.capacity)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tc.want, waveSizes(cfg)); diff != "" {
				t.Errorf("waves (-want +got):\n%s", diff)
			}
			s, _ := cfg.Stage(Prod)
			if !s.PlannedWaves {
				t.Error("PlannedWaves = false")
			}
			// Every environment is planned exactly once, in document order.
			var names []string
			for _, e := range s.Environments() {
				names = append(names, e.Name)
				if e.Wave == Prod || e.Wave == "" {
					t.Errorf("%s has wave %q", e.Name, e.Wave)
				}
			}
			if len(names) != tc.envs || !slices.IsSortedFunc(names[tc.oneboxes:], strings.Compare) {
				t.Errorf("environments = %v", names)
			}
		})
	}
}

func TestPlanHundredEnvironmentsFitQuotas(t *testing.T) {
	cfg, err := Parse(prodDoc(t, 100, 1, "1h", true), "doc")
	if err != nil {
		t.Fatal(err)
	}
	c := Capacity{}.withDefaults()
	stages, actions := c.FixedStages, c.FixedActions
	for _, s := range cfg.Stages {
		for i := range s.Waves {
			stages++
			n := c.WaveActions(s, i)
			actions += n
			if n > MaxActionsPerStage {
				t.Errorf("%s/%s has %d actions", s.Name, s.Waves[i].Name, n)
			}
		}
	}
	if stages > MaxStagesPerPipeline || actions > MaxActionsPerPipeline {
		t.Errorf("pipeline has %d stages, %d actions", stages, actions)
	}
	// Replanning with more stacks per environment keeps the same environments.
	if err := cfg.Plan(Capacity{DeployActionsPerEnvironment: 3}); err != nil {
		t.Fatal(err)
	}
	if s, _ := cfg.Stage(Prod); len(s.Environments()) != 100 {
		t.Errorf("replanned prod has %d environments", len(s.Environments()))
	}
}

func TestQuotaErrors(t *testing.T) {
	cases := []struct {
		name     string
		doc      func(t *testing.T) []byte
		capacity Capacity
		want     string
	}{
		{"explicit wave too many actions", func(t *testing.T) []byte {
			var envs []any
			for i := range 20 {
				envs = append(envs, map[string]any{"name": fmt.Sprintf("p%d", i), "account": "555555555555", "region": "eu-west-1"})
			}
			return edited(t, "stages[3].waves[2].environments", envs)
		}, Capacity{}, `stages[3].waves[2]: wave "wave-2" needs 62 CodePipeline actions (20 environments × 3, plus 2 bake action(s)); a stage holds at most 50 actions: split it into smaller waves`},
		{"explicit baked wave one environment too many", func(t *testing.T) []byte {
			var envs []any
			for i := range 17 {
				envs = append(envs, map[string]any{"name": fmt.Sprintf("p%d", i), "account": "555555555555", "region": "eu-west-1"})
			}
			return edited(t, "stages[3].waves[2].environments", envs)
		}, Capacity{}, `stages[3].waves[2]: wave "wave-2" needs 53 CodePipeline actions (17 environments × 3, plus 2 bake action(s)); a stage holds at most 50 actions: split it into smaller waves`},
		{"too many stages", func(t *testing.T) []byte { return prodDoc(t, 45, 0, "", false) }, Capacity{DeployActionsPerEnvironment: 40},
			// One environment a wave (40 actions each): 45 prod waves, alpha, beta, gamma, the approval stage, alpha, beta, gamma, the approval's stage and 4 fixed.
			`stages: the pipeline needs 53 stages (4 of them fixed: source, build, self-update, assets; an approval takes a stage of its own); CodePipeline allows at most 50: use fewer, larger waves or fewer environments`},
		{"too many actions", func(t *testing.T) []byte { return prodDoc(t, 200, 0, "", true) }, Capacity{},
			// 204 environments × 3 actions, the approval, gamma's bake, 4 fixed actions.
			`stages: the pipeline needs 618 actions; CodePipeline allows at most 500 per pipeline: split the service's environments across pipelines`},
		{"gamma too big for a stage", func(t *testing.T) []byte { return edited(t) }, Capacity{DeployActionsPerEnvironment: 30},
			`stages[2]: stage "gamma" needs 63 CodePipeline actions (2 environments × 31, plus 1 bake action(s)); a stage holds at most 50 actions: split it into smaller waves`},
		{"one environment too big", func(t *testing.T) []byte { return prodDoc(t, 3, 0, "", true) }, Capacity{DeployActionsPerEnvironment: 60},
			`stages[3]: one environment needs 61 CodePipeline actions; a stage holds at most 50`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ParseWith(tc.doc(t), "doc", tc.capacity)
			if err == nil {
				t.Fatal("accepted")
			}
			got := problemStrings(t, err)
			if !slices.Contains(got, tc.want) {
				t.Errorf("problems do not include\n  %s\ngot:\n  %s", tc.want, strings.Join(got, "\n  "))
			}
		})
	}
}
