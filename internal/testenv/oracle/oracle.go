// Package oracle encodes AWS service rules that decide whether a pipeline
// that synthesizes also deploys and keeps deploying, as checks over a
// synthesized cloud assembly. There is no AWS account in the tests; each
// rule here cites the documentation it encodes, and each has a test that
// shows it catching the mistake it is about.
package oracle

import (
	"encoding/json"
	"fmt"
	"regexp"
	"sort"
	"strings"
)

// Assembly is the templates of a cloud assembly, nested assemblies
// included, by path relative to its root (as testenv.Templates reads them).
type Assembly map[string]map[string]any

// Pipeline is the CodePipeline of an assembly.
type Pipeline struct {
	Template string // its template's path
	Region   string // the pipeline's region, where actions without a Region run
	Props    map[string]any
	template map[string]any
}

// FindPipeline returns the assembly's one CodePipeline pipeline.
func FindPipeline(asm Assembly) (*Pipeline, error) {
	var found []*Pipeline
	for path, tmpl := range asm {
		for _, r := range resources(tmpl) {
			if r["Type"] == "AWS::CodePipeline::Pipeline" {
				props, _ := r["Properties"].(map[string]any)
				found = append(found, &Pipeline{Template: path, Props: props, template: tmpl})
			}
		}
	}
	if len(found) != 1 {
		return nil, fmt.Errorf("the assembly has %d pipelines, want 1", len(found))
	}
	return found[0], nil
}

// Action is one action of a pipeline, with its stage and place.
type Action struct {
	Stage    string
	Index    int // among all the pipeline's actions, in declaration order
	RunOrder int
	Props    map[string]any
}

// Provider is the action's provider (CloudFormation, StepFunctions, ...).
func (a Action) Provider() string {
	t, _ := a.Props["ActionTypeId"].(map[string]any)
	p, _ := t["Provider"].(string)
	return p
}

// Config is a configuration value of the action.
func (a Action) Config(key string) any {
	c, _ := a.Props["Configuration"].(map[string]any)
	return c[key]
}

// Actions lists every action in the order the pipeline runs them: stage by
// stage, by run order, then as declared.
func (p *Pipeline) Actions() []Action {
	var out []Action
	stages, _ := p.Props["Stages"].([]any)
	i := 0
	for _, s := range stages {
		sm, _ := s.(map[string]any)
		name, _ := sm["Name"].(string)
		var acts []Action
		list, _ := sm["Actions"].([]any)
		for _, a := range list {
			am, _ := a.(map[string]any)
			ro := 1
			if f, ok := am["RunOrder"].(float64); ok {
				ro = int(f)
			}
			acts = append(acts, Action{Stage: name, Index: i, RunOrder: ro, Props: am})
			i++
		}
		sort.SliceStable(acts, func(a, b int) bool { return acts[a].RunOrder < acts[b].RunOrder })
		out = append(out, acts...)
	}
	return out
}

// Rules lists every rule of every stage condition, with its stage.
func (p *Pipeline) Rules() []Action {
	var out []Action
	stages, _ := p.Props["Stages"].([]any)
	for _, s := range stages {
		sm, _ := s.(map[string]any)
		name, _ := sm["Name"].(string)
		for _, key := range []string{"BeforeEntry", "OnSuccess", "OnFailure"} {
			c, _ := sm[key].(map[string]any)
			conds, _ := c["Conditions"].([]any)
			for _, cond := range conds {
				cm, _ := cond.(map[string]any)
				rules, _ := cm["Rules"].([]any)
				for _, r := range rules {
					rm, _ := r.(map[string]any)
					out = append(out, Action{Stage: name + " " + key, Props: rm})
				}
			}
		}
	}
	return out
}

func resources(tmpl map[string]any) map[string]map[string]any {
	out := map[string]map[string]any{}
	res, _ := tmpl["Resources"].(map[string]any)
	for id, r := range res {
		if rm, ok := r.(map[string]any); ok {
			out[id] = rm
		}
	}
	return out
}

// Render turns a CloudFormation value into the string it becomes at deploy
// time as well as the template can tell: pseudo parameters from vars
// ("AWS::Partition", "AWS::AccountId", "AWS::Region", and parameters),
// Fn::Join and Fn::Sub resolved; anything else stays unknown (ok false).
func Render(v any, vars map[string]string) (string, bool) {
	switch x := v.(type) {
	case string:
		return x, true
	case float64:
		return fmt.Sprint(x), true
	case map[string]any:
		if len(x) != 1 {
			return "", false
		}
		if ref, ok := x["Ref"].(string); ok {
			s, ok := vars[ref]
			return s, ok
		}
		if j, ok := x["Fn::Join"].([]any); ok && len(j) == 2 {
			sep, _ := j[0].(string)
			parts, _ := j[1].([]any)
			var out []string
			for _, p := range parts {
				s, ok := Render(p, vars)
				if !ok {
					return "", false
				}
				out = append(out, s)
			}
			return strings.Join(out, sep), true
		}
		if sub, ok := x["Fn::Sub"].(string); ok {
			unknown := false
			s := reSubVar.ReplaceAllStringFunc(sub, func(m string) string {
				name := m[2 : len(m)-1]
				if v, ok := vars[name]; ok {
					return v
				}
				unknown = true
				return m
			})
			return s, !unknown
		}
	}
	return "", false
}

var reSubVar = regexp.MustCompile(`\$\{[^}]+\}`)

// compact is v as JSON without white space, the way IAM counts policy size.
func compact(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}
