package guardrails

import "strings"

// checkQueueEncrypted is HS-SQS-1: a queue with a KMS key, or with
// SQS-managed encryption, which is on unless SqsManagedSseEnabled is false.
func checkQueueEncrypted(r Resource, _ Context) []Verdict {
	if r.Type != "AWS::SQS::Queue" {
		return nil
	}
	t, j := r.tmpl(), &judge{}
	for _, key := range t.Eval(r.Properties["KmsMasterKeyId"]) {
		switch s, isStr := key.Str(); {
		case key.Absent:
			for _, sse := range t.Eval(r.Properties["SqsManagedSseEnabled"], key.Conds...) {
				b, isBool := sse.Bool()
				switch {
				case sse.Absent: // SQS-managed encryption is the default
				case !sse.Known():
					j.unresolved("SqsManagedSseEnabled", sse, "SqsManagedSseEnabled")
				case isBool && !b:
					j.breach("SqsManagedSseEnabled", "SqsManagedSseEnabled is false and no KMS key is set%s", sse.When())
				}
			}
		case !key.Known():
			j.unresolved("KmsMasterKeyId", key, "KmsMasterKeyId")
		case isStr && strings.TrimSpace(s) == "":
			j.breach("KmsMasterKeyId", "KmsMasterKeyId is empty%s", key.When())
		}
	}
	return j.verdicts()
}

// checkTopicEncrypted is HS-SNS-1: a topic with a KMS key. SNS does not
// encrypt by default, and an empty KmsMasterKeyId turns encryption off
// (https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-resource-sns-topic.html#cfn-sns-topic-kmsmasterkeyid).
func checkTopicEncrypted(r Resource, _ Context) []Verdict {
	if r.Type != "AWS::SNS::Topic" {
		return nil
	}
	t, j := r.tmpl(), &judge{}
	for _, key := range t.Eval(r.Properties["KmsMasterKeyId"]) {
		switch s, isStr := key.Str(); {
		case key.Absent:
			j.breach("KmsMasterKeyId", "the topic has no KmsMasterKeyId%s", key.When())
		case !key.Known():
			j.unresolved("KmsMasterKeyId", key, "KmsMasterKeyId")
		case isStr && strings.TrimSpace(s) == "":
			j.breach("KmsMasterKeyId", "KmsMasterKeyId is empty, which turns SNS encryption off%s", key.When())
		}
	}
	return j.verdicts()
}

// checkNestedStack is HS-CFN-1: a nested stack whose template the app
// holds (a CDK NestedStack: its template is an asset of the assembly,
// checked with the app's) is fine; any other TemplateURL points outside
// what the rules can see.
func checkNestedStack(r Resource, _ Context) []Verdict {
	if r.Type != "AWS::CloudFormation::Stack" {
		return nil
	}
	if p, _ := r.Metadata["aws:asset:path"].(string); strings.HasSuffix(p, ".nested.template.json") {
		return []Verdict{{Outcome: Compliant}}
	}
	for _, u := range r.tmpl().Eval(r.Properties["TemplateURL"]) {
		// CDK NestedStacks without asset metadata: the URL is built from
		// the bootstrap assets bucket and the template's hash.
		if o, ok := u.V.(Opaque); ok && strings.Contains(string(o), "-assets-") && strings.HasSuffix(string(o), ".json") {
			continue
		}
		s, _ := u.Str()
		if !u.Known() {
			s = u.Unknown
		}
		return []Verdict{{Outcome: Unresolved, Path: "TemplateURL", Message: "the nested stack's template (" + s + ") is outside the app, so no guardrail sees what it creates"}}
	}
	return []Verdict{{Outcome: Compliant}}
}
