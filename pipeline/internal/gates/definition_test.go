package gates

import (
	"encoding/json"
	"maps"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/handsoff-cdk/handsoff/internal/testenv"
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
		{"Report", "results", "All", "passed", "Failed", "Report_results"},
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
			for i, env := range cfg.Environments() {
				v := NewValidation(cfg, env)
				// asl-validator is a Node process a call: the first
				// environment of each document (all share a shape).
				if i == 0 {
					if msg := testenv.ValidateASL(t, v.Definition); msg != "" {
						t.Errorf("%s: asl-validator: %s", env.Name, msg)
					}
				}
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
				referencesExist(t, cfg, env, v, def)
				for target := range targets {
					if seen[target] == 0 {
						t.Errorf("%s: %q is a target but no state", env.Name, target)
					}
				}
				if want := 2*len(set) + 6; len(seen) != want {
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
	want := `"Condition":{"ArnLike":{"aws:SourceArn":"arn:aws:states:us-east-1:222222222222:stateMachine:handsoff-orders_alpha-checks"},"StringEquals":{"aws:SourceAccount":"222222222222"}}`
	if !strings.Contains(string(doc), want) {
		t.Errorf("trust policy %s lacks %s", doc, want)
	}
}

// taskTime is the longest one task state can take: every attempt at its
// TimeoutSeconds and every retrier's pauses (service-error retries counted
// by their pauses: those errors come fast).
func taskTime(task map[string]any) time.Duration {
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
	return d
}

// budget reads the longest a definition can run from the definition
// itself: the longest branch of the Parallel state, then the report.
// It returns both parts.
func budget(t *testing.T, def map[string]any) (checks, report time.Duration) {
	states := def["States"].(map[string]any)
	for _, b := range states[parallelState].(map[string]any)["Branches"].([]any) {
		bm := b.(map[string]any)
		task := bm["States"].(map[string]any)[bm["StartAt"].(string)].(map[string]any)
		checks = max(checks, taskTime(task))
	}
	return checks, taskTime(states[reportState].(map[string]any))
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
		got, report := budget(t, def)
		if got != worst {
			t.Errorf("%v: the checks can run %s, stages counts %s", names, got, worst)
		}
		if report != ReportWorstCase() {
			t.Errorf("%v: the report can run %s, ReportWorstCase says %s", names, report, ReportWorstCase())
		}
		if limit := time.Duration(def["TimeoutSeconds"].(float64)) * time.Second; got+report > limit || limit >= time.Hour {
			t.Errorf("%v: budget %s + %s, state machine timeout %s (under an hour)", names, got, report, limit)
		}
	}
}

// referencesExist holds every task of a definition to what the gates
// template makes and grants: a function it invokes is the template's check
// runner or a lambda check's function, and the role may invoke it; a
// project it starts is in the template, and the role may start it.
func referencesExist(t *testing.T, cfg *stages.Config, env stages.Environment, v *Validation, def map[string]any) {
	t.Helper()
	granted := map[string]bool{}
	for _, st := range v.Statements {
		for _, r := range st.Resource {
			for _, a := range st.Action {
				granted[a+" "+r] = true
			}
		}
	}
	made := map[string]bool{}
	for _, r := range GatesTemplate(cfg, env, v)["Resources"].(map[string]any) {
		props, _ := r.(map[string]any)["Properties"].(map[string]any)
		for _, k := range []string{"FunctionName", "Name"} {
			if name, ok := props[k].(string); ok {
				made[name] = true
			}
		}
	}
	var walk func(def map[string]any)
	walk = func(def map[string]any) {
		for name, st := range def["States"].(map[string]any) {
			sm := st.(map[string]any)
			for _, b := range asList(sm["Branches"]) {
				walk(b.(map[string]any))
			}
			params, _ := sm["Parameters"].(map[string]any)
			switch res, _ := sm["Resource"].(string); {
			case strings.HasSuffix(res, ":lambda:invoke"):
				fn := params["FunctionName"].(string)
				if !granted["lambda:InvokeFunction "+fn] {
					t.Errorf("%s: state %q invokes %s, which the role may not", env.Name, name, fn)
				}
				if fn == v.Names.RunnerArn && !made[v.Names.Runner] {
					t.Errorf("%s: state %q invokes the check runner, which the template does not make", env.Name, name)
				}
			case strings.HasSuffix(res, ":codebuild:startBuild.sync"):
				project := params["ProjectName"].(string)
				if !made[project] {
					t.Errorf("%s: state %q starts project %s, which the template does not make", env.Name, name, project)
				}
				if !granted["codebuild:StartBuild "+v.Names.ProjectArn(name)] { // a task state is named after its check
					t.Errorf("%s: state %q starts %s, which the role may not", env.Name, name, project)
				}
			case res != "":
				t.Errorf("%s: state %q has an unexpected resource %s", env.Name, name, res)
			}
		}
	}
	walk(def)
}

// TestForeignFunctions: a lambda check whose function is in another
// account than its environment is listed with the command that grants the
// checks role; one in the environment's own account is not.
func TestForeignFunctions(t *testing.T) {
	cases := []struct {
		name, arn string
		want      []string // commands, for the first environment (alpha, 222222222222, us-east-1)
	}{
		{"own account by placeholder", "arn:aws:lambda:{region}:{account}:function:c", nil},
		{"own account literally", "arn:aws:lambda:us-east-1:222222222222:function:c", nil},
		{"another account", "arn:aws:lambda:eu-west-1:999999999999:function:shared-canary", []string{
			"aws lambda add-permission --region eu-west-1 --function-name arn:aws:lambda:eu-west-1:999999999999:function:shared-canary --statement-id handsoff-alpha-canary --action lambda:InvokeFunction --principal arn:aws:iam::222222222222:role/orders-alpha-checks"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			cfg := withChecks(t, map[string]any{"canary": map[string]any{"type": "lambda", "functionArn": c.arn}}, []string{"canary"})
			env := cfg.Environments()[0]
			var got []string
			for _, f := range ForeignFunctions(cfg, env) {
				got = append(got, f.Command())
			}
			if !slices.Equal(got, c.want) {
				t.Errorf("got %q\nwant %q", got, c.want)
			}
		})
	}
}
