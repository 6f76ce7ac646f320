package guardrails

import (
	"fmt"
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
	// An IAM Identity Center permission set is the policy of everyone it
	// is assigned to (its InlinePolicy, a JSON document or object).
	"AWS::SSO::PermissionSet": "InlinePolicy",
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
	if where == "PolicyDocument" || where == "InlinePolicy" {
		if where == "InlinePolicy" && r.Properties[where] == nil {
			return true
		}
		forStatements(t, r.Properties[where], where, j, f)
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
	// Each list ends with an action no service has: only a pattern that
	// matches every action (of IAM) matches it, never a list of names.
	actionProbes = []string{"s3:GetObject", "iam:CreateUser", "ec2:RunInstances", "sts:AssumeRole", "kms:Decrypt", "handsoffprobe:NoSuchAction"}
	iamProbes    = []string{"iam:CreateRole", "iam:PutRolePolicy", "iam:AttachRolePolicy", "iam:CreateUser", "iam:PassRole", "iam:HandsoffProbeNoSuchAction"}
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
		p.arn("ec2", p.region, "instance/i-0abc"), p.arn("dynamodb", p.region, "table/t"), p.arn("kms", p.region, "key/1"),
		p.arn("handsoffprobe", p.region, "no-such/resource")}
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
	return coverItems(t.Items(v, path, true), probes, fold)
}

// coverItems is coversIn for evaluated items.
func coverItems(items []Item, probes func(partition) []string, fold bool) (bool, *Item) {
	var unknown *Item
	var patterns []any
	for _, it := range items {
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
				// A literal account may be the one the stack deploys in,
				// which the template does not say: read it as that one.
				s = anyAccount(s)
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
	if present(t, m["NotAction"], st.Conds) {
		actions = true // all but a few actions
	} else {
		actions, uA = covers(t, m["Action"], join(path, "Action"), probes, true)
	}
	if !actions {
		return false, uA
	}
	if present(t, m["NotResource"], st.Conds) {
		return true, nil
	}
	all, unknown := coversIn(t, m["Resource"], join(path, "Resource"), resources, false)
	if !all {
		return all, unknown
	}
	// Both cover in some alternative: in one deployment too? An action and
	// a resource chosen by one condition (Fn::If [C, "*", ...] beside
	// Fn::If [C, bucket, "*"]) never cover together; nor does a NotAction
	// beside the resource of the other choice.
	acts := t.Items(m["Action"], join(path, "Action"), true, st.Conds...)
	nacts := t.Items(m["NotAction"], join(path, "NotAction"), true, st.Conds...)
	res := t.Items(m["Resource"], join(path, "Resource"), true, st.Conds...)
	var sets [][]string
	for _, it := range slices.Concat(acts, nacts, res) {
		sets = append(sets, it.Conds)
	}
	together := false
	complete := t.worlds(st.Conds, sets, func(holds func([]string) bool) bool {
		pick := func(items []Item) []Item {
			var out []Item
			for _, it := range items {
				if holds(it.Conds) {
					out = append(out, it)
				}
			}
			return out
		}
		a, _ := coverItems(pick(acts), func(partition) []string { return probes }, true)
		a = a || len(pick(nacts)) > 0 // all but a few actions
		r, _ := coverItems(pick(res), resources, false)
		together = a && r
		return !together
	})
	if !complete {
		return false, &Item{Value: Value{Unknown: undecided, Conds: st.Conds}, Path: path}
	}
	return together, nil
}

// managedPolicies are AWS managed policies judged by name.
var managedPolicies = map[string]string{
	"AdministratorAccess": "HS-IAM-1",
	"IAMFullAccess":       "HS-IAM-2",
	"PowerUserAccess":     "HS-IAM-2",
}

var reManagedArn = regexp.MustCompile(`^arn:[^:]+:iam::aws:policy/(?:.*/)?([^/]+)$`)

func checkManaged(r Resource, rule string, j *judge) {
	prop := "ManagedPolicyArns"
	switch r.Type {
	case "AWS::IAM::Role", "AWS::IAM::User", "AWS::IAM::Group":
	case "AWS::SSO::PermissionSet":
		prop = "ManagedPolicies"
	default:
		return
	}
	for _, it := range r.tmpl().Items(r.Properties[prop], prop, false) {
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
		all, unknown := everything(t, st, path, iamProbes, partition.iamResource)
		switch {
		case all:
			j.breach(path, "allows every IAM action on every resource%s", st.When())
		case unknown != nil && unknown.Unknown == undecided: // HS-IAM-1 reports the other unknowns
			j.unresolved(unknown.Path, unknown.Value, "an action or resource")
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

// checkEscalation is HS-IAM-3: a principal's policies, taken together,
// grant every action of a published privilege-escalation method, each on
// every resource of its kind. A role, user or group holds its own policies
// and those of the template attached to it: AWS::IAM::Policy and
// ManagedPolicy resources naming it, managed policies its ManagedPolicyArns
// name, RolePolicy, UserPolicy and GroupPolicy resources, and, for a user,
// its groups' (Groups, UserToGroupAddition). A method its own statements
// grant is reported on it; one an attached policy grants alone is reported
// on that policy; one that takes several is reported on the principal.
// Grants under exclusive choices (one condition both ways) do not combine.
// Statements HS-IAM-1 or HS-IAM-2 report are not counted again; a
// statement whose resources are unknown is reported when it names an
// action of a method.
func checkEscalation(r Resource, _ Context) []Verdict {
	j := &judge{}
	t := r.tmpl()
	own := grants{}
	holds := forPolicies(r, j, func(st Value, path string) { escalationGrants(t, st, path, own, j) })
	if !holds {
		return nil
	}
	var attached []grants
	if attachKey[r.Type] != "" {
		for _, src := range t.attachedPolicies(r.LogicalID, r.Type, r.Properties, 0) {
			// One policy attached to many principals is read once.
			key := src.id + "\x00" + strings.Join(t.base, ",")
			g, ok := t.grantsOf[key]
			if !ok {
				g = grants{}
				for _, doc := range src.docs {
					forStatements(t, doc.v, doc.path, &judge{}, func(st Value, path string) {
						escalationGrants(t, st, src.id+" "+path, g, &judge{})
					})
				}
				if t.grantsOf == nil {
					t.grantsOf = map[string]grants{}
				}
				t.grantsOf[key] = g
			}
			attached = append(attached, g)
		}
	}
	all := grants{}
	for _, g := range append([]grants{own}, attached...) {
		for a, list := range g {
			all[a] = append(all[a], list...)
		}
	}
	var fired [][]string
	// The shortest first: a longer method holding a reported one is not
	// reported again.
	byLength := slices.Clone(escalations)
	slices.SortStableFunc(byLength, func(a, b escalation) int { return len(a.actions) - len(b.actions) })
	for _, e := range byLength {
		if slices.ContainsFunc(fired, func(f []string) bool { return subset(f, e.actions) }) {
			continue // a longer way to what is reported
		}
		from := own
		if !own.method(e.actions) {
			if !all.method(e.actions) {
				continue
			}
			if slices.ContainsFunc(attached, func(g grants) bool { return g.method(e.actions) }) {
				fired = append(fired, e.actions)
				continue // the policy that grants it alone reports it
			}
			from = all
		}
		fired = append(fired, e.actions)
		var where, places []string
		for _, a := range e.actions {
			var at []string
			for _, g := range from[a] {
				at = append(at, g.where)
				// The finding's places are every statement that grants an
				// action of the method, so that a suppression for one of
				// them covers no other.
				if p, _, _ := strings.Cut(g.where, " (when"); !slices.Contains(places, p) {
					places = append(places, p)
				}
			}
			where = append(where, a+" ("+strings.Join(at, "; ")+")")
		}
		j.breach(strings.Join(places, ", "), "grants, each on every resource of its kind, %s: privilege escalation %s", strings.Join(where, ", "), e.name)
	}
	return j.verdicts()
}

// grant is one statement granting an escalation action on every resource
// of its kind, and the choices it is there under.
type grant struct {
	where string
	conds []string
}

// grants are the grants of each escalation action.
type grants map[string][]grant

// method reports whether the grants hold every action of a method under
// one consistent set of choices.
func (g grants) method(actions []string) bool {
	var try func(i int, conds []string) bool
	try = func(i int, conds []string) bool {
		if i == len(actions) {
			return true
		}
		for _, gr := range g[actions[i]] {
			if c := append(slices.Clone(conds), gr.conds...); consistent(c) && try(i+1, c) {
				return true
			}
		}
		return false
	}
	return try(0, nil)
}

// undecided is why everything cannot say: too many deployments to judge
// one by one.
var undecided = fmt.Sprintf("the statement's conditions and parameters make more than %d combinations to judge one by one", maxWorlds)

// attachKey is where a policy resource names the principals it attaches to.
var attachKey = map[string]string{"AWS::IAM::Role": "Roles", "AWS::IAM::User": "Users", "AWS::IAM::Group": "Groups"}

// inlineKey is, for a principal type, the policy resource of one principal
// and where it names it.
var inlineKey = map[string][2]string{
	"AWS::IAM::Role":  {"AWS::IAM::RolePolicy", "RoleName"},
	"AWS::IAM::User":  {"AWS::IAM::UserPolicy", "UserName"},
	"AWS::IAM::Group": {"AWS::IAM::GroupPolicy", "GroupName"},
}

// policySource is a resource of the template whose policy documents a
// principal holds.
type policySource struct {
	id   string
	docs []struct {
		v    any
		path string
	}
}

func (p *policySource) add(v any, path string) {
	p.docs = append(p.docs, struct {
		v    any
		path string
	}{v, path})
}

// attachedPolicies are the policy resources of the template that a
// principal (id, of type typ) holds, beside its own Policies.
func (t *Template) attachedPolicies(id, typ string, props map[string]any, depth int) []policySource {
	var out []policySource
	names := func(v Value) bool { return t.namesResource(v, id, props, typ) }
	for _, other := range sortedKeys(t.properties) {
		op, _ := t.properties[other].(map[string]any)
		switch ot := t.Types[other]; {
		case ot == "AWS::IAM::Policy" || ot == "AWS::IAM::ManagedPolicy":
			attached := false
			for _, it := range t.Items(op[attachKey[typ]], "", false) {
				attached = attached || names(it.Value)
			}
			// A managed policy the principal's ManagedPolicyArns names.
			if ot == "AWS::IAM::ManagedPolicy" {
				for _, it := range t.Items(props["ManagedPolicyArns"], "", false) {
					attached = attached || t.namesResource(it.Value, other, op, ot)
				}
			}
			if attached {
				src := policySource{id: other}
				src.add(op["PolicyDocument"], "PolicyDocument")
				out = append(out, src)
			}
		case ot == inlineKey[typ][0]:
			for _, v := range t.Eval(op[inlineKey[typ][1]]) {
				if names(v) {
					src := policySource{id: other}
					src.add(op["PolicyDocument"], "PolicyDocument")
					out = append(out, src)
					break
				}
			}
		case typ == "AWS::IAM::User" && depth == 0 && ot == "AWS::IAM::Group":
			// The user's groups: its Groups, or a UserToGroupAddition.
			member := false
			for _, it := range t.Items(props["Groups"], "", false) {
				member = member || t.namesResource(it.Value, other, op, ot)
			}
			for _, add := range t.additions() {
				if member {
					break
				}
				ap, _ := t.properties[add].(map[string]any)
				inGroup := false
				for _, v := range t.Eval(ap["GroupName"]) {
					inGroup = inGroup || t.namesResource(v, other, op, ot)
				}
				if !inGroup {
					continue
				}
				for _, it := range t.Items(ap["Users"], "", false) {
					member = member || names(it.Value)
				}
			}
			if member {
				src := policySource{id: other}
				for _, pol := range t.Items(op["Policies"], "Policies", false) {
					if m, ok := pol.V.(map[string]any); ok {
						src.add(m["PolicyDocument"], pol.Path+".PolicyDocument")
					}
				}
				out = append(out, src)
				out = append(out, t.attachedPolicies(other, ot, op, depth+1)...)
			}
		}
	}
	return out
}

// namesResource reports whether a value may name the resource id: its
// Ref (bare, or as Fn::Sub writes it), an ARN or a name that some value of
// the name the template gives it matches, or a value known only at deploy
// time (which may be any name: read as naming it, failing closed).
func (t *Template) namesResource(v Value, id string, props map[string]any, typ string) bool {
	if !v.Known() {
		return !v.Absent
	}
	s := fmt.Sprint(v.V)
	if s == "Ref "+id || s == "${Ref "+id+"}" {
		return true
	}
	key := refIsName[typ]
	if typ == "AWS::IAM::ManagedPolicy" {
		key = "ManagedPolicyName"
	}
	if key == "" || props[key] == nil {
		return false
	}
	for _, n := range t.Eval(props[key]) {
		if !n.Known() {
			return true // a name known only at deploy time may be this one
		}
		name := fmt.Sprint(n.V)
		if s == name || strings.HasSuffix(s, "/"+name) {
			return true
		}
	}
	return false
}

// escalationGrants records in granted the escalation actions a statement
// allows on every resource of their kind, with where.
func escalationGrants(t *Template, st Value, path string, granted grants, j *judge) {
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
	seen := map[string]bool{}
	res := t.Items(m["Resource"], join(path, "Resource"), true, st.Conds...)
	for _, e := range escalations {
		for _, a := range e.actions {
			if seen[a] {
				continue
			}
			seen[a] = true
			under := names(t, m, path, st.Conds, a)
			if len(under) == 0 {
				continue
			}
			if present(t, m["NotResource"], st.Conds) {
				for _, conds := range under {
					granted[a] = append(granted[a], grant{where: path + st.When(), conds: conds})
				}
				continue
			}
			// The resources of the same deployment as the action: those
			// whose choices agree with the action's.
			for _, conds := range under {
				var in []Item
				for _, it := range res {
					if consistent(slices.Concat(conds, it.Conds)) {
						in = append(in, it)
					}
				}
				switch all, unknown := coverItems(in, escalationResources(a), false); {
				case all:
					granted[a] = append(granted[a], grant{where: path + st.When(), conds: conds})
				case unknown != nil:
					j.unresolved(unknown.Path, unknown.Value, "the resource of "+a)
				}
			}
		}
	}
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

// anyAccount replaces the literal 12-digit account of an ARN pattern with
// the probes' account.
func anyAccount(arn string) string {
	parts := strings.SplitN(arn, ":", 6)
	if len(parts) == 6 && len(parts[4]) == 12 && strings.Trim(parts[4], "0123456789") == "" {
		parts[4] = probeAccount
		return strings.Join(parts, ":")
	}
	return arn
}

// present reports whether a statement element is there in some
// alternative (AWS::NoValue removes it).
func present(t *Template, v any, conds []string) bool {
	if v == nil {
		return false
	}
	for _, alt := range t.Eval(v, conds...) {
		if !alt.Absent {
			return true
		}
	}
	return false
}

// names returns the choices under which a statement allows action a: those
// of each Action pattern that matches it; for NotAction, the statement's,
// when in some world none of the NotAction patterns present there matches
// it (a pattern AWS::NoValue removes, or one of exclusive choices, leaves
// it allowed). None: the statement never allows it.
func names(t *Template, m map[string]any, path string, conds []string, a string) [][]string {
	probe := func(partition) []string { return []string{a} }
	if !present(t, m["NotAction"], conds) {
		var out [][]string
		for _, it := range t.Items(m["Action"], join(path, "Action"), true, conds...) {
			if ok, _ := coverItems([]Item{it}, probe, true); ok {
				out = append(out, it.Conds)
			}
		}
		return out
	}
	items := t.Items(m["NotAction"], join(path, "NotAction"), true, conds...)
	var sets [][]string
	for _, it := range items {
		sets = append(sets, it.Conds)
	}
	allowed := false
	complete := t.worlds(conds, sets, func(holds func([]string) bool) bool {
		var in []Item
		for _, it := range items {
			if holds(it.Conds) {
				in = append(in, it)
			}
		}
		excluded, _ := coverItems(in, probe, true)
		allowed = !excluded
		return !allowed
	})
	if allowed || !complete {
		return [][]string{conds}
	}
	return nil
}

// additions are the template's UserToGroupAddition resources.
func (t *Template) additions() []string {
	if t.adds == nil {
		t.adds = []string{}
		for _, id := range sortedKeys(t.properties) {
			if t.Types[id] == "AWS::IAM::UserToGroupAddition" {
				t.adds = append(t.adds, id)
			}
		}
	}
	return t.adds
}
