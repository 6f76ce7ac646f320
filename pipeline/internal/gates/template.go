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
	t := cfnTemplate{Resources: map[string]cfnResource{}, Parameters: map[string]cfnParameter{}}
	res := t.Resources
	// Resources with fixed names are kept when the stack is deleted or they
	// are replaced, but not when their first create fails: a retained log
	// group of a failed create would make every later create fail on its
	// name. https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-attribute-deletionpolicy.html#aws-attribute-deletionpolicy-options
	retain := func(r cfnResource) cfnResource {
		r.DeletionPolicy, r.UpdateReplacePolicy = "RetainExceptOnCreate", "Retain"
		return r
	}
	// Log groups have fixed names (the functions and the state machine log
	// to them by name, and people find them so) and go with their stack: a
	// kept one would make adding the environment back fail on its name
	// (oracle.RetainedWithTheirName).
	logGroup := func(id, name string) {
		r := cfnResource{Type: "AWS::Logs::LogGroup", Properties: logGroupProps{LogGroupName: name, RetentionInDays: 365}}
		r.DeletionPolicy, r.UpdateReplacePolicy = "Delete", "Delete"
		res[id] = r
	}
	role := func(id, name, desc string, trustDoc map[string]any, policy string, statements []any, sups []nag.Suppression) {
		r := cfnResource{Type: "AWS::IAM::Role", Properties: roleProps{
			Description: desc, RoleName: name, AssumeRolePolicyDocument: trustDoc,
			Policies: []iamPolicy{{PolicyName: policy, PolicyDocument: iamPolicyDocument{Version: "2012-10-17", Statement: statements}}},
		}}
		if len(sups) > 0 {
			r.Metadata = map[string]any{nag.Key: nag.Metadata(sups...)}
		}
		res[id] = r
	}
	plain := func(sts []Statement) []any {
		out := make([]any, len(sts))
		for i, st := range sts {
			out[i] = st
		}
		return out
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
			plain(append([]Statement{
				// Vended log delivery and X-Ray accept only Resource "*".
				{Sid: "DeliverLogs", Effect: "Allow", Resource: []string{"*"}, Action: []string{
					"logs:CreateLogDelivery", "logs:GetLogDelivery", "logs:UpdateLogDelivery", "logs:DeleteLogDelivery",
					"logs:ListLogDeliveries", "logs:PutResourcePolicy", "logs:DescribeResourcePolicies", "logs:DescribeLogGroups"}},
				{Sid: "Trace", Effect: "Allow", Resource: []string{"*"}, Action: []string{
					"xray:PutTraceSegments", "xray:PutTelemetryRecords", "xray:GetSamplingRules", "xray:GetSamplingTargets"}},
			}, v.Statements...)),
			[]nag.Suppression{
				{ID: "AwsSolutions-IAM5", Reason: "Log delivery and X-Ray actions that Step Functions needs for logging and tracing accept only Resource \"*\".", AppliesTo: []any{"Resource::*"}},
				{ID: "AwsSolutions-IAM5", Reason: "Checks may call a version or alias (ARN:*) of exactly the functions the document names.", AppliesTo: []any{map[string]any{"regex": "/^Resource::arn:[^:]+:lambda:.*:\\*$/g"}}},
			})
		logging := smLogging{Level: "ALL", IncludeExecutionData: true, Destinations: []smDestination{{}}}
		logging.Destinations[0].CloudWatchLogsLogGroup.LogGroupArn = fmt.Sprintf("arn:%s:logs:%s:%s:log-group:%s:*", n.Partition, n.Region, n.Account, n.LogGroup)
		res["Validation"] = cfnResource{
			Type:      "AWS::StepFunctions::StateMachine",
			DependsOn: []string{"ValidationLogs", "ValidationRole"},
			Properties: stateMachineProps{
				StateMachineName: n.StateMachine, StateMachineType: "STANDARD", DefinitionString: v.Definition,
				RoleArn: n.ValidationRoleArn, TracingConfiguration: map[string]any{"Enabled": true}, LoggingConfiguration: logging,
			},
		}
		// The check runner runs http checks and reports every result.
		group := "/aws/lambda/" + n.Runner
		logArn := fmt.Sprintf("arn:%s:logs:%s:%s:log-group:%s:*", n.Partition, n.Region, n.Account, group)
		logGroup("CheckRunnerLogs", group)
		role("CheckRunnerRole", n.RunnerRole, "handsoff: check runner of "+env.Name+" (writes its own logs, traces)",
			trust(map[string]any{"Service": "lambda.amazonaws.com"}), "run", plain(functionStatements(logArn)), functionSuppressions(logArn))
		res["CheckRunner"] = cfnResource{
			Type:      "AWS::Lambda::Function",
			DependsOn: []string{"CheckRunnerLogs", "CheckRunnerRole"},
			Metadata: map[string]any{"guard": guardMetadata("The check runner calls the environment's public endpoints, as customers do; a VPC would add NAT and hide the customer's view. Checks of private endpoints use codebuild checks.",
				"lambda_inside_vpc_check")},
			Properties: functionProps{
				FunctionName: n.Runner,
				Description:  "handsoff: runs the http checks of " + env.Name + " and reports every check's result",
				Runtime:      NodeRuntime, Handler: "index.handler", Code: map[string]string{"ZipFile": checkRunnerJS},
				Timeout:    max(int(v.HTTPTimeout.Seconds())+5, int(ReportTimeout.Seconds())-5),
				MemorySize: 256, Role: n.RunnerRoleArn,
				TracingConfig: map[string]string{"Mode": "Active"}, LoggingConfig: map[string]string{"LogGroup": group},
			},
		}
		keyMade := false
		for _, chk := range v.Checks {
			if chk.Type != stages.CheckCodeBuild {
				continue
			}
			if !keyMade {
				keyMade = true
				t.Parameters[ParamSourceBucket] = cfnParameter{Type: "String"}
				t.Parameters[ParamSourceKey] = cfnParameter{Type: "String"}
				res["ChecksKey"] = retain(cfnResource{Type: "AWS::KMS::Key", Properties: keyProps{
					Description:       "handsoff: encrypts the check builds of " + env.Name,
					EnableKeyRotation: true,
					KeyPolicy:         keyPolicy(n.Partition, n.Account),
				}})
			}
			addProject(res, role, logGroup, n, env, chk)
		}
	}
	return asMap(t)
}

func addProject(res map[string]cfnResource, role func(id, name, desc string, trustDoc map[string]any, policy string, statements []any, sups []nag.Suppression),
	logGroup func(id, name string), n Names, env stages.Environment, chk stages.Check) {
	id := "Check" + alnum(chk.Name)
	project := n.Project(chk.Name)
	group := "/aws/codebuild/" + project
	logGroup(id+"Logs", group)
	logArn := fmt.Sprintf("arn:%s:logs:%s:%s:log-group:%s:*", n.Partition, n.Region, n.Account, group)
	keyArn := map[string]any{"Fn::GetAtt": []any{"ChecksKey", "Arn"}}
	source := map[string]any{"Fn::Join": []any{"", []any{fmt.Sprintf("arn:%s:s3:::", n.Partition), map[string]any{"Ref": ParamSourceBucket}, "/", map[string]any{"Ref": ParamSourceKey}}}}
	role(id+"Role", "", fmt.Sprintf("handsoff: the %q check of %s", chk.Name, env.Name), trust(map[string]any{"Service": "codebuild.amazonaws.com"}), "build", []any{
		Statement{Sid: "Logs", Effect: "Allow", Action: []string{"logs:CreateLogStream", "logs:PutLogEvents"}, Resource: []string{logArn}},
		// Statements with CloudFormation references, beside the plain one.
		iamStatement{Sid: "Source", Effect: "Allow", Action: []string{"s3:GetObject", "s3:GetObjectVersion"}, Resource: source},
		iamStatement{Sid: "Encrypt", Effect: "Allow", Action: []string{"kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey", "kms:DescribeKey"}, Resource: keyArn},
	}, []nag.Suppression{{ID: "AwsSolutions-IAM5", Reason: "CodeBuild names log streams per build; the wildcard is limited to this project's own log group.", AppliesTo: []any{"Resource::" + logArn}}})
	spec, _ := json.Marshal(map[string]any{"version": "0.2", "phases": map[string]any{"build": map[string]any{"commands": chk.Commands}}})
	res[id] = cfnResource{Type: "AWS::CodeBuild::Project", Properties: projectProps{
		Name:             project,
		Description:      fmt.Sprintf("handsoff: the %q check of %s", chk.Name, env.Name),
		ServiceRole:      map[string]any{"Fn::GetAtt": []any{id + "Role", "Arn"}},
		EncryptionKey:    keyArn,
		TimeoutInMinutes: int(chk.Timeout.Minutes()),
		// A build that cannot start within its attempt's margin stops
		// instead of queueing for CodeBuild's default of 8 hours.
		QueuedTimeoutInMinutes: int(stages.CodeBuildQueueTimeout.Minutes()),
		Source: projectSource{Type: "S3", BuildSpec: string(spec),
			Location: map[string]any{"Fn::Join": []any{"/", []any{map[string]any{"Ref": ParamSourceBucket}, map[string]any{"Ref": ParamSourceKey}}}}},
		Artifacts:   map[string]string{"Type": "NO_ARTIFACTS"},
		Environment: projectEnv{Type: "LINUX_CONTAINER", Image: "aws/codebuild/standard:7.0", ComputeType: "BUILD_GENERAL1_SMALL"},
		LogsConfig:  map[string]any{"CloudWatchLogs": map[string]any{"Status": "ENABLED", "GroupName": group}},
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
