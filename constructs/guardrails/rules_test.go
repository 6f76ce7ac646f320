package guardrails

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
)

// redTemplate is the template the red-team resources live in: a parameter,
// a mapping, a condition's worth of Fn::If, and other resources to Ref.
var redTemplate = &Template{
	Parameters: map[string]any{"Cidr": map[string]any{"Type": "String"}, "Key": map[string]any{"Type": "String"}, "Owner": map[string]any{"Type": "String"}},
	Mappings: map[string]any{"Net": map[string]any{"prod": map[string]any{"admin": "0.0.0.0/0", "office": "198.51.100.0/24"},
		"arns": map[string]any{"all": "*", "one": "arn:aws:s3:::b"}}},
	Resources: map[string]bool{"Key1": true, "Vpce": true, "Bucket": true},
}

// verdictsOf runs a rule on a resource given as JSON properties.
func verdictsOf(t *testing.T, rule, typ, props string) []Verdict {
	t.Helper()
	rl, ok := RuleByID(rule)
	if !ok {
		t.Fatalf("no rule %s", rule)
	}
	r := Resource{LogicalID: "R", Type: typ, Properties: map[string]any{}, Template: redTemplate}
	if props != "" {
		if err := json.Unmarshal([]byte(props), &r.Properties); err != nil {
			t.Fatalf("%v: %s", err, props)
		}
	}
	return rl.Check(r, Context{RequiredTags: []string{"service", "owner"}})
}

// summary renders verdicts as "outcome path: message" lines, passes and
// not-applicable as one word, for comparing with a case's expectations.
func summary(vs []Verdict) []string {
	if len(vs) == 0 {
		return []string{"not applicable"}
	}
	var out []string
	for _, v := range vs {
		if v.Outcome == Compliant {
			out = append(out, "compliant")
			continue
		}
		out = append(out, fmt.Sprintf("%s %s: %s", v.Outcome, v.Path, v.Message))
	}
	return out
}

type ruleCase struct {
	name, rule, typ, props string
	// want: each line must be a prefix of one verdict's summary, and
	// there must be as many verdicts as lines.
	want []string
}

func runCases(t *testing.T, cases []ruleCase) {
	for _, tc := range cases {
		t.Run(tc.rule+"/"+tc.name, func(t *testing.T) {
			got := summary(verdictsOf(t, tc.rule, tc.typ, tc.props))
			if len(got) != len(tc.want) {
				t.Fatalf("got %d verdicts, want %d:\n  got:  %s\n  want: %s", len(got), len(tc.want), strings.Join(got, "\n        "), strings.Join(tc.want, "\n        "))
			}
			for i := range got {
				if !strings.HasPrefix(got[i], tc.want[i]) {
					t.Errorf("verdict %d:\n  got  %s\n  want %s...", i, got[i], tc.want[i])
				}
			}
		})
	}
}

// TestRules: the Compliance and Noncompliance cases of each rule.
func TestRules(t *testing.T) {
	allBlocked := `{"PublicAccessBlockConfiguration":{"BlockPublicAcls":true,"BlockPublicPolicy":true,"IgnorePublicAcls":true,"RestrictPublicBuckets":true}}`
	runCases(t, []ruleCase{
		{"Compliance: all four blocks", "HS-S3-1", "AWS::S3::Bucket", allBlocked, []string{"compliant"}},
		{"Noncompliance 1: no blocks at all", "HS-S3-1", "AWS::S3::Bucket", `{}`, []string{"non-compliant PublicAccessBlockConfiguration: public access is not blocked: BlockPublicAcls, BlockPublicPolicy, IgnorePublicAcls, RestrictPublicBuckets not true"}},
		{"Noncompliance 2: policy allowed", "HS-S3-1", "AWS::S3::Bucket", `{"PublicAccessBlockConfiguration":{"BlockPublicAcls":true,"BlockPublicPolicy":false,"IgnorePublicAcls":true,"RestrictPublicBuckets":true}}`, []string{"non-compliant PublicAccessBlockConfiguration: public access is not blocked: BlockPublicPolicy not true"}},
		{"Unresolved: parameter", "HS-S3-1", "AWS::S3::Bucket", `{"PublicAccessBlockConfiguration":{"BlockPublicAcls":{"Ref":"Cidr"},"BlockPublicPolicy":true,"IgnorePublicAcls":true,"RestrictPublicBuckets":true}}`, []string{"unresolved PublicAccessBlockConfiguration.BlockPublicAcls: BlockPublicAcls is not known at synth time (parameter Cidr)"}},
		{"Not applicable: queue", "HS-S3-1", "AWS::SQS::Queue", `{}`, []string{"not applicable"}},

		{"Compliance: https only", "HS-EC2-1", "AWS::EC2::SecurityGroup", `{"SecurityGroupIngress":[{"CidrIp":"0.0.0.0/0","IpProtocol":"tcp","FromPort":443,"ToPort":443}]}`, []string{"compliant"}},
		{"Compliance: ssh from a range", "HS-EC2-1", "AWS::EC2::SecurityGroup", `{"SecurityGroupIngress":[{"CidrIp":"10.0.0.0/8","IpProtocol":"tcp","FromPort":22,"ToPort":22}]}`, []string{"compliant"}},
		{"Noncompliance 1: ssh to the world", "HS-EC2-1", "AWS::EC2::SecurityGroup", `{"SecurityGroupIngress":[{"CidrIp":"0.0.0.0/0","IpProtocol":"tcp","FromPort":22,"ToPort":22}]}`, []string{"non-compliant SecurityGroupIngress[0].CidrIp: port 22 (SSH) is open to the internet (0.0.0.0/0)"}},
		{"Noncompliance 2: rdp in a range, ipv6", "HS-EC2-1", "AWS::EC2::SecurityGroupIngress", `{"CidrIpv6":"::/0","IpProtocol":"tcp","FromPort":3000,"ToPort":4000}`, []string{"non-compliant CidrIpv6: port 3389 (RDP) is open to the internet (::/0)"}},
		{"Noncompliance 3: all traffic", "HS-EC2-1", "AWS::EC2::SecurityGroup", `{"SecurityGroupIngress":[{"CidrIp":"0.0.0.0/0","IpProtocol":"-1"}]}`, []string{
			"non-compliant SecurityGroupIngress[0].CidrIp: port 22", "non-compliant SecurityGroupIngress[0].CidrIp: port 3389", "non-compliant SecurityGroupIngress[0].CidrIp: port 5985", "non-compliant SecurityGroupIngress[0].CidrIp: port 5986"}},
		{"Unresolved: cidr from a parameter", "HS-EC2-1", "AWS::EC2::SecurityGroup", `{"SecurityGroupIngress":[{"CidrIp":{"Ref":"Cidr"},"IpProtocol":"tcp","FromPort":22,"ToPort":22}]}`, []string{"unresolved SecurityGroupIngress[0].CidrIp: CidrIp is not known at synth time (parameter Cidr)"}},

		{"Compliance: named actions", "HS-IAM-1", "AWS::IAM::Policy", `{"PolicyDocument":{"Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"}]}}`, []string{"compliant"}},
		{"Compliance: deny star", "HS-IAM-1", "AWS::IAM::Policy", `{"PolicyDocument":{"Statement":[{"Effect":"Deny","Action":"*","Resource":"*"}]}}`, []string{"compliant"}},
		{"Noncompliance 1: star on star", "HS-IAM-1", "AWS::IAM::Policy", `{"PolicyDocument":{"Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}}`, []string{"non-compliant PolicyDocument.Statement[0]: allows every action on every resource"}},
		{"Noncompliance 2: inline in a role, lists", "HS-IAM-1", "AWS::IAM::Role", `{"Policies":[{"PolicyName":"p","PolicyDocument":{"Statement":[{"Effect":"Allow","Action":["s3:*","*"],"Resource":["arn:aws:s3:::x","*"]}]}}]}`, []string{"non-compliant Policies[0].PolicyDocument.Statement[0]: allows every action on every resource"}},

		{"Compliance: default SQS encryption", "HS-SQS-1", "AWS::SQS::Queue", `{}`, []string{"compliant"}},
		{"Compliance: KMS", "HS-SQS-1", "AWS::SQS::Queue", `{"KmsMasterKeyId":"alias/aws/sqs"}`, []string{"compliant"}},
		{"Noncompliance 1: encryption off", "HS-SQS-1", "AWS::SQS::Queue", `{"SqsManagedSseEnabled":false}`, []string{"non-compliant SqsManagedSseEnabled: SqsManagedSseEnabled is false and no KMS key is set"}},
		{"Compliance: topic with key", "HS-SNS-1", "AWS::SNS::Topic", `{"KmsMasterKeyId":{"Ref":"Key1"}}`, []string{"compliant"}},
		{"Noncompliance 1: plain topic", "HS-SNS-1", "AWS::SNS::Topic", `{}`, []string{"non-compliant KmsMasterKeyId: the topic has no KmsMasterKeyId"}},

		{"Compliance: tagged", "HS-TAG-1", "AWS::S3::Bucket", `{"Tags":[{"Key":"service","Value":"orders"},{"Key":"owner","Value":"team"}]}`, []string{"compliant"}},
		{"Noncompliance 1: overridden empty", "HS-TAG-1", "AWS::SQS::Queue", `{"Tags":[{"Key":"service","Value":""},{"Key":"owner","Value":"team"}]}`, []string{"non-compliant Tags: lacks a value for service"}},
		{"Noncompliance 2: no tags", "HS-TAG-1", "AWS::Lambda::Function", `{}`, []string{"non-compliant Tags: lacks a value for service, owner"}},
		{"Not applicable: untaggable type", "HS-TAG-1", "AWS::S3::BucketPolicy", `{}`, []string{"not applicable"}},
	})
}
