package oracle

import (
	"encoding/json"
	"fmt"
	"slices"
	"sort"
	"strings"
)

// A Limit is one documented quota a synthesized assembly must respect.
type Limit struct {
	What string // what is limited
	Max  int
	Doc  string // where AWS documents it
}

// The limits the synthesized pipeline and its environments are held to,
// each with the documentation it comes from. IAM's are IAMQuotas'.
var (
	LimitActionConfiguration = Limit{"characters in one CodePipeline action configuration value", 1000,
		"https://docs.aws.amazon.com/codepipeline/latest/userguide/limits.html"}
	LimitPipelineName = Limit{"characters in a CodePipeline pipeline, stage or action name", 100,
		"https://docs.aws.amazon.com/codepipeline/latest/userguide/limits.html"}
	LimitActionsPerStage = Limit{"actions in a CodePipeline stage", 50,
		"https://docs.aws.amazon.com/codepipeline/latest/userguide/limits.html"}
	LimitStages = Limit{"stages in a CodePipeline pipeline", 50,
		"https://docs.aws.amazon.com/codepipeline/latest/userguide/limits.html"}
	LimitActions = Limit{"actions in a CodePipeline pipeline", 500,
		"https://docs.aws.amazon.com/codepipeline/latest/userguide/limits.html"}
	LimitBuildSpec = Limit{"characters in a CodeBuild project's buildspec", 25600,
		"https://docs.aws.amazon.com/codebuild/latest/APIReference/API_ProjectSource.html (aws/aws-cdk#30326)"}
	LimitResources = Limit{"resources in a CloudFormation template", 500,
		"https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/cloudformation-limits.html"}
	LimitOutputs = Limit{"outputs in a CloudFormation template", 200,
		"https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/cloudformation-limits.html"}
	LimitParameters = Limit{"parameters in a CloudFormation template", 200,
		"https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/cloudformation-limits.html"}
	LimitTemplateBytes = Limit{"bytes of a CloudFormation template body read from S3", 1_000_000,
		"https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/cloudformation-limits.html"}
	LimitLambdaEnvironment = Limit{"bytes of a Lambda function's environment variables", 4096,
		"https://docs.aws.amazon.com/lambda/latest/dg/gettingstarted-limits.html"}
	LimitEventPattern = Limit{"characters in an EventBridge rule's event pattern", 4096,
		"https://docs.aws.amazon.com/eventbridge/latest/APIReference/API_PutRule.html"}
	LimitTargetInput = Limit{"characters in an EventBridge target's Input or input template", 8192,
		"https://docs.aws.amazon.com/eventbridge/latest/APIReference/API_Target.html"}
	LimitStateMachineName = Limit{"characters in a Step Functions state machine name", 80,
		"https://docs.aws.amazon.com/step-functions/latest/dg/service-quotas.html"}
	LimitFunctionName = Limit{"characters in a Lambda function name", 64,
		"https://docs.aws.amazon.com/lambda/latest/api/API_CreateFunction.html"}
)

// Limits holds an assembly's templates to the limits above: each line
// names the template, what exceeds which limit, and by how much.
func Limits(asm Assembly, raw map[string][]byte) []string {
	var out []string
	over := func(path, what string, n int, l Limit) {
		if n > l.Max {
			out = append(out, fmt.Sprintf("%s: %s has %d %s; the limit is %d (%s)", path, what, n, l.What, l.Max, l.Doc))
		}
	}
	for path, data := range raw {
		over(path, "the template", len(data), LimitTemplateBytes)
	}
	for path, tmpl := range asm {
		res := resources(tmpl)
		over(path, "the template", len(res), LimitResources)
		outputs, _ := tmpl["Outputs"].(map[string]any)
		over(path, "the template", len(outputs), LimitOutputs)
		params, _ := tmpl["Parameters"].(map[string]any)
		over(path, "the template", len(params), LimitParameters)
		for id, r := range res {
			props, _ := r["Properties"].(map[string]any)
			switch r["Type"] {
			case "AWS::CodePipeline::Pipeline":
				out = append(out, pipelineLimits(path, id, props)...)
			case "AWS::CodeBuild::Project":
				src, _ := props["Source"].(map[string]any)
				over(path, "CodeBuild project "+id, textLength(src["BuildSpec"]), LimitBuildSpec)
			case "AWS::Lambda::Function":
				env, _ := props["Environment"].(map[string]any)
				vars, _ := env["Variables"].(map[string]any)
				n := 0
				for k, v := range vars {
					n += len(k) + textLength(v)
				}
				over(path, "function "+id, n, LimitLambdaEnvironment)
				if name, ok := props["FunctionName"].(string); ok {
					over(path, "function "+id+"'s name", len(name), LimitFunctionName)
				}
			case "AWS::Events::Rule":
				if p := props["EventPattern"]; p != nil {
					over(path, "rule "+id, textLength(p), LimitEventPattern)
				}
				targets, _ := props["Targets"].([]any)
				for _, t := range targets {
					tm, _ := t.(map[string]any)
					over(path, "rule "+id+"'s target input", textLength(tm["Input"]), LimitTargetInput)
					if it, ok := tm["InputTransformer"].(map[string]any); ok {
						over(path, "rule "+id+"'s input template", textLength(it["InputTemplate"]), LimitTargetInput)
					}
				}
			case "AWS::StepFunctions::StateMachine":
				if name, ok := props["StateMachineName"].(string); ok {
					over(path, "state machine "+id+"'s name", len(name), LimitStateMachineName)
				}
			}
		}
	}
	sort.Strings(out)
	return out
}

func pipelineLimits(path, id string, props map[string]any) []string {
	var out []string
	over := func(what string, n int, l Limit) {
		if n > l.Max {
			out = append(out, fmt.Sprintf("%s: %s has %d %s; the limit is %d (%s)", path, what, n, l.What, l.Max, l.Doc))
		}
	}
	if name, ok := props["Name"].(string); ok {
		over("pipeline "+id+"'s name", len(name), LimitPipelineName)
	}
	stages, _ := props["Stages"].([]any)
	over("pipeline "+id, len(stages), LimitStages)
	total := 0
	for _, s := range stages {
		sm, _ := s.(map[string]any)
		sname := fmt.Sprint(sm["Name"])
		over("stage "+sname+"'s name", len(sname), LimitPipelineName)
		actions, _ := sm["Actions"].([]any)
		total += len(actions)
		over("stage "+sname, len(actions), LimitActionsPerStage)
		for _, a := range actions {
			am, _ := a.(map[string]any)
			aname := fmt.Sprint(am["Name"])
			over("action "+sname+"/"+aname+"'s name", len(aname), LimitPipelineName)
			cfg, _ := am["Configuration"].(map[string]any)
			for k, v := range cfg {
				over("action "+sname+"/"+aname+"'s "+k, textLength(v), LimitActionConfiguration)
			}
		}
	}
	over("pipeline "+id, total, LimitActions)
	return out
}

// textLength is the length of a value as CloudFormation passes it on: a
// string's characters; an object's JSON (an intrinsic counts as its
// longest literal reading would, never less than its literal parts).
func textLength(v any) int {
	switch x := v.(type) {
	case nil:
		return 0
	case string:
		return len(x)
	case map[string]any:
		if parts, ok := x["Fn::Join"].([]any); ok && len(parts) == 2 {
			sep, _ := parts[0].(string)
			list, _ := parts[1].([]any)
			n := 0
			for i, p := range list {
				if i > 0 {
					n += len(sep)
				}
				n += textLength(p)
			}
			return n
		}
		if s, ok := x["Fn::Sub"].(string); ok {
			return len(s)
		}
		if len(x) == 1 {
			for k := range x {
				if k == "Ref" || strings.HasPrefix(k, "Fn::") {
					return 100 // a reference: an ARN, counted long
				}
			}
		}
	}
	raw, _ := json.Marshal(v)
	return len(raw)
}

// NotificationsDelivered holds what reaching a topic the template does not
// own takes: an EventBridge rule's SNS target publishes with a role of the
// template that may sns:Publish to it (the topic's policy is the
// platform's, and a rule without a role depends on it naming
// events.amazonaws.com:
// https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-use-resource-based.html#eb-sns-permissions);
// and every topic a CodeStar notification rule targets is one of
// printed, the topics whose policy statement `handsoff bootstrap` prints.
func NotificationsDelivered(asm Assembly, printed []string) []string {
	var out []string
	for path, tmpl := range asm {
		res := resources(tmpl)
		publishes := map[string][]string{} // role logical id → topics it may publish to
		for _, r := range res {
			if r["Type"] != "AWS::IAM::Policy" {
				continue
			}
			props, _ := r["Properties"].(map[string]any)
			doc, _ := props["PolicyDocument"].(map[string]any)
			sts, _ := doc["Statement"].([]any)
			roles, _ := props["Roles"].([]any)
			for _, st := range sts {
				sm, _ := st.(map[string]any)
				if sm["Effect"] != "Allow" || !strings.Contains(fmt.Sprint(sm["Action"]), "sns:Publish") {
					continue
				}
				for _, role := range roles {
					if ref, ok := role.(map[string]any)["Ref"].(string); ok {
						publishes[ref] = append(publishes[ref], fmt.Sprint(sm["Resource"]))
					}
				}
			}
		}
		for id, r := range res {
			props, _ := r["Properties"].(map[string]any)
			switch r["Type"] {
			case "AWS::Events::Rule":
				targets, _ := props["Targets"].([]any)
				for _, t := range targets {
					tm, _ := t.(map[string]any)
					arn, _ := tm["Arn"].(string)
					if !strings.HasPrefix(arn, "arn:") || !strings.Contains(arn, ":sns:") {
						continue
					}
					role := ""
					roleArn, _ := tm["RoleArn"].(map[string]any)
					if ga, ok := roleArn["Fn::GetAtt"].([]any); ok && len(ga) == 2 {
						role, _ = ga[0].(string)
					}
					if role == "" || !strings.Contains(strings.Join(publishes[role], " "), arn) {
						out = append(out, fmt.Sprintf("%s: rule %s publishes to %s without a role of the template that may sns:Publish to it: delivery then rests on the topic's policy, which the pipeline does not own", path, id, arn))
					}
				}
			case "AWS::CodeStarNotifications::NotificationRule":
				targets, _ := props["Targets"].([]any)
				for _, t := range targets {
					tm, _ := t.(map[string]any)
					if arn, _ := tm["TargetAddress"].(string); tm["TargetType"] == "SNS" && !slices.Contains(printed, arn) {
						out = append(out, fmt.Sprintf("%s: notification rule %s targets %s, whose policy statement for codestar-notifications.amazonaws.com handsoff bootstrap does not print: its notifications would be dropped", path, id, arn))
					}
				}
			}
		}
	}
	sort.Strings(out)
	return out
}

// ArtifactStores holds CodePipeline's rule that a pipeline with actions in
// several regions has an artifact store in each region an action runs in
// (ArtifactStores, one per region; an action without Region runs in the
// pipeline's)
// (https://docs.aws.amazon.com/codepipeline/latest/userguide/actions-create-cross-region.html).
func ArtifactStores(asm Assembly) []string {
	var out []string
	for path, tmpl := range asm {
		for id, r := range resources(tmpl) {
			if r["Type"] != "AWS::CodePipeline::Pipeline" {
				continue
			}
			props, _ := r["Properties"].(map[string]any)
			stores, _ := props["ArtifactStores"].([]any)
			if len(stores) == 0 {
				continue // one region: the pipeline's ArtifactStore serves it
			}
			have := map[string]bool{}
			for _, s := range stores {
				sm, _ := s.(map[string]any)
				have[fmt.Sprint(sm["Region"])] = true
			}
			stages, _ := props["Stages"].([]any)
			for _, s := range stages {
				sm, _ := s.(map[string]any)
				actions, _ := sm["Actions"].([]any)
				for _, a := range actions {
					am, _ := a.(map[string]any)
					region, ok := am["Region"].(string)
					if ok && !have[region] {
						out = append(out, fmt.Sprintf("%s: pipeline %s: action %s/%s runs in %s, which has no artifact store", path, id, sm["Name"], am["Name"], region))
					}
				}
			}
		}
	}
	sort.Strings(out)
	return out
}

// sdkCalls are the CodePipeline calls a handsoff function makes with its
// own role, by the SDK method its code names, and the IAM action each
// needs (https://docs.aws.amazon.com/service-authorization/latest/reference/list_awscodepipeline.html).
var sdkCalls = map[string]string{
	"getPipelineState(":    "codepipeline:GetPipelineState",
	"putJobSuccessResult(": "codepipeline:PutJobSuccessResult",
	"putJobFailureResult(": "codepipeline:PutJobFailureResult",
}

// FunctionsMayCall holds that every inline function whose code makes one
// of sdkCalls has a role (its Role, an AWS::IAM::Role of the template)
// whose inline policies allow that action, on "*" or on an ARN of the
// template's pipelines for GetPipelineState.
func FunctionsMayCall(asm Assembly) []string {
	var out []string
	for path, tmpl := range asm {
		res := resources(tmpl)
		for id, r := range res {
			if r["Type"] != "AWS::Lambda::Function" {
				continue
			}
			props, _ := r["Properties"].(map[string]any)
			code, _ := props["Code"].(map[string]any)
			src, _ := code["ZipFile"].(string)
			roleArn, _ := props["Role"].(map[string]any)
			ga, _ := roleArn["Fn::GetAtt"].([]any)
			var role map[string]any
			if len(ga) == 2 {
				role = res[fmt.Sprint(ga[0])]
			}
			for call, action := range sdkCalls {
				if !strings.Contains(src, call) {
					continue
				}
				if !roleAllows(role, action) {
					out = append(out, fmt.Sprintf("%s: function %s calls %s, which its role does not allow (%s)", path, id, strings.TrimSuffix(call, "("), action))
				}
			}
		}
	}
	sort.Strings(out)
	return out
}

// roleAllows reports whether a role's inline policies allow an action (by
// name or a pattern with *) on some resource.
func roleAllows(role map[string]any, action string) bool {
	props, _ := role["Properties"].(map[string]any)
	policies, _ := props["Policies"].([]any)
	for _, p := range policies {
		pm, _ := p.(map[string]any)
		doc, _ := pm["PolicyDocument"].(map[string]any)
		sts, _ := doc["Statement"].([]any)
		for _, st := range sts {
			sm, _ := st.(map[string]any)
			if sm["Effect"] != "Allow" {
				continue
			}
			var actions []any
			switch a := sm["Action"].(type) {
			case string:
				actions = []any{a}
			case []any:
				actions = a
			}
			for _, a := range actions {
				pat, _ := a.(string)
				if strings.EqualFold(pat, action) || pat == "*" || strings.HasSuffix(pat, ":*") && strings.HasPrefix(action, strings.TrimSuffix(pat, "*")) {
					return true
				}
			}
		}
	}
	return false
}
