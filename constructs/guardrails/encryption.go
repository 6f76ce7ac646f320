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

// checkNestedStack is HS-CFN-1: a nested stack is checked only when its
// template is one the check reads, which the assembly proves: the
// TemplateURL is the bucket and key to which an asset manifest of the
// assembly publishes that template file (what CDK writes for a
// NestedStack). Metadata, or a URL that looks like the bootstrap bucket,
// proves nothing: a construct can write either.
func checkNestedStack(r Resource, ctx Context) []Verdict {
	if r.Type == "AWS::CloudFormation::StackSet" {
		// A stack set deploys its template into other accounts and
		// regions, outside the app: no guardrail reads it.
		return []Verdict{{Outcome: Unresolved, Path: "TemplateBody", Message: "the stack set's template is deployed outside the app, so no guardrail sees what it creates"}}
	}
	if strings.HasSuffix(r.Type, "::MODULE") {
		// A registry module is expanded into resources at deploy time.
		return []Verdict{{Outcome: Unresolved, Message: "the module " + r.Type + " is expanded into resources at deploy time, so no guardrail sees what it creates"}}
	}
	if r.Type == "AWS::ServiceCatalog::CloudFormationProvisionedProduct" {
		return []Verdict{{Outcome: Unresolved, Path: "ProductId", Message: "the provisioned product's stack comes from a Service Catalog template outside the app, so no guardrail sees what it creates"}}
	}
	if r.Type != "AWS::CloudFormation::Stack" {
		return nil
	}
	j := &judge{}
	for _, u := range r.tmpl().Eval(r.Properties["TemplateURL"]) {
		var s string
		switch x := u.V.(type) {
		case string:
			s = x
		case Opaque:
			s = string(x)
		}
		switch {
		case u.Absent:
			j.out = append(j.out, Verdict{Outcome: Unresolved, Path: "TemplateURL", Message: "the nested stack has no TemplateURL" + u.When()})
		case !u.Known():
			j.unresolved("TemplateURL", u, "the nested stack's template")
		case s == "" || !ctx.nested[objectOf(s)]:
			j.out = append(j.out, Verdict{Outcome: Unresolved, Path: "TemplateURL",
				Message: "the nested stack's template (" + s + ") is not one this app synthesized, so no guardrail sees what it creates" + u.When()})
		}
	}
	return j.verdicts()
}

// objectOf is the "bucket/key" of an S3 URL as CDK writes a nested
// stack's (https://s3.REGION.URLSUFFIX/BUCKET/KEY), or "".
func objectOf(url string) string {
	rest, ok := strings.CutPrefix(url, "https://")
	if !ok {
		return ""
	}
	host, path, ok := strings.Cut(rest, "/")
	if !ok || !strings.HasPrefix(host, "s3.") {
		return ""
	}
	// The host is S3's, in a region: a value built in (a resource's name)
	// could point anywhere.
	host = strings.NewReplacer("${AWS::Region}", "region", "${AWS::URLSuffix}", "amazonaws.com").Replace(host)
	if strings.ContainsAny(host, "${}") {
		return ""
	}
	return path
}
