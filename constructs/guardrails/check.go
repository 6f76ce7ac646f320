package guardrails

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"unicode"

	"github.com/handsoff-cdk/handsoff/internal/assembly"
)

// MetadataKey holds a resource's guardrail suppressions in its template
// Metadata, written by Suppress.
const MetadataKey = "handsoff:guardrails"

// Finding is one rule's verdict on one resource that is not a pass.
type Finding struct {
	Rule     Rule
	Outcome  Outcome // NonCompliant or Unresolved
	Template string  // the template file's name
	Resource string  // the construct path, or the logical id
	Path     string  // the property path in the resource, "" for the whole
	Message  string
	// Suppressed findings carry the team's reason and do not fail synthesis;
	// the plan lists them.
	Suppressed bool
	Reason     string
}

func (f Finding) String() string {
	verdict := ""
	if f.Outcome == Unresolved {
		verdict = " cannot be checked at synth time:"
	}
	where := f.Resource
	if f.Path != "" {
		where += " " + f.Path
	}
	if f.Suppressed {
		return fmt.Sprintf("%s [%s %s] suppressed: %s", where, f.Rule.ID, f.Rule.Name, f.Reason)
	}
	return fmt.Sprintf("%s [%s %s]%s %s: %s", where, f.Rule.ID, f.Rule.Name, verdict, f.Message, f.Rule.Fix)
}

// Problem is a suppression that does not hold: unknown rule or no reason.
type Problem struct {
	Resource, Message string
}

// Report is what the rules found in a set of templates.
type Report struct {
	Findings []Finding // failures and suppressed findings
	Problems []Problem // bad suppressions
}

// Failures are the findings no suppression covers.
func (r Report) Failures() []Finding {
	var out []Finding
	for _, f := range r.Findings {
		if !f.Suppressed {
			out = append(out, f)
		}
	}
	return out
}

// Suppressed are the findings a suppression covers.
func (r Report) Suppressed() []Finding {
	var out []Finding
	for _, f := range r.Findings {
		if f.Suppressed {
			out = append(out, f)
		}
	}
	return out
}

// Err is nil when nothing fails, else an error listing every failure and
// bad suppression.
func (r Report) Err() error {
	fails := r.Failures()
	if len(fails) == 0 && len(r.Problems) == 0 {
		return nil
	}
	var b strings.Builder
	fmt.Fprintf(&b, "handsoff: guardrails: %d problem(s):", len(fails)+len(r.Problems))
	for _, f := range fails {
		b.WriteString("\n  - " + f.String())
	}
	for _, p := range r.Problems {
		b.WriteString("\n  - " + p.Resource + ": " + p.Message)
	}
	return fmt.Errorf("%s", b.String())
}

// CheckTemplate runs every rule on every resource of a template. Findings
// name resources by construct path where the template's aws:cdk:path
// metadata gives it, by logical id otherwise.
func CheckTemplate(name string, data []byte, ctx Context) (Report, error) {
	var bad []Problem
	ctx.reasons, bad = compilePatterns(ctx.ReasonPatterns)
	rep, err := checkTemplate(name, data, ctx, nil)
	rep.Problems = append(bad, rep.Problems...)
	return rep, err
}

// checkTemplate is CheckTemplate with construct paths by logical id, for
// templates synthesized without path metadata.
func checkTemplate(name string, data []byte, ctx Context, paths map[string]string) (Report, error) {
	var tmpl struct {
		Transform  any
		Conditions map[string]any
		Parameters map[string]any
		Mappings   map[string]any
		Resources  map[string]struct {
			Type       string
			Properties map[string]any
			Metadata   map[string]any
			Condition  string
		}
	}
	if err := json.Unmarshal(data, &tmpl); err != nil {
		return Report{}, fmt.Errorf("guardrails: %s: %w", name, err)
	}
	t := &Template{Parameters: tmpl.Parameters, Mappings: tmpl.Mappings, Conditions: tmpl.Conditions, Resources: map[string]bool{}, Types: map[string]string{}, properties: map[string]any{}}
	ids := make([]string, 0, len(tmpl.Resources))
	for id, r := range tmpl.Resources {
		ids = append(ids, id)
		t.Resources[id] = true
		t.Types[id] = r.Type
		t.properties[id] = r.Properties
	}
	sort.Strings(ids)
	var rep Report
	patterns := ctx.reasons
	if tmpl.Transform != nil {
		// A transform (AWS::Serverless, AWS::Include, a macro) rewrites the
		// template at deploy time: what it creates is not what is here
		// (https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/transform-section-structure.html).
		rule, _ := RuleByID("HS-CFN-1")
		raw, _ := json.Marshal(tmpl.Transform)
		rep.Findings = append(rep.Findings, Finding{Rule: rule, Outcome: Unresolved, Template: name, Resource: name, Path: "Transform",
			Message: "the template is rewritten at deploy time by the transform " + string(raw) + ", so no guardrail sees what it creates"})
	}
	for _, id := range ids {
		raw := tmpl.Resources[id]
		r := Resource{LogicalID: id, Type: raw.Type, Properties: raw.Properties, Metadata: raw.Metadata, Template: t}
		if r.Properties == nil {
			r.Properties = map[string]any{}
		}
		where := id
		if p, ok := r.Metadata["aws:cdk:path"].(string); ok {
			where = p
		} else if p, ok := paths[id]; ok {
			where = p
		}
		sups := suppressions(r, where, patterns, &rep)
		// A resource with a Condition exists only when it is true: its
		// values are judged in those deployments only.
		t.base = nil
		if raw.Condition != "" {
			cond, truth, constant := t.condition(raw.Condition)
			switch {
			case constant && !truth:
				continue // never created
			case constant:
			case truth:
				t.base = []string{cond}
			default:
				t.base = []string{"!" + cond}
			}
		}
		for _, rule := range rules {
			for _, v := range rule.Check(r, ctx) {
				if v.Outcome != NonCompliant && v.Outcome != Unresolved {
					continue
				}
				f := Finding{Rule: rule, Outcome: v.Outcome, Template: name, Resource: where, Path: v.Path, Message: v.Message}
				if s, ok := sups.covering(rule.ID, v); ok {
					f.Suppressed, f.Reason = true, s.reason
				}
				rep.Findings = append(rep.Findings, f)
			}
		}
	}
	return rep, nil
}

// suppression is one recorded exception: a rule, the kind of finding it
// covers (breaches, or values unknown at synth time), and optionally the
// property paths it covers.
type suppression struct {
	rule, reason string
	unresolved   bool
	at           []string
}

type suppressionList []suppression

// covering finds the suppression written for this verdict: same rule,
// same kind, and (when it names paths) every place the verdict names is
// one of them or under one. A suppression for an unknown value does not
// cover a breach found beside it, nor one for one place a finding that
// another place is part of (two ranges that together open a port).
func (l suppressionList) covering(rule string, v Verdict) (suppression, bool) {
	for _, s := range l {
		if s.rule != rule || s.unresolved != (v.Outcome == Unresolved) {
			continue
		}
		if len(s.at) == 0 {
			return s, true
		}
		all := true
		for _, p := range strings.Split(v.Path, ", ") {
			under := false
			for _, at := range s.at {
				under = under || p == at || strings.HasPrefix(p, at+".") || strings.HasPrefix(p, at+"[")
			}
			all = all && under
		}
		if all {
			return s, true
		}
	}
	return suppression{}, false
}

// compilePatterns compiles the reason patterns, reporting those that do
// not compile.
func compilePatterns(ps []string) ([]*regexp.Regexp, []Problem) {
	var out []*regexp.Regexp
	var bad []Problem
	for _, p := range ps {
		re, err := regexp.Compile(p)
		if err != nil {
			bad = append(bad, Problem{"guardrails.reasonPatterns", fmt.Sprintf("%q is not a Go regular expression: %v", p, err)})
			continue
		}
		out = append(out, re)
	}
	return out, bad
}

func suppressions(r Resource, where string, patterns []*regexp.Regexp, rep *Report) suppressionList {
	var out suppressionList
	m, _ := r.Metadata[MetadataKey].(map[string]any)
	list, isList := m["suppress"].([]any)
	if m["suppress"] != nil && !isList {
		rep.Problems = append(rep.Problems, Problem{where, `"suppress" must be a list of suppressions; nothing is suppressed`})
	}
	for _, x := range list {
		s, _ := x.(map[string]any)
		id, _ := s["rule"].(string)
		reason, _ := s["reason"].(string)
		// A field of the wrong shape is a problem, never read as "all":
		// "unresolved": "true" or "at": "Path" must not widen what the
		// suppression covers.
		var bad []string
		unresolved, ok := s["unresolved"].(bool)
		if !ok && s["unresolved"] != nil {
			bad = append(bad, `"unresolved" must be true or false`)
		}
		var at []string
		switch l := s["at"].(type) {
		case nil:
		case []any:
			for _, a := range l {
				if p, ok := a.(string); ok && p != "" {
					at = append(at, p)
				} else {
					bad = append(bad, `"at" must list property paths (strings)`)
					break
				}
			}
			if len(l) == 0 {
				bad = append(bad, `"at" is empty: name the property paths, or leave it out to cover the whole resource`)
			}
		default:
			bad = append(bad, `"at" must be a list of property paths`)
		}
		for k := range s {
			if k != "rule" && k != "reason" && k != "unresolved" && k != "at" {
				bad = append(bad, fmt.Sprintf("%q is no field of a suppression (rule, reason, unresolved, at)", k))
			}
		}
		rule, ok := RuleByID(id)
		switch {
		case len(bad) > 0:
			sort.Strings(bad)
			rep.Problems = append(rep.Problems, Problem{where, fmt.Sprintf("suppresses %q with a malformed entry: %s; nothing is suppressed", id, strings.Join(bad, "; "))})
		case !ok:
			rep.Problems = append(rep.Problems, Problem{where, fmt.Sprintf("suppresses unknown guardrail %q; rules are %s", id, ruleIDs())})
		case !IsReason(reason):
			rep.Problems = append(rep.Problems, Problem{where, fmt.Sprintf("suppresses %s with the reason %q: say in a sentence why it is safe (at least 4 words)", rule.ID, reason)})
		case !matchesAll(patterns, reason):
			rep.Problems = append(rep.Problems, Problem{where, fmt.Sprintf("suppresses %s with the reason %q, which the platform's guardrails.reasonPatterns (%s) do not all match: add what they ask for, such as a ticket reference", rule.ID, reason, patternList(patterns))})
		default:
			out = append(out, suppression{rule: rule.ID, reason: reason, unresolved: unresolved, at: at})
		}
	}
	return out
}

// placeholders are words that mark a reason nobody wrote yet, matched on
// the reason's letters with punctuation inside words removed ("To-do",
// "T.B.D." read as "todo", "tbd").
var placeholders = []string{"todo", "tbd", "tba", "fixme", "xxx", "lorem", "ipsum", "placeholder", "changeme", "reason here",
	"write the reason", "add a reason", "some reason", "no reason", "explain later", "justify later", "justify this later",
	"to be written", "to be explained", "fill in", "fill this in", "will explain"}

// IsReason reports whether text reads as a reason: at least four words of
// letters, three of them different, and none of the words that mark a
// placeholder ("TODO: write the reason here", lorem ipsum). "xxxxxxxxxx"
// and "ok ok ok ok" are not reasons.
func IsReason(text string) bool {
	// Words joined by - or . are one word ("to-do", "t.b.d."); other
	// punctuation separates words.
	lower := strings.NewReplacer("-", "", ".", "", "_", "").Replace(strings.ToLower(text))
	joined := " " + strings.Join(strings.FieldsFunc(lower, func(r rune) bool { return !unicode.IsLetter(r) }), " ") + " "
	for _, p := range placeholders {
		if strings.Contains(joined, " "+p+" ") {
			return false
		}
	}
	words := 0
	distinct := map[string]bool{}
	for _, w := range strings.FieldsFunc(text, func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) && r != '-' && r != '\'' }) {
		letters := 0
		for _, r := range w {
			if unicode.IsLetter(r) {
				letters++
			}
		}
		if letters == 0 {
			continue
		}
		words++
		distinct[strings.ToLower(w)] = true
	}
	return words >= 4 && len(distinct) >= 3
}

func ruleIDs() string {
	ids := make([]string, len(rules))
	for i, r := range rules {
		ids[i] = r.ID + " (" + r.Name + ")"
	}
	return strings.Join(ids, ", ")
}

// CheckAssembly runs the rules on every template directly in a cloud
// assembly directory (a Stage's assembly holds its stacks' templates).
// Findings name construct paths, which the assembly's manifest records.
func CheckAssembly(dir string, ctx Context) (Report, error) {
	files, err := filepath.Glob(filepath.Join(dir, "*.template.json"))
	if err != nil {
		return Report{}, err
	}
	sort.Strings(files)
	// One read of the manifest serves both the construct paths and the
	// suppress errors it records.
	m, err := assembly.Read(dir)
	if errors.Is(err, fs.ErrNotExist) {
		m, err = &assembly.Manifest{}, nil // an assembly without a manifest has no paths
	}
	if err != nil {
		return Report{}, fmt.Errorf("guardrails: %w", err)
	}
	paths := constructPaths(m)
	if ctx.nested, err = publishedTemplates(dir); err != nil {
		return Report{}, fmt.Errorf("guardrails: %w", err)
	}
	var all Report
	ctx.reasons, all.Problems = compilePatterns(ctx.ReasonPatterns)
	all.Problems = append(all.Problems, suppressErrors(m)...)
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			return Report{}, err
		}
		rep, err := checkTemplate(filepath.Base(f), data, ctx, paths[filepath.Base(f)])
		if err != nil {
			return Report{}, err
		}
		all.Findings = append(all.Findings, rep.Findings...)
		all.Problems = append(all.Problems, rep.Problems...)
	}
	return all, nil
}

// constructPaths are, from a cloud assembly's manifest, the construct path
// of every resource, by template file and logical id.
func constructPaths(m *assembly.Manifest) map[string]map[string]string {
	out := map[string]map[string]string{}
	for _, a := range m.Artifacts {
		if a.Type != "aws:cloudformation:stack" {
			continue
		}
		byID := map[string]string{}
		for path, entries := range a.Metadata {
			for _, e := range entries {
				if id, ok := e.Data.(string); ok && e.Type == "aws:cdk:logicalId" {
					byID[id] = strings.TrimPrefix(path, "/")
				}
			}
		}
		out[a.Properties.TemplateFile] = byID
	}
	return out
}

// suppressErrors are the Suppress calls on constructs that are no
// CloudFormation resource, which Suppress records as node metadata (so that
// the app does not stop at the first) and the manifest carries.
func suppressErrors(m *assembly.Manifest) []Problem {
	var out []Problem
	for _, a := range m.Artifacts {
		for path, entries := range a.Metadata {
			for _, e := range entries {
				if e.Type != MetadataKey {
					continue
				}
				if d, ok := e.Data.(map[string]any); ok && d["error"] != nil {
					out = append(out, Problem{strings.TrimPrefix(path, "/"), fmt.Sprint(d["error"])})
				}
			}
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Resource < out[j].Resource })
	return out
}

// publishedTemplates reads the assembly's asset manifests: the "bucket/key"
// objects to which they publish a file of the assembly that the check
// reads as a template (*.template.json), as the file is, not a directory
// or an archive.
// https://github.com/aws/aws-cdk-cli/tree/main/packages/cloud-assembly-schema (assets.json)
func publishedTemplates(dir string) (map[string]bool, error) {
	manifests, err := filepath.Glob(filepath.Join(dir, "*.assets.json"))
	if err != nil {
		return nil, err
	}
	out := map[string]bool{}
	for _, f := range manifests {
		raw, err := os.ReadFile(f)
		if err != nil {
			return nil, err
		}
		var m struct {
			Files map[string]struct {
				Source struct {
					Path      string `json:"path"`
					Packaging string `json:"packaging"`
				} `json:"source"`
				Destinations map[string]struct {
					BucketName string `json:"bucketName"`
					ObjectKey  string `json:"objectKey"`
				} `json:"destinations"`
			} `json:"files"`
		}
		if err := json.Unmarshal(raw, &m); err != nil {
			return nil, fmt.Errorf("%s: %w", filepath.Base(f), err)
		}
		for _, a := range m.Files {
			p := a.Source.Path
			if a.Source.Packaging != "" && a.Source.Packaging != "file" || p != filepath.Base(p) || !strings.HasSuffix(p, ".template.json") {
				continue
			}
			if _, err := os.Stat(filepath.Join(dir, p)); err != nil {
				continue
			}
			for _, d := range a.Destinations {
				out[d.BucketName+"/"+d.ObjectKey] = true
			}
		}
	}
	return out, nil
}

func matchesAll(patterns []*regexp.Regexp, reason string) bool {
	for _, p := range patterns {
		if !p.MatchString(reason) {
			return false
		}
	}
	return true
}

func patternList(patterns []*regexp.Regexp) string {
	var out []string
	for _, p := range patterns {
		out = append(out, "`"+p.String()+"`")
	}
	return strings.Join(out, ", ")
}
