package runbook

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/handsoff-cdk/handsoff/internal/nag"
)

// StartPolicyProps configure NewStartPolicy.
type StartPolicyProps struct {
	// Runbooks are the runbooks a developer may start. At least one.
	Runbooks []Guarded
	// ManagedPolicyName is the policy's name. Default: a name
	// CloudFormation generates.
	ManagedPolicyName string
}

// NewStartPolicy makes the IAM managed policy a developer's role or
// permission set gets to use the runbooks, and nothing more: start them
// (ssm:StartAutomationExecution on their documents), read them and their
// executions (ssm:GetDocument, DescribeDocument, GetAutomationExecution,
// DescribeAutomationStepExecutions, DescribeAutomationExecutions,
// ListDocuments), and pass each runbook's role to SSM for that runbook's
// automations alone (iam:PassRole with iam:PassedToService
// ssm.amazonaws.com and iam:AssociatedResourceARN its
// automation-definition): passable to any automation, a role would run a
// developer's own document, or one of AWS's, with the runbook's rights and
// without its freeze guard. The runbooks' work is done by their roles: the
// policy allows none of it.
//
// It does not allow ssm:StopAutomationExecution: an execution's ARN names
// no document, so the permission would reach every automation of the
// account, not these runbooks' alone. Whoever must stop a run does it with
// their own, broader role.
func NewStartPolicy(scope constructs.Construct, id string, props *StartPolicyProps) awsiam.ManagedPolicy {
	if props == nil {
		props = &StartPolicyProps{}
	}
	var targets []startTarget
	for _, rb := range props.Runbooks {
		stack := awscdk.Stack_Of(rb)
		targets = append(targets, startTarget{
			place: place{partition: *stack.Partition(), region: *stack.Region(), account: *stack.Account()},
			doc:   *rb.DocumentName(), role: *rb.Role().RoleArn(),
		})
	}
	statements := startStatements(targets)
	var docs []awsiam.PolicyStatement
	var reasons []nag.Suppression
	for _, s := range statements {
		docs = append(docs, awsiam.PolicyStatement_FromJson(asMap(s)))
		if s.why != "" {
			reasons = append(reasons, nag.Suppression{ID: "AwsSolutions-IAM5", Reason: s.why, AppliesTo: wildcards(s.Resource)})
		}
	}
	mp := &awsiam.ManagedPolicyProps{
		Description: jsii.String("handsoff: start these runbooks and read their executions, nothing more"),
		Statements:  &docs,
	}
	if props.ManagedPolicyName != "" {
		mp.ManagedPolicyName = jsii.String(props.ManagedPolicyName)
	}
	policy := awsiam.NewManagedPolicy(scope, jsii.String(id), mp)
	nag.Suppress(policy.Node().DefaultChild().(awscdk.CfnResource), reasons...)
	if len(props.Runbooks) == 0 {
		awscdk.Annotations_Of(policy).AddError(jsii.String("handsoff runbook: StartPolicyProps.Runbooks is empty: give the runbooks a developer may start"))
	}
	return policy
}
