package runbook_test

import (
	"encoding/json"
	"fmt"
	"maps"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"
	"unicode"

	"gopkg.in/yaml.v3"
	"pgregory.net/rapid"

	"github.com/handsoff-cdk/handsoff/constructs/runbook"
)

// The oracle: testdata/actions.json, the inputs each action takes as AWS's
// action pages document them (each entry cites its page), and a check of a
// rendered document against it. It is independent of the package's
// renderer and Validate: it reads only the JSON.

type spec struct {
	Doc          string
	Required     []string
	Optional     []string
	OneOf        [][]string
	Allowed      map[string][]string
	Pattern      map[string]string
	RequiredWhen []struct{ Input, When, Prefix string }
	// APIParameters: keys beyond the documented ones are the API
	// operation's parameters, which boto3 spells in PascalCase.
	APIParameters bool
	// Outputs: the step may declare outputs.
	Outputs bool
	// camelCase: the API's parameters may also start in lower case (set
	// for the services the table's camelCaseServices lists).
	camelCase bool
}

type table struct {
	Document, Parameter, Step, Output spec
	Choice                            struct {
		Doc       string
		Required  []string
		Operators map[string]string
	}
	Actions map[string]spec
	// CamelCaseServices are the services whose boto3 parameters are in
	// camelCase (ECS: cluster, service), not PascalCase.
	CamelCaseServices struct {
		Doc      string
		Services []string
	}
}

func loadTable(t *testing.T) *table {
	t.Helper()
	raw, err := os.ReadFile("testdata/actions.json")
	if err != nil {
		t.Fatal(err)
	}
	var tb table
	if err := json.Unmarshal(raw, &tb); err != nil {
		t.Fatal(err)
	}
	delete(tb.Choice.Operators, "doc")
	if len(tb.Actions) != 7 || len(tb.Choice.Operators) != 11 {
		t.Fatalf("testdata/actions.json: %d actions, %d operators; want 7 and 11", len(tb.Actions), len(tb.Choice.Operators))
	}
	return &tb
}

// check returns one line per way the document departs from the table.
func (tb *table) check(content []byte) []string {
	var out []string
	add := func(format string, args ...any) { out = append(out, fmt.Sprintf(format, args...)) }
	var doc map[string]any
	if err := json.Unmarshal(content, &doc); err != nil {
		return []string{"not a JSON object: " + err.Error()}
	}
	tb.Document.object("document", doc, add)
	params, _ := doc["parameters"].(map[string]any)
	for _, name := range slices.Sorted(maps.Keys(params)) {
		p, _ := params[name].(map[string]any)
		tb.Parameter.object("parameters."+name, p, add)
	}
	steps, _ := doc["mainSteps"].([]any)
	for i, raw := range steps {
		at := fmt.Sprintf("mainSteps[%d]", i)
		s, _ := raw.(map[string]any)
		tb.Step.object(at, s, add)
		action, _ := s["action"].(string)
		a, ok := tb.Actions[action]
		if !ok {
			add("%s.action: %q is not an action the table documents", at, action)
			continue
		}
		inputs, _ := s["inputs"].(map[string]any)
		if svc, _ := inputs["Service"].(string); a.APIParameters && slices.Contains(tb.CamelCaseServices.Services, svc) {
			a.camelCase = true
		}
		a.object(at+".inputs", inputs, add)
		if outs, ok := s["outputs"]; ok {
			if !a.Outputs {
				add("%s.outputs: %s declares no outputs (%s)", at, action, a.Doc)
			}
			list, _ := outs.([]any)
			for j, o := range list {
				om, _ := o.(map[string]any)
				tb.Output.object(fmt.Sprintf("%s.outputs[%d]", at, j), om, add)
			}
		}
		if action == "aws:branch" {
			tb.choices(at+".inputs.Choices", inputs["Choices"], add)
		}
	}
	return out
}

func (s spec) object(at string, m map[string]any, add func(string, ...any)) {
	if m == nil {
		add("%s: not an object (%s)", at, s.Doc)
		return
	}
	known := map[string]bool{}
	for _, k := range append(slices.Clone(s.Required), s.Optional...) {
		known[k] = true
	}
	for _, k := range s.Required {
		if _, ok := m[k]; !ok {
			add("%s.%s: required, missing (%s)", at, k, s.Doc)
		}
	}
	for _, r := range s.RequiredWhen {
		if v, _ := m[r.When].(string); strings.HasPrefix(v, r.Prefix) {
			if _, ok := m[r.Input]; !ok {
				add("%s.%s: required with a %s %s, missing (%s)", at, r.Input, r.Prefix, r.When, s.Doc)
			}
		}
	}
	for _, g := range s.OneOf {
		n := 0
		for _, k := range g {
			known[k] = true
			if _, ok := m[k]; ok {
				n++
			}
		}
		if n != 1 {
			add("%s: takes exactly one of %s, has %d (%s)", at, strings.Join(g, ", "), n, s.Doc)
		}
	}
	for _, k := range slices.Sorted(maps.Keys(m)) {
		if known[k] || s.APIParameters && k != "" && (unicode.IsUpper([]rune(k)[0]) || s.camelCase && unicode.IsLower([]rune(k)[0])) {
			continue
		}
		add("%s.%s: not a documented input (%s)", at, k, s.Doc)
	}
	for _, k := range slices.Sorted(maps.Keys(s.Allowed)) {
		v, ok := m[k]
		if !ok {
			continue
		}
		str, _ := v.(string)
		if !slices.ContainsFunc(s.Allowed[k], func(a string) bool {
			return a == str || strings.HasSuffix(a, "*") && strings.HasPrefix(str, strings.TrimSuffix(a, "*")) && len(str) > len(a)-1
		}) {
			add("%s.%s: %#v is not one of %s (%s)", at, k, v, strings.Join(s.Allowed[k], ", "), s.Doc)
		}
	}
	for _, k := range slices.Sorted(maps.Keys(s.Pattern)) {
		if v, ok := m[k]; ok {
			if str, _ := v.(string); !regexp.MustCompile(s.Pattern[k]).MatchString(str) {
				add("%s.%s: %#v does not match %s (%s)", at, k, v, s.Pattern[k], s.Doc)
			}
		}
	}
}

func (tb *table) choices(at string, v any, add func(string, ...any)) {
	list, ok := v.([]any)
	if !ok || len(list) == 0 {
		add("%s: a list of one or more choices (%s)", at, tb.Choice.Doc)
		return
	}
	for i, raw := range list {
		p := fmt.Sprintf("%s[%d]", at, i)
		c, _ := raw.(map[string]any)
		for _, k := range tb.Choice.Required {
			if _, ok := c[k]; !ok {
				add("%s.%s: required, missing (%s)", p, k, tb.Choice.Doc)
			}
		}
		rest := maps.Clone(c)
		delete(rest, "NextStep")
		_, and := rest["And"]
		_, or := rest["Or"]
		_, not := rest["Not"]
		switch {
		case and || or || not:
			if len(rest) != 1 {
				add("%s: And, Or or Not stands alone beside NextStep, has %s (%s)", p, strings.Join(slices.Sorted(maps.Keys(rest)), ", "), tb.Choice.Doc)
				continue
			}
			for k, v := range rest {
				if k == "Not" {
					m, _ := v.(map[string]any)
					tb.condition(p+".Not", m, add)
					continue
				}
				conds, ok := v.([]any)
				if !ok || len(conds) == 0 {
					add("%s.%s: a list of conditions (%s)", p, k, tb.Choice.Doc)
				}
				for j, cv := range conds {
					m, _ := cv.(map[string]any)
					tb.condition(fmt.Sprintf("%s.%s[%d]", p, k, j), m, add)
				}
			}
		default:
			tb.condition(p, rest, add)
		}
	}
}

// condition: a Variable and exactly one operation, its value of the
// operation's type.
func (tb *table) condition(at string, m map[string]any, add func(string, ...any)) {
	if m == nil {
		add("%s: a condition is an object {Variable, operation} (%s)", at, tb.Choice.Doc)
		return
	}
	if _, ok := m["Variable"].(string); !ok {
		add("%s.Variable: required, missing (%s)", at, tb.Choice.Doc)
	}
	ops := 0
	for _, k := range slices.Sorted(maps.Keys(m)) {
		if k == "Variable" {
			continue
		}
		typ, ok := tb.Choice.Operators[k]
		if !ok {
			add("%s.%s: not an aws:branch operation (%s)", at, k, tb.Choice.Doc)
			continue
		}
		ops++
		var good bool
		switch m[k].(type) {
		case string:
			good = typ == "string"
		case float64:
			good = typ == "number"
		case bool:
			good = typ == "boolean"
		}
		if !good {
			add("%s.%s: %#v is not a %s", at, k, m[k], typ)
		}
	}
	if ops != 1 {
		add("%s: takes exactly one operation, has %d (%s)", at, ops, tb.Choice.Doc)
	}
}

// TestOracleAcceptsWhatThePackageRenders: the Example's runbook and every
// document the property test's generator builds use only documented
// inputs, with every required one, in JSON and in YAML (parsed, as SSM
// would read it, and held to the same table).
func TestOracleAcceptsWhatThePackageRenders(t *testing.T) {
	tb := loadTable(t)
	check := func(d *runbook.Document) []string {
		content, err := d.JSON()
		if err != nil {
			return []string{err.Error()}
		}
		out := tb.check(content)
		y, err := d.YAML()
		if err != nil {
			return append(out, err.Error())
		}
		parsed, err := yamlAsJSON(y)
		if err != nil {
			return append(out, "the YAML: "+err.Error())
		}
		for _, p := range tb.check(parsed) {
			out = append(out, "YAML: "+p)
		}
		return out
	}
	t.Run("Example", func(t *testing.T) {
		for _, p := range check(restartRunbook()) {
			t.Error(p)
		}
	})
	t.Run("generated", func(t *testing.T) {
		rapid.Check(t, func(rt *rapid.T) {
			d := runbook.GenValid(rt)
			if ps := check(d); len(ps) > 0 {
				content, _ := d.YAML()
				rt.Fatalf("%s\n%s", strings.Join(ps, "\n"), content)
			}
		})
	})
}

// yamlAsJSON parses a YAML rendering and writes it as JSON, for the table.
func yamlAsJSON(content []byte) ([]byte, error) {
	var v any
	if err := yaml.Unmarshal(content, &v); err != nil {
		return nil, err
	}
	return json.Marshal(v)
}

// TestOracleCatches: each mistake a renderer could make, made in the
// Example's rendered runbook, is caught.
func TestOracleCatches(t *testing.T) {
	tb := loadTable(t)
	stepOf := func(d map[string]any, action string) map[string]any {
		for _, s := range d["mainSteps"].([]any) {
			if s.(map[string]any)["action"] == action {
				return s.(map[string]any)
			}
		}
		panic("no " + action)
	}
	inputsOf := func(d map[string]any, action string) map[string]any {
		return stepOf(d, action)["inputs"].(map[string]any)
	}
	rename := func(m map[string]any, from, to string) { m[to] = m[from]; delete(m, from) }
	cases := []struct {
		name   string
		mutate func(d map[string]any)
		want   string
	}{
		{"Handler misspelled", func(d map[string]any) { rename(inputsOf(d, "aws:executeScript"), "Handler", "handler") },
			"inputs.Handler: required with a python Runtime"},
		{"Runtime dropped", func(d map[string]any) { delete(inputsOf(d, "aws:executeScript"), "Runtime") },
			"inputs.Runtime: required, missing"},
		{"a PowerShell runtime name", func(d map[string]any) { inputsOf(d, "aws:executeScript")["Runtime"] = "PowerShell 7.0" },
			`inputs.Runtime: "PowerShell 7.0" does not match`},
		{"Service dropped", func(d map[string]any) { delete(inputsOf(d, "aws:executeAwsApi"), "Service") },
			"inputs.Service: required, missing"},
		{"DesiredValues misspelled", func(d map[string]any) {
			rename(inputsOf(d, "aws:waitForAwsResourceProperty"), "DesiredValues", "DesiredValue")
		},
			"inputs.DesiredValues: required, missing"},
		{"PropertySelector dropped", func(d map[string]any) { delete(inputsOf(d, "aws:assertAwsResourceProperty"), "PropertySelector") },
			"inputs.PropertySelector: required, missing"},
		{"Approvers dropped", func(d map[string]any) { delete(inputsOf(d, "aws:approve"), "Approvers") },
			"inputs.Approvers: required, missing"},
		{"an approval input misspelled", func(d map[string]any) { rename(inputsOf(d, "aws:approve"), "NotificationArn", "NotificationARN") },
			"inputs.NotificationARN: not a documented input"},
		{"a sleep with both", func(d map[string]any) { inputsOf(d, "aws:sleep")["Timestamp"] = "2030-01-01T00:00:00Z" },
			"takes exactly one of Duration, Timestamp, has 2"},
		{"a sleep in Go's notation", func(d map[string]any) { inputsOf(d, "aws:sleep")["Duration"] = "2m0s" },
			`inputs.Duration: "2m0s" does not match`},
		{"Default in lower case", func(d map[string]any) { rename(inputsOf(d, "aws:branch"), "Default", "default") },
			"inputs.default: not a documented input"},
		{"an operator misspelled", func(d map[string]any) {
			rename(inputsOf(d, "aws:branch")["Choices"].([]any)[0].(map[string]any), "StringEquals", "StringEqual")
		}, "Choices[0].StringEqual: not an aws:branch operation"},
		{"a choice with no operation", func(d map[string]any) {
			delete(inputsOf(d, "aws:branch")["Choices"].([]any)[0].(map[string]any), "StringEquals")
		}, "Choices[0]: takes exactly one operation, has 0"},
		{"a numeric operation on a string", func(d map[string]any) {
			rename(inputsOf(d, "aws:branch")["Choices"].([]any)[0].(map[string]any), "StringEquals", "NumericEquals")
		}, `Choices[0].NumericEquals: "running" is not a number`},
		{"Not with a list", func(d map[string]any) {
			c := inputsOf(d, "aws:branch")["Choices"].([]any)[0].(map[string]any)
			c["Not"] = []any{map[string]any{"Variable": c["Variable"], "StringEquals": "x"}}
			delete(c, "Variable")
			delete(c, "StringEquals")
		}, "Choices[0].Not: a condition is an object"},
		{"NextStep dropped", func(d map[string]any) {
			delete(inputsOf(d, "aws:branch")["Choices"].([]any)[0].(map[string]any), "NextStep")
		},
			"Choices[0].NextStep: required, missing"},
		{"onFailure Retry", func(d map[string]any) { stepOf(d, "aws:sleep")["onFailure"] = "Retry" },
			`.onFailure: "Retry" is not one of Abort, Continue, step:*`},
		{"a step property misspelled", func(d map[string]any) { rename(stepOf(d, "aws:executeScript"), "isEnd", "IsEnd") },
			".IsEnd: not a documented input"},
		{"inputs dropped", func(d map[string]any) { delete(stepOf(d, "aws:sleep"), "inputs") },
			".inputs: required, missing"},
		{"outputs on a sleep", func(d map[string]any) {
			stepOf(d, "aws:sleep")["outputs"] = []any{map[string]any{"Name": "X", "Selector": "$", "Type": "String"}}
		}, ".outputs: aws:sleep declares no outputs"},
		{"an output of type Text", func(d map[string]any) {
			stepOf(d, "aws:executeScript")["outputs"].([]any)[0].(map[string]any)["Type"] = "Text"
		}, `.outputs[0].Type: "Text" is not one of`},
		{"an unknown action", func(d map[string]any) { stepOf(d, "aws:sleep")["action"] = "aws:wait" },
			`.action: "aws:wait" is not an action`},
		{"a parameter property misspelled", func(d map[string]any) {
			rename(d["parameters"].(map[string]any)["InstanceId"].(map[string]any), "allowedPattern", "pattern")
		}, "parameters.InstanceId.pattern: not a documented input"},
		{"a parameter type in lower case", func(d map[string]any) {
			d["parameters"].(map[string]any)["InstanceId"].(map[string]any)["type"] = "string"
		}, `parameters.InstanceId.type: "string" is not one of`},
		{"schema version 2.2", func(d map[string]any) { d["schemaVersion"] = "2.2" },
			`document.schemaVersion: "2.2" is not one of 0.3`},
		{"mainSteps misspelled", func(d map[string]any) { rename(d, "mainSteps", "steps") },
			"document.mainSteps: required, missing"},
	}
	content, err := restartRunbook().JSON()
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var d map[string]any
			json.Unmarshal(content, &d)
			c.mutate(d)
			mutated, _ := json.Marshal(d)
			got := tb.check(mutated)
			if !slices.ContainsFunc(got, func(p string) bool { return strings.Contains(p, c.want) }) {
				t.Errorf("the oracle found %q; want a line with %q", got, c.want)
			}
		})
	}
}
