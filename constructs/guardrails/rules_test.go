package guardrails

import (
	"encoding/json"
	"strings"
	"testing"
)

func res(t *testing.T, typ, props string) Resource {
	t.Helper()
	r := Resource{LogicalID: "R", Type: typ, Properties: map[string]any{}}
	if props != "" {
		if err := json.Unmarshal([]byte(props), &r.Properties); err != nil {
			t.Fatal(err)
		}
	}
	return r
}

func TestRules(t *testing.T) {
	tags := Context{RequiredTags: []string{"service", "owner"}}
	allBlocked := `{"PublicAccessBlockConfiguration":{"BlockPublicAcls":true,"BlockPublicPolicy":true,"IgnorePublicAcls":true,"RestrictPublicBuckets":true}}`
	cases := []struct {
		name, rule, typ, props string
		want                   Outcome
		msg                    string
	}{
		{"Compliance: all four blocks", "HS-S3-1", "AWS::S3::Bucket", allBlocked, Compliant, ""},
		{"Noncompliance 1: no blocks at all", "HS-S3-1", "AWS::S3::Bucket", `{}`, NonCompliant, "public access is not blocked: BlockPublicAcls, BlockPublicPolicy, IgnorePublicAcls, RestrictPublicBuckets not true"},
		{"Noncompliance 2: policy allowed", "HS-S3-1", "AWS::S3::Bucket", `{"PublicAccessBlockConfiguration":{"BlockPublicAcls":true,"BlockPublicPolicy":false,"IgnorePublicAcls":true,"RestrictPublicBuckets":true}}`, NonCompliant, "public access is not blocked: BlockPublicPolicy not true"},
		{"Unresolved: parameter", "HS-S3-1", "AWS::S3::Bucket", `{"PublicAccessBlockConfiguration":{"BlockPublicAcls":{"Ref":"P"},"BlockPublicPolicy":true,"IgnorePublicAcls":true,"RestrictPublicBuckets":true}}`, Unresolved, "BlockPublicAcls is not known at synth time"},
		{"Not applicable: queue", "HS-S3-1", "AWS::SQS::Queue", `{}`, NotApplicable, ""},

		{"Compliance: https only", "HS-EC2-1", "AWS::EC2::SecurityGroup", `{"SecurityGroupIngress":[{"CidrIp":"0.0.0.0/0","IpProtocol":"tcp","FromPort":443,"ToPort":443}]}`, Compliant, ""},
		{"Compliance: ssh from a range", "HS-EC2-1", "AWS::EC2::SecurityGroup", `{"SecurityGroupIngress":[{"CidrIp":"10.0.0.0/8","IpProtocol":"tcp","FromPort":22,"ToPort":22}]}`, Compliant, ""},
		{"Noncompliance 1: ssh to the world", "HS-EC2-1", "AWS::EC2::SecurityGroup", `{"SecurityGroupIngress":[{"CidrIp":"0.0.0.0/0","IpProtocol":"tcp","FromPort":22,"ToPort":22}]}`, NonCompliant, "port 22 is open to 0.0.0.0/0"},
		{"Noncompliance 2: rdp in a range, ipv6", "HS-EC2-1", "AWS::EC2::SecurityGroupIngress", `{"CidrIpv6":"::/0","IpProtocol":"tcp","FromPort":3000,"ToPort":4000}`, NonCompliant, "port 3389 is open to ::/0"},
		{"Noncompliance 3: all traffic", "HS-EC2-1", "AWS::EC2::SecurityGroup", `{"SecurityGroupIngress":[{"CidrIp":"0.0.0.0/0","IpProtocol":"-1"}]}`, NonCompliant, "all traffic is open to 0.0.0.0/0"},
		{"Unresolved: cidr from a parameter", "HS-EC2-1", "AWS::EC2::SecurityGroup", `{"SecurityGroupIngress":[{"CidrIp":{"Ref":"Cidr"},"IpProtocol":"tcp","FromPort":22,"ToPort":22}]}`, Unresolved, "CidrIp is not known at synth time"},

		{"Compliance: named actions", "HS-IAM-1", "AWS::IAM::Policy", `{"PolicyDocument":{"Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"}]}}`, Compliant, ""},
		{"Compliance: deny star", "HS-IAM-1", "AWS::IAM::Policy", `{"PolicyDocument":{"Statement":[{"Effect":"Deny","Action":"*","Resource":"*"}]}}`, Compliant, ""},
		{"Noncompliance 1: star on star", "HS-IAM-1", "AWS::IAM::Policy", `{"PolicyDocument":{"Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}}`, NonCompliant, `a statement allows Action "*" on Resource "*"`},
		{"Noncompliance 2: inline in a role, lists", "HS-IAM-1", "AWS::IAM::Role", `{"Policies":[{"PolicyName":"p","PolicyDocument":{"Statement":[{"Effect":"Allow","Action":["s3:*","*"],"Resource":["arn:aws:s3:::x","*"]}]}}]}`, NonCompliant, `a statement allows Action "*" on Resource "*"`},

		{"Compliance: default SQS encryption", "HS-SQS-1", "AWS::SQS::Queue", `{}`, Compliant, ""},
		{"Compliance: KMS", "HS-SQS-1", "AWS::SQS::Queue", `{"KmsMasterKeyId":"alias/aws/sqs"}`, Compliant, ""},
		{"Noncompliance 1: encryption off", "HS-SQS-1", "AWS::SQS::Queue", `{"SqsManagedSseEnabled":false}`, NonCompliant, "SqsManagedSseEnabled is false and no KMS key is set"},
		{"Compliance: topic with key", "HS-SNS-1", "AWS::SNS::Topic", `{"KmsMasterKeyId":{"Ref":"Key"}}`, Compliant, ""},
		{"Noncompliance 1: plain topic", "HS-SNS-1", "AWS::SNS::Topic", `{}`, NonCompliant, "the topic has no KmsMasterKeyId"},

		{"Compliance: tagged", "HS-TAG-1", "AWS::S3::Bucket", `{"Tags":[{"Key":"service","Value":"orders"},{"Key":"owner","Value":"team"}]}`, Compliant, ""},
		{"Noncompliance 1: overridden empty", "HS-TAG-1", "AWS::SQS::Queue", `{"Tags":[{"Key":"service","Value":""},{"Key":"owner","Value":"team"}]}`, NonCompliant, "lacks a value for service"},
		{"Noncompliance 2: no tags", "HS-TAG-1", "AWS::Lambda::Function", `{}`, NonCompliant, "lacks a value for service, owner"},
		{"Not applicable: untaggable type", "HS-TAG-1", "AWS::S3::BucketPolicy", `{}`, NotApplicable, ""},
	}
	for _, tc := range cases {
		t.Run(tc.rule+"/"+tc.name, func(t *testing.T) {
			rule, ok := RuleByID(tc.rule)
			if !ok {
				t.Fatalf("no rule %s", tc.rule)
			}
			got, msg := rule.Check(res(t, tc.typ, tc.props), tags)
			if got != tc.want || msg != tc.msg {
				t.Errorf("%s = %v %q, want %v %q", tc.rule, got, msg, tc.want, tc.msg)
			}
		})
	}
}

func TestCheckTemplateSuppressions(t *testing.T) {
	tmpl := `{"Resources":{
	  "Open":{"Type":"AWS::EC2::SecurityGroup","Metadata":{"aws:cdk:path":"s/Open/Resource","handsoff:guardrails":{"suppress":[{"rule":"HS-EC2-1","reason":"break-glass bastion, opened only by runbook OPS-12"}]}},
	    "Properties":{"SecurityGroupIngress":[{"CidrIp":"0.0.0.0/0","IpProtocol":"tcp","FromPort":22,"ToPort":22}]}},
	  "Public":{"Type":"AWS::S3::Bucket","Metadata":{"aws:cdk:path":"s/Public/Resource","handsoff:guardrails":{"suppress":[{"rule":"HS-S3-1","reason":"ok"},{"rule":"HS-XX-9","reason":"because it is fine really"}]}}}
	}}`
	rep, err := CheckTemplate("s.template.json", []byte(tmpl), Context{})
	if err != nil {
		t.Fatal(err)
	}
	if n := len(rep.Suppressed()); n != 1 || rep.Suppressed()[0].Reason != "break-glass bastion, opened only by runbook OPS-12" {
		t.Errorf("suppressed = %v", rep.Suppressed())
	}
	want := "handsoff: guardrails: 3 problem(s):\n" +
		"  - s/Public/Resource [HS-S3-1 bucket-public-access-block] public access is not blocked: BlockPublicAcls, BlockPublicPolicy, IgnorePublicAcls, RestrictPublicBuckets not true: use constructs/privatebucket, or set BlockPublicAccess: awss3.BlockPublicAccess_BLOCK_ALL()\n" +
		"  - s/Public/Resource: suppresses HS-S3-1 without a reason: say why it is safe (10 characters at least)\n" +
		`  - s/Public/Resource: suppresses unknown guardrail "HS-XX-9"; rules are `
	if err := rep.Err(); err == nil || !strings.HasPrefix(err.Error(), want) {
		t.Errorf("Err() = %v\nwant prefix:\n%s", err, want)
	}
}
