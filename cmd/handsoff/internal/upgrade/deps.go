package upgrade

import (
	"fmt"
	"reflect"
	"sort"
	"strings"
)

// definitions says which of a template's Parameters, Mappings and
// Conditions change between two versions: a resource that reads one
// changes at deploy time though its own JSON is equal
// (https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/conditions-section-structure.html;
// a parameter the pipeline does not pass takes its Default).
type definitions struct {
	old, new   map[string]any
	conditions map[string]bool // memo: condition name -> changed
}

func changedDefinitions(ot, nt map[string]any) *definitions {
	return &definitions{old: ot, new: nt, conditions: map[string]bool{}}
}

func section(t map[string]any, name string) map[string]any {
	m, _ := t[name].(map[string]any)
	return m
}

func (d *definitions) parameterChanged(name string) bool {
	if strings.HasPrefix(name, "AWS::") {
		return false // a pseudo parameter: the stack's account, region...
	}
	o, inOld := section(d.old, "Parameters")[name]
	n, inNew := section(d.new, "Parameters")[name]
	return (inOld || inNew) && !reflect.DeepEqual(o, n)
}

func (d *definitions) mappingChanged(name string) bool {
	return !reflect.DeepEqual(section(d.old, "Mappings")[name], section(d.new, "Mappings")[name])
}

// conditionChanged: the condition's definition, or anything it reads
// (parameters, mappings, other conditions), changes.
func (d *definitions) conditionChanged(name string) bool {
	if v, ok := d.conditions[name]; ok {
		return v
	}
	d.conditions[name] = false // a cycle: CloudFormation refuses it; stop here
	o, n := section(d.old, "Conditions")[name], section(d.new, "Conditions")[name]
	changed := !reflect.DeepEqual(o, n)
	if !changed {
		changed = d.readsChanged(n) != ""
	}
	d.conditions[name] = changed
	return changed
}

// readsChanged names the first changed parameter, mapping or condition a
// value reads, or "".
func (d *definitions) readsChanged(v any) string {
	var found string
	var walk func(any)
	walk = func(v any) {
		if found != "" {
			return
		}
		switch x := v.(type) {
		case map[string]any:
			for _, k := range sortedKeys(x) {
				e := x[k]
				switch k {
				case "Ref":
					if s, ok := e.(string); ok && d.parameterChanged(s) {
						found = "parameter " + s
					}
				case "Fn::FindInMap":
					if a, ok := e.([]any); ok && len(a) > 0 {
						if s, ok := a[0].(string); ok && d.mappingChanged(s) {
							found = "mapping " + s
						}
					}
				case "Fn::If":
					if a, ok := e.([]any); ok && len(a) > 0 {
						if s, ok := a[0].(string); ok && d.conditionChanged(s) {
							found = "condition " + s
						}
					}
				case "Condition":
					if s, ok := e.(string); ok && d.conditionChanged(s) {
						found = "condition " + s
					}
				case "Fn::Sub":
					s, _ := e.(string)
					if a, ok := e.([]any); ok && len(a) > 0 {
						s, _ = a[0].(string)
					}
					for _, m := range subRef.FindAllStringSubmatch(s, -1) {
						if m[2] == "" && d.parameterChanged(m[1]) {
							found = "parameter " + m[1]
						}
					}
				}
				walk(e)
			}
		case []any:
			for _, e := range x {
				walk(e)
			}
		}
	}
	walk(v)
	return found
}

// reaches says why a resource of typ may be replaced because a property
// that requires replacement (any property, for a type the registry copy
// does not know, or a custom resource) reads a parameter, mapping or
// condition whose definition changes; or "".
func (d *definitions) reaches(typ string, props any) string {
	pm, ok := props.(map[string]any)
	if !ok {
		return ""
	}
	var paths []string
	if info, known := registry()[typ]; known && !custom(typ) {
		paths = info.Replacing
	} else {
		paths = sortedKeys(pm)
	}
	for _, path := range paths {
		segs := strings.Split(strings.TrimSuffix(path, "?"), "/")
		for _, v := range at(pm, segs) {
			if what := d.readsChanged(v); what != "" {
				return fmt.Sprintf("%s reads %s, whose definition changes, so its value may change at deploy time", strings.TrimSuffix(path, "?"), what)
			}
		}
	}
	return ""
}

func sortedKeys(m map[string]any) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// replacePolicy is what CloudFormation does with a replaced resource's old
// physical resource: its UpdateReplacePolicy. The documentation does not
// say whether the old template's or the new one's applies when the update
// changes it, so the check takes the one that keeps less: Delete if either
// says Delete.
func replacePolicy(old, new map[string]any) string {
	o, n := policy(old, "UpdateReplacePolicy"), policy(new, "UpdateReplacePolicy")
	for _, p := range []string{"Delete", "unknown"} {
		if o == p || n == p {
			return p
		}
	}
	return o
}
