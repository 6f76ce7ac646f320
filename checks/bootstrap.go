package checks

import (
	"fmt"

	"github.com/handsoff-cdk/handsoff/internal/nag"
)

// Prefix starts the name of every IAM role and state machine that the
// handsoff bootstrap roles may act on or be assumed by: the pipeline's
// role, the bake watcher's role, the validation state machines.
const Prefix = "handsoff"

// BootstrapStackName is the stack the platform team deploys once in every
// account and region that a handsoff pipeline deploys to.
const BootstrapStackName = "handsoff-bootstrap"

// BootstrapVersion is the version of BootstrapTemplate; the stack outputs
// it, and a pipeline built by this library needs at least this version.
const BootstrapVersion = 2

// ParamTrustedAccounts is the bootstrap template's parameter that lists the
// accounts whose handsoff pipelines may use the gate role, like
// `cdk bootstrap --trust`.
const ParamTrustedAccounts = "TrustedAccounts"

// GateRoleName is the name of the bootstrap gate role of an account and
// region. Role names are global to an account, hence the region in it (as
// in the CDK's own bootstrap roles). At most 64 characters: 14 + 12 + 1 +
// the longest region name.
func GateRoleName(account, region string) string {
	return fmt.Sprintf("%s-gate-%s-%s", Prefix, account, region)
}

// BootstrapTemplate is the CloudFormation template of the handsoff bootstrap
// stack, the same for every account and region. It holds one role, the gate
// role, which must exist before any pipeline that uses it is created or
// updated:
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
// Who may assume it: the trusted accounts' IAM roles whose names start with
// "handsoff-" (the pipeline's role, its bake watcher's and its validation
// stopper's), through the
// aws:PrincipalArn condition key
// (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html#condition-keys-principalarn).
// What it may do:
//   - start, list, describe and stop executions of state machines named
//     handsoff-* (the validation gates of every service in the account);
//   - cloudwatch:DescribeAlarms on "*": DescribeAlarms returns composite
//     alarms only to a caller whose permission is not scoped to alarm ARNs
//     (https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_DescribeAlarms.html);
//   - cloudformation:ListStackResources of the account's stacks in the
//     region, to find the alarms of an environment's stacks at bake time.
func BootstrapTemplate() map[string]any {
	arn := func(service, rest string) map[string]any {
		return map[string]any{"Fn::Sub": "arn:${AWS::Partition}:" + service + ":${AWS::Region}:${AWS::AccountId}:" + rest}
	}
	statements := []any{
		// ListExecutions (version 2): the validation stopper finds the
		// running executions of a stage that gave up on them.
		map[string]any{"Sid": "StartValidation", "Effect": "Allow", "Action": []any{"states:StartExecution", "states:DescribeStateMachine", "states:ListExecutions"},
			"Resource": arn("states", "stateMachine:"+Prefix+"-*")},
		map[string]any{"Sid": "FollowValidation", "Effect": "Allow", "Action": []any{"states:DescribeExecution", "states:StopExecution"},
			"Resource": arn("states", "execution:"+Prefix+"-*:*")},
		map[string]any{"Sid": "ReadAlarms", "Effect": "Allow", "Action": "cloudwatch:DescribeAlarms", "Resource": "*"},
		map[string]any{"Sid": "FindAlarms", "Effect": "Allow", "Action": "cloudformation:ListStackResources",
			"Resource": arn("cloudformation", "stack/*")},
	}
	role := map[string]any{
		"Type": "AWS::IAM::Role",
		"Metadata": map[string]any{nag.Key: nag.Metadata(
			nag.Suppression{ID: "AwsSolutions-IAM5", Reason: "DescribeAlarms returns composite alarms only with Resource \"*\" (CloudWatch API reference, DescribeAlarms).", AppliesTo: []any{"Resource::*"}},
			nag.Suppression{ID: "AwsSolutions-IAM5", Reason: "The gate role serves every handsoff service of the account: it may start the validation state machines named handsoff-* and follow their executions, and list the resources of the account's stacks to find their alarms.",
				AppliesTo: []any{
					"Resource::arn:<AWS::Partition>:states:<AWS::Region>:<AWS::AccountId>:stateMachine:" + Prefix + "-*",
					"Resource::arn:<AWS::Partition>:states:<AWS::Region>:<AWS::AccountId>:execution:" + Prefix + "-*:*",
					"Resource::arn:<AWS::Partition>:cloudformation:<AWS::Region>:<AWS::AccountId>:stack/*",
				}},
		)},
		"Properties": map[string]any{
			"RoleName":    map[string]any{"Fn::Sub": Prefix + "-gate-${AWS::AccountId}-${AWS::Region}"},
			"Description": "handsoff: pipelines of the trusted accounts start validation and read alarms here",
			"AssumeRolePolicyDocument": map[string]any{"Version": "2012-10-17", "Statement": []any{map[string]any{
				"Effect": "Allow", "Action": "sts:AssumeRole",
				"Principal": map[string]any{"AWS": map[string]any{"Ref": ParamTrustedAccounts}},
				"Condition": map[string]any{"ArnLike": map[string]any{
					"aws:PrincipalArn": map[string]any{"Fn::Sub": "arn:${AWS::Partition}:iam::*:role/" + Prefix + "-*"}}},
			}}},
			"Policies": []any{map[string]any{"PolicyName": "gate", "PolicyDocument": map[string]any{"Version": "2012-10-17", "Statement": statements}}},
			"Tags":     []any{map[string]any{"Key": "handsoff:bootstrap", "Value": fmt.Sprint(BootstrapVersion)}},
		},
	}
	return map[string]any{
		"Description": fmt.Sprintf("handsoff bootstrap (version %d): the gate role handsoff pipelines of the trusted accounts use in this account and region. Deploy once per account and region, like cdk bootstrap.", BootstrapVersion),
		"Parameters": map[string]any{ParamTrustedAccounts: map[string]any{
			"Type":        "CommaDelimitedList",
			"Description": "The accounts whose handsoff pipelines deploy here (the pipeline accounts), like cdk bootstrap --trust.",
		}},
		"Resources": map[string]any{"GateRole": role},
		"Outputs": map[string]any{
			"BootstrapVersion": map[string]any{"Value": fmt.Sprint(BootstrapVersion), "Description": "The version of the handsoff bootstrap template."},
			"GateRoleArn":      map[string]any{"Value": map[string]any{"Fn::GetAtt": []any{"GateRole", "Arn"}}},
		},
	}
}
