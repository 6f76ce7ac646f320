package runbook_test

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"pgregory.net/rapid"
)

// covered are the runbooks of a set (a bit a runbook, in names' order) as
// the Ops template names them.
func covered(f *fixture, set int) []runbookRef {
	var out []runbookRef
	for i, n := range names {
		if set&(1<<i) != 0 {
			out = append(out, runbookRef{doc: *f.runbooks[n].DocumentName(), role: "<" + f.roleID[n] + ".Arn>"})
		}
	}
	return out
}

// startPolicy is the document of the developer policy for a set.
func startPolicy(f *fixture, set int) map[string]any {
	r, ok := resources(f.ops, "AWS::IAM::ManagedPolicy")[f.policies[set]]
	if !ok {
		return map[string]any{"Statement": []any{}}
	}
	return props(r)["PolicyDocument"].(map[string]any)
}

// TestStartPolicyTemplate: for every set of the three runbooks, the
// synthesized developer policy lets a developer start those runbooks,
// read them and their executions, and pass their roles to SSM alone, and
// nothing else: no action off the allow-list, none of the runbooks' own
// work (ecs:UpdateService, cloudfront:CreateInvalidation,
// rds:CreateDBSnapshot), no wildcard action, no other runbook. Every set
// is checked, and a rapid property draws sets as well.
func TestStartPolicyTemplate(t *testing.T) {
	f := synth(t)
	for set := 1; set < 1<<len(names); set++ {
		if ps := checkStartPolicy(readPolicy(startPolicy(f, set)), covered(f, set)); len(ps) > 0 {
			t.Errorf("set %03b:\n%s", set, strings.Join(ps, "\n"))
		}
	}
	rapid.Check(t, func(rt *rapid.T) {
		set := rapid.IntRange(1, 1<<len(names)-1).Draw(rt, "set")
		stmts := readPolicy(startPolicy(f, set))
		if ps := checkStartPolicy(stmts, covered(f, set)); len(ps) > 0 {
			rt.Fatalf("set %03b:\n%s", set, strings.Join(ps, "\n"))
		}
		// A runbook out of the set is out of the policy: held to a set
		// that adds it, the oracle misses its start.
		for i := range names {
			if set&(1<<i) == 0 {
				ps := checkStartPolicy(stmts, covered(f, set|1<<i))
				if !slices.ContainsFunc(ps, func(p string) bool { return strings.Contains(p, "no statement lets a developer start it") }) {
					rt.Fatalf("set %03b lets %s start", set, names[i])
				}
			}
		}
	})
}

// TestStartPolicyOracleCatches: each mistake a developer policy could
// make, made in the synthesized policy for all three runbooks, is caught.
func TestStartPolicyOracleCatches(t *testing.T) {
	f := synth(t)
	all := 1<<len(names) - 1
	statement := func(p map[string]any, sid string) map[string]any {
		for _, s := range p["Statement"].([]any) {
			if s.(map[string]any)["Sid"] == sid {
				return s.(map[string]any)
			}
		}
		t.Fatalf("no statement %s", sid)
		return nil
	}
	addAction := func(a string) func(p map[string]any) {
		return func(p map[string]any) {
			s := statement(p, "StartRunbooks")
			s["Action"] = []any{s["Action"], a}
		}
	}
	cases := []struct {
		name   string
		mutate func(p map[string]any)
		want   string
	}{
		{"ecs:UpdateService added", addAction("ecs:UpdateService"), "ecs:UpdateService is forbidden to developers"},
		{"cloudfront:CreateInvalidation added", addAction("cloudfront:CreateInvalidation"), "cloudfront:CreateInvalidation is forbidden"},
		{"rds:CreateDBSnapshot added", addAction("rds:CreateDBSnapshot"), "rds:CreateDBSnapshot is forbidden"},
		{"ssm:* added", addAction("ssm:*"), `wildcard action "ssm:*"`},
		{"* added", addAction("*"), `wildcard action "*"`},
		{"ssm:StopAutomationExecution added", addAction("ssm:StopAutomationExecution"), "ssm:StopAutomationExecution is forbidden"},
		{"start on every document", func(p map[string]any) { statement(p, "StartRunbooks")["Resource"] = "*" },
			"ssm:StartAutomationExecution on *"},
		{"start on another document", func(p map[string]any) {
			s := statement(p, "StartRunbooks")
			s["Resource"] = append(s["Resource"].([]any), "arn:aws:ssm:eu-west-1:111122223333:automation-definition/AWS-DeleteStack:*")
		}, "automation-definition/AWS-DeleteStack:*"},
		{"PassRole without its condition", func(p map[string]any) { delete(statement(p, "PassRunbookRole1"), "Condition") },
			"with Condition null"},
		{"PassRole to another service", func(p map[string]any) {
			statement(p, "PassRunbookRole1")["Condition"].(map[string]any)["StringEquals"] = map[string]any{"iam:PassedToService": "lambda.amazonaws.com"}
		}, "iam:PassedToService ssm.amazonaws.com and ArnLike"},
		// The hostile review's attack: a role passable to any automation
		// runs a developer's own document, or one of AWS's, with the
		// runbook's rights and without its freeze guard.
		{"PassRole for any automation", func(p map[string]any) {
			delete(statement(p, "PassRunbookRole1")["Condition"].(map[string]any), "ArnLike")
		},
			"ArnLike iam:AssociatedResourceARN its own runbook's"},
		{"PassRole for another runbook's automations", func(p map[string]any) {
			statement(p, "PassRunbookRole1")["Condition"].(map[string]any)["ArnLike"] = statement(p, "PassRunbookRole2")["Condition"].(map[string]any)["ArnLike"]
		}, "ArnLike iam:AssociatedResourceARN its own runbook's"},
		{"PassRole on every role", func(p map[string]any) { statement(p, "PassRunbookRole1")["Resource"] = "*" }, "iam:PassRole on *"},
		{"NotAction", func(p map[string]any) {
			s := statement(p, "ReadRunbooks")
			s["NotAction"] = s["Action"]
			delete(s, "Action")
		}, "NotAction allows all but what it names"},
		{"a runbook dropped", func(p map[string]any) {
			s := statement(p, "StartRunbooks")
			s["Resource"] = s["Resource"].([]any)[2:]
		}, "no statement lets a developer start it"},
	}
	if ps := checkStartPolicy(readPolicy(startPolicy(f, all)), covered(f, all)); len(ps) > 0 {
		t.Fatalf("the unmutated policy: %v", ps)
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			raw, _ := json.Marshal(startPolicy(f, all))
			var p map[string]any
			json.Unmarshal(raw, &p)
			c.mutate(p)
			got := checkStartPolicy(readPolicy(p), covered(f, all))
			if !slices.ContainsFunc(got, func(s string) bool { return strings.Contains(s, c.want) }) {
				t.Errorf("the oracle found %q; want a line with %q", got, c.want)
			}
			if c.name == "ecs:UpdateService added" {
				t.Logf("caught: %s", strings.Join(got, "; "))
			}
		})
	}
}
