// Package guard records cfn-guard rule suppressions on CloudFormation
// resources. cfn-guard skips a rule for a resource whose
// Metadata.guard.SuppressedRules names it; handsoff always writes the reason
// beside it, in Metadata.guard.Reasons, so a reviewer sees why.
package guard

import (
	"sort"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
)

// Suppress adds rules, with a reason, to the suppressions of the resource
// behind c (c itself, or its default child). It merges with earlier calls.
func Suppress(c constructs.IConstruct, reason string, rules ...string) {
	reasons := map[string]string{}
	for _, rule := range rules {
		reasons[rule] = reason
	}
	SuppressReasons(c, reasons)
}

// SuppressReasons adds rules with their reasons (rule name: reason) to the
// suppressions of the resource behind c, as Suppress does, in one read and
// one write of its metadata however many rules there are.
func SuppressReasons(c constructs.IConstruct, add map[string]string) {
	r, ok := c.(awscdk.CfnResource)
	if !ok {
		r, ok = c.Node().DefaultChild().(awscdk.CfnResource)
	}
	if !ok {
		panic("guard: " + *c.Node().Path() + " is not a CloudFormation resource") // a bug in handsoff
	}
	reasons := map[string]string{}
	if old, ok := r.GetMetadata(jsii.String("guard")).(map[string]interface{}); ok {
		if rs, ok := old["Reasons"].(map[string]interface{}); ok {
			for k, v := range rs {
				reasons[k], _ = v.(string)
			}
		}
	}
	for rule, reason := range add {
		reasons[rule] = reason
	}
	r.AddMetadata(jsii.String("guard"), Metadata(reasons))
}

// Metadata is the Metadata.guard value that suppresses each rule of
// reasons (rule name: reason), for templates written without the CDK.
func Metadata(reasons map[string]string) map[string]any {
	names := make([]string, 0, len(reasons))
	for k := range reasons {
		names = append(names, k)
	}
	sort.Strings(names)
	return map[string]any{"SuppressedRules": names, "Reasons": reasons}
}
