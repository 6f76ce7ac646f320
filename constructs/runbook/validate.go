package runbook

import (
	"encoding/json"
	"fmt"
	"math"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/handsoff-cdk/handsoff/internal/editdistance"
)

// Problem is one mistake in a Document: which rule it breaks, where, and
// what to do about it. Programs and tests match Rule and Path; Detail is
// for people.
type Problem struct {
	// Rule is the rule's id, such as "step-target" (the package docs list
	// them).
	Rule string
	// Path is where in the document, "mainSteps[2](Wait).nextStep".
	Path string
	// Detail says what is wrong and how to fix it.
	Detail string
}

func (p Problem) String() string { return p.Path + ": " + p.Detail }

// Problems is every problem Validate found. It is the error Validate
// returns.
type Problems []Problem

func (ps Problems) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "runbook: %d problem(s):", len(ps))
	for _, p := range ps {
		b.WriteString("\n  - " + p.String())
	}
	return b.String()
}

// The rules' ids, as Problem.Rule reports them.
const (
	ruleDocument         = "document"            // mainSteps present; the document renders (JSON and YAML)
	ruleContentSize      = "content-size"        // 64 KB less headroom for runtime parameters, JSON or YAML
	ruleParameterName    = "parameter-name"      // valid, unique
	ruleParameterType    = "parameter-type"      // one of the six
	ruleParameterDefault = "parameter-default"   // fits its type, allowedValues and allowedPattern
	ruleParameterValues  = "parameter-values"    // allowedValues fit the type, distinct, within the limits
	ruleParameterLimits  = "parameter-limits"    // minItems, maxItems, minChars, maxChars: types, order
	ruleAllowedPattern   = "allowed-pattern"     // compiles with Go regexp
	ruleStepName         = "step-name"           // valid, unique
	ruleStepTarget       = "step-target"         // nextStep, onFailure step:X, Choices NextStep, Default exist
	ruleStepOptions      = "step-options"        // onFailure value, isEnd with nextStep, counts not negative
	ruleUnreachable      = "unreachable"         // every step runs on some path from the first
	ruleInfiniteLoop     = "infinite-loop"       // every cycle has a way out
	ruleParameterRef     = "parameter-reference" // {{ Name }} names a parameter or system variable
	ruleOutputRef        = "output-reference"    // {{ Step.Output }} is set on every path to the step
	ruleStepOutput       = "step-output"         // declared outputs: name, selector, type
	ruleDocumentOutput   = "document-output"     // outputs name declared step outputs
	ruleAction           = "action"              // a step has an action
	ruleBranch           = "branch"              // choices, operators, values
	ruleAPI              = "aws-api"             // Service, Api, selector, desired values
	ruleScript           = "script"              // runtime, handler, script, timeout
	ruleApprove          = "approve"             // approvers, approvals, message, topic
	ruleSleep            = "sleep"               // one of Duration, Timestamp; 0 to 7 days
)

// Content limits. SSM takes at most 64 KB of document content, and counts
// the parameters given at start against the same limit
// (https://docs.aws.amazon.com/sdkfornet/v3/apidocs/items/SSM/MSSMCreateDocumentStringString.html).
// 64 KB is read as 64,000 bytes, the smaller reading; a document may use
// all but 8,000 of them, which are left for the values of its parameters.
const (
	contentLimit     = 64_000
	parameterReserve = 8_000
	// MaxContent is the largest rendered document Validate accepts.
	MaxContent = contentLimit - parameterReserve
)

// namePattern is what the package takes for parameter and step names: they
// appear in "{{ Name }}" and "{{ Step.Output }}" references, where a dot or
// a colon would mean something else, and AWS's own schema for the language
// service matches onFailure as "step:\w+"
// (https://github.com/aws/amazon-ssm-document-language-service, stepDefinition.ts).
var namePattern = regexp.MustCompile(`^[A-Za-z0-9_]+$`)

// report collects problems.
type report struct{ problems Problems }

func (r *report) add(rule, path, format string, args ...any) {
	r.problems = append(r.problems, Problem{Rule: rule, Path: path, Detail: fmt.Sprintf(format, args...)})
}

// Validate checks the document against SSM's rules for Automation runbooks
// and returns every problem at once (as Problems), or nil.
func (d *Document) Validate() error {
	if d == nil {
		return Problems{{Rule: ruleDocument, Path: "", Detail: "no document: Props.Document is nil"}}
	}
	for i := range d.Steps {
		if a := d.Steps[i].Action; a != nil {
			if v := reflect.ValueOf(a); v.Kind() == reflect.Pointer && v.IsNil() {
				d = d.withoutNilActions()
				break
			}
		}
	}
	r := &report{}
	params := d.checkParameters(r)
	steps, structural := d.checkSteps(r)
	refs := d.checkReferences(r, params, steps)
	d.checkBranchTypes(r, params, steps)
	if structural {
		f := newFlow(d, steps)
		f.checkReachable(r)
		f.checkLoops(r)
		f.checkAvailable(r, refs)
	}
	d.checkOutputs(r, steps)
	if len(d.Steps) > 0 {
		// Measured in both renderings, the larger counting: New deploys
		// the YAML, and JSON() is there for tools that take JSON.
		if content, err := d.JSON(); err != nil {
			r.add(ruleDocument, "document", "does not render as JSON: %v", err)
		} else if y, err := jsonToYAML(content); err != nil {
			r.add(ruleDocument, "document", "does not render as YAML: %v", err)
		} else if size := max(len(content), len(y)); size > MaxContent {
			r.add(ruleContentSize, "document", "renders to %d bytes; SSM takes %d with the parameters given at start, and %d are kept for those: at most %d. Move long scripts or descriptions out, or split the runbook",
				size, contentLimit, parameterReserve, MaxContent)
		}
	}
	if len(r.problems) == 0 {
		return nil
	}
	return r.problems
}

func paramPath(i int, p Parameter) string { return fmt.Sprintf("parameters[%d](%s)", i, p.Name) }
func stepPath(i int, s Step) string       { return fmt.Sprintf("mainSteps[%d](%s)", i, s.Name) }

// checkParameters checks each parameter and returns them by name.
func (d *Document) checkParameters(r *report) map[string]Parameter {
	byName := map[string]Parameter{}
	first := map[string]int{}
	for i, p := range d.Parameters {
		at := paramPath(i, p)
		switch j, dup := first[p.Name]; {
		case !namePattern.MatchString(p.Name):
			r.add(ruleParameterName, at+".name", "%q is not a parameter name: use letters, digits and underscores", p.Name)
		case dup:
			r.add(ruleParameterName, at+".name", "%q is already parameters[%d]: parameter names are unique", p.Name, j)
		default:
			first[p.Name] = i
			byName[p.Name] = p
		}
		if !slices.Contains(types, p.Type) {
			r.add(ruleParameterType, at+".type", "%q is not a parameter type: use one of %s%s", p.Type, typeList(), didYouMean(string(p.Type), typeNames()))
			continue
		}
		var pattern *regexp.Regexp
		if p.AllowedPattern != "" {
			// SSM Agent checks the pattern with Go's regexp, so one Go
			// cannot compile fails every run
			// (https://docs.aws.amazon.com/systems-manager/latest/userguide/documents-syntax-data-elements-parameters.html).
			var err error
			if pattern, err = regexp.Compile(p.AllowedPattern); err != nil {
				r.add(ruleAllowedPattern, at+".allowedPattern", "Go's regexp, which SSM Agent checks values with, cannot compile it: %v", err)
			} else {
				// Java's regex checks it too; the syntax both read alike
				// (pattern.go).
				for _, problem := range patternProblems(p.AllowedPattern) {
					r.add(ruleAllowedPattern, at+".allowedPattern", "%q: %s", p.AllowedPattern, problem)
				}
			}
		}
		checkConstraints(r, at, p)
		if p.Default != nil {
			checkDefault(r, at+".default", p, pattern)
		}
	}
	return byName
}

var ssmDefault = regexp.MustCompile(`^\{\{\s*ssm:[^{}\s]+\s*\}\}$`)

// checkDefault: a default that fails the parameter's own type, allowed
// values or pattern fails every start that does not override it.
func checkDefault(r *report, at string, p Parameter, pattern *regexp.Regexp) {
	if s, ok := p.Default.(string); ok && strings.Contains(s, "{{") {
		if (p.Type == String || p.Type == StringList) && ssmDefault.MatchString(s) {
			return // a Parameter Store value, known at start
		}
		r.add(ruleParameterDefault, at, "%q: a default may reference only a Parameter Store value, \"{{ssm:name}}\", and only for a String or StringList; SSM does not expand one parameter into another", s)
		return
	}
	var values []string
	ok := false
	switch p.Type {
	case String:
		var s string
		if s, ok = p.Default.(string); ok {
			values = []string{s}
		}
	case StringList:
		values, ok = p.Default.([]string)
	case Integer:
		ok = isInteger(p.Default)
	case Boolean:
		_, ok = p.Default.(bool)
	case StringMap:
		switch p.Default.(type) {
		case map[string]any, map[string]string:
			ok = true
		}
	case MapList:
		switch p.Default.(type) {
		case []map[string]any, []map[string]string:
			ok = true
		}
	}
	if !ok {
		r.add(ruleParameterDefault, at, "%#v is not a %s: %s", p.Default, p.Type, goType(p.Type))
		return
	}
	checkDefaultLimits(r, at, p)
	for _, v := range values {
		if len(p.AllowedValues) > 0 && !slices.Contains(p.AllowedValues, v) {
			r.add(ruleParameterDefault, at, "%q is not among allowedValues %q: a run that keeps the default would not start", v, p.AllowedValues)
		}
		if pattern != nil && !pattern.MatchString(v) {
			r.add(ruleParameterDefault, at, "%q does not match allowedPattern %q: a run that keeps the default would not start", v, p.AllowedPattern)
		}
	}
}

func goType(t Type) string {
	switch t {
	case String:
		return "give a string"
	case StringList:
		return "give a []string"
	case Integer:
		return "give an int (SSM takes no decimals or quoted numbers)"
	case Boolean:
		return "give a bool (SSM takes true or false, not \"true\" or 0)"
	case StringMap:
		return "give a map[string]any"
	}
	return "give a []map[string]any"
}

func isInteger(v any) bool {
	switch n := v.(type) {
	case int, int8, int16, int32, int64, uint, uint8, uint16, uint32, uint64:
		return true
	case float64:
		return n == math.Trunc(n) && !math.IsInf(n, 0)
	}
	return false
}

func isNumber(v any) bool {
	switch n := v.(type) {
	case int, int8, int16, int32, int64, uint, uint8, uint16, uint32, uint64, float32:
		return true
	case float64:
		return !math.IsNaN(n) && !math.IsInf(n, 0)
	}
	return false
}

// checkSteps checks names, targets, options and each action. It returns
// the steps' indexes by name (first occurrence), and whether the control
// flow is whole: unique names and every target found. The flow rules run
// only then, so that one wrong name is one problem, not a cascade of
// unreachable steps.
func (d *Document) checkSteps(r *report) (map[string]int, bool) {
	if len(d.Steps) == 0 {
		r.add(ruleDocument, "mainSteps", "a runbook needs at least one step")
		return nil, false
	}
	index := map[string]int{}
	whole := true
	for i, s := range d.Steps {
		at := stepPath(i, s)
		switch j, dup := index[s.Name]; {
		case !namePattern.MatchString(s.Name):
			r.add(ruleStepName, at+".name", "%q is not a step name: use letters, digits and underscores", s.Name)
			whole = false
		case dup:
			r.add(ruleStepName, at+".name", "%q is already mainSteps[%d]: step names are unique", s.Name, j)
			whole = false
		default:
			index[s.Name] = i
		}
	}
	all := make([]string, len(d.Steps))
	for i, s := range d.Steps {
		all[i] = s.Name
	}
	target := func(at, name, what string) {
		if _, ok := index[name]; ok {
			return
		}
		whole = false
		if name == "" {
			r.add(ruleStepTarget, at, "%s names no step; steps: %s", what, strings.Join(all, ", "))
			return
		}
		r.add(ruleStepTarget, at, "%q is not a step; steps: %s%s", name, strings.Join(all, ", "), didYouMean(name, all))
	}
	for i, s := range d.Steps {
		at := stepPath(i, s)
		if s.NextStep != "" {
			target(at+".nextStep", s.NextStep, "nextStep")
		}
		switch f := string(s.OnFailure); {
		case f == "" || s.OnFailure == Abort || s.OnFailure == Continue:
		case strings.HasPrefix(f, "step:"):
			target(at+".onFailure", strings.TrimPrefix(f, "step:"), "onFailure")
		default:
			r.add(ruleStepOptions, at+".onFailure", "%q: use Abort, Continue or GoTo(step) (\"step:Name\")", f)
		}
		switch c := string(s.OnCancel); {
		case c == "" || s.OnCancel == Abort:
		case strings.HasPrefix(c, "step:"):
			target(at+".onCancel", strings.TrimPrefix(c, "step:"), "onCancel")
		default:
			// "Abort | step:step_name", the live page's common properties
			// (https://docs.aws.amazon.com/systems-manager/latest/userguide/automation-actions.html);
			// the archived copy predates onCancel.
			r.add(ruleStepOptions, at+".onCancel", "%q: use Abort or GoTo(step) (\"step:Name\"); a cancel does not Continue", c)
		}
		if s.IsEnd && s.NextStep != "" {
			r.add(ruleStepOptions, at+".nextStep", "%q with isEnd: the step ends the automation, so nextStep would never be taken; keep one", s.NextStep)
		}
		if s.IsEnd && strings.HasPrefix(string(s.OnFailure), "step:") {
			// isEnd "stops an Automation execution ... if the step
			// execution failed or succeeded"
			// (https://docs.aws.amazon.com/systems-manager/latest/userguide/automation-actions.html).
			r.add(ruleStepOptions, at+".onFailure", "%q with isEnd: the step ends the automation whether it fails or succeeds, so the jump would never be taken; keep one", s.OnFailure)
		}
		if s.MaxAttempts < 0 {
			r.add(ruleStepOptions, at+".maxAttempts", "%d: give 1 or more (0 means the default, 1)", s.MaxAttempts)
		}
		if s.TimeoutSeconds < 0 {
			r.add(ruleStepOptions, at+".timeoutSeconds", "%d: give a positive number of seconds (0 means the action's default)", s.TimeoutSeconds)
		}
		if s.Action == nil {
			r.add(ruleAction, at+".action", "a step needs an action: *Branch, *ExecuteAwsApi, *AssertAwsResourceProperty, *WaitForAwsResourceProperty, *ExecuteScript, *Approve or *Sleep")
			continue
		}
		s.Action.check(r, at, s)
		if b, ok := s.Action.(*Branch); ok {
			if s.NextStep != "" {
				r.add(ruleStepOptions, at+".nextStep", "an aws:branch chooses its next step with Choices and Default: move %q to Default", s.NextStep)
			}
			if len(b.Choices) == 0 {
				whole = false // the steps its choices were to reach are not unreachable
			}
			if s.IsEnd && b.Default != "" {
				// Which of the two SSM takes when no choice holds is not
				// documented (AWS's examples give a branch isEnd with no
				// Default, to end when no choice holds).
				r.add(ruleStepOptions, at+".isEnd", "with Default %q: when no choice holds, the branch would both end the automation and go to %s, and which SSM does is not documented; keep one", b.Default, b.Default)
			}
			for j, c := range b.Choices {
				target(fmt.Sprintf("%s.inputs.Choices[%d].NextStep", at, j), c.NextStep, "NextStep")
			}
			if b.Default != "" {
				target(at+".inputs.Default", b.Default, "Default")
			}
		}
		checkOutputDecls(r, at, s.Action)
	}
	for i, s := range d.Steps {
		name, ok := strings.CutPrefix(string(s.OnCancel), "step:")
		j, found := index[name]
		if !ok || !found {
			continue
		}
		switch d.Steps[j].Action.(type) {
		case *Sleep, *Approve:
			// The live common-properties page lists actions onCancel does
			// not move to, aws:sleep and aws:approve among them
			// (https://docs.aws.amazon.com/systems-manager/latest/userguide/automation-actions.html);
			// a cancellation runs for at most two minutes, the same page.
			r.add(ruleStepOptions, stepPath(i, s)+".onCancel", "%q is an %s step, which onCancel does not move to (and a cancellation runs for at most two minutes); clean up with an API call or a script", name, d.Steps[j].Action.ActionName())
		}
	}
	return index, whole
}

func checkOutputDecls(r *report, at string, a Action) {
	_, outs := a.render()
	all := a.outputs()
	seen := map[string]bool{}
	for _, n := range all[:len(all)-len(outs)] {
		seen[n] = true // the action's own, as Payload
	}
	for j, o := range outs {
		p := fmt.Sprintf("%s.outputs[%d]", at, j)
		switch {
		case !namePattern.MatchString(o.Name):
			r.add(ruleStepOutput, p+".Name", "%q is not an output name: use letters, digits and underscores", o.Name)
		case seen[o.Name]:
			r.add(ruleStepOutput, p+".Name", "%q is declared twice, or is the action's own output", o.Name)
		}
		seen[o.Name] = true
		switch {
		case !strings.HasPrefix(o.Selector, "$"):
			r.add(ruleStepOutput, p+".Selector", "%q is not a JSONPath: start it with \"$\", as in \"$.Reservations[0].Instances[0].State.Name\"", o.Selector)
		case strings.Contains(o.Selector, "{{") || strings.Contains(o.Selector, "}}"):
			// A selector is JSONPath into the response
			// (https://docs.aws.amazon.com/systems-manager/latest/userguide/automation-action-executeAwsApi.html);
			// SSM documents no substitution in it.
			r.add(ruleStepOutput, p+".Selector", "%q holds braces: a selector is a fixed JSONPath, and SSM documents no references in it", o.Selector)
		}
		if !slices.Contains(types, o.Type) {
			r.add(ruleStepOutput, p+".Type", "%q is not an output type: use one of %s%s", o.Type, typeList(), didYouMean(string(o.Type), typeNames()))
		}
	}
}

// ref is one "{{ ... }}" in a step's inputs.
type ref struct {
	step         int
	path         string
	text         string // as written
	stepName     string // for "{{ Step.Output }}"
	output       string
	knownOutputs bool // the step exists and declares the output
}

var reference = regexp.MustCompile(`\{\{\s*([^{}]*?)\s*\}\}`)

// systemVariables are the variables Automation substitutes itself
// (https://docs.aws.amazon.com/systems-manager/latest/userguide/automation-variables.html).
var systemVariables = []string{
	"global:ACCOUNT_ID", "global:DATE", "global:DATE_TIME", "global:AWS_PARTITION", "global:REGION",
	"automation:EXECUTION_ID",
}

// checkReferences checks every "{{ }}" in assumeRole and the steps'
// inputs: parameters and system variables exist, steps exist and declare
// the output. It returns the step-output references for the flow check.
func (d *Document) checkReferences(r *report, params map[string]Parameter, steps map[string]int) []ref {
	paramNames := make([]string, 0, len(d.Parameters))
	for _, p := range d.Parameters {
		paramNames = append(paramNames, p.Name)
	}
	var out []ref
	check := func(at, s string, step int) {
		// What is left once the references are taken out holds no brace
		// pair: "{{ {{P}} }}" and "{{P}" are not references, and how SSM
		// reads them is not documented.
		if rest := reference.ReplaceAllString(s, ""); strings.Contains(rest, "{{") || strings.Contains(rest, "}}") {
			r.add(ruleParameterRef, at, "%q has a {{ or }} that is no reference: nested or unbalanced braces; write each reference as {{ Name }}, with nothing else in double braces", s)
		}
		for _, m := range reference.FindAllStringSubmatch(s, -1) {
			text, inner := m[0], m[1]
			switch {
			case strings.HasPrefix(inner, "ssm:"):
				// A Parameter Store value "can't be directly referenced in
				// step input", nor be the assumeRole; a parameter may
				// default to one (automation-variables.html, above).
				r.add(ruleParameterRef, at, "%s: a Parameter Store value cannot be used here; declare a parameter with Default %q and use it", text, text)
			case strings.Contains(inner, ":"):
				if !slices.Contains(systemVariables, inner) {
					r.add(ruleParameterRef, at, "%s is not a system variable; they are %s%s", text, strings.Join(systemVariables, ", "), didYouMean(inner, systemVariables))
				}
			case strings.Contains(inner, "."):
				if step < 0 {
					r.add(ruleOutputRef, at, "%s: assumeRole is read before any step runs; use a parameter", text)
					continue
				}
				name, output, _ := strings.Cut(inner, ".")
				rf := ref{step: step, path: at, text: text, stepName: name, output: output}
				j, ok := steps[name]
				switch {
				case !ok:
					r.add(ruleOutputRef, at, "%s: %q is not a step%s", text, name, didYouMean(name, stepNames(d)))
				case d.Steps[j].Action == nil || !slices.Contains(d.Steps[j].Action.outputs(), output):
					r.add(ruleOutputRef, at, "%s: step %s has no output %q; its outputs: %s%s", text, name, output, listOrNone(stepOutputs(d.Steps[j])), didYouMean(output, stepOutputs(d.Steps[j])))
				default:
					rf.knownOutputs = true
				}
				out = append(out, rf)
			default:
				if _, ok := params[inner]; !ok {
					r.add(ruleParameterRef, at, "%s names no parameter; parameters: %s%s", text, listOrNone(paramNames), didYouMean(inner, paramNames))
				}
			}
		}
	}
	if d.AssumeRole != "" {
		check("assumeRole", d.AssumeRole, -1)
	}
	for i, s := range d.Steps {
		if s.Action == nil {
			continue
		}
		in, _ := s.Action.render()
		raw, err := marshal(in)
		if err != nil {
			r.add(ruleDocument, stepPath(i, s)+".inputs", "do not render as JSON: %v", err)
			continue
		}
		var v any
		json.Unmarshal(raw, &v)
		walkStrings(stepPath(i, s)+".inputs", v, func(at, str string) { check(at, str, i) }, func(at, key string) {
			// SSM substitutes references in input values; in keys it is
			// not documented
			// (https://docs.aws.amazon.com/systems-manager/latest/userguide/automation-action-outputs-inputs.html).
			if strings.Contains(key, "{{") || strings.Contains(key, "}}") {
				r.add(ruleParameterRef, at, "the key %q holds braces: SSM substitutes references in values, and in keys is not documented; use a fixed key", key)
			}
		})
	}
	return out
}

// walkStrings calls f with every string in a decoded JSON value, and key
// with every key of its objects, keys in order.
func walkStrings(at string, v any, f func(at, s string), key func(at, k string)) {
	switch x := v.(type) {
	case string:
		f(at, x)
	case []any:
		for i, e := range x {
			walkStrings(fmt.Sprintf("%s[%d]", at, i), e, f, key)
		}
	case map[string]any:
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		for _, k := range keys {
			key(at+"."+k, k)
			walkStrings(at+"."+k, x[k], f, key)
		}
	}
}

// checkOutputs: the document's outputs name outputs steps declare.
func (d *Document) checkOutputs(r *report, steps map[string]int) {
	for i, o := range d.Outputs {
		at := fmt.Sprintf("outputs[%d]", i)
		name, output, ok := strings.Cut(o, ".")
		j, known := steps[name]
		switch {
		case !ok:
			r.add(ruleDocumentOutput, at, "%q: write an output as \"Step.Output\", as in \"CreateImage.ImageId\"", o)
		case !known:
			r.add(ruleDocumentOutput, at, "%q: %q is not a step%s", o, name, didYouMean(name, stepNames(d)))
		case d.Steps[j].Action == nil || !slices.Contains(d.Steps[j].Action.outputs(), output):
			r.add(ruleDocumentOutput, at, "%q: step %s has no output %q; its outputs: %s%s", o, name, output, listOrNone(stepOutputs(d.Steps[j])), didYouMean(output, stepOutputs(d.Steps[j])))
		}
	}
}

func stepNames(d *Document) []string {
	n := make([]string, len(d.Steps))
	for i, s := range d.Steps {
		n[i] = s.Name
	}
	return n
}

func stepOutputs(s Step) []string {
	if s.Action == nil {
		return nil
	}
	return s.Action.outputs()
}

func listOrNone(l []string) string {
	if len(l) == 0 {
		return "none"
	}
	return strings.Join(l, ", ")
}

func typeNames() []string {
	n := make([]string, len(types))
	for i, t := range types {
		n[i] = string(t)
	}
	return n
}

func typeList() string { return strings.Join(typeNames(), ", ") }

// didYouMean suggests the known name closest to a wrong one: the same but
// for case, or within two edits.
func didYouMean(name string, known []string) string {
	best, bestD := "", 3
	for _, k := range known {
		if strings.EqualFold(k, name) {
			return fmt.Sprintf(" (did you mean %q?)", k)
		}
		if name != "" && strings.HasPrefix(strings.ToLower(k), strings.ToLower(name)) {
			return fmt.Sprintf(" (did you mean %q?)", k)
		}
		if d := editdistance.AtMost(strings.ToLower(name), strings.ToLower(k), bestD-1); d < bestD {
			best, bestD = k, d
		}
	}
	if best == "" {
		return ""
	}
	return fmt.Sprintf(" (did you mean %q?)", best)
}

// The actions' own rules.

var variable = regexp.MustCompile(`^\{\{\s*[^{}\s]+\s*\}\}$`)

func (a *Branch) check(r *report, at string, _ Step) {
	if len(a.Choices) == 0 {
		r.add(ruleBranch, at+".inputs.Choices", "an aws:branch needs at least one choice")
	}
	for i, c := range a.Choices {
		p := fmt.Sprintf("%s.inputs.Choices[%d]", at, i)
		switch w := c.When.(type) {
		case Condition:
			checkCondition(r, p, w)
		case Not:
			checkCondition(r, p+".Not", Condition(w))
		case And:
			checkConditions(r, p+".And", w)
		case Or:
			checkConditions(r, p+".Or", w)
		default:
			r.add(ruleBranch, p, "a choice needs When: a Condition, And, Or or Not")
		}
	}
}

func checkConditions(r *report, at string, cs []Condition) {
	if len(cs) == 0 {
		r.add(ruleBranch, at, "needs at least one condition")
	}
	for i, c := range cs {
		checkCondition(r, fmt.Sprintf("%s[%d]", at, i), c)
	}
}

var operators = []Operator{
	StringEquals, EqualsIgnoreCase, StartsWith, EndsWith, Contains,
	NumericEquals, NumericGreater, NumericLesser, NumericGreaterOrEquals, NumericLesserOrEquals,
	BooleanEquals,
}

func checkCondition(r *report, at string, c Condition) {
	if !variable.MatchString(c.Variable) {
		r.add(ruleBranch, at+".Variable", "%q: a variable is a parameter or a step output in braces, \"{{ Param }}\" or \"{{ Step.Output }}\"", c.Variable)
	}
	var ok bool
	var want string
	switch c.Op {
	case StringEquals, EqualsIgnoreCase, StartsWith, EndsWith, Contains:
		_, ok = c.Value.(string)
		want = "a string"
	case NumericEquals, NumericGreater, NumericLesser, NumericGreaterOrEquals, NumericLesserOrEquals:
		ok, want = isNumber(c.Value), "a number"
	case BooleanEquals:
		_, ok = c.Value.(bool)
		want = "a bool"
	default:
		ops := make([]string, len(operators))
		for i, o := range operators {
			ops[i] = string(o)
		}
		r.add(ruleBranch, at+".Op", "%q is not an aws:branch operator, and SSM refuses the document; use one of %s%s", c.Op, strings.Join(ops, ", "), didYouMean(string(c.Op), ops))
		return
	}
	if !ok {
		r.add(ruleBranch, at+"."+string(c.Op), "%#v: %s compares with %s", c.Value, c.Op, want)
	}
}

func checkAPI(r *report, at, service, api string, params map[string]any, own ...string) {
	if service == "" {
		r.add(ruleAPI, at+".inputs.Service", "required: the boto3 client name, as in \"ec2\"")
	}
	if api == "" {
		r.add(ruleAPI, at+".inputs.Api", "required: the operation, as in \"DescribeInstances\"")
	}
	keys := make([]string, 0, len(params))
	for k := range params {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		if k == "" || k == "Service" || k == "Api" || slices.Contains(own, k) {
			r.add(ruleAPI, at+".inputs."+k, "%q is the action's own input, not an API parameter: set the field instead", k)
		}
	}
}

func (a *ExecuteAwsApi) check(r *report, at string, _ Step) {
	checkAPI(r, at, a.Service, a.Api, a.Params)
}

func (a *AssertAwsResourceProperty) check(r *report, at string, _ Step) {
	checkAPI(r, at, a.Service, a.Api, a.Params, "PropertySelector", "DesiredValues")
	checkProperty(r, at, a.PropertySelector, a.DesiredValues)
}

func (a *WaitForAwsResourceProperty) check(r *report, at string, _ Step) {
	checkAPI(r, at, a.Service, a.Api, a.Params, "PropertySelector", "DesiredValues")
	checkProperty(r, at, a.PropertySelector, a.DesiredValues)
}

func checkProperty(r *report, at, selector string, desired []string) {
	switch {
	case !strings.HasPrefix(selector, "$"):
		r.add(ruleAPI, at+".inputs.PropertySelector", "%q is not a JSONPath: start it with \"$\", as in \"$.Volumes[0].State\"", selector)
	case strings.Contains(selector, "{{") || strings.Contains(selector, "}}"):
		r.add(ruleAPI, at+".inputs.PropertySelector", "%q holds braces: a selector is a fixed JSONPath, and SSM documents no references in it", selector)
	}
	if len(desired) == 0 {
		r.add(ruleAPI, at+".inputs.DesiredValues", "required: the values that pass")
	}
}

// scriptTimeout is the most an aws:executeScript step runs (the action page).
const scriptTimeout = 600

var python = regexp.MustCompile(`^python3\.(\d+)$`)

func (a *ExecuteScript) check(r *report, at string, s Step) {
	m := python.FindStringSubmatch(a.Runtime)
	minor := -1
	if m != nil {
		minor, _ = strconv.Atoi(m[1])
	}
	switch {
	case a.Runtime == "python3.11":
		// The one runtime AWS names as its recommendation: a later minor
		// version may not be one executeScript offers, and "python3.011"
		// is no runtime at all, so neither passes.
	case minor >= 6 && minor <= 8:
		// https://docs.aws.amazon.com/ja_jp/systems-manager/latest/userguide/automation-action-executeScript.html
		r.add(ruleScript, at+".inputs.Runtime", "%q: SSM stopped taking new or updated runbooks with Python 3.6, 3.7 or 3.8 on 2024-12-04 and running them on 2025-02-18; use python3.11", a.Runtime)
	case minor >= 0:
		r.add(ruleScript, at+".inputs.Runtime", "%q: use python3.11, the runtime AWS recommends (other versions are not known to be offered)", a.Runtime)
	default:
		// The current list of PowerShell runtimes is not known from AWS's
		// pages (the archived list, PowerShell Core 6.0 and 7.0, is stale).
		r.add(ruleScript, at+".inputs.Runtime", "%q: this package runs Python scripts, python3.11 or later", a.Runtime)
	}
	if a.Handler == "" {
		r.add(ruleScript, at+".inputs.Handler", "required for Python: the function the script defines, taking (events, context)")
	}
	if a.Script == "" {
		r.add(ruleScript, at+".inputs.Script", "required: the Python source")
	}
	if s.TimeoutSeconds > scriptTimeout {
		r.add(ruleScript, at+".timeoutSeconds", "%d: an aws:executeScript step runs at most %d seconds", s.TimeoutSeconds, scriptTimeout)
	}
}

// Approval limits and forms, from the action page
// (https://docs.aws.amazon.com/systems-manager/latest/userguide/automation-action-approve.html):
// "The maximum number of approvers is 10"; MinRequiredApprovals "can't
// exceed the number of approvers"; "The maximum message length is 4096
// characters"; the approvers are IAM user names, or user, role or
// assumed-role ARNs; the topic's name "must be prefixed with
// "Automation"".
const (
	maxApprovers = 10
	maxMessage   = 4096
)

var (
	// An IAM user name (https://docs.aws.amazon.com/IAM/latest/APIReference/API_CreateUser.html).
	iamUserName = regexp.MustCompile(`^[\w+=,.@-]{1,64}$`)
	// A user, role or assumed-role ARN.
	approverArn = regexp.MustCompile(`^arn:aws[a-z-]*:(iam::[0-9]{12}:(user|role)(/[\x21-\x7e]*)?/[\w+=,.@-]{1,128}|sts::[0-9]{12}:assumed-role/[\w+=,.@-]{1,64}/[\w+=,.@-]{2,64})$`)
	// An approval topic: an SNS topic ARN whose name starts with
	// "Automation" (SNS names: letters, digits, hyphens, underscores, up
	// to 256; a FIFO topic is not documented for approvals, so refused).
	approvalTopic = regexp.MustCompile(`^arn:aws[a-z-]*:sns:[a-z0-9-]+:[0-9]{12}:Automation[A-Za-z0-9_-]{0,246}$`)
	// A CDK token ("${Token[...]}"): its value is known only at deploy
	// time.
	topicName = regexp.MustCompile(`^Automation[A-Za-z0-9_-]{0,246}$`)
	cdkToken  = regexp.MustCompile(`\$\{Token\[[^\]]*\]\}`)
)

func (a *Approve) check(r *report, at string, _ Step) {
	switch n := len(a.Approvers); {
	case n == 0:
		r.add(ruleApprove, at+".inputs.Approvers", "required: one to %d IAM user names or user, role or assumed-role ARNs", maxApprovers)
	case n > maxApprovers:
		r.add(ruleApprove, at+".inputs.Approvers", "%d approvers: SSM takes at most %d; use a role several people can assume", n, maxApprovers)
	}
	distinct := map[string]int{}
	for i, p := range a.Approvers {
		ap := fmt.Sprintf("%s.inputs.Approvers[%d]", at, i)
		key := strings.ToLower(p)
		if j, dup := distinct[key]; dup {
			// How SSM counts one principal named twice towards
			// MinRequiredApprovals is not documented: refused.
			r.add(ruleApprove, ap, "%q is already Approvers[%d] (IAM names are unique without regard to case): name each approver once; how SSM counts a principal named twice is not documented", p, j)
			continue
		}
		distinct[key] = i
		switch {
		case p == "":
			r.add(ruleApprove, ap, "empty: give an IAM user name or ARN")
		case cdkToken.MatchString(p):
			// A role's ARN from the CDK: resolved in the template, and of
			// the form a role's ARN has.
		case strings.HasPrefix(p, "arn:"):
			if !approverArn.MatchString(p) {
				r.add(ruleApprove, ap, "%q is not an IAM user, role or assumed-role ARN, the only ARNs an approver may be", p)
			}
		case !iamUserName.MatchString(p):
			r.add(ruleApprove, ap, "%q is neither an IAM user name (1 to 64 letters, digits and +=,.@_-) nor an ARN", p)
		}
	}
	switch m := a.MinRequiredApprovals; {
	case m < 0:
		r.add(ruleApprove, at+".inputs.MinRequiredApprovals", "%d: give a positive number (0 means the default, 1)", m)
	case m > len(distinct) && len(distinct) > 0:
		r.add(ruleApprove, at+".inputs.MinRequiredApprovals", "%d approvals of %d approvers can never be reached", m, len(distinct))
	}
	if n := len([]rune(a.Message)); n > maxMessage {
		r.add(ruleApprove, at+".inputs.Message", "%d characters: SSM takes at most %d", n, maxMessage)
	}
	if arn := a.NotificationArn; arn != "" {
		topic := arn[strings.LastIndex(arn, ":")+1:]
		switch {
		case !strings.HasPrefix(topic, "Automation"):
			r.add(ruleApprove, at+".inputs.NotificationArn", "the topic %q does not start with \"Automation\", which SSM requires of approval topics; rename it (the topic name must be literal even where the rest of the ARN is a token)", topic)
		case cdkToken.MatchString(arn[:strings.LastIndex(arn, ":")+1]) && !topicName.MatchString(topic),
			!cdkToken.MatchString(arn) && !approvalTopic.MatchString(arn):
			r.add(ruleApprove, at+".inputs.NotificationArn", "%q is not an SNS topic's ARN, arn:aws:sns:{region}:{account}:Automation...; the name takes letters, digits, hyphens and underscores, at most 256 (a FIFO topic is not documented for approvals)", arn)
		}
	}
}

// maxSleep is the longest aws:sleep: "Automation supports a maximum delay
// of 604799 seconds (7 days)"
// (https://docs.aws.amazon.com/systems-manager/latest/userguide/automation-action-sleep.html;
// an older copy of the page said 604800).
const maxSleep = 604799 * time.Second

func (a *Sleep) check(r *report, at string, _ Step) {
	switch {
	case a.Duration != 0 && !a.Timestamp.IsZero():
		r.add(ruleSleep, at+".inputs", "give Duration or Timestamp, not both")
	case a.Duration == 0 && a.Timestamp.IsZero():
		r.add(ruleSleep, at+".inputs", "give a Duration or a Timestamp")
	case !a.Timestamp.IsZero():
		// A fixed time is in the past for every run after it (the step
		// "proceeds immediately", the action page), and for a run more
		// than 604799 seconds before it is a delay SSM does not support;
		// which of the two a run meets is not known at synth, and what
		// SSM does with a longer one is not documented.
		r.add(ruleSleep, at+".inputs.Timestamp", "%s: a fixed time is past for every run after it, when the step does nothing, and more than SSM's maximum delay of 604799 seconds ahead for a run more than 7 days before it; use a Duration", a.Timestamp.UTC().Format(time.RFC3339))
	case a.Duration < 0:
		r.add(ruleSleep, at+".inputs.Duration", "%v: SSM takes no negative duration", a.Duration)
	case a.Duration > maxSleep:
		r.add(ruleSleep, at+".inputs.Duration", "%v: SSM sleeps at most 604799 seconds (7 days less a second); wait in steps", a.Duration)
	case a.Duration%time.Second != 0:
		r.add(ruleSleep, at+".inputs.Duration", "%v: give whole seconds", a.Duration)
	}
}

// withoutNilActions is a copy of d whose typed-nil actions ((*Sleep)(nil))
// are nil, which the rules report as a step with no action.
func (d *Document) withoutNilActions() *Document {
	c := *d
	c.Steps = append([]Step(nil), d.Steps...)
	for i := range c.Steps {
		if v := reflect.ValueOf(c.Steps[i].Action); c.Steps[i].Action != nil && v.Kind() == reflect.Pointer && v.IsNil() {
			c.Steps[i].Action = nil
		}
	}
	return &c
}
