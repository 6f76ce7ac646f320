package guardrails

import (
	"regexp"
	"strings"
)

// policyHolders are the resource types that hold IAM policy documents, and
// where: a single PolicyDocument, or a Policies list of them.
var policyHolders = map[string]string{
	"AWS::IAM::Policy": "PolicyDocument", "AWS::IAM::ManagedPolicy": "PolicyDocument",
	"AWS::IAM::RolePolicy": "PolicyDocument", "AWS::IAM::UserPolicy": "PolicyDocument", "AWS::IAM::GroupPolicy": "PolicyDocument",
	"AWS::IAM::Role": "Policies", "AWS::IAM::User": "Policies", "AWS::IAM::Group": "Policies",
}

// forStatements calls f for every statement of the policy document doc
// (at path), reporting documents and statement lists it cannot read.
func forStatements(t *Template, doc any, path string, j *judge, f func(st Value, path string), conds ...string) {
	for _, d := range t.Objects(doc, conds...) {
		if !d.Known() {
			j.unresolved(path, d, "the policy document")
			continue
		}
		for _, st := range t.Items(d.V.(map[string]any)["Statement"], join(path, "Statement"), true, d.Conds...) {
			if !st.Known() {
				j.unresolved(st.Path, st.Value, "a policy statement")
				continue
			}
			if _, ok := st.V.(map[string]any); !ok {
				continue
			}
			f(st.Value, st.Path)
		}
	}
}

// forPolicies calls f for every policy document of an IAM resource.
func forPolicies(r Resource, j *judge, f func(st Value, path string)) bool {
	where, ok := policyHolders[r.Type]
	if !ok {
		return false
	}
	t := r.tmpl()
	if where == "PolicyDocument" {
		forStatements(t, r.Properties["PolicyDocument"], "PolicyDocument", j, f)
		return true
	}
	for _, p := range t.Items(r.Properties["Policies"], "Policies", false) {
		if !p.Known() {
			j.unresolved(p.Path, p.Value, "a policy")
			continue
		}
		for _, pol := range t.Objects(p.V, p.Conds...) {
			if !pol.Known() {
				j.unresolved(p.Path, pol, "a policy")
				continue
			}
			forStatements(t, pol.V.(map[string]any)["PolicyDocument"], join(p.Path, "PolicyDocument"), j, f, pol.Conds...)
		}
	}
	return true
}

// isAllow reports whether a statement allows, reporting an effect that is
// not known.
func isAllow(t *Template, st Value, path string, j *judge) bool {
	for _, e := range t.Field(st, "Effect") {
		if s, ok := e.Str(); ok {
			if s == "Allow" {
				return true
			}
			continue
		}
		if !e.Absent {
			j.unresolved(join(path, "Effect"), e, "the effect")
		}
	}
	return false
}

// Probes: an action or resource pattern that matches all of these matches
// everything, however it is spelled ("*", "*:*", "arn:*", "arn:aws*:*").
var (
	actionProbes   = []string{"s3:GetObject", "iam:CreateUser", "ec2:RunInstances", "sts:AssumeRole", "kms:Decrypt"}
	resourceProbes = []string{"arn:aws:s3:::bucket/key", "arn:aws:iam::123456789012:role/admin",
		"arn:aws:ec2:us-east-1:123456789012:instance/i-0abc", "arn:aws-cn:dynamodb:cn-north-1:123456789012:table/t",
		"arn:aws-us-gov:kms:us-gov-west-1:123456789012:key/1"}
	iamProbes = []string{"iam:CreateRole", "iam:PutRolePolicy", "iam:AttachRolePolicy", "iam:CreateUser", "iam:PassRole"}
)

// wildcardMatch reports whether s matches the IAM wildcard pattern p, where
// * matches any run of characters and ? any one character; fold ignores
// case (IAM matches actions without regard to case, resources with it).
// https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_action.html
// It is the classic linear matcher: on a mismatch after a *, the * takes
// one more character and the match resumes from there.
func wildcardMatch(p, s string, fold bool) bool {
	pi, si := 0, 0
	star, mark := -1, 0
	for si < len(s) {
		switch {
		case pi < len(p) && p[pi] == '*':
			star, mark = pi, si
			pi++
		case pi < len(p) && (p[pi] == '?' || p[pi] == s[si] || fold && lower(p[pi]) == lower(s[si])):
			pi++
			si++
		case star >= 0:
			mark++
			pi, si = star+1, mark
		default:
			return false
		}
	}
	for pi < len(p) && p[pi] == '*' {
		pi++
	}
	return pi == len(p)
}

// lower folds an ASCII letter (IAM actions and ARNs are ASCII).
func lower(c byte) byte {
	if 'A' <= c && c <= 'Z' {
		return c + 'a' - 'A'
	}
	return c
}

// covers reports, for a statement's Action (or Resource), whether the listed
// patterns together match every probe, and whether any value is unknown
// (then it returns that value). A list with an unknown element that would
// not decide the answer is still judged on the rest.
func covers(t *Template, v any, path string, probes []string, fold bool) (bool, *Item) {
	matched := make([]bool, len(probes))
	var unknown *Item
	for _, it := range t.Items(v, path, true) {
		s, ok := it.Str()
		if !ok {
			if _, opaque := it.V.(Opaque); opaque {
				continue // a resource's ARN: one resource, not everything
			}
			if !it.Known() && unknown == nil {
				u := it
				unknown = &u
			}
			continue
		}
		for i, p := range probes {
			matched[i] = matched[i] || wildcardMatch(s, p, fold)
		}
	}
	for _, m := range matched {
		if !m {
			return false, unknown
		}
	}
	return true, nil
}

// everything reports whether a statement applies to every action (an
// Action matching every probe, or any NotAction) and every resource (a
// Resource matching every probe, or any NotResource). unknown is set when
// a value that decides it is not known.
func everything(t *Template, st Value, path string, probes []string) (bool, *Item) {
	m := st.V.(map[string]any)
	actions, uA := false, (*Item)(nil)
	if m["NotAction"] != nil {
		actions = true // all but a few actions
	} else {
		actions, uA = covers(t, m["Action"], join(path, "Action"), probes, true)
	}
	if !actions {
		return false, uA
	}
	if m["NotResource"] != nil {
		return true, nil
	}
	return covers(t, m["Resource"], join(path, "Resource"), resourceProbes, false)
}

// managedPolicies are AWS managed policies judged by name.
var managedPolicies = map[string]string{
	"AdministratorAccess": "HS-IAM-1",
	"IAMFullAccess":       "HS-IAM-2",
	"PowerUserAccess":     "HS-IAM-2",
}

var reManagedArn = regexp.MustCompile(`^arn:[^:]+:iam::aws:policy/(?:.*/)?([^/]+)$`)

func checkManaged(r Resource, rule string, j *judge) {
	if r.Type != "AWS::IAM::Role" && r.Type != "AWS::IAM::User" && r.Type != "AWS::IAM::Group" {
		return
	}
	for _, it := range r.tmpl().Items(r.Properties["ManagedPolicyArns"], "ManagedPolicyArns", false) {
		s, ok := it.Str()
		if !ok {
			if o, opaque := it.V.(Opaque); opaque {
				s, ok = string(o), true // arn:${AWS::Partition}:iam::aws:policy/X
			}
		}
		if !ok {
			if !it.Known() {
				j.unresolved(it.Path, it.Value, "a managed policy")
			}
			continue
		}
		s = strings.ReplaceAll(s, "${AWS::Partition}", "aws")
		if m := reManagedArn.FindStringSubmatch(s); m != nil && managedPolicies[m[1]] == rule {
			j.breach(it.Path, "attaches the AWS managed policy %s%s", m[1], it.When())
		}
	}
}

// checkAdminAccess is HS-IAM-1: every action on every resource, however
// written (Action "*" or a pattern matching every action, NotAction,
// NotResource, resource patterns matching every ARN), in every kind of
// policy, and the AdministratorAccess managed policy.
func checkAdminAccess(r Resource, _ Context) []Verdict {
	j := &judge{}
	holds := forPolicies(r, j, func(st Value, path string) {
		t := r.tmpl()
		if !isAllow(t, st, path, j) {
			return
		}
		all, unknown := everything(t, st, path, actionProbes)
		switch {
		case all:
			j.breach(path, "allows every action on every resource%s", st.When())
		case unknown != nil:
			j.unresolved(unknown.Path, unknown.Value, "an action or resource")
		}
	})
	checkManaged(r, "HS-IAM-1", j)
	if !holds {
		return nil
	}
	return j.verdicts()
}

// checkBroadAccess is HS-IAM-2: every IAM action on every resource (a
// principal that may write IAM can make itself an administrator), and the
// IAMFullAccess and PowerUserAccess managed policies. Statements that
// HS-IAM-1 already reports are not reported again.
func checkBroadAccess(r Resource, _ Context) []Verdict {
	j := &judge{}
	holds := forPolicies(r, j, func(st Value, path string) {
		t := r.tmpl()
		if !isAllow(t, st, path, &judge{}) { // HS-IAM-1 reports an unknown effect
			return
		}
		if admin, _ := everything(t, st, path, actionProbes); admin {
			return
		}
		if all, _ := everything(t, st, path, iamProbes); all {
			j.breach(path, "allows every IAM action on every resource%s", st.When())
		}
	})
	checkManaged(r, "HS-IAM-2", j)
	if !holds {
		return nil
	}
	return j.verdicts()
}
