package goldenami

import (
	"fmt"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/handsoff-cdk/handsoff/internal/nag"
)

// DistributionRoleName is the name Image Builder assumes in each target
// account to copy an image there; it must be exactly this
// (https://docs.aws.amazon.com/imagebuilder/latest/userguide/cross-account-dist.html).
const DistributionRoleName = "EC2ImageBuilderDistributionCrossAccountRole"

// DistributionRoleProps configure the role a target account gives the
// build account.
type DistributionRoleProps struct {
	// BuildAccount is the account that builds the images. Required.
	BuildAccount string
	// KmsKeyArns are the customer managed keys (one a region) the copies
	// are encrypted with, as key ARNs (an alias ARN would grant the alias,
	// not the key); the role may use them. Required when the images are
	// encrypted (always, with handsoff).
	KmsKeyArns []string
	// ImageNames are the golden images whose parameters the role may
	// write. Required.
	ImageNames []string
}

// NewDistributionRole makes, in a target account (once per account: IAM
// is global), the role Image Builder assumes to copy images into it: the
// name AWS requires, trusting the build account, with the managed policy
// AWS documents, the KMS permissions an encrypted copy needs, and writing
// the images' parameters (which role writes a parameter in another
// account is not documented, so this one may too: it holds under either
// reading). Mistakes in props are error annotations, all at once; it then
// returns nil.
func NewDistributionRole(scope constructs.Construct, id string, props *DistributionRoleProps) awsiam.Role {
	c := constructs.NewConstruct(scope, jsii.String(id))
	if props == nil {
		props = &DistributionRoleProps{}
	}
	var problems []string
	if !reAccount.MatchString(props.BuildAccount) {
		problems = append(problems, fmt.Sprintf("BuildAccount %q: the 12 digits of the account that builds the images", props.BuildAccount))
	}
	if len(props.KmsKeyArns) == 0 {
		problems = append(problems, "KmsKeyArns is required: the customer managed keys the copies are encrypted with")
	}
	// Key ARNs, not aliases': "When an alias is the value of a resource
	// element, the policy applies to the alias resource, not to any KMS
	// key that might be associated with it"
	// (https://docs.aws.amazon.com/kms/latest/developerguide/alias-authorization.html).
	for i, k := range props.KmsKeyArns {
		if !reKeyOnly.MatchString(k) {
			problems = append(problems, fmt.Sprintf("KmsKeyArns[%d] %q is not a KMS key ARN (arn:aws:kms:REGION:ACCOUNT:key/ID; an alias ARN in a policy's Resource grants the alias, not its key)", i, k))
		}
	}
	if len(props.ImageNames) == 0 {
		problems = append(problems, "ImageNames is required: the golden images whose parameters this account holds")
	}
	for i, n := range props.ImageNames {
		if !reName.MatchString(n) {
			problems = append(problems, fmt.Sprintf("ImageNames[%d] %q is not an image name", i, n))
		}
	}
	if len(problems) > 0 {
		for _, p := range problems {
			awscdk.Annotations_Of(c).AddError(jsii.String("handsoff goldenami: " + p))
		}
		return nil
	}
	role := awsiam.NewRole(c, jsii.String("Role"), &awsiam.RoleProps{
		RoleName:    jsii.String(DistributionRoleName),
		AssumedBy:   awsiam.NewAccountPrincipal(jsii.String(props.BuildAccount)),
		Description: jsii.String("handsoff: EC2 Image Builder in " + props.BuildAccount + " copies golden images into this account"),
		ManagedPolicies: &[]awsiam.IManagedPolicy{
			awsiam.ManagedPolicy_FromAwsManagedPolicyName(jsii.String("Ec2ImageBuilderCrossAccountDistributionAccess")),
		},
	})
	// The encrypted copy's KMS permissions (same page).
	role.AddToPolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Actions: jsii.Strings("kms:Encrypt", "kms:Decrypt", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:DescribeKey",
			"kms:CreateGrant", "kms:ListGrants", "kms:RevokeGrant"),
		Resources: jsii.Strings(props.KmsKeyArns...),
	}))
	stack := awscdk.Stack_Of(c)
	var params []*string
	for _, n := range props.ImageNames {
		params = append(params, jsii.String(fmt.Sprintf("arn:%s:ssm:*:%s:parameter%s", *stack.Partition(), *stack.Account(), ParameterName(n))))
	}
	role.AddToPolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Actions: jsii.Strings("ssm:PutParameter", "ssm:GetParameter"), Resources: &params,
	}))
	role.AddToPolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Actions: jsii.Strings("ec2:DescribeImages"), Resources: jsii.Strings("*"),
	}))
	nag.Suppress(role.Node().DefaultChild().(awsiam.CfnRole), nag.Suppression{
		ID:        "AwsSolutions-IAM4",
		Reason:    "Image Builder's cross-account distribution documents this managed policy for the role it assumes in each target account (EC2ImageBuilderDistributionCrossAccountRole).",
		AppliesTo: []any{"Policy::arn:<AWS::Partition>:iam::aws:policy/Ec2ImageBuilderCrossAccountDistributionAccess"},
	})
	var nagParams []any
	for _, n := range props.ImageNames {
		nagParams = append(nagParams, fmt.Sprintf("Resource::arn:<AWS::Partition>:ssm:*:%s:parameter%s", *stack.Account(), ParameterName(n)))
	}
	nag.Suppress(role.Node().FindChild(jsii.String("DefaultPolicy")).Node().DefaultChild().(awsiam.CfnPolicy), nag.Suppression{
		ID: "AwsSolutions-IAM5",
		Reason: "The KMS actions are the ones Image Builder documents for an encrypted copy (ReEncrypt* and GenerateDataKey* name its variants), on the named keys only; ec2:DescribeImages has no resource-level permission; " +
			"the images' parameters are written in whichever regions the account is a target in.",
		AppliesTo: append([]any{"Action::kms:ReEncrypt*", "Action::kms:GenerateDataKey*", "Resource::*"}, nagParams...),
	})
	return role
}
