package checks

import (
	"fmt"

	"github.com/handsoff-cdk/handsoff/internal/nag"
	"github.com/handsoff-cdk/handsoff/internal/names"
)

// Prefix starts the name of every IAM role and state machine that the
// handsoff bootstrap roles may act on or be assumed by: the pipeline's
// role, the bake watcher's role, the validation state machines.
const Prefix = names.Prefix

// BootstrapStackName is the stack the platform team deploys once per
// service in every account and region that the service's pipeline deploys
// to: "handsoff-{service}-bootstrap".
func BootstrapStackName(service string) string { return Prefix + "-" + service + "-bootstrap" }

// BootstrapVersion is the version of BootstrapTemplate; the stack outputs
// it, and a pipeline built by this library needs at least this version.
// Version 3 made the stack and its gate role per service.
const BootstrapVersion = 3

// ParamTrustedAccounts is the bootstrap template's parameter that lists the
// accounts whose handsoff pipelines may use the gate role, like
// `cdk bootstrap --trust`.
const ParamTrustedAccounts = "TrustedAccounts"

// GateRoleName is the name of a service's bootstrap gate role in a region:
// "handsoff-{service}-gate-{region}", at most 59 characters. Role names are
// global to an account, hence the region in it (as in the CDK's own
// bootstrap roles).
func GateRoleName(service, region string) string { return names.GateRole(service, region) }

// BootstrapTemplate is the CloudFormation template of a service's handsoff
// bootstrap stack, the same for every account and region. It holds one
// role, the service's gate role, which must exist before any pipeline that
// uses it is created or updated:
//
// CodePipeline checks, when a pipeline is created or updated, that its role
// may assume every role an action or a rule names, and refuses the pipeline
// with InvalidStructureException otherwise
// (https://github.com/aws/aws-cdk/issues/14484,
// https://github.com/aws/aws-cdk/issues/22489). A role that a stack deployed
// by the pipeline itself would create cannot be named by that pipeline: the
// first deploy, and the self-mutation that adds an environment, would fail.
// So the role comes from a stack deployed once per account and region, the
// way `cdk bootstrap --trust` provides the CDK's deploy roles.
//
// It is per service, so that one team's pipeline reaches no other team's
// validations. Who may assume it: in the trusted accounts, exactly the
// three roles of this service's pipeline stack (the pipeline's,
// handsoff-{service}-pipeline; its bake watcher's,
// handsoff-{service}-bake-watch; its validation stopper's,
// handsoff-{service}-validation-stop), through the aws:PrincipalArn
// condition key, which for a role session is the role's ARN
// (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html#condition-keys-principalarn).
// The names are exact: those roles exist as long as the pipeline does, so
// no one else can create a role of that name. What it may do:
//   - start, list, describe and stop executions of this service's state
//     machines, named handsoff-{service}_{env}-checks: service names hold no
//     "_", so the pattern handsoff-{service}_* matches no other service's;
//   - cloudwatch:DescribeAlarms on "*": DescribeAlarms returns composite
//     alarms only to a caller whose permission is not scoped to alarm ARNs
//     (https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_DescribeAlarms.html);
//   - cloudformation:ListStackResources of the account's stacks in the
//     region, to find the alarms of an environment's stacks at bake time
//     (a team names its own stacks, so no pattern of names holds them all;
//     it reads resource names, not data).
func BootstrapTemplate(service string) map[string]any {
	arn := func(service, rest string) map[string]any {
		return map[string]any{"Fn::Sub": "arn:${AWS::Partition}:" + service + ":${AWS::Region}:${AWS::AccountId}:" + rest}
	}
	statements := []any{
		// ListExecutions (version 2): the validation stopper finds the
		// running executions of a stage that gave up on them.
		map[string]any{"Sid": "StartValidation", "Effect": "Allow", "Action": []any{"states:StartExecution", "states:DescribeStateMachine", "states:ListExecutions"},
			"Resource": arn("states", "stateMachine:"+names.ValidationPrefix(service)+"*")},
		map[string]any{"Sid": "FollowValidation", "Effect": "Allow", "Action": []any{"states:DescribeExecution", "states:StopExecution"},
			"Resource": arn("states", "execution:"+names.ValidationPrefix(service)+"*:*")},
		map[string]any{"Sid": "ReadAlarms", "Effect": "Allow", "Action": "cloudwatch:DescribeAlarms", "Resource": "*"},
		map[string]any{"Sid": "FindAlarms", "Effect": "Allow", "Action": "cloudformation:ListStackResources",
			"Resource": arn("cloudformation", "stack/*")},
	}
	role := map[string]any{
		"Type": "AWS::IAM::Role",
		"Metadata": map[string]any{nag.Key: nag.Metadata(
			nag.Suppression{ID: "AwsSolutions-IAM5", Reason: "DescribeAlarms returns composite alarms only with Resource \"*\" (CloudWatch API reference, DescribeAlarms).", AppliesTo: []any{"Resource::*"}},
			nag.Suppression{ID: "AwsSolutions-IAM5", Reason: "The gate role serves one service: it may start that service's validation state machines (" + names.ValidationPrefix(service) + "*, a prefix no other service's names share) and follow their executions, and list the resources of the account's stacks to find their alarms.",
				AppliesTo: []any{
					"Resource::arn:<AWS::Partition>:states:<AWS::Region>:<AWS::AccountId>:stateMachine:" + names.ValidationPrefix(service) + "*",
					"Resource::arn:<AWS::Partition>:states:<AWS::Region>:<AWS::AccountId>:execution:" + names.ValidationPrefix(service) + "*:*",
					"Resource::arn:<AWS::Partition>:cloudformation:<AWS::Region>:<AWS::AccountId>:stack/*",
				}},
		)},
		"Properties": map[string]any{
			"RoleName":    map[string]any{"Fn::Sub": names.GateRole(service, "${AWS::Region}")},
			"Description": "handsoff: the " + service + " pipeline of the trusted accounts starts validation and reads alarms here",
			"AssumeRolePolicyDocument": map[string]any{"Version": "2012-10-17", "Statement": []any{map[string]any{
				"Effect": "Allow", "Action": "sts:AssumeRole",
				"Principal": map[string]any{"AWS": map[string]any{"Ref": ParamTrustedAccounts}},
				"Condition": map[string]any{"ArnEquals": map[string]any{"aws:PrincipalArn": []any{
					map[string]any{"Fn::Sub": "arn:${AWS::Partition}:iam::*:role/" + names.PipelineRole(service)},
					map[string]any{"Fn::Sub": "arn:${AWS::Partition}:iam::*:role/" + names.BakeWatcherRole(service)},
					map[string]any{"Fn::Sub": "arn:${AWS::Partition}:iam::*:role/" + names.StopperRole(service)},
				}}},
			}}},
			"Policies": []any{map[string]any{"PolicyName": "gate", "PolicyDocument": map[string]any{"Version": "2012-10-17", "Statement": statements}}},
			"Tags":     []any{map[string]any{"Key": "handsoff:bootstrap", "Value": fmt.Sprint(BootstrapVersion)}},
		},
	}
	return map[string]any{
		"Description": fmt.Sprintf("handsoff bootstrap (version %d) of %s: the gate role its pipeline in the trusted accounts uses in this account and region. Deploy once per account and region, like cdk bootstrap.", BootstrapVersion, service),
		"Parameters": map[string]any{ParamTrustedAccounts: map[string]any{
			"Type":        "CommaDelimitedList",
			"Description": "The accounts whose " + service + " pipeline deploys here (its pipeline account), like cdk bootstrap --trust.",
		}},
		"Resources": map[string]any{"GateRole": role},
		"Outputs": map[string]any{
			"BootstrapVersion": map[string]any{"Value": fmt.Sprint(BootstrapVersion), "Description": "The version of the handsoff bootstrap template."},
			"GateRoleArn":      map[string]any{"Value": map[string]any{"Fn::GetAtt": []any{"GateRole", "Arn"}}},
		},
	}
}
