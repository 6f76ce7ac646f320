package guardrails

import (
	"fmt"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/handsoff-cdk/handsoff/internal/guard"
)

// Suppress lets one construct break one guardrail, for a reason that says
// why it is safe. It covers the breaches the rule finds on the construct's
// CloudFormation resource (the construct itself or its default child); with
// paths ("SecurityGroupIngress[0]"), only the breaches at or under them, so
// that a breach added later elsewhere on the resource still fails. It does
// not cover values unknown at synth time: see SuppressUnresolved.
//
// The suppression is recorded on the resource, checked when the rules run
// (an unknown rule, or a reason that is not a sentence, is an error), and
// listed in the pipeline's plan. On a construct that is no CloudFormation
// resource, it is an error that names the construct.
//
//	guardrails.Suppress(bastionSG, "HS-EC2-1", "Break-glass bastion, opened only during incidents by runbook OPS-12.")
func Suppress(c constructs.IConstruct, rule, reason string, at ...string) {
	record(c, map[string]any{"rule": rule, "reason": reason}, at)
}

// SuppressUnresolved records that a value the rule cannot know at synth
// time (a parameter, an import) is safe, for the reason given. It covers
// only the "cannot be checked at synth time" findings of the rule (at the
// paths, if given), never a breach.
func SuppressUnresolved(c constructs.IConstruct, rule, reason string, at ...string) {
	record(c, map[string]any{"rule": rule, "reason": reason, "unresolved": true}, at)
}

func record(c constructs.IConstruct, entry map[string]any, at []string) {
	if len(at) > 0 {
		list := make([]any, len(at))
		for i, p := range at {
			list[i] = p
		}
		entry["at"] = list
	}
	r, ok := c.(awscdk.CfnResource)
	if !ok {
		r, ok = c.Node().DefaultChild().(awscdk.CfnResource)
	}
	if !ok {
		// Recorded on the construct, so that the check reports it with
		// the other problems instead of stopping the app here.
		c.Node().AddMetadata(jsii.String(MetadataKey), map[string]any{"error": fmt.Sprintf(
			"guardrails.Suppress(%v) is on a construct that is no CloudFormation resource and has none as its default child: pass the resource (for an L2 construct, the construct whose Node().DefaultChild() is the resource)", entry["rule"])}, nil)
		return
	}
	var list []any
	if old, ok := r.GetMetadata(jsii.String(MetadataKey)).(map[string]any); ok {
		list, _ = old["suppress"].([]any)
	}
	list = append(list, entry)
	r.AddMetadata(jsii.String(MetadataKey), map[string]any{"suppress": list})
}

// SuppressControlTower records that one construct is exempt from AWS Control
// Tower cfn-guard rules (by rule name, such as "sqs_dlq_check"), with the
// reason, in Metadata.guard; handsoff's checks read the reason beside it.
func SuppressControlTower(c constructs.IConstruct, reason string, rules ...string) {
	guard.Suppress(c, reason, rules...)
}
