package oracle

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
)

// Bootstrap says which roles exist in every target account and region
// before any pipeline does.
type Bootstrap struct {
	// Templates are bootstrap stacks deployed once per account and region
	// (handsoff's); their roles' names are rendered with the account and
	// region.
	Templates []map[string]any
	// CDKQualifier names the CDK bootstrap roles,
	// cdk-{qualifier}-{kind}-role-{account}-{region}.
	CDKQualifier string
	// PipelineAccount is the account of the pipeline, which the bootstrap
	// stacks were told to trust.
	PipelineAccount string
	// PipelineRegion is the region of the pipeline, where actions without
	// a Region run.
	PipelineRegion string
	// Partition is the partition of the pipeline's region. Default: aws.
	Partition string
}

var (
	reRoleArn = regexp.MustCompile(`^arn:[a-z-]+:iam::([0-9]{12}):role/(.+)$`)
	reAccount = regexp.MustCompile(`^arn:[a-z-]+:iam::([0-9]{12}):`)
)

// RolesBeforePipeline holds a pipeline to CodePipeline's rule that, when a
// pipeline is created or updated, its role must be able to assume every
// role that an action or a condition rule names; otherwise CreatePipeline
// and UpdatePipeline fail with InvalidStructureException
// (https://github.com/aws/aws-cdk/issues/14484,
// https://github.com/aws/aws-cdk/issues/22489,
// https://docs.aws.amazon.com/codepipeline/latest/userguide/pipelines-create-cross-account.html).
// A role the pipeline's own deployments create does not exist at the first
// deploy, nor when self-mutation adds an environment. So every named role
// must be the pipeline stack's own, or created by a bootstrap stack, trust
// the pipeline's role, and be granted to it by an sts:AssumeRole
// statement. It returns one problem per role and place.
func RolesBeforePipeline(asm Assembly, b Bootstrap) []string {
	if b.Partition == "" {
		b.Partition = "aws"
	}
	p, err := FindPipeline(asm)
	if err != nil {
		return []string{err.Error()}
	}
	p.Region = b.PipelineRegion
	res := resources(p.template)
	roleID, roleName, problems := pipelineRole(p, res)
	pipelineRoleArn := fmt.Sprintf("arn:%s:iam::%s:role/%s", b.Partition, b.PipelineAccount, roleName)
	grants := assumeGrants(res, roleID, b.Partition)

	// Roles that stacks deployed by the pipeline create, by account/name.
	created := map[string]string{}
	for _, a := range p.Actions() {
		if a.Provider() != "CloudFormation" {
			continue
		}
		path, _ := a.Config("TemplatePath").(string)
		_, rel, ok := strings.Cut(path, "::")
		tmpl := asm[rel]
		if !ok || tmpl == nil {
			continue
		}
		account, region := actionPlace(a.Props, b.Partition, p.Region)
		vars := map[string]string{"AWS::Partition": b.Partition, "AWS::AccountId": account, "AWS::Region": region}
		for _, r := range resources(tmpl) {
			if r["Type"] != "AWS::IAM::Role" {
				continue
			}
			props, _ := r["Properties"].(map[string]any)
			if name, ok := Render(props["RoleName"], vars); ok {
				created[account+"/"+name] = rel
			}
		}
	}

	// assumed: the pipeline's role assumes it (action and rule roles); the
	// CloudFormation role of a deploy action is passed by the deploy role
	// to CloudFormation instead, and needs only to exist.
	check := func(where string, v any, region string, assumed bool) {
		if v == nil {
			return
		}
		if m, ok := v.(map[string]any); ok {
			if ga, ok := m["Fn::GetAtt"].([]any); ok && len(ga) == 2 && res[fmt.Sprint(ga[0])] != nil {
				return // the pipeline stack's own role, created before the pipeline
			}
		}
		arn, ok := Render(v, map[string]string{"AWS::Partition": b.Partition})
		if !ok {
			problems = append(problems, fmt.Sprintf("%s: role %s is not known at synth", where, compact(v)))
			return
		}
		m := reRoleArn.FindStringSubmatch(arn)
		if m == nil {
			problems = append(problems, fmt.Sprintf("%s: %s is not a role ARN", where, arn))
			return
		}
		account, name := m[1], m[2]
		if stack, ok := created[account+"/"+name]; ok {
			problems = append(problems, fmt.Sprintf("%s: role %s is created by %s, which this pipeline deploys: CodePipeline refuses the pipeline (InvalidStructureException) on the first deploy and whenever self-mutation adds it, because the role does not exist yet; take it from a bootstrap stack", where, arn, stack))
			return
		}
		if assumed && !slices.ContainsFunc(grants, func(g *regexp.Regexp) bool { return g.MatchString(arn) }) {
			problems = append(problems, fmt.Sprintf("%s: the pipeline's role may not assume %s: no sts:AssumeRole statement of its policies covers it", where, arn))
		}
		if ok, why := b.provides(account, region, name, pipelineRoleArn); !ok {
			problems = append(problems, fmt.Sprintf("%s: role %s: %s", where, arn, why))
		}
	}
	for _, a := range p.Actions() {
		_, region := actionPlace(a.Props, b.Partition, p.Region)
		name, _ := a.Props["Name"].(string)
		check(fmt.Sprintf("stage %s action %s", a.Stage, name), a.Props["RoleArn"], region, true)
		if a.Provider() == "CloudFormation" {
			// The deploy role passes this role to CloudFormation; it must
			// exist when the action runs.
			check(fmt.Sprintf("stage %s action %s (CloudFormation role)", a.Stage, name), a.Config("RoleArn"), region, false)
		}
	}
	for _, r := range p.Rules() {
		region, _ := r.Props["Region"].(string)
		if region == "" {
			region = p.Region
		}
		name, _ := r.Props["Name"].(string)
		check(fmt.Sprintf("stage %s rule %s", r.Stage, name), r.Props["RoleArn"], region, true)
	}
	return problems
}

// provides reports whether a bootstrap stack of account and region
// creates role name and lets principal assume it.
func (b Bootstrap) provides(account, region, name, principal string) (bool, string) {
	if b.CDKQualifier != "" {
		if ok, _ := regexp.MatchString(fmt.Sprintf(`^cdk-%s-[a-z-]+-role-%s-%s$`, regexp.QuoteMeta(b.CDKQualifier), account, regexp.QuoteMeta(region)), name); ok {
			return true, "" // cdk bootstrap --trust {pipeline account}
		}
	}
	vars := map[string]string{"AWS::Partition": b.Partition, "AWS::AccountId": account, "AWS::Region": region}
	for _, tmpl := range b.Templates {
		for _, r := range resources(tmpl) {
			props, _ := r["Properties"].(map[string]any)
			if r["Type"] != "AWS::IAM::Role" {
				continue
			}
			if n, ok := Render(props["RoleName"], vars); !ok || n != name {
				continue
			}
			if trusts(props["AssumeRolePolicyDocument"], principal, vars, []string{b.PipelineAccount}) {
				return true, ""
			}
			return false, fmt.Sprintf("the bootstrap stack creates it, but its trust policy does not let %s assume it", principal)
		}
	}
	return false, "no bootstrap stack creates it (nor may a stack the pipeline deploys): the pipeline cannot be created"
}

// trusts reports whether a trust policy lets principal (a role ARN)
// assume the role: an Allow of sts:AssumeRole whose Principal names it
// (its ARN, its account, its account's root, "*", or the bootstrap's
// TrustedAccounts parameter, which stands for trusted) and whose
// conditions on aws:PrincipalArn, if any, match it; and no Deny that may
// apply to it. A condition on another key, or a NotPrincipal or NotAction,
// cannot be decided here: an Allow with one grants nothing, a Deny with
// one denies (fail closed).
// https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic.html
func trusts(doc any, principal string, vars map[string]string, trusted []string) bool {
	d, _ := doc.(map[string]any)
	stmts, _ := d["Statement"].([]any)
	allowed := false
	for _, s := range stmts {
		sm, _ := s.(map[string]any)
		deny := sm["Effect"] == "Deny"
		if !deny && sm["Effect"] != "Allow" {
			continue
		}
		if sm["NotPrincipal"] != nil || sm["NotAction"] != nil {
			if deny {
				return false
			}
			continue
		}
		if !anyMatches(sm["Action"], "sts:AssumeRole", vars) || !principalNamed(sm["Principal"], principal, vars, trusted) {
			continue
		}
		match, decided := principalConditions(sm["Condition"], principal, vars)
		switch {
		case deny && (match || !decided):
			return false
		case !deny && match && decided:
			allowed = true
		}
	}
	return allowed
}

// principalNamed reports whether a Principal element names principal.
func principalNamed(p any, principal string, vars map[string]string, trusted []string) bool {
	if p == "*" {
		return true
	}
	m := reRoleArn.FindStringSubmatch(principal)
	if m == nil {
		return false
	}
	account := m[1]
	pm, _ := p.(map[string]any)
	list, isList := pm["AWS"].([]any)
	if !isList {
		list = []any{pm["AWS"]}
	}
	for _, x := range list {
		if xm, ok := x.(map[string]any); ok && xm["Ref"] == "TrustedAccounts" {
			if slices.Contains(trusted, account) {
				return true
			}
			continue
		}
		v, ok := Render(x, vars)
		if !ok {
			continue
		}
		if v == "*" || v == account || v == principal || strings.HasSuffix(v, ":iam::"+account+":root") {
			return true
		}
	}
	return false
}

// principalConditions evaluates a statement's conditions for principal:
// match, and whether it could be decided (only aws:PrincipalArn can).
func principalConditions(cond any, principal string, vars map[string]string) (match, decided bool) {
	cm, _ := cond.(map[string]any)
	match, decided = true, true
	for op, kv := range cm {
		m, _ := kv.(map[string]any)
		for key, pattern := range m {
			if key != "aws:PrincipalArn" {
				decided = false
				continue
			}
			// A list of values matches when one of them does
			// (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-logic-multiple-context-keys-or-values.html).
			values, isList := pattern.([]any)
			if !isList {
				values = []any{pattern}
			}
			one := false
			for _, v := range values {
				pat, rendered := Render(v, vars)
				if !rendered {
					decided = false
					continue
				}
				switch op {
				case "ArnLike", "ArnEquals":
					// Both compare each of an ARN's six parts, with * and ?
					// (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html#Conditions_ARN).
					one = one || arnMatch(pat, principal)
				case "StringLike":
					one = one || wildcard(pat).MatchString(principal)
				case "StringEquals":
					one = one || pat == principal
				default:
					decided = false
				}
			}
			match = match && one
		}
	}
	return match, decided
}

// pipelineRole finds the pipeline's role and its name.
func pipelineRole(p *Pipeline, res map[string]map[string]any) (id, name string, problems []string) {
	ga, _ := p.Props["RoleArn"].(map[string]any)
	parts, _ := ga["Fn::GetAtt"].([]any)
	if len(parts) != 2 {
		return "", "", []string{"the pipeline's role is not a role of its own stack"}
	}
	id = fmt.Sprint(parts[0])
	props, _ := res[id]["Properties"].(map[string]any)
	name, ok := Render(props["RoleName"], nil)
	if !ok {
		return id, "", []string{"the pipeline's role has no fixed name, so no trust policy can name it (aws:PrincipalArn)"}
	}
	return id, name, nil
}

// assumeGrants are the resources of every sts:AssumeRole statement of the
// policies attached to the role, as patterns.
func assumeGrants(res map[string]map[string]any, roleID, partition string) []*regexp.Regexp {
	var out []*regexp.Regexp
	for _, r := range res {
		if r["Type"] != "AWS::IAM::Policy" && r["Type"] != "AWS::IAM::ManagedPolicy" {
			continue
		}
		props, _ := r["Properties"].(map[string]any)
		if !strings.Contains(compact(props["Roles"]), `{"Ref":"`+roleID+`"}`) {
			continue
		}
		doc, _ := props["PolicyDocument"].(map[string]any)
		stmts, _ := doc["Statement"].([]any)
		for _, s := range stmts {
			sm, _ := s.(map[string]any)
			if sm["Effect"] != "Allow" || !strings.Contains(compact(sm["Action"]), `"sts:AssumeRole"`) {
				continue
			}
			list, ok := sm["Resource"].([]any)
			if !ok {
				list = []any{sm["Resource"]}
			}
			for _, x := range list {
				if s, ok := Render(x, map[string]string{"AWS::Partition": partition}); ok {
					out = append(out, wildcard(s))
				}
			}
		}
	}
	return out
}

// arnMatch is IAM's ArnLike: the pattern and the ARN have six
// colon-separated parts each (the last may hold colons), and each part
// matches with * and ? within that part.
func arnMatch(pattern, arn string) bool {
	p, a := strings.SplitN(pattern, ":", 6), strings.SplitN(arn, ":", 6)
	if len(p) != 6 || len(a) != 6 {
		return false
	}
	for i := range p {
		if !wildcard(p[i]).MatchString(a[i]) {
			return false
		}
	}
	return true
}

// Reaches reports whether principal (a role ARN of a trusted account) may,
// through some role of the bootstrap stacks of account and region, do
// action on resource: a role that trusts it and allows that. It names the
// role that does.
func (b Bootstrap) Reaches(account, region, principal, action, resource string) (string, bool) {
	if b.Partition == "" {
		b.Partition = "aws"
	}
	vars := map[string]string{"AWS::Partition": b.Partition, "AWS::AccountId": account, "AWS::Region": region}
	for _, tmpl := range b.Templates {
		for _, r := range resources(tmpl) {
			props, _ := r["Properties"].(map[string]any)
			name, ok := Render(props["RoleName"], vars)
			if r["Type"] != "AWS::IAM::Role" || !ok || !trusts(props["AssumeRolePolicyDocument"], principal, vars, []string{b.PipelineAccount}) {
				continue
			}
			if allowed(b.roleDocs(name, vars), action, resource, vars) {
				return name, true
			}
		}
	}
	return "", false
}

// wildcard turns an IAM pattern (* and ?) into a regular expression.
func wildcard(p string) *regexp.Regexp {
	q := regexp.QuoteMeta(p)
	q = strings.ReplaceAll(q, `\*`, ".*")
	q = strings.ReplaceAll(q, `\?`, ".")
	return regexp.MustCompile("^" + q + "$")
}

// actionPlace is the account (from the action's role) and region of an
// action.
func actionPlace(a map[string]any, partition, defaultRegion string) (account, region string) {
	region, _ = a["Region"].(string)
	if region == "" {
		region = defaultRegion
	}
	if arn, ok := Render(a["RoleArn"], map[string]string{"AWS::Partition": partition}); ok {
		if m := reAccount.FindStringSubmatch(arn); m != nil {
			account = m[1]
		}
	}
	return account, region
}
