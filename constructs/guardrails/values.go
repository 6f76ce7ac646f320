package guardrails

import (
	"fmt"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
)

// The rules judge what a template does at deploy time, not how it is
// spelled, so every value they read goes through one evaluator of
// CloudFormation's intrinsic functions
// (https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/intrinsic-function-reference.html),
// which gives the set of values it can take:
//
//   - Fn::If gives both branches, each marked with its condition, so a
//     breaking branch is a finding that names the condition;
//   - a parameter of type String or Number is each of its AllowedValues,
//     marked with the choice ("parameter Env is prod");
//   - Ref to AWS::NoValue removes the property;
//   - Ref to a resource, Fn::GetAtt and pseudo parameters are fixed values
//     the template decides (opaque: known to be set, not what they are);
//   - Fn::FindInMap, Fn::Select, Fn::Split, Fn::Join and Fn::Sub (with or
//     without a variable map) are computed over their arguments' sets;
//   - everything else is unknown: a parameter without AllowedValues or of
//     another type, Fn::ImportValue, a dynamic reference
//     ({{resolve:...}}, anywhere in a string), Fn::Transform, a JSON string
//     where an object belongs. The rule reports "cannot be checked at
//     synth time", and never reads the intrinsic as if it were data.

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
		if name, val, ok := strings.Cut(c, "="); ok {
			parts = append(parts, "parameter "+name+" is "+val)
		} else if name, ok := strings.CutPrefix(c, "!"); ok {
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
// It is not safe for concurrent use.
type Template struct {
	Parameters map[string]any
	Mappings   map[string]any
	// Conditions: a condition defined as Fn::Not of another is that one's
	// opposite, and Fn::Equals of two literals a constant.
	Conditions map[string]any
	Resources  map[string]bool // logical ids
	// Types are the resources' types, by logical id: a custom resource's
	// Ref and attributes, and attributes that hold data rather than name
	// a resource, are known only at deploy time.
	Types map[string]string

	properties   map[string]any    // the resources' properties, by logical id
	base         []string          // the resource's own Condition, while its rules run
	grantsOf     map[string]grants // HS-IAM-3's reading of a policy resource
	adds         []string          // the UserToGroupAddition resources
	steps, depth int               // of the Eval under way
}

// Bounds of one evaluation: a value nested deeper, or one whose
// alternatives take more steps to work out, is unknown rather than slow.
const (
	maxDepth = 64
	maxSteps = 20000
)

// Eval returns the alternatives of v. conds are the choices made on the
// way to it.
func (t *Template) Eval(v any, conds ...string) []Value {
	if t.depth == 0 {
		t.steps = 0
		if len(t.base) > 0 {
			conds = append(slices.Clone(t.base), conds...)
		}
	}
	out := t.eval(v, conds)
	if len(out) > maxAlternatives {
		return []Value{{Unknown: fmt.Sprintf("more than %d combinations of Fn::If and parameters", maxAlternatives), Conds: conds}}
	}
	return out
}

// dynamicReference is how a string asks CloudFormation to put in a value
// from SSM or Secrets Manager at deploy time
// (https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/dynamic-references.html).
const dynamicReference = "{{resolve:"

func (t *Template) eval(v any, conds []string) []Value {
	t.steps++
	t.depth++
	defer func() { t.depth-- }()
	if t.depth > maxDepth || t.steps > maxSteps {
		return []Value{{Unknown: fmt.Sprintf("a value nested more than %d deep or taking more than %d steps to evaluate", maxDepth, maxSteps), Conds: conds}}
	}
	m, ok := v.(map[string]any)
	if !ok || len(m) != 1 {
		switch x := v.(type) {
		case nil:
			return []Value{{Absent: true, Conds: conds}}
		case string:
			if strings.Contains(x, dynamicReference) {
				return []Value{{Unknown: "a dynamic reference, resolved at deploy time", Conds: conds}}
			}
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
			return t.parameter(name, conds)
		case t.Resources[name] && custom(t.Types[name]):
			return unknown("Ref " + name + ", a custom or third-party resource, which chooses its own id")
		case t.Resources[name]:
			// A resource whose name the template gives returns that name
			// (an alarm's AlarmName, a bucket's BucketName): whatever the
			// template wrote, "*" included. Without one, CloudFormation
			// generates it: a fixed value no one chose.
			if props, _ := t.properties[name].(map[string]any); props != nil {
				if key := nameProperty(t.Types[name], props); key != "" {
					var out []Value
					for _, v := range t.eval(props[key], conds) {
						if v.Absent {
							v = Value{V: Opaque("Ref " + name), Conds: v.Conds}
						}
						out = append(out, v)
					}
					return out
				}
			}
			return []Value{{V: Opaque("Ref " + name), Conds: conds}}
		}
		return unknown("Ref " + name + ", which the template does not define")
	case "Fn::GetAtt":
		var res, attr string
		switch x := arg.(type) {
		case string:
			res, attr, _ = strings.Cut(x, ".")
		case []any:
			if len(x) == 2 {
				res, _ = x[0].(string)
				attr, _ = x[1].(string)
			}
		}
		switch {
		case res == "" || attr == "":
			return unknown("a Fn::GetAtt whose resource or attribute is known only at deploy time")
		case custom(t.Types[res]) || t.Types[res] == "AWS::CloudFormation::Stack" || strings.HasPrefix(attr, "Outputs.") || !reIdentifier.MatchString(attr):
			// What a custom resource or a nested stack returns, or an
			// attribute that holds data (a parameter's Value), may be
			// anything: "*" as much as a name.
			return unknown("Fn::GetAtt " + res + "." + attr + ", a value the resource has at deploy time")
		}
		return []Value{{V: Opaque("GetAtt " + res + "." + attr), Conds: conds}}
	case "Fn::If":
		if len(args) != 3 {
			return unknown("a malformed Fn::If")
		}
		name, _ := args[0].(string)
		cond, truth, constant := t.condition(name)
		switch {
		case constant && truth:
			return t.eval(args[1], conds)
		case constant:
			return t.eval(args[2], conds)
		}
		name = cond
		if !truth {
			args = []any{name, args[2], args[1]} // Fn::Not: the branches swap
		}
		// A condition already chosen on the way here decides the branch.
		switch {
		case slices.Contains(conds, name):
			return t.eval(args[1], conds)
		case slices.Contains(conds, "!"+name):
			return t.eval(args[2], conds)
		}
		yes := t.eval(args[1], with(conds, name))
		no := t.eval(args[2], with(conds, "!"+name))
		return append(yes, no...)
	case "Fn::FindInMap":
		if len(args) != 3 {
			return unknown("a malformed Fn::FindInMap")
		}
		var out []Value
		for _, k := range t.product(args, conds) {
			if !k.Known() {
				return unknown("Fn::FindInMap with a key known only at deploy time (" + k.Unknown + ")")
			}
			keys, ok := strs(k.V.([]any))
			if !ok {
				return unknown("Fn::FindInMap with a key that is not a string")
			}
			top, _ := t.Mappings[keys[0]].(map[string]any)
			second, _ := top[keys[1]].(map[string]any)
			val, ok := second[keys[2]]
			if !ok {
				return unknown(fmt.Sprintf("Fn::FindInMap %s.%s.%s, which the template's Mappings lack", keys[0], keys[1], keys[2]))
			}
			// Mappings hold literal strings and lists of them; CloudFormation
			// takes no intrinsic function there.
			// https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/mappings-section-structure.html
			if !literalData(val) {
				return unknown(fmt.Sprintf("Fn::FindInMap %s.%s.%s, which is not a literal", keys[0], keys[1], keys[2]))
			}
			out = append(out, t.eval(val, k.Conds)...)
			if len(out) > maxAlternatives {
				return out
			}
		}
		return out
	case "Fn::Select":
		if len(args) != 2 {
			return unknown("a malformed Fn::Select")
		}
		var out []Value
		for _, idx := range t.eval(args[0], conds) {
			if !idx.Known() {
				return unknown("Fn::Select with an index known only at deploy time (" + idx.Unknown + ")")
			}
			var i int
			switch x := idx.V.(type) {
			case float64:
				i = int(x)
			case string:
				n, err := strconv.Atoi(x)
				if err != nil {
					return unknown("Fn::Select with index " + x)
				}
				i = n
			default:
				return unknown("Fn::Select with an index that is not a number")
			}
			for _, list := range t.eval(args[1], idx.Conds) {
				l, ok := list.V.([]any)
				if !list.Known() || !ok {
					return unknown("Fn::Select of a list known only at deploy time")
				}
				if i < 0 || i >= len(l) {
					return unknown(fmt.Sprintf("Fn::Select of element %d of a list of %d", i, len(l)))
				}
				out = append(out, t.eval(l[i], list.Conds)...)
				if len(out) > maxAlternatives {
					return out
				}
			}
		}
		return out
	case "Fn::Split":
		if len(args) != 2 {
			return unknown("a malformed Fn::Split")
		}
		var out []Value
		for _, p := range t.product(args, conds) {
			if !p.Known() {
				return unknown("Fn::Split of " + p.Unknown)
			}
			pair := p.V.([]any)
			sep, ok1 := pair[0].(string)
			src, ok2 := pair[1].(string)
			if !ok1 || !ok2 || sep == "" {
				return unknown("Fn::Split of a value that is not a string")
			}
			var list []any
			for _, part := range strings.Split(src, sep) {
				list = append(list, part)
			}
			out = append(out, Value{V: list, Conds: p.Conds})
		}
		return out
	case "Fn::Join":
		if len(args) != 2 {
			return unknown("a malformed Fn::Join")
		}
		var out []Value
		for _, sep := range t.eval(args[0], conds) {
			d, ok := sep.Str()
			if !ok {
				return unknown("Fn::Join with a delimiter that is not a string")
			}
			for _, list := range t.eval(args[1], sep.Conds) {
				l, ok := list.V.([]any)
				if !list.Known() || !ok {
					return unknown("Fn::Join of a list known only at deploy time")
				}
				for _, parts := range t.product(l, list.Conds) {
					if !parts.Known() {
						return unknown("Fn::Join of " + parts.Unknown)
					}
					s, opaque, ok := concat(parts.V.([]any), d)
					if !ok {
						return unknown("Fn::Join of a value that is not a string")
					}
					out = append(out, t.stringValue(s, opaque, parts.Conds)...)
				}
				if len(out) > maxAlternatives {
					return out
				}
			}
		}
		return out
	case "Fn::Sub":
		return t.sub(arg, conds)
	}
	return unknown(fn)
}

// custom reports whether a resource type is a custom resource, whose
// attributes and id its own code returns.
func custom(typ string) bool {
	// A type not of AWS (a third-party or private registry type, a
	// custom resource) returns what its own handler chooses.
	return typ != "" && !strings.HasPrefix(typ, "AWS::") || typ == "AWS::CloudFormation::CustomResource"
}

// refIsName are the types whose Ref returns the name the template may
// give them (CloudFormation's resource reference, "Return values");
// others return an ARN, a URL or an id that CloudFormation makes.
var refIsName = map[string]string{
	"AWS::IAM::Role": "RoleName", "AWS::IAM::User": "UserName", "AWS::IAM::Group": "GroupName",
	"AWS::IAM::InstanceProfile": "InstanceProfileName", "AWS::S3::Bucket": "BucketName",
	"AWS::CloudWatch::Alarm": "AlarmName", "AWS::CloudWatch::CompositeAlarm": "AlarmName",
	"AWS::Lambda::Function": "FunctionName", "AWS::Logs::LogGroup": "LogGroupName",
	"AWS::SSM::Parameter": "Name", "AWS::DynamoDB::Table": "TableName", "AWS::Kinesis::Stream": "Name",
	"AWS::ECR::Repository": "RepositoryName", "AWS::CodeBuild::Project": "Name", "AWS::Events::Rule": "Name",
}

// nameProperty is the property whose value a resource's Ref returns, when
// the template sets it.
func nameProperty(typ string, props map[string]any) string {
	if k, ok := refIsName[typ]; ok {
		if _, set := props[k]; set {
			return k
		}
	}
	return ""
}

// reIdentifier matches the attributes that name or locate the resource
// itself (an ARN, an id, a name, an endpoint), whatever its type; every
// other attribute is data, known only at deploy time.
var reIdentifier = regexp.MustCompile(`(Arn|ARN|Id|ID|Name|Url|URL|DomainName|DnsName|DNSName|Endpoint|Endpoint\.Address|Address)$`)

// literalData reports whether v is a string, number or boolean, or a list
// of them: what a mapping may hold.
func literalData(v any) bool {
	switch x := v.(type) {
	case string, float64, bool:
		return true
	case []any:
		for _, e := range x {
			switch e.(type) {
			case string, float64, bool:
			default:
				return false
			}
		}
		return true
	}
	return false
}

// with is conds and one more choice, in a new slice.
func with(conds []string, c string) []string {
	return append(append([]string{}, conds...), c)
}

// parameter is what Ref gives for a template parameter: one of its
// AllowedValues, or unknown when it has none or is of a type whose value
// is not the text given (a list, an SSM parameter).
func (t *Template) parameter(name string, conds []string) []Value {
	p, _ := t.Parameters[name].(map[string]any)
	typ, _ := p["Type"].(string)
	allowed, _ := p["AllowedValues"].([]any)
	if (typ != "String" && typ != "Number") || len(allowed) == 0 {
		return []Value{{Unknown: "parameter " + name, Conds: conds}}
	}
	// A parameter already chosen on the way here has that value.
	for _, c := range conds {
		if v, ok := strings.CutPrefix(c, name+"="); ok {
			return []Value{{V: v, Conds: conds}}
		}
	}
	var out []Value
	for _, a := range allowed {
		switch a.(type) {
		case string, float64:
		default:
			return []Value{{Unknown: "parameter " + name, Conds: conds}}
		}
		s := fmt.Sprint(a)
		if strings.Contains(s, dynamicReference) {
			return []Value{{Unknown: "parameter " + name, Conds: conds}}
		}
		out = append(out, Value{V: s, Conds: with(conds, name+"="+s)})
	}
	return out
}

// product evaluates each of items and returns every combination of their
// alternatives as a list, each with the choices that lead to it; an
// unknown item makes the combination unknown, an absent one leaves it out
// (AWS::NoValue in a list removes the element).
func (t *Template) product(items []any, conds []string) []Value {
	combos := []Value{{V: []any{}, Conds: conds}}
	for _, it := range items {
		var next []Value
		for _, c := range combos {
			for _, alt := range t.eval(it, c.Conds) {
				switch {
				case alt.Absent:
					next = append(next, Value{V: c.V, Conds: alt.Conds})
				case !alt.Known():
					return []Value{alt}
				default:
					next = append(next, Value{V: append(append([]any{}, c.V.([]any)...), alt.V), Conds: alt.Conds})
				}
			}
		}
		if len(next) > maxAlternatives {
			return []Value{{Unknown: fmt.Sprintf("more than %d combinations of Fn::If and parameters", maxAlternatives), Conds: conds}}
		}
		combos = next
	}
	return combos
}

// strs are items as strings, when every one is a string.
func strs(items []any) ([]string, bool) {
	out := make([]string, len(items))
	for i, it := range items {
		s, ok := it.(string)
		if !ok {
			return nil, false
		}
		out[i] = s
	}
	return out, true
}

// concat joins parts with sep; an opaque part makes the result opaque
// (spelled with ${...} where the part is).
func concat(parts []any, sep string) (string, bool, bool) {
	var b strings.Builder
	opaque := false
	for i, p := range parts {
		if i > 0 {
			b.WriteString(sep)
		}
		switch x := p.(type) {
		case string:
			b.WriteString(x)
		case float64:
			b.WriteString(strconv.FormatFloat(x, 'f', -1, 64))
		case bool:
			b.WriteString(strconv.FormatBool(x))
		case Opaque:
			// A value built by Fn::Sub or Fn::Join is already spelled with
			// ${...} where its opaque parts are; a bare one (a pseudo
			// parameter, a resource's Ref) is put in as ${name}.
			if strings.Contains(string(x), "${") {
				b.WriteString(string(x))
			} else {
				b.WriteString("${" + string(x) + "}")
			}
			opaque = true
		default:
			return "", false, false
		}
	}
	return b.String(), opaque, true
}

// stringValue is a string built at deploy time: unknown when it holds a
// dynamic reference (which CloudFormation resolves in the built string),
// opaque when a part was.
func (t *Template) stringValue(s string, opaque bool, conds []string) []Value {
	if strings.Contains(s, dynamicReference) {
		return []Value{{Unknown: "a dynamic reference, resolved at deploy time", Conds: conds}}
	}
	if opaque {
		return []Value{{V: Opaque(s), Conds: conds}}
	}
	return []Value{{V: s, Conds: conds}}
}

// sub evaluates Fn::Sub: the string form, or a string and a map of
// variables, each variable over its alternatives
// (https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/intrinsic-function-reference-sub.html).
func (t *Template) sub(arg any, conds []string) []Value {
	unknown := func(why string) []Value { return []Value{{Unknown: why, Conds: conds}} }
	tmplArg, vars := arg, map[string]any{}
	if list, ok := arg.([]any); ok {
		if len(list) != 2 {
			return unknown("a malformed Fn::Sub")
		}
		tmplArg = list[0]
		m, ok := list[1].(map[string]any)
		if !ok {
			return unknown("Fn::Sub with variables known only at deploy time")
		}
		vars = m
	}
	// The string itself may be an intrinsic (Fn::If of two strings).
	var out []Value
	for _, str := range t.eval(tmplArg, conds) {
		s, ok := str.Str()
		if !ok {
			if o, isOpaque := str.V.(Opaque); isOpaque && str.Known() {
				out = append(out, Value{V: o, Conds: str.Conds})
				continue
			}
			return unknown("Fn::Sub of a string known only at deploy time")
		}
		pieces, names := subPieces(s)
		var values []any
		for _, name := range names {
			base, _, dotted := strings.Cut(name, ".")
			switch {
			case vars[name] != nil:
				values = append(values, vars[name])
			case dotted && t.Resources[base]:
				values = append(values, map[string]any{"Fn::GetAtt": []any{base, name[len(base)+1:]}})
			default:
				values = append(values, map[string]any{"Ref": name})
			}
		}
		for _, combo := range t.product(values, str.Conds) {
			if !combo.Known() {
				return []Value{combo}
			}
			vals := combo.V.([]any)
			if len(vals) != len(names) {
				return unknown("Fn::Sub of AWS::NoValue")
			}
			parts := make([]any, 0, 2*len(vals)+1)
			for i, p := range pieces {
				parts = append(parts, p)
				if i < len(vals) {
					parts = append(parts, vals[i])
				}
			}
			joined, opaque, ok := concat(parts, "")
			if !ok {
				return unknown("Fn::Sub of a value that is not a string")
			}
			out = append(out, t.stringValue(joined, opaque, combo.Conds)...)
		}
		if len(out) > maxAlternatives {
			return out
		}
	}
	return out
}

// subPieces splits a Fn::Sub string into its literal pieces and the names
// between them: pieces has one more element than names. ${!Literal} is
// the literal ${Literal}.
func subPieces(s string) (pieces, names []string) {
	var cur strings.Builder
	for {
		i := strings.Index(s, "${")
		if i < 0 {
			cur.WriteString(s)
			return append(pieces, cur.String()), names
		}
		j := strings.Index(s[i:], "}")
		if j < 0 {
			cur.WriteString(s)
			return append(pieces, cur.String()), names
		}
		cur.WriteString(s[:i])
		name := s[i+2 : i+j]
		if lit, ok := strings.CutPrefix(name, "!"); ok {
			cur.WriteString("${" + lit + "}")
		} else {
			pieces = append(pieces, cur.String())
			cur.Reset()
			names = append(names, strings.TrimSpace(name))
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

// choice splits one choice of a Value's Conds: a condition ("C" true, "!C"
// false) or a parameter ("P=v").
func choice(c string) (name, value string) {
	if n, v, ok := strings.Cut(c, "="); ok {
		return "=" + n, v
	}
	if n, ok := strings.CutPrefix(c, "!"); ok {
		return n, "false"
	}
	return c, "true"
}

// maxWorlds bounds the deploy-time choices a rule enumerates; past it, it
// judges every choice at once, which may report what no deployment does,
// never the other way.
const maxWorlds = 256

// allowed is a parameter's AllowedValues, as the evaluator reads them.
func (t *Template) allowed(name string) []string {
	p, _ := t.Parameters[name].(map[string]any)
	list, _ := p["AllowedValues"].([]any)
	var out []string
	for _, a := range list {
		out = append(out, fmt.Sprint(a))
	}
	return out
}

// everyWorld reports whether, whatever the deploy-time choices beyond base
// (conditions true or false, parameters any of their values), one of sets
// holds: all of its choices are made. It decides whether something present
// only under some choices (a tag under Fn::If) is there in every
// deployment: If(C, a, b) covers both worlds, If(C, a, NoValue) does not.
// Past maxWorlds it answers false (the rule then reports).
func (t *Template) everyWorld(base []string, sets [][]string) bool {
	all := true
	ok := t.worlds(base, sets, func(holds func([]string) bool) bool {
		if !slices.ContainsFunc(sets, holds) {
			all = false
			return false
		}
		return true
	})
	return ok && all
}

// worlds calls f with every assignment of the deploy-time choices that sets
// name (beyond base, which is fixed), as a test of whether a set's choices
// all hold in it, until f returns false. It returns false, calling f
// never, when there are more than maxWorlds assignments.
//
// A parameter takes each of its AllowedValues (only parameters that have
// them are choices); a condition, true or false.
func (t *Template) worlds(base []string, sets [][]string, f func(holds func([]string) bool) bool) bool {
	fixed := map[string]string{}
	for _, c := range base {
		n, v := choice(c)
		fixed[n] = v
	}
	values := map[string][]string{}
	for _, set := range sets {
		for _, c := range set {
			n, v := choice(c)
			if _, ok := fixed[n]; ok {
				continue
			}
			if !slices.Contains(values[n], v) {
				values[n] = append(values[n], v)
			}
		}
	}
	names := make([]string, 0, len(values))
	count := 1
	for n, vs := range values {
		names = append(names, n)
		if !strings.HasPrefix(n, "=") {
			values[n] = []string{"true", "false"}
		} else if allowed := t.allowed(n[1:]); allowed != nil {
			values[n] = allowed
		} else {
			values[n] = append(vs, "\x00other") // a value no set names
		}
		count *= len(values[n])
		if count > maxWorlds {
			return false
		}
	}
	sort.Strings(names)
	world := map[string]string{}
	for n, v := range fixed {
		world[n] = v
	}
	holds := func(set []string) bool {
		for _, c := range set {
			n, v := choice(c)
			if world[n] != v {
				return false
			}
		}
		return true
	}
	var walk func(i int) bool
	walk = func(i int) bool {
		if i == len(names) {
			return f(holds)
		}
		for _, v := range values[names[i]] {
			world[names[i]] = v
			if !walk(i + 1) {
				return false
			}
		}
		return true
	}
	walk(0)
	return true
}

// consistent reports whether choices can all be made at once: no
// condition both true and false, no parameter with two values.
func consistent(conds []string) bool {
	seen := map[string]string{}
	for _, c := range conds {
		n, v := choice(c)
		if w, ok := seen[n]; ok && w != v {
			return false
		}
		seen[n] = v
	}
	return true
}

// condition reads a condition as the choice it stands for: the condition
// it is the opposite of (truth false) through Fn::Not, or a constant when
// it compares two literals (Fn::Equals) or is Fn::Not of one.
// https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/intrinsic-function-reference-conditions.html
func (t *Template) condition(name string) (base string, truth, constant bool) {
	truth = true
	for range 16 { // a chain of Fn::Not, bounded
		def, _ := t.Conditions[name].(map[string]any)
		if len(def) != 1 {
			return name, truth, false
		}
		if not, ok := def["Fn::Not"].([]any); ok && len(not) == 1 {
			inner, _ := not[0].(map[string]any)
			next, ok := inner["Condition"].(string)
			if !ok {
				if v, isConst := literalEquals(inner); isConst {
					return name, truth == !v, true
				}
				return name, truth, false
			}
			name, truth = next, !truth
			continue
		}
		if v, isConst := literalEquals(def); isConst {
			return name, truth == v, true
		}
		return name, truth, false
	}
	return name, truth, false
}

// literalEquals is the value of a Fn::Equals of two literal strings.
func literalEquals(def map[string]any) (bool, bool) {
	eq, ok := def["Fn::Equals"].([]any)
	if !ok || len(eq) != 2 {
		return false, false
	}
	a, okA := eq[0].(string)
	b, okB := eq[1].(string)
	if !okA || !okB {
		return false, false
	}
	return a == b, true
}
