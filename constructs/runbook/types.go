package runbook

import (
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"
)

// The types of what a branch compares, and of parameters' constraints.
//
// aws:branch's operators each compare one kind of value: the string
// operators strings, the numeric ones numbers, BooleanEquals booleans
// (https://docs.aws.amazon.com/systems-manager/latest/userguide/automation-action-branch.html).
// What SSM does when the variable is of another type (a String parameter
// under NumericEquals) is not documented: Validate refuses it. A
// variable's type is its parameter's, its step output's declared Type,
// String for the system variables
// (https://docs.aws.amazon.com/systems-manager/latest/userguide/automation-variables.html),
// and for an action's own outputs the action page's: Payload a StringMap
// (https://docs.aws.amazon.com/systems-manager/latest/userguide/automation-action-executeScript.html),
// ApprovalStatus a String and ApproverDecisions a MapList
// (https://docs.aws.amazon.com/systems-manager/latest/userguide/automation-action-approve.html).

var variableName = regexp.MustCompile(`^\{\{\s*([^{}\s]+)\s*\}\}$`)

// variableType is the type of a branch's "{{ ... }}", or "" when it names
// nothing known (reported by the reference rules).
func (d *Document) variableType(v string, params map[string]Parameter, steps map[string]int) Type {
	m := variableName.FindStringSubmatch(v)
	if m == nil {
		return ""
	}
	inner := m[1]
	switch {
	case strings.Contains(inner, ":"):
		if slices.Contains(systemVariables, inner) {
			return String
		}
	case strings.Contains(inner, "."):
		name, output, _ := strings.Cut(inner, ".")
		j, ok := steps[name]
		if !ok || d.Steps[j].Action == nil {
			return ""
		}
		return outputType(d.Steps[j].Action, output)
	default:
		if p, ok := params[inner]; ok && slices.Contains(types, p.Type) {
			return p.Type
		}
	}
	return ""
}

// outputType is the type of an output of an action: declared, or the
// action's own.
func outputType(a Action, name string) Type {
	_, outs := a.render()
	for _, o := range outs {
		if o.Name == name && slices.Contains(types, o.Type) {
			return o.Type
		}
	}
	switch a.(type) {
	case *ExecuteScript:
		if name == "Payload" {
			return StringMap
		}
	case *Approve:
		switch name {
		case "ApprovalStatus":
			return String
		case "ApproverDecisions":
			return MapList
		}
	}
	return ""
}

// operandType is the type an operator compares.
func operandType(op Operator) Type {
	switch op {
	case StringEquals, EqualsIgnoreCase, StartsWith, EndsWith, Contains:
		return String
	case NumericEquals, NumericGreater, NumericLesser, NumericGreaterOrEquals, NumericLesserOrEquals:
		return Integer
	case BooleanEquals:
		return Boolean
	}
	return ""
}

// checkBranchTypes: each condition's operator compares values of its
// variable's type.
func (d *Document) checkBranchTypes(r *report, params map[string]Parameter, steps map[string]int) {
	for i, s := range d.Steps {
		b, ok := s.Action.(*Branch)
		if !ok || b == nil {
			continue
		}
		for k, c := range b.Choices {
			at := fmt.Sprintf("%s.inputs.Choices[%d]", stepPath(i, s), k)
			var conds []Condition
			var paths []string
			switch w := c.When.(type) {
			case Condition:
				conds, paths = []Condition{w}, []string{at}
			case Not:
				conds, paths = []Condition{Condition(w)}, []string{at + ".Not"}
			case And:
				for j, x := range w {
					conds, paths = append(conds, x), append(paths, fmt.Sprintf("%s.And[%d]", at, j))
				}
			case Or:
				for j, x := range w {
					conds, paths = append(conds, x), append(paths, fmt.Sprintf("%s.Or[%d]", at, j))
				}
			}
			for j, c := range conds {
				want, got := operandType(c.Op), d.variableType(c.Variable, params, steps)
				if want == "" || got == "" || want == got {
					continue
				}
				r.add(ruleBranch, paths[j]+".Variable", "%s is a %s, and %s compares %ss; what SSM does with another type is not documented: compare a %s with %s", c.Variable, got, c.Op, want, got, operatorsFor(got))
			}
		}
	}
}

func operatorsFor(t Type) string {
	switch t {
	case String:
		return "StringEquals, EqualsIgnoreCase, StartsWith, EndsWith or Contains"
	case Integer:
		return "a Numeric operator"
	case Boolean:
		return "BooleanEquals"
	}
	return "no operator (declare an output of type String, Integer or Boolean and compare that)"
}

// checkConstraints: a parameter's allowedValues, allowedPattern and
// minItems, maxItems, minChars and maxChars fit its type, agree with each
// other, and admit its default. The parameters page documents the fields
// and nothing of how SSM applies them to other types
// (https://docs.aws.amazon.com/systems-manager/latest/userguide/documents-syntax-data-elements-parameters.html):
// allowedValues are compared as the value's text on String, StringList
// (each item), Integer (decimal, as strconv writes it) and Boolean (true,
// false), and refused on StringMap and MapList; allowedPattern applies to
// String and each item of a StringList; minItems and maxItems to
// StringList and MapList; minChars and maxChars to String. Anything else
// is refused, since how SSM reads it is not written down.
func checkConstraints(r *report, at string, p Parameter) {
	for i, v := range p.AllowedValues {
		vp := fmt.Sprintf("%s.allowedValues[%d]", at, i)
		switch p.Type {
		case Integer:
			if n, err := strconv.Atoi(v); err != nil || strconv.Itoa(n) != v {
				r.add(ruleParameterValues, vp, "%q is not an Integer as SSM writes one (no sign +, no leading zeros, no decimals)", v)
			}
		case Boolean:
			if v != "true" && v != "false" {
				r.add(ruleParameterValues, vp, "%q: a Boolean is true or false", v)
			}
		case StringMap, MapList:
			r.add(ruleParameterValues, vp, "allowedValues on a %s: how SSM compares a map with a string is not documented; check it in a step", p.Type)
		}
		if j := slices.Index(p.AllowedValues, v); j < i {
			r.add(ruleParameterValues, vp, "%q is already allowedValues[%d]", v, j)
		}
	}
	if p.AllowedPattern != "" && p.Type != String && p.Type != StringList {
		r.add(ruleAllowedPattern, at+".allowedPattern", "on a %s: SSM documents allowedPattern for text; how it matches a %s is not documented", p.Type, p.Type)
	}
	limit := func(field string, n int, ok bool) {
		switch {
		case n < 0:
			r.add(ruleParameterLimits, at+"."+field, "%d: give a positive number", n)
		case n > 0 && !ok:
			r.add(ruleParameterLimits, at+"."+field, "on a %s: how SSM counts it there is not documented; %s", p.Type, map[bool]string{true: "minItems and maxItems are for StringList and MapList", false: "minChars and maxChars are for String"}[strings.HasSuffix(field, "Items")])
		}
	}
	lists := p.Type == StringList || p.Type == MapList
	limit("minItems", p.MinItems, lists)
	limit("maxItems", p.MaxItems, lists)
	limit("minChars", p.MinChars, p.Type == String)
	limit("maxChars", p.MaxChars, p.Type == String)
	if p.MaxItems > 0 && p.MinItems > p.MaxItems {
		r.add(ruleParameterLimits, at+".minItems", "%d is more than maxItems %d: no value would start the runbook", p.MinItems, p.MaxItems)
	}
	if p.MaxChars > 0 && p.MinChars > p.MaxChars {
		r.add(ruleParameterLimits, at+".minChars", "%d is more than maxChars %d: no value would start the runbook", p.MinChars, p.MaxChars)
	}
	if p.Type == String {
		for i, v := range p.AllowedValues {
			if n := utf8.RuneCountInString(v); n < p.MinChars || p.MaxChars > 0 && n > p.MaxChars {
				r.add(ruleParameterValues, fmt.Sprintf("%s.allowedValues[%d]", at, i), "%q has %d characters, outside minChars %d and maxChars %d: it could never be given", v, n, p.MinChars, p.MaxChars)
			}
		}
	}
}

// checkDefaultLimits: a default within minItems, maxItems, minChars and
// maxChars, and, for an Integer or a Boolean, among allowedValues.
func checkDefaultLimits(r *report, at string, p Parameter) {
	switch p.Type {
	case String:
		if s, ok := p.Default.(string); ok && !ssmDefault.MatchString(s) {
			if n := utf8.RuneCountInString(s); n < p.MinChars || p.MaxChars > 0 && n > p.MaxChars {
				r.add(ruleParameterDefault, at, "%q has %d characters, outside minChars %d and maxChars %d: a run that keeps the default would not start", s, n, p.MinChars, p.MaxChars)
			}
		}
	case StringList, MapList:
		n := -1
		switch v := p.Default.(type) {
		case []string:
			n = len(v)
		case []map[string]any:
			n = len(v)
		case []map[string]string:
			n = len(v)
		}
		if n >= 0 && (n < p.MinItems || p.MaxItems > 0 && n > p.MaxItems) {
			r.add(ruleParameterDefault, at, "%d items, outside minItems %d and maxItems %d: a run that keeps the default would not start", n, p.MinItems, p.MaxItems)
		}
	case Integer, Boolean:
		if len(p.AllowedValues) == 0 {
			return
		}
		text := fmt.Sprint(p.Default)
		if f, ok := p.Default.(float64); ok {
			text = strconv.FormatFloat(f, 'f', -1, 64)
		}
		if !slices.Contains(p.AllowedValues, text) {
			r.add(ruleParameterDefault, at, "%s is not among allowedValues %q: a run that keeps the default would not start", text, p.AllowedValues)
		}
	}
}
