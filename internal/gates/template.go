package gates

import (
	"encoding/json"
	"fmt"

	"github.com/handsoff-cdk/handsoff/internal/guard"
	"github.com/handsoff-cdk/handsoff/internal/nag"
	"github.com/handsoff-cdk/handsoff/stages"
)

// Template parameters of GatesTemplate, for values only the pipeline knows
// (the uploaded check source); NewGates replaces them with those values.
const (
	ParamSourceBucket = "CheckSourceBucket"
	ParamSourceKey    = "CheckSourceKey"
)

// GatesTemplate is the CloudFormation template of one environment's
// validation gate, computed entirely in Go: the state machine, its role and
// log group, the check runner function, the codebuild check projects. It has
// no reference to the team's stacks, so that nothing the team changes can
// lock it (a stack cannot remove an export another imports:
// https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/intrinsic-function-reference-importvalue.html),
// and the roles the pipeline uses are not in it (see checks.BootstrapTemplate).
func GatesTemplate(cfg *stages.Config, env stages.Environment, v *Validation) map[string]any {
	n := NamesFor(cfg, env)
	res := map[string]any{}
	params := map[string]any{}
	// Resources with fixed names are kept when the stack is deleted or they
	// are replaced, but not when their first create fails: a retained log
	// group of a failed create would make every later create fail on its
	// name. https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-attribute-deletionpolicy.html#aws-attribute-deletionpolicy-options
	retain := func(r map[string]any) map[string]any {
		r["DeletionPolicy"], r["UpdateReplacePolicy"] = "RetainExceptOnCreate", "Retain"
		return r
	}
	logGroup := func(id, name string) {
		res[id] = retain(map[string]any{"Type": "AWS::Logs::LogGroup", "Properties": map[string]any{"LogGroupName": name, "RetentionInDays": 365}})
	}
	role := func(id, name, desc string, trustDoc map[string]any, policy string, statements []Statement, sups []nag.Suppression) {
		props := map[string]any{
			"Description":              desc,
			"AssumeRolePolicyDocument": trustDoc,
			"Policies":                 []any{map[string]any{"PolicyName": policy, "PolicyDocument": policyDocument(statements)}},
		}
		if name != "" {
			props["RoleName"] = name
		}
		r := map[string]any{"Type": "AWS::IAM::Role", "Properties": props}
		if len(sups) > 0 {
			r["Metadata"] = map[string]any{nag.Key: nag.Metadata(sups...)}
		}
		res[id] = r
	}

	if v != nil {
		logGroup("ValidationLogs", n.LogGroup)
		// Step Functions may assume the role only for this account's state
		// machine: confused-deputy protection
		// (https://docs.aws.amazon.com/step-functions/latest/dg/procedure-create-iam-role.html).
		stepFunctions := trust(map[string]any{"Service": "states.amazonaws.com"}, map[string]any{
			"StringEquals": map[string]any{"aws:SourceAccount": n.Account},
			"ArnLike":      map[string]any{"aws:SourceArn": n.StateMachineArn},
		})
		role("ValidationRole", n.ValidationRole, "handsoff: runs the checks of "+env.Name, stepFunctions, "checks",
			append([]Statement{
				// Vended log delivery and X-Ray accept only Resource "*".
				{Sid: "DeliverLogs", Effect: "Allow", Resource: []string{"*"}, Action: []string{
					"logs:CreateLogDelivery", "logs:GetLogDelivery", "logs:UpdateLogDelivery", "logs:DeleteLogDelivery",
					"logs:ListLogDeliveries", "logs:PutResourcePolicy", "logs:DescribeResourcePolicies", "logs:DescribeLogGroups"}},
				{Sid: "Trace", Effect: "Allow", Resource: []string{"*"}, Action: []string{
					"xray:PutTraceSegments", "xray:PutTelemetryRecords", "xray:GetSamplingRules", "xray:GetSamplingTargets"}},
			}, v.Statements...),
			[]nag.Suppression{
				{ID: "AwsSolutions-IAM5", Reason: "Log delivery and X-Ray actions that Step Functions needs for logging and tracing accept only Resource \"*\".", AppliesTo: []any{"Resource::*"}},
				{ID: "AwsSolutions-IAM5", Reason: "Checks may call a version or alias (ARN:*) of exactly the functions the document names.", AppliesTo: []any{map[string]any{"regex": "/^Resource::arn:[^:]+:lambda:.*:\\*$/g"}}},
			})
		res["Validation"] = map[string]any{
			"Type":      "AWS::StepFunctions::StateMachine",
			"DependsOn": []any{"ValidationLogs", "ValidationRole"},
			"Properties": map[string]any{
				"StateMachineName":     n.StateMachine,
				"StateMachineType":     "STANDARD",
				"DefinitionString":     v.Definition,
				"RoleArn":              n.ValidationRoleArn,
				"TracingConfiguration": map[string]any{"Enabled": true},
				"LoggingConfiguration": map[string]any{
					"Level": "ALL", "IncludeExecutionData": true,
					"Destinations": []any{map[string]any{"CloudWatchLogsLogGroup": map[string]any{
						"LogGroupArn": fmt.Sprintf("arn:%s:logs:%s:%s:log-group:%s:*", n.Partition, n.Region, n.Account, n.LogGroup)}}},
				},
			},
		}
		// The check runner runs http checks and reports every result.
		group := "/aws/lambda/" + n.Runner
		logArn := fmt.Sprintf("arn:%s:logs:%s:%s:log-group:%s:*", n.Partition, n.Region, n.Account, group)
		logGroup("CheckRunnerLogs", group)
		role("CheckRunnerRole", n.RunnerRole, "handsoff: check runner of "+env.Name+" (writes its own logs, traces)",
			trust(map[string]any{"Service": "lambda.amazonaws.com"}), "run", functionStatements(logArn), functionSuppressions(logArn))
		res["CheckRunner"] = map[string]any{
			"Type":      "AWS::Lambda::Function",
			"DependsOn": []any{"CheckRunnerLogs", "CheckRunnerRole"},
			"Metadata": map[string]any{"guard": guardMetadata("The check runner calls the environment's public endpoints, as customers do; a VPC would add NAT and hide the customer's view. Checks of private endpoints use codebuild checks.",
				"lambda_inside_vpc_check")},
			"Properties": map[string]any{
				"FunctionName":  n.Runner,
				"Description":   "handsoff: runs the http checks of " + env.Name + " and reports every check's result",
				"Runtime":       NodeRuntime,
				"Handler":       "index.handler",
				"Code":          map[string]any{"ZipFile": checkRunnerJS},
				"Timeout":       max(int(v.HTTPTimeout.Seconds())+5, int(ReportTimeout.Seconds())-5),
				"MemorySize":    256,
				"Role":          n.RunnerRoleArn,
				"TracingConfig": map[string]any{"Mode": "Active"},
				"LoggingConfig": map[string]any{"LogGroup": group},
			},
		}
		keyMade := false
		for _, chk := range v.Checks {
			switch chk.Type {
			case stages.CheckCodeBuild:
				if !keyMade {
					keyMade = true
					params[ParamSourceBucket] = map[string]any{"Type": "String"}
					params[ParamSourceKey] = map[string]any{"Type": "String"}
					res["ChecksKey"] = retain(map[string]any{"Type": "AWS::KMS::Key", "Properties": map[string]any{
						"Description":       "handsoff: encrypts the check builds of " + env.Name,
						"EnableKeyRotation": true,
						"KeyPolicy":         keyPolicy(n.Partition, n.Account),
					}})
				}
				addProject(res, role, logGroup, n, env, chk)
			}
		}
	}
	tmpl := map[string]any{"Resources": res}
	if len(params) > 0 {
		tmpl["Parameters"] = params
	}
	return tmpl
}

func addProject(res map[string]any, role func(id, name, desc string, trustDoc map[string]any, policy string, statements []Statement, sups []nag.Suppression),
	logGroup func(id, name string), n Names, env stages.Environment, chk stages.Check) {
	id := "Check" + alnum(chk.Name)
	project := n.Project(chk.Name)
	group := "/aws/codebuild/" + project
	logGroup(id+"Logs", group)
	logArn := fmt.Sprintf("arn:%s:logs:%s:%s:log-group:%s:*", n.Partition, n.Region, n.Account, group)
	keyArn := map[string]any{"Fn::GetAtt": []any{"ChecksKey", "Arn"}}
	source := map[string]any{"Fn::Join": []any{"", []any{fmt.Sprintf("arn:%s:s3:::", n.Partition), map[string]any{"Ref": ParamSourceBucket}, "/", map[string]any{"Ref": ParamSourceKey}}}}
	role(id+"Role", "", fmt.Sprintf("handsoff: the %q check of %s", chk.Name, env.Name), trust(map[string]any{"Service": "codebuild.amazonaws.com"}), "build", []Statement{
		{Sid: "Logs", Effect: "Allow", Action: []string{"logs:CreateLogStream", "logs:PutLogEvents"}, Resource: []string{logArn}},
	}, []nag.Suppression{{ID: "AwsSolutions-IAM5", Reason: "CodeBuild names log streams per build; the wildcard is limited to this project's own log group.", AppliesTo: []any{"Resource::" + logArn}}})
	// Statements with CloudFormation references, added beside the plain ones.
	r := res[id+"Role"].(map[string]any)["Properties"].(map[string]any)
	doc := r["Policies"].([]any)[0].(map[string]any)["PolicyDocument"].(map[string]any)
	doc["Statement"] = append(doc["Statement"].([]any),
		map[string]any{"Sid": "Source", "Effect": "Allow", "Action": []any{"s3:GetObject", "s3:GetObjectVersion"}, "Resource": source},
		map[string]any{"Sid": "Encrypt", "Effect": "Allow", "Action": []any{"kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey", "kms:DescribeKey"}, "Resource": keyArn})
	spec, _ := json.Marshal(map[string]any{"version": "0.2", "phases": map[string]any{"build": map[string]any{"commands": chk.Commands}}})
	res[id] = map[string]any{"Type": "AWS::CodeBuild::Project", "Properties": map[string]any{
		"Name":             project,
		"Description":      fmt.Sprintf("handsoff: the %q check of %s", chk.Name, env.Name),
		"ServiceRole":      map[string]any{"Fn::GetAtt": []any{id + "Role", "Arn"}},
		"EncryptionKey":    keyArn,
		"TimeoutInMinutes": int(chk.Timeout.Minutes()),
		// A build that cannot start within its attempt's margin stops
		// instead of queueing for CodeBuild's default of 8 hours.
		"QueuedTimeoutInMinutes": int(stages.CodeBuildQueueTimeout.Minutes()),
		"Source": map[string]any{"Type": "S3", "BuildSpec": string(spec),
			"Location": map[string]any{"Fn::Join": []any{"/", []any{map[string]any{"Ref": ParamSourceBucket}, map[string]any{"Ref": ParamSourceKey}}}}},
		"Artifacts": map[string]any{"Type": "NO_ARTIFACTS"},
		"Environment": map[string]any{"Type": "LINUX_CONTAINER", "Image": "aws/codebuild/standard:7.0",
			"ComputeType": "BUILD_GENERAL1_SMALL", "PrivilegedMode": false},
		"LogsConfig": map[string]any{"CloudWatchLogs": map[string]any{"Status": "ENABLED", "GroupName": group}},
	}}
}

func guardMetadata(reason string, rules ...string) map[string]any {
	reasons := map[string]string{}
	for _, r := range rules {
		reasons[r] = reason
	}
	return guard.Metadata(reasons)
}

func functionSuppressions(logArn string) []nag.Suppression {
	return []nag.Suppression{
		{ID: "AwsSolutions-IAM5", Reason: "Log streams are named by Lambda at run time; the wildcard is limited to this function's own log group.", AppliesTo: []any{"Resource::" + logArn}},
		{ID: "AwsSolutions-IAM5", Reason: "X-Ray tracing (xray:PutTraceSegments, xray:PutTelemetryRecords) accepts only Resource \"*\".", AppliesTo: []any{"Resource::*"}},
	}
}
