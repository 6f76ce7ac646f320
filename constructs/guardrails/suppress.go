package guardrails

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/handsoff-cdk/handsoff/internal/guard"
)

// Suppress lets one construct break one guardrail, for a reason that says
// why it is safe. The suppression is recorded on the construct's
// CloudFormation resource (the construct itself or its default child), is
// checked when the rules run (an unknown rule or a missing reason is an
// error), and is listed in the pipeline's plan.
//
//	guardrails.Suppress(bastionSG, "HS-EC2-1", "break-glass bastion, open only during incidents by runbook OPS-12")
func Suppress(c constructs.IConstruct, rule, reason string) {
	r, ok := c.(awscdk.CfnResource)
	if !ok {
		r, ok = c.Node().DefaultChild().(awscdk.CfnResource)
	}
	if !ok {
		// Recorded on the construct so that the check reports it with the
		// others instead of stopping the app here.
		c.Node().AddMetadata(jsii.String(MetadataKey), map[string]any{"error": "not a CloudFormation resource"}, nil)
		return
	}
	var list []any
	if old, ok := r.GetMetadata(jsii.String(MetadataKey)).(map[string]any); ok {
		list, _ = old["suppress"].([]any)
	}
	list = append(list, map[string]any{"rule": rule, "reason": reason})
	r.AddMetadata(jsii.String(MetadataKey), map[string]any{"suppress": list})
}

// SuppressControlTower records that one construct is exempt from AWS Control
// Tower cfn-guard rules (by rule name, such as "sqs_dlq_check"), with the
// reason, in Metadata.guard; handsoff's checks read the reason beside it.
func SuppressControlTower(c constructs.IConstruct, reason string, rules ...string) {
	guard.Suppress(c, reason, rules...)
}
