package runbook_test

import (
	"encoding/json"
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strings"
)

// The IAM oracle: it reads policy statements, as IAM JSON or from a
// synthesized template (references written "<Logical>" and
// "<Logical.Attr>"), and holds them to what a runbook's role and the
// developer policy may allow. It is independent of the code that writes
// them: it reads only JSON, and what a role needs it reads from the
// document, not from the package.

type iamStatement struct {
	Sid                string
	Effect             string
	Actions, Resources []string
	Condition          map[string]any
	Negated            []string // NotAction, NotResource, NotPrincipal
}

// text is a template value as text: a string, or an Fn::Join of strings
// and references ("<Logical>", "<Logical.Attr>", "<AWS.Region>").
func text(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case map[string]any:
		if j, ok := x["Fn::Join"].([]any); ok {
			parts := []string{}
			for _, p := range j[1].([]any) {
				parts = append(parts, text(p))
			}
			return strings.Join(parts, j[0].(string))
		}
		if g, ok := x["Fn::GetAtt"].([]any); ok {
			return fmt.Sprintf("<%v.%v>", g[0], g[1])
		}
		if r, ok := x["Ref"].(string); ok {
			// A pseudo parameter without its colons, so that ARNs split
			// on ":" as they will: <AWS.Partition>.
			return "<" + strings.ReplaceAll(r, "::", ".") + ">"
		}
	}
	b, _ := json.Marshal(v)
	return "<unreadable " + string(b) + ">"
}

func texts(v any) []string {
	switch x := v.(type) {
	case nil:
		return nil
	case []any:
		var out []string
		for _, e := range x {
			out = append(out, text(e))
		}
		return out
	}
	return []string{text(v)}
}

// readPolicy reads a policy document: an object with Statement, one
// statement or a list.
func readPolicy(doc any) []iamStatement {
	m, _ := doc.(map[string]any)
	raw := m["Statement"]
	list, ok := raw.([]any)
	if !ok {
		list = []any{raw}
	}
	var out []iamStatement
	for _, r := range list {
		s, _ := r.(map[string]any)
		st := iamStatement{Actions: texts(s["Action"]), Resources: texts(s["Resource"])}
		st.Sid, _ = s["Sid"].(string)
		st.Effect, _ = s["Effect"].(string)
		st.Condition, _ = s["Condition"].(map[string]any)
		for _, k := range []string{"NotAction", "NotResource", "NotPrincipal"} {
			if _, ok := s[k]; ok {
				st.Negated = append(st.Negated, k)
			}
		}
		out = append(out, st)
	}
	return out
}

// arnOf matches an ARN of service whose resource part is resource (a
// regular expression), whatever the partition, region and account say.
func arnOf(service, region, resource string) *regexp.Regexp {
	if region == "" {
		region = "[^:]+"
	}
	return regexp.MustCompile("^arn:[^:]+:" + service + ":" + region + ":[^:]+:" + resource + "$")
}

// forbiddenForDevelopers are what the developer policy must never allow:
// the runbooks' own work, and any wildcard.
var forbiddenForDevelopers = []string{
	"ecs:UpdateService", "cloudfront:CreateInvalidation", "rds:CreateDBSnapshot", "sns:Publish", "ssm:GetParameter",
	"ssm:StopAutomationExecution", "ssm:SendAutomationSignal", "ssm:UpdateDocument", "ssm:CreateDocument", "ssm:DeleteDocument",
	"ssm:*", "*", "iam:*",
}

// developerActions is the allow-list of the developer policy, each with
// the resources it may name: doc is a covered document's name (or its
// reference), "*" the whole resource.
var developerActions = map[string]string{
	"ssm:StartAutomationExecution":         "automation-definition/DOC:*, document/DOC, automation-execution/*",
	"ssm:DescribeDocument":                 "document/DOC",
	"ssm:GetDocument":                      "document/DOC",
	"ssm:GetAutomationExecution":           "automation-execution/*",
	"ssm:DescribeAutomationStepExecutions": "automation-execution/*",
	"ssm:DescribeAutomationExecutions":     "*",
	"ssm:ListDocuments":                    "*",
	"iam:PassRole":                         "ROLE, to ssm.amazonaws.com alone, for its own runbook's automations alone",
}

// runbookRef is a runbook as a policy names it: its document's name and
// its role's ARN, as text.
type runbookRef struct{ doc, role string }

// checkStartPolicy returns one line per way a developer policy departs
// from "start these runbooks and read their executions, nothing more".
func checkStartPolicy(stmts []iamStatement, covered []runbookRef) []string {
	var out []string
	add := func(f string, a ...any) { out = append(out, fmt.Sprintf(f, a...)) }
	docs := map[string]bool{}
	roles := map[string]bool{}
	docOf := map[string]string{} // a role's runbook
	for _, r := range covered {
		docs[r.doc], roles[r.role] = true, true
		docOf[r.role] = r.doc
	}
	started := map[string]bool{}
	passed := map[string]bool{}
	definition := arnOf("ssm", "", `automation-definition/([^:]+):\*`)
	document := arnOf("ssm", "", `document/([^:/]+)`)
	execution := arnOf("ssm", "", `automation-execution/\*`)
	for i, s := range stmts {
		at := fmt.Sprintf("Statement[%d](%s)", i, s.Sid)
		if s.Effect != "Allow" {
			add("%s: Effect %q: the policy only allows", at, s.Effect)
		}
		if len(s.Negated) > 0 {
			add("%s: %s allows all but what it names", at, strings.Join(s.Negated, ", "))
		}
		for _, a := range s.Actions {
			if strings.Contains(a, "*") || strings.Contains(a, "?") {
				add("%s: wildcard action %q", at, a)
			}
			if slices.Contains(forbiddenForDevelopers, a) {
				add("%s: %s is forbidden to developers", at, a)
			}
			if _, ok := developerActions[a]; !ok {
				add("%s: %s is not on the allow-list (%s)", at, a, strings.Join(slices.Sorted(maps.Keys(developerActions)), ", "))
			}
		}
		for _, a := range s.Actions {
			if _, listed := developerActions[a]; !listed {
				continue // reported above
			}
			for _, r := range s.Resources {
				ok := false
				switch a {
				case "ssm:StartAutomationExecution":
					if m := definition.FindStringSubmatch(r); m != nil {
						ok = docs[m[1]]
						started[m[1]] = started[m[1]] || ok
					} else if m := document.FindStringSubmatch(r); m != nil {
						ok = docs[m[1]]
					} else {
						ok = execution.MatchString(r)
					}
				case "ssm:DescribeDocument", "ssm:GetDocument":
					m := document.FindStringSubmatch(r)
					ok = m != nil && docs[m[1]]
				case "ssm:GetAutomationExecution", "ssm:DescribeAutomationStepExecutions":
					ok = execution.MatchString(r)
				case "ssm:DescribeAutomationExecutions", "ssm:ListDocuments":
					ok = r == "*"
				case "iam:PassRole":
					ok = roles[r]
					// The role to SSM alone, and for its own runbook's
					// automations alone: passable to any automation, it
					// would run any document with the runbook's rights.
					cond, _ := json.Marshal(s.Condition)
					se, _ := json.Marshal(s.Condition["StringEquals"])
					al, _ := s.Condition["ArnLike"].(map[string]any)
					m := definition.FindStringSubmatch(text(al["iam:AssociatedResourceARN"]))
					if len(s.Condition) != 2 || string(se) != `{"iam:PassedToService":"ssm.amazonaws.com"}` || len(al) != 1 || m == nil || m[1] != docOf[r] || len(s.Resources) != 1 {
						add("%s: iam:PassRole on %s with Condition %s, want StringEquals iam:PassedToService ssm.amazonaws.com and ArnLike iam:AssociatedResourceARN its own runbook's automation-definition/%s:*, one role a statement", at, r, cond, docOf[r])
						ok = false
					}
					passed[r] = passed[r] || ok
				}
				if !ok {
					add("%s: %s on %s: allowed only on %s, for the covered runbooks", at, a, r, developerActions[a])
				}
			}
		}
	}
	for _, r := range covered {
		if !started[r.doc] {
			add("runbook %s: no statement lets a developer start it", r.doc)
		}
		if !passed[r.role] {
			add("runbook %s: no statement passes its role %s to SSM", r.doc, r.role)
		}
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// scriptCalls are the AWS calls the package's scripts make, by the
// script's handler: what a role needs beyond the document's API steps.
var scriptCalls = map[string][]string{
	"check": {"cloudfront:ListInvalidations"},
	"load":  {"cloudwatch:GetMetricStatistics"},
}

// roleExpect is what a runbook's role may name, by action: a pattern of
// the resource.
type roleExpect map[string][]*regexp.Regexp

// checkRole returns one line per way a runbook's role departs from least
// privilege: it allows exactly the actions its document calls (API steps
// and the scripts' calls), each on the resources expect names; "*" only
// where expect says "*".
func checkRole(doc []byte, stmts []iamStatement, expect roleExpect) []string {
	var out []string
	add := func(f string, a ...any) { out = append(out, fmt.Sprintf(f, a...)) }
	var d struct {
		MainSteps []struct {
			Name, Action string
			Inputs       map[string]any
		} `json:"mainSteps"`
	}
	if err := json.Unmarshal(doc, &d); err != nil {
		return []string{"the document: " + err.Error()}
	}
	need := map[string]string{}
	for _, s := range d.MainSteps {
		switch s.Action {
		case "aws:executeAwsApi", "aws:assertAwsResourceProperty", "aws:waitForAwsResourceProperty":
			svc, _ := s.Inputs["Service"].(string)
			api, _ := s.Inputs["Api"].(string)
			need[svc+":"+api] = s.Name
		case "aws:executeScript":
			h, _ := s.Inputs["Handler"].(string)
			for _, a := range scriptCalls[h] {
				need[a] = s.Name
			}
		}
	}
	allowed := map[string]bool{}
	for i, s := range stmts {
		at := fmt.Sprintf("Statement[%d](%s)", i, s.Sid)
		if s.Effect != "Allow" || len(s.Negated) > 0 {
			add("%s: only Allow statements that name what they allow", at)
		}
		for _, a := range s.Actions {
			allowed[a] = true
			if strings.ContainsAny(a, "*?") {
				add("%s: wildcard action %q", at, a)
			}
			if _, ok := need[a]; !ok {
				add("%s: %s is allowed but no step calls it", at, a)
			}
			for _, r := range s.Resources {
				if !slices.ContainsFunc(expect[a], func(p *regexp.Regexp) bool { return p.MatchString(r) }) {
					add("%s: %s on %s: want %v", at, a, r, expect[a])
				}
			}
		}
	}
	for _, a := range slices.Sorted(maps.Keys(need)) {
		if !allowed[a] {
			add("step %s calls %s, which the role does not allow", need[a], a)
		}
	}
	slices.Sort(out)
	return slices.Compact(out)
}
