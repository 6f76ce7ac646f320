package guardrails

import (
	"regexp"
	"slices"
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
// everything, however it is spelled ("*", "*:*", "arn:*", "arn:aws*:*",
// "arn:${AWS::Partition}:*:*:*:*"). A template deploys in one partition,
// which it does not name, so a resource pattern covers everything when it
// covers every probe of some partition.
var (
	actionProbes = []string{"s3:GetObject", "iam:CreateUser", "ec2:RunInstances", "sts:AssumeRole", "kms:Decrypt"}
	iamProbes    = []string{"iam:CreateRole", "iam:PutRolePolicy", "iam:AttachRolePolicy", "iam:CreateUser", "iam:PassRole"}
	partitions   = []partition{
		{"aws", "us-east-1", "amazonaws.com"},
		{"aws-cn", "cn-north-1", "amazonaws.com.cn"},
		{"aws-us-gov", "us-gov-west-1", "amazonaws.com"},
	}
)

// probeAccount is the account of every probe ARN.
const probeAccount = "123456789012"

type partition struct{ name, region, urlSuffix string }

// arn is a probe ARN in the partition: service, region ("" for a global
// service) and resource, in probeAccount.
func (p partition) arn(service, region, resource string) string {
	return "arn:" + p.name + ":" + service + ":" + region + ":" + probeAccount + ":" + resource
}

// anyResource are probes of every kind of resource.
func (p partition) anyResource() []string {
	return []string{"arn:" + p.name + ":s3:::bucket/key", p.arn("iam", "", "role/admin"),
		p.arn("ec2", p.region, "instance/i-0abc"), p.arn("dynamodb", p.region, "table/t"), p.arn("kms", p.region, "key/1")}
}

// iamResource are probes of every kind of IAM resource.
func (p partition) iamResource() []string {
	return []string{p.arn("iam", "", "role/admin"), p.arn("iam", "", "role/service-role/other"), p.arn("iam", "", "user/u"),
		p.arn("iam", "", "group/g"), p.arn("iam", "", "policy/p")}
}

// pattern is a resource pattern as the partition reads it: the pseudo
// parameters a Fn::Sub or Fn::Join put in are the partition's, the
// probes' region and account; any other part built in (a resource's ARN
// or name) is one resource, which matches no probe.
func (p partition) pattern(o Opaque) string {
	s := string(o)
	for k, v := range map[string]string{"${AWS::Partition}": p.name, "${AWS::Region}": p.region,
		"${AWS::AccountId}": probeAccount, "${AWS::URLSuffix}": p.urlSuffix} {
		s = strings.ReplaceAll(s, k, v)
	}
	for {
		i := strings.Index(s, "${")
		if i < 0 {
			return s
		}
		j := strings.Index(s[i:], "}")
		if j < 0 {
			return s
		}
		s = s[:i] + "\x00" + s[i+j+1:]
	}
}

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

// covers reports, for a statement's Action, whether the listed patterns
// together match every probe, and whether any value is unknown (then it
// returns that value). A list with an unknown element that would not decide
// the answer is still judged on the rest.
func covers(t *Template, v any, path string, probes []string, fold bool) (bool, *Item) {
	return coversIn(t, v, path, func(partition) []string { return probes }, fold)
}

// coversIn is covers for resources: the patterns must match every probe
// of one partition.
func coversIn(t *Template, v any, path string, probes func(partition) []string, fold bool) (bool, *Item) {
	var unknown *Item
	var patterns []any
	for _, it := range t.Items(v, path, true) {
		switch x := it.V.(type) {
		case string:
			if it.Known() {
				patterns = append(patterns, x)
				continue
			}
		case Opaque:
			patterns = append(patterns, x)
			continue
		}
		if !it.Known() && unknown == nil {
			u := it
			unknown = &u
		}
	}
	for _, p := range partitions {
		all := true
		for _, probe := range probes(p) {
			matched := false
			for _, pat := range patterns {
				s, ok := pat.(string)
				if o, opaque := pat.(Opaque); opaque {
					s, ok = p.pattern(o), true
				}
				if ok && wildcardMatch(s, probe, fold) {
					matched = true
					break
				}
			}
			all = all && matched
		}
		if all {
			return true, nil
		}
	}
	return false, unknown
}

// everything reports whether a statement applies to every action (an
// Action matching every probe, or any NotAction) and every resource the
// probes stand for (a Resource matching every probe of a partition, or any
// NotResource). unknown is set when a value that decides it is not known.
func everything(t *Template, st Value, path string, probes []string, resources func(partition) []string) (bool, *Item) {
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
	return coversIn(t, m["Resource"], join(path, "Resource"), resources, false)
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
		all, unknown := everything(t, st, path, actionProbes, partition.anyResource)
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
		if admin, _ := everything(t, st, path, actionProbes, partition.anyResource); admin {
			return
		}
		if all, _ := everything(t, st, path, iamProbes, partition.iamResource); all {
			j.breach(path, "allows every IAM action on every resource%s", st.When())
		}
	})
	checkManaged(r, "HS-IAM-2", j)
	if !holds {
		return nil
	}
	return j.verdicts()
}

// escalation is one published way to turn permissions into administrator
// access: every action of it, each on every resource of its kind, lets a
// principal give itself more than it was granted.
type escalation struct {
	name    string
	actions []string
}

// escalations are Rhino Security Labs' IAM privilege-escalation methods
// (https://rhinosecuritylabs.com/aws/aws-privilege-escalation-methods-mitigation/),
// as their scanner lists the actions each needs
// (https://github.com/RhinoSecurityLabs/pacu/blob/master/pacu/modules/iam__privesc_scan/main.py,
// the required ones), and sts:AssumeRole on every role. TestEscalations
// has a case for each.
var escalations = []escalation{
	{"CreateNewPolicyVersion", []string{"iam:CreatePolicyVersion"}},
	{"SetExistingDefaultPolicyVersion", []string{"iam:SetDefaultPolicyVersion"}},
	{"CreateEC2WithExistingInstanceProfile", []string{"iam:PassRole", "ec2:RunInstances"}},
	{"CreateAccessKey", []string{"iam:CreateAccessKey"}},
	{"CreateLoginProfile", []string{"iam:CreateLoginProfile"}},
	{"UpdateLoginProfile", []string{"iam:UpdateLoginProfile"}},
	{"AttachUserPolicy", []string{"iam:AttachUserPolicy"}},
	{"AttachGroupPolicy", []string{"iam:AttachGroupPolicy"}},
	{"AttachRolePolicy", []string{"iam:AttachRolePolicy"}},
	{"PutUserPolicy", []string{"iam:PutUserPolicy"}},
	{"PutGroupPolicy", []string{"iam:PutGroupPolicy"}},
	{"PutRolePolicy", []string{"iam:PutRolePolicy"}},
	{"AddUserToGroup", []string{"iam:AddUserToGroup"}},
	{"UpdateRolePolicyToAssumeIt", []string{"iam:UpdateAssumeRolePolicy", "sts:AssumeRole"}},
	{"PassExistingRoleToNewLambdaThenInvoke", []string{"iam:PassRole", "lambda:CreateFunction", "lambda:InvokeFunction"}},
	{"PassExistingRoleToNewLambdaThenInvokeCrossAccount", []string{"iam:PassRole", "lambda:CreateFunction", "lambda:AddPermission"}},
	{"PassExistingRoleToNewLambdaThenTrigger", []string{"iam:PassRole", "lambda:CreateFunction", "lambda:CreateEventSourceMapping"}},
	{"PassExistingRoleToNewGlueDevEndpoint", []string{"iam:PassRole", "glue:CreateDevEndpoint", "glue:GetDevEndpoint"}},
	{"UpdateExistingGlueDevEndpoint", []string{"glue:UpdateDevEndpoint"}},
	{"PassExistingRoleToNewCloudFormation", []string{"iam:PassRole", "cloudformation:CreateStack"}},
	{"PassExistingRoleToNewDataPipeline", []string{"iam:PassRole", "datapipeline:CreatePipeline", "datapipeline:PutPipelineDefinition"}},
	{"EditExistingLambdaFunctionWithRole", []string{"lambda:UpdateFunctionCode"}},
	{"PassExistingRoleToNewCodeStarProject", []string{"codestar:CreateProject", "iam:PassRole"}},
	{"CodeStarCreateProjectFromTemplate", []string{"codestar:CreateProjectFromTemplate"}},
	{"CodeStarCreateProjectThenAssociateTeamMember", []string{"codestar:CreateProject", "codestar:AssociateTeamMember"}},
	{"AssumeAnyRole", []string{"sts:AssumeRole"}},
}

// escalationResources are, per action of an escalation, probes of every
// resource it acts on: an action granted on all of them (in one
// partition) is granted on whatever an attacker picks.
func escalationResources(action string) func(partition) []string {
	service, _, _ := strings.Cut(action, ":")
	return func(p partition) []string {
		switch action {
		case "iam:PassRole", "iam:AttachRolePolicy", "iam:PutRolePolicy", "iam:UpdateAssumeRolePolicy", "sts:AssumeRole":
			return []string{p.arn("iam", "", "role/admin"), p.arn("iam", "", "role/service-role/other")}
		case "iam:CreateAccessKey", "iam:CreateLoginProfile", "iam:UpdateLoginProfile", "iam:AttachUserPolicy", "iam:PutUserPolicy":
			return []string{p.arn("iam", "", "user/admin"), p.arn("iam", "", "user/ops/other")}
		case "iam:AttachGroupPolicy", "iam:PutGroupPolicy", "iam:AddUserToGroup":
			return []string{p.arn("iam", "", "group/admins"), p.arn("iam", "", "group/ops/other")}
		case "iam:CreatePolicyVersion", "iam:SetDefaultPolicyVersion":
			return []string{p.arn("iam", "", "policy/admin"), p.arn("iam", "", "policy/ops/other")}
		case "ec2:RunInstances":
			return []string{p.arn("ec2", p.region, "instance/*"), p.arn("ec2", p.region, "subnet/subnet-1"), p.arn("ec2", "", "image/ami-1")}
		case "lambda:CreateEventSourceMapping":
			return []string{p.arn("lambda", p.region, "event-source-mapping:1")}
		}
		switch service {
		case "lambda":
			return []string{p.arn("lambda", p.region, "function:admin"), p.arn("lambda", p.region, "function:other")}
		case "glue":
			return []string{p.arn("glue", p.region, "devEndpoint/admin"), p.arn("glue", p.region, "devEndpoint/other")}
		case "cloudformation":
			return []string{p.arn("cloudformation", p.region, "stack/admin/1"), p.arn("cloudformation", p.region, "stack/other/2")}
		case "datapipeline":
			return []string{p.arn("datapipeline", p.region, "pipeline/admin"), p.arn("datapipeline", p.region, "pipeline/other")}
		case "codestar":
			return []string{p.arn("codestar", p.region, "project/admin"), p.arn("codestar", p.region, "project/other")}
		}
		return []string{p.arn(service, p.region, "admin"), p.arn(service, p.region, "other/x")}
	}
}

// checkEscalation is HS-IAM-3: a resource's policies, taken together
// (a principal holds them all), grant every action of a published
// privilege-escalation method, each on every resource of its kind.
// Statements HS-IAM-1 or HS-IAM-2 report are not counted again; a
// statement whose resources are unknown is reported when it names an
// action of a method.
func checkEscalation(r Resource, _ Context) []Verdict {
	j := &judge{}
	granted := map[string]string{} // action → where
	t := r.tmpl()
	holds := forPolicies(r, j, func(st Value, path string) {
		if !isAllow(t, st, path, &judge{}) { // HS-IAM-1 reports an unknown effect
			return
		}
		if admin, _ := everything(t, st, path, actionProbes, partition.anyResource); admin {
			return
		}
		if all, _ := everything(t, st, path, iamProbes, partition.iamResource); all {
			return
		}
		m := st.V.(map[string]any)
		for _, e := range escalations {
			for _, a := range e.actions {
				if _, ok := granted[a]; ok {
					continue
				}
				var names bool
				if m["NotAction"] != nil {
					names, _ = covers(t, m["NotAction"], join(path, "NotAction"), []string{a}, true)
					names = !names
				} else {
					names, _ = covers(t, m["Action"], join(path, "Action"), []string{a}, true)
				}
				if !names {
					continue
				}
				if m["NotResource"] != nil {
					granted[a] = path + st.When()
					continue
				}
				all, unknown := coversIn(t, m["Resource"], join(path, "Resource"), escalationResources(a), false)
				switch {
				case all:
					granted[a] = path + st.When()
				case unknown != nil:
					j.unresolved(unknown.Path, unknown.Value, "the resource of "+a)
				}
			}
		}
	})
	if !holds {
		return nil
	}
	var fired [][]string
	// The shortest first: a longer method holding a reported one is not
	// reported again.
	byLength := slices.Clone(escalations)
	slices.SortStableFunc(byLength, func(a, b escalation) int { return len(a.actions) - len(b.actions) })
	for _, e := range byLength {
		var where []string
		for _, a := range e.actions {
			w, ok := granted[a]
			if !ok {
				where = nil
				break
			}
			where = append(where, a+" ("+w+")")
		}
		if where == nil || slices.ContainsFunc(fired, func(f []string) bool { return subset(f, e.actions) }) {
			continue // not granted, or a longer way to what is reported
		}
		fired = append(fired, e.actions)
		first, _, _ := strings.Cut(granted[e.actions[0]], " (")
		j.breach(first, "grants, each on every resource of its kind, %s: privilege escalation %s", strings.Join(where, ", "), e.name)
	}
	return j.verdicts()
}

// subset reports whether every element of a is in b.
func subset(a, b []string) bool {
	for _, x := range a {
		if !slices.Contains(b, x) {
			return false
		}
	}
	return true
}
