// Package nag records cdk-nag suppressions in the metadata cdk-nag reads
// (key "cdk_nag", the format of cdk-nag's NagSuppressions), written from Go.
//
// handsoff suppresses with reasons but never runs cdk-nag itself: calling
// cdk-nag's NagSuppressions would load the cdk-nag package into jsii's
// Node.js process, about 0.4 s of every synth, for apps that do not use
// cdk-nag at all. Apps that do run cdk-nag read the same metadata.
package nag

import (
	"encoding/base64"
	"encoding/json"
)

// Key is the metadata key cdk-nag reads suppressions from.
const Key = "cdk_nag"

// Suppression is one suppressed cdk-nag rule.
type Suppression struct {
	// ID is the rule, such as "AwsSolutions-IAM5".
	ID string
	// Reason says why; cdk-nag requires at least 10 characters.
	Reason string
	// AppliesTo narrows the suppression to findings: strings match a
	// finding exactly, {"regex": "/…/"} values match a pattern. Default:
	// every finding of the rule.
	AppliesTo []any
}

// entry is the suppression in cdk-nag's metadata format: reasons with
// characters beyond Latin-1 are base64-encoded, as cdk-nag does.
func (s Suppression) entry() map[string]any {
	m := map[string]any{"id": s.ID, "reason": s.Reason}
	for _, r := range s.Reason {
		if r > 255 {
			m["reason"] = base64.StdEncoding.EncodeToString([]byte(s.Reason))
			m["is_reason_encoded"] = true
			break
		}
	}
	if len(s.AppliesTo) > 0 {
		m["applies_to"] = s.AppliesTo
	}
	return m
}

// Metadata is the cdk_nag metadata value for sups, for templates written
// in Go.
func Metadata(sups ...Suppression) map[string]any {
	return merge(nil, sups)
}

// Entries are sups as the rules_to_suppress entries of cdk_nag metadata,
// for internal/cdkbatch.AddNagSuppressions.
func Entries(sups ...Suppression) []any {
	list, _ := merge(nil, sups)["rules_to_suppress"].([]any)
	return list
}

// Resource is the part of an awscdk.CfnResource that Suppress uses. The
// package names no CDK type, so that programs which only read or write
// templates (the CLI, checks.BootstrapTemplate) link no jsii.
type Resource interface {
	AddMetadata(key *string, value any)
	GetMetadata(key *string) any
}

// Suppress adds sups to the cdk_nag metadata of r, an awscdk.CfnResource,
// keeping what is there (as cdk-nag's
// NagSuppressions.addResourceSuppressions does): two jsii calls.
func Suppress(r Resource, sups ...Suppression) {
	key := Key
	r.AddMetadata(&key, merge(r.GetMetadata(&key), sups))
}

// merge appends sups to existing cdk_nag metadata, dropping exact repeats.
func merge(existing any, sups []Suppression) map[string]any {
	var list []any
	seen := map[string]bool{}
	add := func(e any) {
		b, _ := json.Marshal(e)
		if !seen[string(b)] {
			seen[string(b)] = true
			list = append(list, e)
		}
	}
	if m, ok := existing.(map[string]any); ok {
		if old, ok := m["rules_to_suppress"].([]any); ok {
			for _, e := range old {
				add(e)
			}
		}
	}
	for _, s := range sups {
		add(s.entry())
	}
	return map[string]any{"rules_to_suppress": list}
}
