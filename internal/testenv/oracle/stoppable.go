package oracle

import (
	"fmt"
	"strings"
)

// ValidationsStoppable holds a pipeline to what stopping a validation it gave
// up on takes on AWS. CodePipeline does not stop a state machine whose
// action fails or whose stage stops ("the state machine might continue
// despite this failure",
// https://docs.aws.amazon.com/codepipeline/latest/userguide/action-reference-StepFunctions.html),
// so for a pipeline with StepFunctions actions:
//
//   - an EventBridge rule of the pipeline's stack matches a FAILED stage of
//     this pipeline, and one matches a FAILED StepFunctions action of it
//     (event shapes: https://docs.aws.amazon.com/codepipeline/latest/userguide/detect-state-changes-cloudwatch-events.html;
//     matching: https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-event-patterns.html);
//   - its target is a function of the stack that EventBridge may invoke for
//     that rule: a Lambda permission for events.amazonaws.com with the
//     rule's ARN as source
//     (https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-use-resource-based.html#eb-lambda-permissions);
//   - the function's role may read the pipeline (codepipeline:GetPipeline)
//     and assume every StepFunctions action's role;
//   - each of those roles, as the bootstrap makes it, trusts the function's
//     role and may list and stop the state machine's executions.
//
// It returns one problem per missing piece.
func ValidationsStoppable(asm Assembly, b Bootstrap) []string {
	if b.Partition == "" {
		b.Partition = "aws"
	}
	p, err := FindPipeline(asm)
	if err != nil {
		return []string{err.Error()}
	}
	var sfn []Action
	for _, a := range p.Actions() {
		if a.Provider() == "StepFunctions" {
			sfn = append(sfn, a)
		}
	}
	if len(sfn) == 0 {
		return nil
	}
	name, _ := Render(p.Props["Name"], nil)
	res := resources(p.template)
	vars := map[string]string{"AWS::Partition": b.Partition, "AWS::AccountId": b.PipelineAccount, "AWS::Region": b.PipelineRegion}
	pipelineArn := fmt.Sprintf("arn:%s:codepipeline:%s:%s:%s", b.Partition, b.PipelineRegion, b.PipelineAccount, name)
	events := map[string]map[string]any{
		"a failed stage": {"source": "aws.codepipeline", "detail-type": "CodePipeline Stage Execution State Change",
			"detail": map[string]any{"pipeline": name, "stage": sfn[0].Stage, "state": "FAILED"}},
		"a failed StepFunctions action": {"source": "aws.codepipeline", "detail-type": "CodePipeline Action Execution State Change",
			"detail": map[string]any{"pipeline": name, "stage": sfn[0].Stage, "action": "Validate", "state": "FAILED",
				"type": map[string]any{"owner": "AWS", "category": "Invoke", "provider": "StepFunctions", "version": "1"}}},
	}
	var problems []string
	for what, event := range events {
		var reasons []string
		stopped := false
		for id, r := range res {
			if r["Type"] != "AWS::Events::Rule" {
				continue
			}
			props, _ := r["Properties"].(map[string]any)
			if props["State"] == "DISABLED" || !Matches(props["EventPattern"], event) {
				continue
			}
			targets, _ := props["Targets"].([]any)
			for _, t := range targets {
				tm, _ := t.(map[string]any)
				fn := getAttArn(tm["Arn"])
				if res[fn]["Type"] != "AWS::Lambda::Function" {
					continue
				}
				if why := stopperCan(res, id, fn, pipelineArn, sfn, b, vars); why != "" {
					reasons = append(reasons, fmt.Sprintf("rule %s -> %s: %s", id, fn, why))
					continue
				}
				stopped = true
			}
		}
		if !stopped {
			msg := "no rule of the pipeline's stack stops the running validations on " + what
			if len(reasons) > 0 {
				msg += " (" + strings.Join(reasons, "; ") + ")"
			}
			problems = append(problems, msg)
		}
	}
	return problems
}

// stopperCan says what keeps function fn, the target of rule, from
// stopping the executions of the actions; "" when nothing does.
func stopperCan(res map[string]map[string]any, rule, fn, pipelineArn string, actions []Action, b Bootstrap, vars map[string]string) string {
	permitted := false
	for _, r := range res {
		props, _ := r["Properties"].(map[string]any)
		if r["Type"] == "AWS::Lambda::Permission" && props["Principal"] == "events.amazonaws.com" &&
			refOf(props["FunctionName"]) == fn && getAttArn(props["SourceArn"]) == rule && props["Action"] == "lambda:InvokeFunction" {
			permitted = true
		}
	}
	if !permitted {
		return "EventBridge may not invoke the function for this rule (no Lambda permission)"
	}
	fprops, _ := res[fn]["Properties"].(map[string]any)
	roleID := getAttArn(fprops["Role"])
	rprops, _ := res[roleID]["Properties"].(map[string]any)
	roleName, ok := Render(rprops["RoleName"], vars)
	if !ok {
		return "the function's role has no fixed name, so no gate role can trust it"
	}
	roleArn := fmt.Sprintf("arn:%s:iam::%s:role/%s", b.Partition, b.PipelineAccount, roleName)
	var docs []any
	policies, _ := rprops["Policies"].([]any)
	for _, pol := range policies {
		pm, _ := pol.(map[string]any)
		docs = append(docs, pm["PolicyDocument"])
	}
	if !allowed(docs, "codepipeline:GetPipeline", pipelineArn, vars) {
		return "its role may not read the pipeline (codepipeline:GetPipeline on " + pipelineArn + ")"
	}
	for _, a := range actions {
		account, region := actionPlace(a.Props, b.Partition, b.PipelineRegion)
		role, _ := Render(a.Props["RoleArn"], vars)
		if !allowed(docs, "sts:AssumeRole", role, vars) {
			return "its role may not assume " + role + " of action " + a.Stage
		}
		m := reRoleArn.FindStringSubmatch(role)
		if m == nil {
			return "action " + a.Stage + " has no role ARN the oracle can read"
		}
		if ok, why := b.provides(account, region, m[2], roleArn); !ok {
			return fmt.Sprintf("%s in %s %s: %s", m[2], account, region, why)
		}
		machine, _ := Render(a.Config("StateMachineArn"), vars)
		execution := strings.Replace(machine, ":stateMachine:", ":execution:", 1) + ":some-execution"
		bvars := map[string]string{"AWS::Partition": b.Partition, "AWS::AccountId": account, "AWS::Region": region}
		gate := b.roleDocs(m[2], bvars)
		if !allowed(gate, "states:ListExecutions", machine, bvars) || !allowed(gate, "states:StopExecution", execution, bvars) {
			return fmt.Sprintf("the gate role %s may not list and stop the executions of %s (bootstrap version too old?)", m[2], machine)
		}
	}
	return ""
}

// roleDocs are the policy documents of the bootstrap role with that name.
func (b Bootstrap) roleDocs(name string, vars map[string]string) []any {
	var docs []any
	for _, tmpl := range b.Templates {
		for _, r := range resources(tmpl) {
			props, _ := r["Properties"].(map[string]any)
			if n, ok := Render(props["RoleName"], vars); r["Type"] != "AWS::IAM::Role" || !ok || n != name {
				continue
			}
			policies, _ := props["Policies"].([]any)
			for _, pol := range policies {
				pm, _ := pol.(map[string]any)
				docs = append(docs, pm["PolicyDocument"])
			}
		}
	}
	return docs
}

// allowed reports whether a statement of docs allows action on resource
// (IAM's * and ? in both; no Deny is modelled, since these roles have none).
func allowed(docs []any, action, resource string, vars map[string]string) bool {
	for _, d := range docs {
		dm, _ := d.(map[string]any)
		stmts, _ := dm["Statement"].([]any)
		for _, s := range stmts {
			sm, _ := s.(map[string]any)
			if sm["Effect"] != "Allow" || !anyMatches(sm["Action"], action, vars) || !anyMatches(sm["Resource"], resource, vars) {
				continue
			}
			return true
		}
	}
	return false
}

func anyMatches(v any, s string, vars map[string]string) bool {
	list, ok := v.([]any)
	if !ok {
		list = []any{v}
	}
	for _, x := range list {
		if p, ok := Render(x, vars); ok && wildcard(p).MatchString(s) {
			return true
		}
	}
	return false
}

// Matches reports whether an EventBridge event pattern matches event, for
// the pattern forms handsoff writes: each field of the pattern must be in
// the event; a list matches when the event's value equals one of its
// values (exact matching); an object matches an object field by field.
// Content filters (prefix, anything-but, $or, ...) match nothing here, so
// the oracle never passes a pattern it does not understand.
func Matches(pattern any, event any) bool {
	pm, ok := pattern.(map[string]any)
	if !ok {
		return false
	}
	em, _ := event.(map[string]any)
	for key, want := range pm {
		got, present := em[key]
		if !present {
			return false
		}
		switch w := want.(type) {
		case map[string]any:
			if !Matches(w, got) {
				return false
			}
		case []any:
			// A value in the event that is an array matches when one of
			// its elements does; a {"prefix": P} filter matches a string
			// that starts with P; other filters match nothing here
			// (https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-event-patterns-content-based-filtering.html).
			values := []any{got}
			if arr, ok := got.([]any); ok {
				values = arr
			}
			found := false
			for _, v := range w {
				for _, g := range values {
					if f, filter := v.(map[string]any); filter {
						p, isPrefix := f["prefix"].(string)
						s, isString := g.(string)
						if len(f) == 1 && isPrefix && isString && strings.HasPrefix(s, p) {
							found = true
						}
					} else if v == g {
						found = true
					}
				}
			}
			if !found {
				return false
			}
		default:
			return false
		}
	}
	return true
}

func getAttArn(v any) string {
	m, _ := v.(map[string]any)
	parts, _ := m["Fn::GetAtt"].([]any)
	if len(parts) == 2 && parts[1] == "Arn" {
		return fmt.Sprint(parts[0])
	}
	return ""
}

func refOf(v any) string {
	m, _ := v.(map[string]any)
	s, _ := m["Ref"].(string)
	return s
}
