package guardrails

import (
	"fmt"
	"sort"
	"strings"
)

// The rules judge what a template does at deploy time, not how it is
// spelled, so every value they read goes through one evaluator of
// CloudFormation's intrinsic functions
// (https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/intrinsic-function-reference.html):
//
//   - Fn::If gives both branches, each marked with its condition, so a
//     breaking branch is a finding that names the condition;
//   - Ref to AWS::NoValue removes the property;
//   - Ref to a resource, Fn::GetAtt and pseudo parameters are fixed values
//     the template decides (opaque: known to be set, not what they are);
//   - Fn::FindInMap and Fn::Select with literal arguments are resolved
//     against the template's Mappings;
//   - Fn::Join and Fn::Sub of known parts are strings;
//   - a template parameter, Fn::ImportValue and every other function are
//     unknown: the rule reports "cannot be checked at synth time", and
//     never reads the intrinsic as if it were data.

// Value is one alternative of a CloudFormation value after evaluation.
type Value struct {
	// V is the value: string, float64, bool, []any, map[string]any (whose
	// members are evaluated when read), or an Opaque.
	V any
	// Unknown, when not empty, says why the value is known only at deploy
	// time ("parameter Cidr", "Fn::ImportValue"); V is then nil.
	Unknown string
	// Absent: the property is not there (missing, or AWS::NoValue).
	Absent bool
	// Conds are the Fn::If choices that lead to this alternative:
	// "IsProd" (true) or "!IsProd" (false).
	Conds []string
}

// Opaque is a value the template fixes without saying what it is: a
// resource's Ref or attribute, a pseudo parameter, a string built from
// them.
type Opaque string

// Known reports whether the value is present and known.
func (v Value) Known() bool { return v.Unknown == "" && !v.Absent }

// Str is the value as a string, when it is a literal string.
func (v Value) Str() (string, bool) { s, ok := v.V.(string); return s, ok && v.Known() }

// Bool is the value as a boolean: true, false, or the strings "true" and
// "false", which CloudFormation also takes.
func (v Value) Bool() (bool, bool) {
	if !v.Known() {
		return false, false
	}
	switch x := v.V.(type) {
	case bool:
		return x, true
	case string:
		switch strings.ToLower(x) {
		case "true":
			return true, true
		case "false":
			return false, true
		}
	}
	return false, false
}

// When describes the conditions of the alternative, for messages: "" when
// it has none, else " (when IsProd is true)".
func (v Value) When() string {
	if len(v.Conds) == 0 {
		return ""
	}
	var parts []string
	for _, c := range v.Conds {
		if name, ok := strings.CutPrefix(c, "!"); ok {
			parts = append(parts, "condition "+name+" is false")
		} else {
			parts = append(parts, "condition "+c+" is true")
		}
	}
	return " (when " + strings.Join(parts, " and ") + ")"
}

// pseudoParameters are fixed by CloudFormation for every stack.
var pseudoParameters = map[string]bool{
	"AWS::AccountId": true, "AWS::Region": true, "AWS::Partition": true, "AWS::URLSuffix": true,
	"AWS::StackName": true, "AWS::StackId": true, "AWS::NotificationARNs": true,
}

// maxAlternatives bounds how many alternatives one value may have (nested
// Fn::If multiply); past it the value is unknown rather than slow.
const maxAlternatives = 64

// Template is what the evaluator needs from a template besides the value.
type Template struct {
	Parameters map[string]any
	Mappings   map[string]any
	Resources  map[string]bool // logical ids
}

// Eval returns the alternatives of v. conds are the choices made on the
// way to it.
func (t *Template) Eval(v any, conds ...string) []Value {
	out := t.eval(v, conds)
	if len(out) > maxAlternatives {
		return []Value{{Unknown: fmt.Sprintf("more than %d combinations of Fn::If", maxAlternatives), Conds: conds}}
	}
	return out
}

func (t *Template) eval(v any, conds []string) []Value {
	m, ok := v.(map[string]any)
	if !ok || len(m) != 1 {
		if v == nil {
			return []Value{{Absent: true, Conds: conds}}
		}
		return []Value{{V: v, Conds: conds}}
	}
	var fn string
	var arg any
	for k, a := range m {
		fn, arg = k, a
	}
	if fn != "Ref" && !strings.HasPrefix(fn, "Fn::") {
		return []Value{{V: v, Conds: conds}} // a one-key object, as data
	}
	unknown := func(why string) []Value { return []Value{{Unknown: why, Conds: conds}} }
	args, _ := arg.([]any)
	switch fn {
	case "Ref":
		name, _ := arg.(string)
		switch {
		case name == "AWS::NoValue":
			return []Value{{Absent: true, Conds: conds}}
		case pseudoParameters[name]:
			return []Value{{V: Opaque(name), Conds: conds}}
		case t.Parameters[name] != nil:
			return unknown("parameter " + name)
		case t.Resources[name]:
			return []Value{{V: Opaque("Ref " + name), Conds: conds}}
		}
		return unknown("Ref " + name + ", which the template does not define")
	case "Fn::GetAtt":
		return []Value{{V: Opaque(fmt.Sprint("GetAtt ", arg)), Conds: conds}}
	case "Fn::If":
		if len(args) != 3 {
			return unknown("a malformed Fn::If")
		}
		name, _ := args[0].(string)
		yes := t.eval(args[1], append(append([]string{}, conds...), name))
		no := t.eval(args[2], append(append([]string{}, conds...), "!"+name))
		return append(yes, no...)
	case "Fn::FindInMap":
		if len(args) != 3 {
			return unknown("a malformed Fn::FindInMap")
		}
		var keys []string
		for _, a := range args {
			alts := t.eval(a, nil)
			if len(alts) != 1 {
				return unknown("Fn::FindInMap with keys chosen by a condition")
			}
			s, ok := alts[0].Str()
			if !ok {
				return unknown("Fn::FindInMap with a key known only at deploy time")
			}
			keys = append(keys, s)
		}
		top, _ := t.Mappings[keys[0]].(map[string]any)
		second, _ := top[keys[1]].(map[string]any)
		val, ok := second[keys[2]]
		if !ok {
			return unknown(fmt.Sprintf("Fn::FindInMap %s.%s.%s, which the template's Mappings lack", keys[0], keys[1], keys[2]))
		}
		return t.eval(val, conds)
	case "Fn::Select":
		if len(args) != 2 {
			return unknown("a malformed Fn::Select")
		}
		idx := t.eval(args[0], nil)
		list := t.eval(args[1], nil)
		if len(idx) != 1 || len(list) != 1 || !idx[0].Known() || !list[0].Known() {
			return unknown("Fn::Select of a value known only at deploy time")
		}
		var i int
		switch x := idx[0].V.(type) {
		case float64:
			i = int(x)
		case string:
			if _, err := fmt.Sscan(x, &i); err != nil {
				return unknown("Fn::Select with index " + x)
			}
		default:
			return unknown("Fn::Select with an index known only at deploy time")
		}
		l, ok := list[0].V.([]any)
		if !ok || i < 0 || i >= len(l) {
			return unknown("Fn::Select of a list known only at deploy time")
		}
		return t.eval(l[i], conds)
	case "Fn::Join":
		if len(args) != 2 {
			return unknown("a malformed Fn::Join")
		}
		sep, _ := args[0].(string)
		parts := t.eval(args[1], nil)
		if len(parts) != 1 || !parts[0].Known() {
			return unknown("Fn::Join of a list known only at deploy time")
		}
		list, _ := parts[0].V.([]any)
		combos := []Value{{V: "", Conds: conds}}
		opaque := false
		for i, p := range list {
			var next []Value
			for _, alt := range t.eval(p, nil) {
				if !alt.Known() {
					if alt.Absent {
						continue
					}
					return unknown("Fn::Join of " + alt.Unknown)
				}
				var s string
				switch x := alt.V.(type) {
				case string:
					s = x
				case float64:
					s = fmt.Sprint(x)
				case Opaque:
					s, opaque = "${"+string(x)+"}", true
				default:
					return unknown("Fn::Join of a value that is not a string")
				}
				for _, c := range combos {
					joined := c.V.(string)
					if i > 0 {
						joined += sep
					}
					next = append(next, Value{V: joined + s, Conds: append(append([]string{}, c.Conds...), alt.Conds...)})
				}
			}
			if len(next) > maxAlternatives {
				return unknown(fmt.Sprintf("more than %d combinations of Fn::If", maxAlternatives))
			}
			combos = next
		}
		if opaque {
			for i := range combos {
				combos[i].V = Opaque(combos[i].V.(string))
			}
		}
		return combos
	case "Fn::Sub":
		s, _ := arg.(string)
		if len(args) == 2 {
			s, _ = args[0].(string)
		}
		for _, ref := range subVars(s) {
			if t.Parameters[ref] != nil {
				return unknown("parameter " + ref)
			}
		}
		if len(subVars(s)) == 0 {
			return []Value{{V: s, Conds: conds}}
		}
		return []Value{{V: Opaque(s), Conds: conds}}
	}
	return unknown(fn)
}

// subVars are the names a Fn::Sub string substitutes (${Name}, not ${!Literal}).
func subVars(s string) []string {
	var out []string
	for {
		i := strings.Index(s, "${")
		if i < 0 {
			return out
		}
		j := strings.Index(s[i:], "}")
		if j < 0 {
			return out
		}
		name := s[i+2 : i+j]
		if !strings.HasPrefix(name, "!") {
			if dot := strings.Index(name, "."); dot >= 0 {
				name = name[:dot]
			}
			out = append(out, name)
		}
		s = s[i+j+1:]
	}
}

// Item is one element of a list value, with where it is.
type Item struct {
	Value
	Path string
}

// Items evaluates v as a list at path: the elements of every alternative
// (each evaluated), and an Unknown item for an alternative that is not a
// list. A single value that is not a list is one element when single is
// true (IAM's Action: "s3:*" is a list of one). conds are the choices
// made on the way to v.
func (t *Template) Items(v any, path string, single bool, conds ...string) []Item {
	var out []Item
	for _, alt := range t.Eval(v, conds...) {
		switch {
		case alt.Absent:
			continue
		case !alt.Known():
			out = append(out, Item{Value: alt, Path: path})
			continue
		}
		list, ok := alt.V.([]any)
		if !ok {
			if single {
				out = append(out, Item{Value: alt, Path: path})
			} else {
				out = append(out, Item{Value: Value{Unknown: "not a list", Conds: alt.Conds}, Path: path})
			}
			continue
		}
		for i, e := range list {
			for _, ev := range t.Eval(e, alt.Conds...) {
				if ev.Absent {
					continue
				}
				out = append(out, Item{Value: ev, Path: fmt.Sprintf("%s[%d]", path, i)})
			}
		}
	}
	return out
}

// Field evaluates the member key of an object value.
func (t *Template) Field(obj Value, key string) []Value {
	m, ok := obj.V.(map[string]any)
	if !ok {
		return []Value{{Absent: true, Conds: obj.Conds}}
	}
	return t.Eval(m[key], obj.Conds...)
}

// Objects evaluates v as objects (a policy document, an ingress entry):
// every alternative that is an object, and the unknown ones.
func (t *Template) Objects(v any, conds ...string) []Value {
	var out []Value
	for _, alt := range t.Eval(v, conds...) {
		if alt.Absent {
			continue
		}
		if _, ok := alt.V.(map[string]any); !ok && alt.Known() {
			alt = Value{Unknown: "not an object", Conds: alt.Conds}
		}
		out = append(out, alt)
	}
	return out
}

func sortedKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
