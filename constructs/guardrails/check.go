package guardrails

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"

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
	s := fmt.Sprintf("%s [%s %s]%s %s: %s", f.Resource, f.Rule.ID, f.Rule.Name, verdict, f.Message, f.Rule.Fix)
	if f.Suppressed {
		s = fmt.Sprintf("%s [%s %s] suppressed: %s", f.Resource, f.Rule.ID, f.Rule.Name, f.Reason)
	}
	return s
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
	return checkTemplate(name, data, ctx, nil)
}

// checkTemplate is CheckTemplate with construct paths by logical id, for
// templates synthesized without path metadata.
func checkTemplate(name string, data []byte, ctx Context, paths map[string]string) (Report, error) {
	var tmpl struct {
		Resources map[string]struct {
			Type       string
			Properties map[string]any
			Metadata   map[string]any
		}
	}
	if err := json.Unmarshal(data, &tmpl); err != nil {
		return Report{}, fmt.Errorf("guardrails: %s: %w", name, err)
	}
	var rep Report
	ids := make([]string, 0, len(tmpl.Resources))
	for id := range tmpl.Resources {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	for _, id := range ids {
		raw := tmpl.Resources[id]
		r := Resource{LogicalID: id, Type: raw.Type, Properties: raw.Properties, Metadata: raw.Metadata}
		if r.Properties == nil {
			r.Properties = map[string]any{}
		}
		where := id
		if p, ok := r.Metadata["aws:cdk:path"].(string); ok {
			where = p
		} else if p, ok := paths[id]; ok {
			where = p
		}
		sups := suppressions(r, where, &rep)
		for _, rule := range Rules {
			out, msg := rule.Check(r, ctx)
			if out != NonCompliant && out != Unresolved {
				continue
			}
			f := Finding{Rule: rule, Outcome: out, Template: name, Resource: where, Message: msg}
			if reason, ok := sups[rule.ID]; ok {
				f.Suppressed, f.Reason = true, reason
			}
			rep.Findings = append(rep.Findings, f)
		}
	}
	return rep, nil
}

func suppressions(r Resource, where string, rep *Report) map[string]string {
	out := map[string]string{}
	m, _ := r.Metadata[MetadataKey].(map[string]any)
	list, _ := m["suppress"].([]any)
	for _, x := range list {
		s, _ := x.(map[string]any)
		id, _ := s["rule"].(string)
		reason, _ := s["reason"].(string)
		rule, ok := RuleByID(id)
		switch {
		case !ok:
			rep.Problems = append(rep.Problems, Problem{where, fmt.Sprintf("suppresses unknown guardrail %q; rules are %s", id, ruleIDs())})
		case len(strings.TrimSpace(reason)) < 10:
			rep.Problems = append(rep.Problems, Problem{where, fmt.Sprintf("suppresses %s without a reason: say why it is safe (10 characters at least)", rule.ID)})
		default:
			out[rule.ID] = reason
		}
	}
	return out
}

func ruleIDs() string {
	ids := make([]string, len(Rules))
	for i, r := range Rules {
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
	paths, err := constructPaths(dir)
	if err != nil {
		return Report{}, err
	}
	var all Report
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

// constructPaths reads a cloud assembly's manifest: the construct path of
// every resource, by template file and logical id. An assembly without a
// manifest has none.
func constructPaths(dir string) (map[string]map[string]string, error) {
	m, err := assembly.Read(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("guardrails: %w", err)
	}
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
	return out, nil
}
