package checks

import (
	"encoding/json"
	"maps"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/handsoff-cdk/handsoff/stages"
)

// stateNames collects every state name of a definition, branches included,
// and every Next and StartAt target.
func stateNames(t *testing.T, def map[string]any, names map[string]int, targets map[string]bool) {
	targets[def["StartAt"].(string)] = true
	for name, st := range def["States"].(map[string]any) {
		names[name]++
		sm := st.(map[string]any)
		if next, ok := sm["Next"].(string); ok {
			targets[next] = true
		}
		for _, c := range asList(sm["Catch"]) {
			targets[c.(map[string]any)["Next"].(string)] = true
		}
		for _, b := range asList(sm["Branches"]) {
			stateNames(t, b.(map[string]any), names, targets)
		}
	}
}

func asList(v any) []any { l, _ := v.([]any); return l }

// withChecks is the example document with these checks, every stage
// running the named ones.
func withChecks(t *testing.T, checks map[string]any, names []string) *stages.Config {
	t.Helper()
	var doc map[string]any
	json.Unmarshal(stages.ExampleDocument(), &doc)
	doc["checks"] = checks
	list := make([]any, len(names))
	for i, n := range names {
		list[i] = n
	}
	for _, s := range doc["stages"].([]any) {
		s.(map[string]any)["checks"] = list
	}
	raw, _ := json.Marshal(doc)
	cfg, err := stages.Parse(raw, "grid")
	if err != nil {
		t.Fatal(err)
	}
	return cfg
}

// TestDefinitionsAreWellFormed builds validation definitions for a grid of
// documents whose check names reach the edges (a check named like the
// Parallel state used to be, 40-character names, _ and -) and holds each to
// the States Language: state names unique in the whole machine and at most
// 80 characters, every target a state.
func TestDefinitionsAreWellFormed(t *testing.T) {
	names := [][]string{
		{"Checks"},
		{"Run", "checks", "Run-checks", "failed"},
		{"inte_gration", "a-b-c"},
		{strings.Repeat("a", 40), "B" + strings.Repeat("9", 39)},
		{"health", "health_failed", "Run_checks"},
	}
	for _, set := range names {
		t.Run(strings.Join(set, ","), func(t *testing.T) {
			checks := map[string]any{}
			for i, n := range set {
				switch i % 3 {
				case 0:
					checks[n] = map[string]any{"type": "http", "url": "https://x.example/{env}", "retries": 2}
				case 1:
					checks[n] = map[string]any{"type": "codebuild", "commands": []any{"true"}}
				default:
					checks[n] = map[string]any{"type": "lambda", "functionArn": "arn:aws:lambda:{region}:{account}:function:c", "retries": 1}
				}
			}
			cfg := withChecks(t, checks, set)
			for _, env := range cfg.Environments() {
				v := NewValidation(cfg, env)
				var def map[string]any
				if err := json.Unmarshal([]byte(v.Definition), &def); err != nil {
					t.Fatal(err)
				}
				seen, targets := map[string]int{}, map[string]bool{}
				stateNames(t, def, seen, targets)
				for name, n := range seen {
					if n > 1 || len(name) > 80 || name == "" {
						t.Errorf("%s: state %q appears %d times (%d characters)", env.Name, name, n, len(name))
					}
				}
				for target := range targets {
					if seen[target] == 0 {
						t.Errorf("%s: %q is a target but no state", env.Name, target)
					}
				}
				if want := 2*len(set) + 1; len(seen) != want {
					t.Errorf("%s: %d states, want %d", env.Name, len(seen), want)
				}
			}
		})
	}
}

// TestServiceErrorsRetriedFirst: every task retries the transient errors of
// the service it calls before the check's own retries, even with none.
func TestServiceErrorsRetriedFirst(t *testing.T) {
	cfg, byName := exampleEnvironments(t)
	for _, env := range []string{"alpha", "prod-use1"} { // http + codebuild; http + lambda (no retries)
		var def map[string]any
		json.Unmarshal([]byte(NewValidation(cfg, byName[env]).Definition), &def)
		for _, b := range def["States"].(map[string]any)[parallelState].(map[string]any)["Branches"].([]any) {
			bm := b.(map[string]any)
			task := bm["States"].(map[string]any)[bm["StartAt"].(string)].(map[string]any)
			retry := asList(task["Retry"])
			if len(retry) == 0 {
				t.Errorf("%s %s: no retrier", env, bm["StartAt"])
				continue
			}
			first, _ := json.Marshal(retry[0].(map[string]any)["ErrorEquals"])
			if !strings.Contains(string(first), "Lambda.ServiceException") && !strings.Contains(string(first), "CodeBuild.AccountLimitExceededException") {
				t.Errorf("%s %s: first retrier %s is not the service's transient errors", env, bm["StartAt"], first)
			}
		}
	}
}

// TestValidationRoleConfusedDeputy: Step Functions may assume the checks
// role only for this account's own state machine.
func TestValidationRoleConfusedDeputy(t *testing.T) {
	cfg, byName := exampleEnvironments(t)
	env := byName["alpha"]
	tmpl := GatesTemplate(cfg, env, NewValidation(cfg, env))
	doc, _ := json.Marshal(tmpl["Resources"].(map[string]any)["ValidationRole"].(map[string]any)["Properties"].(map[string]any)["AssumeRolePolicyDocument"])
	want := `"Condition":{"ArnLike":{"aws:SourceArn":"arn:aws:states:us-east-1:222222222222:stateMachine:handsoff-orders-alpha-checks"},"StringEquals":{"aws:SourceAccount":"222222222222"}}`
	if !strings.Contains(string(doc), want) {
		t.Errorf("trust policy %s lacks %s", doc, want)
	}
}

// budget reads the longest a definition can run from the definition
// itself: per branch, every attempt at its task's TimeoutSeconds and every
// retrier's pauses (service-error retries counted by their pauses), the
// longest branch for the Parallel state.
func budget(t *testing.T, def map[string]any) time.Duration {
	var longest time.Duration
	for _, b := range def["States"].(map[string]any)[parallelState].(map[string]any)["Branches"].([]any) {
		bm := b.(map[string]any)
		task := bm["States"].(map[string]any)[bm["StartAt"].(string)].(map[string]any)
		attempt := time.Duration(task["TimeoutSeconds"].(float64)) * time.Second
		d := attempt
		for i, r := range asList(task["Retry"]) {
			rm := r.(map[string]any)
			n := int(rm["MaxAttempts"].(float64))
			interval := time.Duration(rm["IntervalSeconds"].(float64)) * time.Second
			for k := 0; k < n; k++ {
				d += interval << k // BackoffRate 2
			}
			if i > 0 { // the check's own retries run the task again in full
				d += time.Duration(n) * attempt
			}
		}
		longest = max(longest, d)
	}
	return longest
}

// TestValidationBudget: for every environment of a grid of documents, the
// time the generated definition can take equals the worst case stages
// checks documents against, and fits under the state machine's own
// timeout, which is under CodePipeline's hour.
func TestValidationBudget(t *testing.T) {
	grid := []map[string]any{
		{"load": map[string]any{"type": "codebuild", "commands": []any{"true"}, "timeout": "45m"}},
		{"health": map[string]any{"type": "http", "url": "https://x.example/", "timeout": "5m", "retries": 5}},
		{"canary": map[string]any{"type": "lambda", "functionArn": "arn:aws:lambda:{region}:{account}:function:c", "timeout": "15m", "retries": 2}},
		{"a": map[string]any{"type": "codebuild", "commands": []any{"true"}, "timeout": "20m", "retries": 1},
			"b": map[string]any{"type": "http", "url": "https://x.example/", "timeout": "30s", "retries": 3}},
	}
	for _, checks := range grid {
		names := slices.Sorted(maps.Keys(checks))
		cfg := withChecks(t, checks, names)
		env := cfg.Environments()[0]
		var def map[string]any
		json.Unmarshal([]byte(NewValidation(cfg, env).Definition), &def)
		var worst time.Duration
		for _, n := range env.Checks {
			worst = max(worst, cfg.Checks[n].WorstCase())
		}
		got := budget(t, def)
		if got != worst {
			t.Errorf("%v: the definition can run %s, stages counts %s", names, got, worst)
		}
		if limit := time.Duration(def["TimeoutSeconds"].(float64)) * time.Second; got > limit || limit >= time.Hour {
			t.Errorf("%v: budget %s, state machine timeout %s (under an hour)", names, got, limit)
		}
	}
}
