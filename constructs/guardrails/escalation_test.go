package guardrails

import (
	"encoding/json"
	"strings"
	"testing"
)

// TestEscalations: every published method is reported when a policy
// grants its actions on every resource, in one statement or spread over
// several, and none is reported when one action is missing or scoped to
// the resources the code names.
func TestEscalations(t *testing.T) {
	doc := func(stmts ...any) string {
		raw, _ := json.Marshal(map[string]any{"PolicyDocument": map[string]any{"Statement": stmts}})
		return string(raw)
	}
	allow := func(actions []string, resource any) map[string]any {
		return map[string]any{"Effect": "Allow", "Action": actions, "Resource": resource}
	}
	for _, e := range escalations {
		t.Run(e.name, func(t *testing.T) {
			got := summary(verdictsOf(t, "HS-IAM-3", "AWS::IAM::Policy", doc(allow(e.actions, "*"))))
			if len(got) != 1 || !strings.Contains(got[0], "non-compliant") || !strings.Contains(got[0], e.name) && !strings.Contains(got[0], "AssumeAnyRole") {
				t.Errorf("all of %v on *: got %v, want a breach naming %s", e.actions, got, e.name)
			}
			// Spread over statements, each on a pattern that covers its kind.
			var stmts []any
			for _, a := range e.actions {
				res := "*"
				if strings.HasPrefix(a, "iam:") || a == "sts:AssumeRole" {
					res = "arn:aws:iam::*:*"
				}
				stmts = append(stmts, allow([]string{a}, res))
			}
			got = summary(verdictsOf(t, "HS-IAM-3", "AWS::IAM::Policy", doc(stmts...)))
			if len(got) == 0 || !strings.Contains(strings.Join(got, "\n"), "non-compliant") {
				t.Errorf("%v in separate statements: got %v, want a breach naming %s", e.actions, got, e.name)
			}
			// Scoped to one named resource of the template: not a method.
			scoped := allow(e.actions, map[string]any{"Fn::GetAtt": []any{"Bucket", "Arn"}})
			if got := summary(verdictsOf(t, "HS-IAM-3", "AWS::IAM::Policy", doc(scoped))); len(got) != 1 || got[0] != "compliant" {
				t.Errorf("%v on one resource: got %v, want compliant", e.actions, got)
			}
		})
	}
	runCases(t, []ruleCase{
		{"half a method", "HS-IAM-3", "AWS::IAM::Policy", doc(allow([]string{"iam:PassRole"}, "*")), []string{"compliant"}},
		{"pass one role, run instances", "HS-IAM-3", "AWS::IAM::Role", `{"Policies":[{"PolicyName":"p","PolicyDocument":{"Statement":[{"Effect":"Allow","Action":"iam:PassRole","Resource":"arn:aws:iam::123456789012:role/app"},{"Effect":"Allow","Action":"ec2:RunInstances","Resource":"*"}]}}]}`, []string{"compliant"}},
		{"pass any role under a path by Fn::Sub", "HS-IAM-3", "AWS::IAM::Policy", doc(allow([]string{"iam:PassRole"}, map[string]any{"Fn::Sub": "arn:${AWS::Partition}:iam::${AWS::AccountId}:role/*"}), allow([]string{"lambda:Create*", "lambda:InvokeFunction"}, "*")), []string{"non-compliant PolicyDocument.Statement[0], PolicyDocument.Statement[1]: grants, each on every resource of its kind, iam:PassRole (PolicyDocument.Statement[0]), lambda:CreateFunction (PolicyDocument.Statement[1]), lambda:InvokeFunction (PolicyDocument.Statement[1]): privilege escalation PassExistingRoleToNewLambdaThenInvoke", "non-compliant PolicyDocument.Statement[0], PolicyDocument.Statement[1]: grants, each on every resource of its kind, iam:PassRole (PolicyDocument.Statement[0]), lambda:CreateFunction (PolicyDocument.Statement[1]), lambda:CreateEventSourceMapping (PolicyDocument.Statement[1]): privilege escalation PassExistingRoleToNewLambdaThenTrigger"}},
		{"wildcard action", "HS-IAM-3", "AWS::IAM::Policy", doc(allow([]string{"iam:Put*Policy"}, "*")), []string{"non-compliant PolicyDocument.Statement[0]: grants, each on every resource of its kind, iam:PutUserPolicy", "non-compliant PolicyDocument.Statement[0]: grants, each on every resource of its kind, iam:PutGroupPolicy", "non-compliant PolicyDocument.Statement[0]: grants, each on every resource of its kind, iam:PutRolePolicy"}},
		{"assume any role", "HS-IAM-3", "AWS::IAM::Policy", doc(allow([]string{"sts:AssumeRole"}, "*")), []string{"non-compliant PolicyDocument.Statement[0]: grants, each on every resource of its kind, sts:AssumeRole"}},
		{"assume one role", "HS-IAM-3", "AWS::IAM::Policy", doc(allow([]string{"sts:AssumeRole"}, "arn:aws:iam::123456789012:role/deploy")), []string{"compliant"}},
		{"NotAction on every resource is HS-IAM-1's", "HS-IAM-3", "AWS::IAM::Policy", `{"PolicyDocument":{"Statement":[{"Effect":"Allow","NotAction":"s3:*","Resource":"*"}]}}`, []string{"compliant"}},
		{"resource unknown", "HS-IAM-3", "AWS::IAM::Policy", doc(allow([]string{"iam:AttachRolePolicy"}, map[string]any{"Fn::ImportValue": "roles"})), []string{"unresolved PolicyDocument.Statement[0].Resource: the resource of iam:AttachRolePolicy is not known at synth time (Fn::ImportValue)"}},

		// Resource patterns that match every resource of a partition.
		{"arn:aws:*:*:*:*", "HS-IAM-1", "AWS::IAM::Policy", doc(allow([]string{"*"}, "arn:aws:*:*:*:*")), []string{"non-compliant PolicyDocument.Statement[0]: allows every action on every resource"}},
		{"arn:${AWS::Partition}:*:*:*:*", "HS-IAM-1", "AWS::IAM::Policy", doc(allow([]string{"*"}, map[string]any{"Fn::Sub": "arn:${AWS::Partition}:*:*:*:*"})), []string{"non-compliant PolicyDocument.Statement[0]: allows every action on every resource"}},
		{"iam:* on arn:aws:iam::*:*", "HS-IAM-2", "AWS::IAM::Policy", doc(allow([]string{"iam:*"}, "arn:aws:iam::*:*")), []string{"non-compliant PolicyDocument.Statement[0]: allows every IAM action on every resource"}},
		{"near miss: * on the template's own bucket", "HS-IAM-1", "AWS::IAM::Policy", doc(allow([]string{"*"}, map[string]any{"Fn::Sub": "arn:${AWS::Partition}:s3:::${Bucket}/*"})), []string{"compliant"}},
	})
}

// TestEscalationPerPrincipal: a role's own policy and a policy resource
// attached to it (as CDK writes a DefaultPolicy) together grant a method:
// reported on the role; a method one policy grants alone is reported on
// that policy only.
func TestEscalationPerPrincipal(t *testing.T) {
	tmpl := func(inline, attached string) []byte {
		return []byte(`{"Resources":{
  "Role":{"Type":"AWS::IAM::Role","Properties":{"AssumeRolePolicyDocument":{},"Policies":[{"PolicyName":"p","PolicyDocument":{"Statement":[` + inline + `]}}]}},
  "Default":{"Type":"AWS::IAM::Policy","Properties":{"PolicyName":"d","Roles":[{"Ref":"Role"}],"PolicyDocument":{"Statement":[` + attached + `]}}},
  "Other":{"Type":"AWS::IAM::Role","Properties":{"AssumeRolePolicyDocument":{}}}}}`)
	}
	pass := `{"Effect":"Allow","Action":"iam:PassRole","Resource":"*"}`
	lambda := `{"Effect":"Allow","Action":["lambda:CreateFunction","lambda:InvokeFunction"],"Resource":"*"}`
	read := `{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"}`
	for _, c := range []struct {
		name, inline, attached string
		want                   []string // resources reported
	}{
		{"split between the role and its default policy", pass, lambda, []string{"Role"}},
		{"all in the attached policy", read, pass + "," + lambda, []string{"Default"}},
		{"half only", pass, read, nil},
	} {
		rep, err := CheckTemplate("t.json", tmpl(c.inline, c.attached), Context{})
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, f := range rep.Failures() {
			if f.Rule.ID == "HS-IAM-3" {
				got = append(got, f.Resource)
			}
		}
		if strings.Join(got, ",") != strings.Join(c.want, ",") {
			t.Errorf("%s: reported on %v, want %v (%v)", c.name, got, c.want, rep.Failures())
		}
	}
}
