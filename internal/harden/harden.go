// Package harden tightens resources that handsoff or the CDK creates.
package harden

import (
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awskms"
	"github.com/aws/jsii-runtime-go"
)

// Key lets only AWS services create grants on key (AWS Control Tower
// CT.KMS.PR.3): a principal that is not an AWS service may not hand the key
// to anyone else.
func Key(key awskms.IKey) {
	key.AddToResourcePolicy(awsiam.PolicyStatement_FromJson(DenyForeignGrants()), jsii.Bool(false))
}

// DenyForeignGrants is that key policy statement in IAM JSON, for templates
// written in Go and for Key (one call to the CDK).
func DenyForeignGrants() map[string]any {
	return map[string]any{
		"Sid": "GrantsOnlyForAWSResources", "Effect": "Deny", "Action": "kms:CreateGrant", "Resource": "*",
		"Principal": map[string]any{"AWS": "*"},
		"Condition": map[string]any{"BoolIfExists": map[string]any{
			"kms:GrantIsForAWSResource": "false",
			"aws:PrincipalIsAWSService": "false",
		}},
	}
}
