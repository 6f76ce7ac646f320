package guardrails

// A second red team's cases, written by a hostile tester from the package's
// promise (doc.go, values.go), not from its tests. Each case says which rule
// must (or must not) report, and why, citing AWS behaviour. Of 84, 31 broke
// the promise when written, by class: values removed by AWS::NoValue read
// as if the rest held in every deployment; opaque data (a parameter's
// Value, a custom resource's attribute) read as a harmless name; a literal
// account never "every resource"; escalations split between a role and its
// policy; source ranges that add up to everyone; malformed suppressions
// read wide; correlated conditions reported as if independent; unbounded
// evaluation; resource types with policies and firewalls of their own.
// Each class is fixed where it lives. Run:
// go test ./constructs/guardrails -run Redteam2 -count=1

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"
)

type rt2Want int

const (
	rt2Finding rt2Want = iota // some unsuppressed finding (NonCompliant or Unresolved) of the rule
	rt2Breach                 // some unsuppressed NonCompliant finding of the rule
	rt2None                   // no unsuppressed finding of the rule
	rt2Problem                // the suppression is refused (Report.Problems)
)

type rt2Case struct {
	name string
	kind string // "bug?" marks cases expected to expose a bug, "held" those expected to hold, "scope" a rule-scope question
	rule string
	want rt2Want
	tags []string
	tmpl string
	why  string
}

// rt2One is a template with one resource R.
func rt2One(typ, props string) string {
	return `{"Resources":{"R":{"Type":"` + typ + `","Properties":` + props + `}}}`
}

// rt2With is a template with extra sections and resources.
func rt2With(sections, resources string) string {
	s := `{` + sections
	if sections != "" {
		s += ","
	}
	return s + `"Resources":{` + resources + `}}`
}

const rt2Cond = `"Conditions":{"C":{"Fn::Equals":[{"Ref":"Env"},"prod"]}},"Parameters":{"Env":{"Type":"String","AllowedValues":["prod","dev"]}}`

func rt2SG(ingress string) string {
	return rt2One("AWS::EC2::SecurityGroup", `{"GroupDescription":"x","SecurityGroupIngress":[`+ingress+`]}`)
}

func rt2Bucket(stmt string) string {
	return rt2One("AWS::S3::BucketPolicy", `{"Bucket":"b","PolicyDocument":{"Version":"2012-10-17","Statement":[`+stmt+`]}}`)
}

func rt2Policy(stmts string) string {
	return rt2One("AWS::IAM::ManagedPolicy", `{"PolicyDocument":{"Version":"2012-10-17","Statement":[`+stmts+`]}}`)
}

func rt2All8s() string {
	var parts []string
	for i := 0; i < 256; i++ {
		parts = append(parts, fmt.Sprintf(`"%d.0.0.0/8"`, i))
	}
	return strings.Join(parts, ",")
}

func rt2Cases() []rt2Case {
	return []rt2Case{
		// ---------------- HS-EC2-1 ----------------
		{name: "ec2/plain-ssh", kind: "held", rule: "HS-EC2-1", want: rt2Breach,
			tmpl: rt2SG(`{"IpProtocol":"tcp","FromPort":22,"ToPort":22,"CidrIp":"0.0.0.0/0"}`),
			why:  "tcp/22 from 0.0.0.0/0 is SSH open to the internet"},
		{name: "ec2/two-halves", kind: "held", rule: "HS-EC2-1", want: rt2Breach,
			tmpl: rt2SG(`{"IpProtocol":"tcp","FromPort":22,"ToPort":22,"CidrIp":"0.0.0.0/1"},{"IpProtocol":"tcp","FromPort":0,"ToPort":65535,"CidrIp":"128.0.0.0/1"}`),
			why:  "EC2 ORs rules: 0.0.0.0/1 + 128.0.0.0/1 is the whole IPv4 internet"},
		{name: "ec2/all-proto-ipv6", kind: "held", rule: "HS-EC2-1", want: rt2Breach,
			tmpl: rt2SG(`{"IpProtocol":-1,"CidrIpv6":"::/0"}`),
			why:  "IpProtocol -1 means every protocol and port (ports ignored)"},
		{name: "ec2/proto-number-string-ports", kind: "held", rule: "HS-EC2-1", want: rt2Breach,
			tmpl: rt2SG(`{"IpProtocol":" TCP ","FromPort":"0","ToPort":"65535","CidrIp":"0.0.0.0/0"}`),
			why:  "EC2 takes protocol names in any case and ports as strings in CFN"},
		{name: "ec2/ingress-resource-rdp-udp", kind: "held", rule: "HS-EC2-1", want: rt2Breach,
			tmpl: rt2One("AWS::EC2::SecurityGroupIngress", `{"GroupId":"sg-1","IpProtocol":"17","FromPort":3389,"ToPort":3389,"CidrIpv6":"2000::/3"}`),
			why:  "RDP listens on udp/3389 too; 2000::/3 is all global IPv6"},
		{name: "ec2/join-if-cidr", kind: "held", rule: "HS-EC2-1", want: rt2Breach,
			tmpl: rt2With(rt2Cond, `"R":{"Type":"AWS::EC2::SecurityGroup","Properties":{"GroupDescription":"x","SecurityGroupIngress":[{"IpProtocol":"tcp","FromPort":22,"ToPort":22,"CidrIp":{"Fn::Join":["",[{"Fn::If":["C","10.0.0.0","0.0.0.0"]},"/",{"Fn::If":["C",8,0]}]]}}]}}`),
			why:  "in the dev branch Fn::Join builds 0.0.0.0/0"},
		{name: "ec2/select-split", kind: "held", rule: "HS-EC2-1", want: rt2Breach,
			tmpl: rt2SG(`{"IpProtocol":"tcp","FromPort":22,"ToPort":22,"CidrIp":{"Fn::Select":["1",{"Fn::Split":[",","10.0.0.0/8,0.0.0.0/0"]}]}}`),
			why:  "Fn::Select takes a string index; element 1 is 0.0.0.0/0"},
		{name: "ec2/sub-findinmap-var", kind: "held", rule: "HS-EC2-1", want: rt2Breach,
			tmpl: rt2With(`"Mappings":{"Net":{"Any":{"Base":"0.0.0.0"}}}`, `"R":{"Type":"AWS::EC2::SecurityGroup","Properties":{"GroupDescription":"x","SecurityGroupIngress":[{"IpProtocol":"tcp","FromPort":5985,"ToPort":5986,"CidrIp":{"Fn::Sub":["${B}/0",{"B":{"Fn::FindInMap":["Net","Any","Base"]}}]}}]}}`),
			why:  "Fn::Sub with a variable map over Fn::FindInMap gives 0.0.0.0/0 on WinRM"},
		{name: "ec2/dynamic-ref-cidr", kind: "held", rule: "HS-EC2-1", want: rt2Finding,
			tmpl: rt2SG(`{"IpProtocol":"tcp","FromPort":22,"ToPort":22,"CidrIp":{"Fn::Join":["",["{{resolve:ssm:","/net/cidr}}"]]}}`),
			why:  "a dynamic reference built by Fn::Join is resolved by CFN after the join"},
		{name: "ec2/select-negative", kind: "held", rule: "HS-EC2-1", want: rt2Finding,
			tmpl: rt2SG(`{"IpProtocol":"tcp","FromPort":22,"ToPort":22,"CidrIp":{"Fn::Select":[-1,["10.0.0.0/8","0.0.0.0/0"]]}}`),
			why:  "a malformed Select must not be read as absent"},
		{name: "ec2/entry-if-novalue", kind: "held", rule: "HS-EC2-1", want: rt2Breach,
			tmpl: rt2With(rt2Cond, `"R":{"Type":"AWS::EC2::SecurityGroup","Properties":{"GroupDescription":"x","SecurityGroupIngress":[{"Fn::If":["C",{"Ref":"AWS::NoValue"},{"IpProtocol":"tcp","FromPort":22,"ToPort":22,"CidrIp":"0.0.0.0/0"}]}]}}`),
			why:  "in dev the entry is present"},
		{name: "ec2/prefix-list-in-template", kind: "bug?", rule: "HS-EC2-1", want: rt2Finding,
			tmpl: rt2With("", `"PL":{"Type":"AWS::EC2::PrefixList","Properties":{"PrefixListName":"any","AddressFamily":"IPv4","MaxEntries":1,"Entries":[{"Cidr":"0.0.0.0/0"}]}},
			 "R":{"Type":"AWS::EC2::SecurityGroup","Properties":{"GroupDescription":"x","SecurityGroupIngress":[{"IpProtocol":"tcp","FromPort":22,"ToPort":22,"SourcePrefixListId":{"Ref":"PL"}}]}}`),
			why: "SourcePrefixListId admits every CIDR of the prefix list; this one is 0.0.0.0/0, so SSH is open"},
		{name: "ec2/prefix-list-literal", kind: "bug?", rule: "HS-EC2-1", want: rt2Finding,
			tmpl: rt2One("AWS::EC2::SecurityGroupIngress", `{"GroupId":"sg-1","IpProtocol":"tcp","FromPort":3389,"ToPort":3389,"SourcePrefixListId":"pl-0123456789abcdef0"}`),
			why:  "a prefix list id outside the template has unknown CIDRs: must be Unresolved, not passed"},
		{name: "ec2/port-param-allowed-values-compliant", kind: "bug?", rule: "HS-EC2-1", want: rt2None,
			tmpl: rt2With(`"Parameters":{"Port":{"Type":"Number","AllowedValues":[443,8443]}}`, `"R":{"Type":"AWS::EC2::SecurityGroup","Properties":{"GroupDescription":"x","SecurityGroupIngress":[{"IpProtocol":"tcp","FromPort":{"Ref":"Port"},"ToPort":{"Ref":"Port"},"CidrIp":"0.0.0.0/0"}]}}`),
			why:  "a Number parameter is its AllowedValues (promise); 443 and 8443 are not admin ports, nothing is unknown"},
		{name: "ec2/port-if-compliant", kind: "bug?", rule: "HS-EC2-1", want: rt2None,
			tmpl: rt2With(rt2Cond, `"R":{"Type":"AWS::EC2::SecurityGroup","Properties":{"GroupDescription":"x","SecurityGroupIngress":[{"IpProtocol":"tcp","FromPort":{"Fn::If":["C",443,8443]},"ToPort":{"Fn::If":["C",443,8443]},"CidrIp":"0.0.0.0/0"}]}}`),
			why:  "one condition decides both ends: prod opens 443, dev 8443; the range 443-8443 is never deployed"},
		{name: "ec2/port-param-with-ssh-and-suppress-unresolved", kind: "bug?", rule: "HS-EC2-1", want: rt2Finding,
			tmpl: rt2With(`"Parameters":{"Port":{"Type":"Number","AllowedValues":[443,22]}}`, `"R":{"Type":"AWS::EC2::SecurityGroup","Metadata":{"handsoff:guardrails":{"suppress":[{"rule":"HS-EC2-1","reason":"The port parameter only takes values from its AllowedValues list.","unresolved":true}]}},"Properties":{"GroupDescription":"x","SecurityGroupIngress":[{"IpProtocol":"tcp","FromPort":{"Ref":"Port"},"ToPort":{"Ref":"Port"},"CidrIp":"0.0.0.0/0"}]}}`),
			why:  "Port=22 opens SSH to 0.0.0.0/0: that is a breach, which an unresolved-only suppression must not cover"},
		{name: "ec2/compliant-https", kind: "held", rule: "HS-EC2-1", want: rt2None,
			tmpl: rt2SG(`{"IpProtocol":"tcp","FromPort":443,"ToPort":443,"CidrIp":"0.0.0.0/0"},{"IpProtocol":"tcp","FromPort":22,"ToPort":22,"CidrIp":"10.0.0.0/8"}`),
			why:  "443 open and SSH only from RFC 1918"},
		{name: "ec2/correlated-conditions-compliant", kind: "bug?", rule: "HS-EC2-1", want: rt2None,
			tmpl: rt2With(rt2Cond, `"R":{"Type":"AWS::EC2::SecurityGroup","Properties":{"GroupDescription":"x","SecurityGroupIngress":[
			  {"IpProtocol":"tcp","FromPort":22,"ToPort":22,"CidrIp":{"Fn::If":["C","1.0.0.0/9","10.0.0.0/8"]}},
			  {"IpProtocol":"tcp","FromPort":22,"ToPort":22,"CidrIp":{"Fn::If":["C","10.0.0.0/8","1.128.0.0/9"]}}]}}`),
			why: "C is true or false, never both: each deploy opens one /9 (under the /8 threshold); the union of both branches is never deployed"},
		{name: "ec2/lightsail-ssh", kind: "scope", rule: "HS-EC2-1", want: rt2Finding,
			tmpl: rt2One("AWS::Lightsail::Instance", `{"InstanceName":"i","BlueprintId":"ubuntu_22_04","BundleId":"nano_3_0","Networking":{"Ports":[{"FromPort":22,"ToPort":22,"Protocol":"tcp","Cidrs":["0.0.0.0/0"]}]}}`),
			why:  "Lightsail instance firewall opens SSH to the internet (outside the SG types the rule reads)"},

		// ---------------- HS-S3-1 ----------------
		{name: "s3pab/missing", kind: "held", rule: "HS-S3-1", want: rt2Breach,
			tmpl: rt2One("AWS::S3::Bucket", `{}`), why: "no PublicAccessBlockConfiguration"},
		{name: "s3pab/if-false", kind: "held", rule: "HS-S3-1", want: rt2Breach,
			tmpl: rt2With(rt2Cond, `"R":{"Type":"AWS::S3::Bucket","Properties":{"PublicAccessBlockConfiguration":{"BlockPublicAcls":true,"BlockPublicPolicy":{"Fn::If":["C",true,"false"]},"IgnorePublicAcls":true,"RestrictPublicBuckets":true}}}`),
			why:  "dev branch leaves BlockPublicPolicy false"},
		{name: "s3pab/strings-true", kind: "held", rule: "HS-S3-1", want: rt2None,
			tmpl: rt2One("AWS::S3::Bucket", `{"PublicAccessBlockConfiguration":{"BlockPublicAcls":"true","BlockPublicPolicy":"true","IgnorePublicAcls":"true","RestrictPublicBuckets":true}}`),
			why:  "CFN takes \"true\" for booleans"},
		{name: "s3pab/whole-if-novalue", kind: "held", rule: "HS-S3-1", want: rt2Breach,
			tmpl: rt2With(rt2Cond, `"R":{"Type":"AWS::S3::Bucket","Properties":{"PublicAccessBlockConfiguration":{"Fn::If":["C",{"BlockPublicAcls":true,"BlockPublicPolicy":true,"IgnorePublicAcls":true,"RestrictPublicBuckets":true},{"Ref":"AWS::NoValue"}]}}}`),
			why:  "dev removes the block"},

		// ---------------- HS-S3-2 ----------------
		{name: "s3pol/star", kind: "held", rule: "HS-S3-2", want: rt2Breach,
			tmpl: rt2Bucket(`{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::b/*"}`), why: "Principal * without condition"},
		{name: "s3pol/aws-list-star", kind: "held", rule: "HS-S3-2", want: rt2Breach,
			tmpl: rt2Bucket(`{"Effect":"Allow","Principal":{"AWS":["arn:aws:iam::111122223333:root","*"]},"Action":"s3:GetObject","Resource":"arn:aws:s3:::b/*"}`), why: "a list holding * is everyone"},
		{name: "s3pol/notprincipal", kind: "held", rule: "HS-S3-2", want: rt2Breach,
			tmpl: rt2Bucket(`{"Effect":"Allow","NotPrincipal":{"AWS":"arn:aws:iam::111122223333:root"},"Action":"s3:GetObject","Resource":"arn:aws:s3:::b/*"}`), why: "Allow+NotPrincipal is everyone else"},
		{name: "s3pol/vpce-restricted", kind: "held", rule: "HS-S3-2", want: rt2None,
			tmpl: rt2Bucket(`{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::b/*","Condition":{"StringEquals":{"AWS:SourceVpce":"vpce-1a2b3c4d"}}}`), why: "condition keys are case-insensitive; fixed VPCE restricts"},
		{name: "s3pol/ifexists", kind: "held", rule: "HS-S3-2", want: rt2Breach,
			tmpl: rt2Bucket(`{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::b/*","Condition":{"StringEqualsIfExists":{"aws:SourceVpce":"vpce-1a2b3c4d"}}}`), why: "...IfExists holds when the key is absent (any internet caller)"},
		{name: "s3pol/condition-if-novalue", kind: "held", rule: "HS-S3-2", want: rt2Breach,
			tmpl: rt2With(rt2Cond, `"R":{"Type":"AWS::S3::BucketPolicy","Properties":{"Bucket":"b","PolicyDocument":{"Statement":[{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::b/*","Condition":{"Fn::If":["C",{"StringEquals":{"aws:SourceVpce":"vpce-1"}},{"Ref":"AWS::NoValue"}]}}]}}}`),
			why:  "dev removes the Condition"},
		{name: "s3pol/operator-if-novalue", kind: "bug?", rule: "HS-S3-2", want: rt2Finding,
			tmpl: rt2With(rt2Cond, `"R":{"Type":"AWS::S3::BucketPolicy","Properties":{"Bucket":"b","PolicyDocument":{"Statement":[{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::b/*","Condition":{"StringEquals":{"Fn::If":["C",{"aws:SourceVpce":"vpce-1"},{"Ref":"AWS::NoValue"}]}}}]}}}`),
			why:  "in dev AWS::NoValue removes the operator's body: Condition {\"StringEquals\":{}} or {} restricts nobody, the bucket is public"},
		{name: "s3pol/key-if-novalue", kind: "bug?", rule: "HS-S3-2", want: rt2Finding,
			tmpl: rt2With(rt2Cond, `"R":{"Type":"AWS::S3::BucketPolicy","Properties":{"Bucket":"b","PolicyDocument":{"Statement":[{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::b/*","Condition":{"StringEquals":{"aws:SourceVpce":{"Fn::If":["C","vpce-1",{"Ref":"AWS::NoValue"}]}}}}]}}}`),
			why:  "in dev the key is removed; StringEquals with no key tests nothing, so everyone is allowed"},
		{name: "s3pol/sourceip-all-slash8s", kind: "bug?", rule: "HS-S3-2", want: rt2Finding,
			tmpl: rt2Bucket(`{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::b/*","Condition":{"IpAddress":{"aws:SourceIp":[` + rt2All8s() + `]}}}`),
			why:  "IpAddress ORs its values: 256 /8s are every IPv4 address, a condition every caller meets"},
		{name: "s3pol/principal-getatt-ssm-star", kind: "bug?", rule: "HS-S3-2", want: rt2Finding,
			tmpl: rt2With("", `"P":{"Type":"AWS::SSM::Parameter","Properties":{"Type":"String","Value":"*"}},
			  "R":{"Type":"AWS::S3::BucketPolicy","Properties":{"Bucket":"b","PolicyDocument":{"Statement":[{"Effect":"Allow","Principal":{"AWS":{"Fn::GetAtt":["P","Value"]}},"Action":"s3:GetObject","Resource":"arn:aws:s3:::b/*"}]}}}`),
			why: "GetAtt P.Value is \"*\" at deploy time; the evaluator calls it opaque (not what it is), so the principal must be reported, not taken as one named principal"},
		{name: "s3pol/principal-custom-resource", kind: "bug?", rule: "HS-S3-2", want: rt2Finding,
			tmpl: rt2With("", `"Lookup":{"Type":"Custom::Lookup","Properties":{"ServiceToken":"arn:aws:lambda:us-east-1:111122223333:function:f"}},
			  "R":{"Type":"AWS::S3::BucketPolicy","Properties":{"Bucket":"b","PolicyDocument":{"Statement":[{"Effect":"Allow","Principal":{"AWS":{"Fn::GetAtt":["Lookup","Who"]}},"Action":"s3:GetObject","Resource":"arn:aws:s3:::b/*"}]}}}`),
			why: "a custom resource's attribute is whatever its Lambda returns (\"*\" included)"},
		{name: "s3pol/access-point", kind: "scope", rule: "HS-S3-2", want: rt2Finding,
			tmpl: rt2One("AWS::S3::AccessPoint", `{"Bucket":"b","PublicAccessBlockConfiguration":{"BlockPublicAcls":false,"BlockPublicPolicy":false,"IgnorePublicAcls":false,"RestrictPublicBuckets":false},"Policy":{"Statement":[{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:us-east-1:111122223333:accesspoint/ap/object/*"}]}}`),
			why:  "an internet access point whose policy allows * exposes the bucket's objects (a resource policy on another type)"},

		// ---------------- HS-IAM-1 ----------------
		{name: "iam1/star", kind: "held", rule: "HS-IAM-1", want: rt2Breach,
			tmpl: rt2Policy(`{"Effect":"Allow","Action":"*","Resource":"*"}`), why: "admin"},
		{name: "iam1/odd-spelling", kind: "held", rule: "HS-IAM-1", want: rt2Breach,
			tmpl: rt2Policy(`{"Effect":"Allow","Action":["*:*"],"Resource":{"Fn::Sub":"arn:${AWS::Partition}:*"}}`), why: "*:* on arn:<partition>:* is everything"},
		{name: "iam1/notaction", kind: "held", rule: "HS-IAM-1", want: rt2Breach,
			tmpl: rt2Policy(`{"Effect":"Allow","NotAction":"iam:*","Resource":"*"}`), why: "NotAction with Allow is all but a few"},
		{name: "iam1/split-action", kind: "held", rule: "HS-IAM-1", want: rt2Breach,
			tmpl: rt2Policy(`{"Effect":"Allow","Action":{"Fn::Split":[",","s3:GetObject,*"]},"Resource":"*"}`), why: "Split yields * "},
		{name: "iam1/role-policies-if", kind: "held", rule: "HS-IAM-1", want: rt2Breach,
			tmpl: rt2With(rt2Cond, `"R":{"Type":"AWS::IAM::Role","Properties":{"AssumeRolePolicyDocument":{},"Policies":[{"Fn::If":["C",{"Ref":"AWS::NoValue"},{"PolicyName":"p","PolicyDocument":{"Statement":{"Effect":"Allow","Action":{"Fn::Select":[0,[{"Fn::If":["C","s3:*","*"]}]]},"Resource":"*"}}}]}]}}`),
			why:  "dev branch grants *"},
		{name: "iam1/managed-admin-join", kind: "held", rule: "HS-IAM-1", want: rt2Breach,
			tmpl: rt2One("AWS::IAM::Role", `{"AssumeRolePolicyDocument":{},"ManagedPolicyArns":[{"Fn::Join":["",["arn:",{"Ref":"AWS::Partition"},":iam::aws:policy/AdministratorAccess"]]}]}`),
			why:  "AdministratorAccess by partition-neutral ARN"},
		{name: "iam1/action-custom-resource", kind: "bug?", rule: "HS-IAM-1", want: rt2Finding,
			tmpl: rt2With("", `"Lookup":{"Type":"Custom::Lookup","Properties":{"ServiceToken":"arn:aws:lambda:us-east-1:111122223333:function:f"}},
			  "R":{"Type":"AWS::IAM::ManagedPolicy","Properties":{"PolicyDocument":{"Statement":[{"Effect":"Allow","Action":{"Fn::GetAtt":["Lookup","Action"]},"Resource":"*"}]}}}`),
			why: "the action is whatever the custom resource returns (\"*\" included): a value the rule needs and does not know must be Unresolved"},
		{name: "iam1/action-ssm-value-star", kind: "bug?", rule: "HS-IAM-1", want: rt2Finding,
			tmpl: rt2With("", `"P":{"Type":"AWS::SSM::Parameter","Properties":{"Type":"String","Value":"*"}},
			  "R":{"Type":"AWS::IAM::ManagedPolicy","Properties":{"PolicyDocument":{"Statement":[{"Effect":"Allow","Action":{"Fn::GetAtt":["P","Value"]},"Resource":"*"}]}}}`),
			why: "GetAtt P.Value is \"*\" at deploy time: Allow * on *"},
		{name: "iam1/managed-arn-from-ssm", kind: "bug?", rule: "HS-IAM-1", want: rt2Finding,
			tmpl: rt2With("", `"P":{"Type":"AWS::SSM::Parameter","Properties":{"Type":"String","Value":"arn:aws:iam::aws:policy/AdministratorAccess"}},
			  "R":{"Type":"AWS::IAM::Role","Properties":{"AssumeRolePolicyDocument":{},"ManagedPolicyArns":[{"Fn::GetAtt":["P","Value"]}]}}`),
			why: "the attached managed policy ARN is opaque to the evaluator; must not be passed as if it were a named customer policy"},
		{name: "iam1/correlated-if-compliant", kind: "bug?", rule: "HS-IAM-1", want: rt2None,
			tmpl: rt2With(rt2Cond, `"R":{"Type":"AWS::IAM::ManagedPolicy","Properties":{"PolicyDocument":{"Statement":[{"Effect":"Allow","Action":{"Fn::If":["C","*","s3:GetObject"]},"Resource":{"Fn::If":["C","arn:aws:s3:::b/*","*"]}}]}}}`),
			why:  "prod: * on one bucket; dev: s3:GetObject on *. No deploy grants every action on every resource"},
		{name: "iam1/probe-actions-compliant", kind: "bug?", rule: "HS-IAM-1", want: rt2None,
			tmpl: rt2Policy(`{"Effect":"Allow","Action":["s3:GetObject","iam:CreateUser","ec2:RunInstances","sts:AssumeRole","kms:Decrypt"],"Resource":"*"}`),
			why:  "five named actions are not every action (may break HS-IAM-3, not HS-IAM-1)"},
		{name: "iam1/notresource-novalue", kind: "bug?", rule: "HS-IAM-1", want: rt2None,
			tmpl: rt2Policy(`{"Effect":"Allow","Action":"*","Resource":"arn:aws:s3:::b/*","NotResource":{"Ref":"AWS::NoValue"}}`),
			why:  "AWS::NoValue removes NotResource; what remains is * on one bucket's objects"},
		{name: "iam1/sso-permission-set", kind: "scope", rule: "HS-IAM-1", want: rt2Finding,
			tmpl: rt2One("AWS::SSO::PermissionSet", `{"InstanceArn":"arn:aws:sso:::instance/ssoins-1","Name":"x","InlinePolicy":{"Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]},"ManagedPolicies":["arn:aws:iam::aws:policy/AdministratorAccess"]}`),
			why:  "an Identity Center permission set is a policy granting admin to its users"},

		// ---------------- HS-IAM-2 ----------------
		{name: "iam2/iam-star", kind: "held", rule: "HS-IAM-2", want: rt2Breach,
			tmpl: rt2Policy(`{"Effect":"Allow","Action":"IAM:*","Resource":"arn:aws:iam::*:*"}`), why: "iam:* on every IAM resource"},
		{name: "iam2/managed", kind: "held", rule: "HS-IAM-2", want: rt2Breach,
			tmpl: rt2One("AWS::IAM::User", `{"ManagedPolicyArns":["arn:aws:iam::aws:policy/PowerUserAccess"]}`), why: "PowerUserAccess"},
		{name: "iam2/literal-account", kind: "bug?", rule: "HS-IAM-2", want: rt2Finding,
			tmpl: rt2Policy(`{"Effect":"Allow","Action":"iam:*","Resource":"arn:aws:iam::111122223333:*"}`),
			why:  "deployed in account 111122223333 this is iam:* on every IAM resource of the account (IAM is account-scoped); the rule cannot know the account"},

		// ---------------- HS-IAM-3 ----------------
		{name: "iam3/passrole-lambda", kind: "held", rule: "HS-IAM-3", want: rt2Breach,
			tmpl: rt2Policy(`{"Effect":"Allow","Action":"iam:passrole","Resource":"*"},{"Effect":"Allow","Action":["lambda:CreateFunction","lambda:InvokeFunction"],"Resource":"*"}`),
			why:  "Rhino PassExistingRoleToNewLambdaThenInvoke (action case is ignored by IAM)"},
		{name: "iam3/assume-any-role", kind: "held", rule: "HS-IAM-3", want: rt2Breach,
			tmpl: rt2Policy(`{"Effect":"Allow","Action":"sts:AssumeRole","Resource":"arn:aws:iam::*:role/*"}`), why: "assume any role"},
		{name: "iam3/literal-account", kind: "bug?", rule: "HS-IAM-3", want: rt2Finding,
			tmpl: rt2Policy(`{"Effect":"Allow","Action":"iam:AttachRolePolicy","Resource":"arn:aws:iam::111122223333:role/*"}`),
			why:  "in account 111122223333 (hand-written templates hardcode it) this is AttachRolePolicy on every role"},
		{name: "iam3/split-across-role-and-policy", kind: "bug?", rule: "HS-IAM-3", want: rt2Finding,
			tmpl: rt2With("", `"Role":{"Type":"AWS::IAM::Role","Properties":{"AssumeRolePolicyDocument":{},"Policies":[{"PolicyName":"a","PolicyDocument":{"Statement":[{"Effect":"Allow","Action":"iam:PassRole","Resource":"*"}]}}]}},
			  "R":{"Type":"AWS::IAM::Policy","Properties":{"PolicyName":"DefaultPolicy","Roles":[{"Ref":"Role"}],"PolicyDocument":{"Statement":[{"Effect":"Allow","Action":["lambda:CreateFunction","lambda:InvokeFunction"],"Resource":"*"}]}}}`),
			why: "the role holds both policies (CDK puts grants in a separate DefaultPolicy): PassRole+CreateFunction+InvokeFunction on * is PassExistingRoleToNewLambdaThenInvoke"},
		{name: "iam3/suppression-at-first-statement-hides-new-method", kind: "bug?", rule: "HS-IAM-3", want: rt2Finding,
			tmpl: `{"Resources":{"R":{"Type":"AWS::IAM::ManagedPolicy","Metadata":{"handsoff:guardrails":{"suppress":[{"rule":"HS-IAM-3","reason":"Bastion launcher must pass its instance role to new instances.","at":["PolicyDocument.Statement[0]"]}]}},"Properties":{"PolicyDocument":{"Statement":[
			   {"Effect":"Allow","Action":["iam:PassRole","ec2:RunInstances"],"Resource":"*"},
			   {"Effect":"Allow","Action":["lambda:CreateFunction","lambda:InvokeFunction"],"Resource":"*"}]}}}}}`,
			why: "the suppression names Statement[0] (the EC2 method); the Lambda method added later also needs Statement[1], which the suppression does not name"},

		// ---------------- HS-SQS-1 / HS-SNS-1 ----------------
		{name: "sqs/sse-false", kind: "held", rule: "HS-SQS-1", want: rt2Breach,
			tmpl: rt2One("AWS::SQS::Queue", `{"SqsManagedSseEnabled":"False"}`), why: "SSE off, no key"},
		{name: "sqs/key-if-novalue", kind: "held", rule: "HS-SQS-1", want: rt2Breach,
			tmpl: rt2With(rt2Cond, `"R":{"Type":"AWS::SQS::Queue","Properties":{"KmsMasterKeyId":{"Fn::If":["C","alias/q",{"Ref":"AWS::NoValue"}]},"SqsManagedSseEnabled":false}}`),
			why:  "dev: no key and SSE off"},
		{name: "sns/no-key", kind: "held", rule: "HS-SNS-1", want: rt2Breach,
			tmpl: rt2One("AWS::SNS::Topic", `{}`), why: "SNS is unencrypted by default"},
		{name: "sns/key-if-empty", kind: "held", rule: "HS-SNS-1", want: rt2Breach,
			tmpl: rt2With(rt2Cond, `"R":{"Type":"AWS::SNS::Topic","Properties":{"KmsMasterKeyId":{"Fn::If":["C","alias/t",""]}}}`), why: "empty key turns SSE off"},
		{name: "sns/key-dynamic-ref", kind: "held", rule: "HS-SNS-1", want: rt2Finding,
			tmpl: rt2One("AWS::SNS::Topic", `{"KmsMasterKeyId":{"Fn::Sub":"{{resolve:ssm:/k/${AWS::Region}}}"}}`), why: "dynamic ref may resolve to an empty string"},

		// ---------------- HS-TAG-1 ----------------
		{name: "tag/element-if-novalue", kind: "bug?", rule: "HS-TAG-1", want: rt2Finding, tags: []string{"Owner"},
			tmpl: rt2With(rt2Cond, `"R":{"Type":"AWS::SQS::Queue","Properties":{"Tags":[{"Fn::If":["C",{"Key":"Owner","Value":"team-a"},{"Ref":"AWS::NoValue"}]}]}}`),
			why:  "in dev AWS::NoValue removes the only Owner tag: the queue deploys untagged"},
		{name: "tag/element-if-other-key", kind: "bug?", rule: "HS-TAG-1", want: rt2Finding, tags: []string{"Owner"},
			tmpl: rt2With(rt2Cond, `"R":{"Type":"AWS::SQS::Queue","Properties":{"Tags":[{"Fn::If":["C",{"Key":"Owner","Value":"team-a"},{"Key":"CostCenter","Value":"42"}]}]}}`),
			why:  "in dev the only tag is CostCenter"},
		{name: "tag/key-sub-compliant", kind: "bug?", rule: "HS-TAG-1", want: rt2None, tags: []string{"Owner"},
			tmpl: rt2One("AWS::SQS::Queue", `{"Tags":[{"Key":{"Fn::Sub":"Owner"},"Value":"team-a"}]}`),
			why:  "Fn::Sub \"Owner\" is the key Owner; nothing unknown"},
		{name: "tag/value-empty", kind: "held", rule: "HS-TAG-1", want: rt2Breach, tags: []string{"Owner"},
			tmpl: rt2One("AWS::SQS::Queue", `{"Tags":[{"Key":"Owner","Value":" "}]}`), why: "blank value"},
		{name: "tag/map-if", kind: "held", rule: "HS-TAG-1", want: rt2Breach, tags: []string{"Owner"},
			tmpl: rt2With(rt2Cond, `"R":{"Type":"AWS::SSM::Parameter","Properties":{"Type":"String","Value":"v","Tags":{"Fn::If":["C",{"Owner":"a"},{"Other":"b"}]}}}`), why: "dev lacks Owner"},

		// ---------------- HS-CFN-1 ----------------
		{name: "cfn/transform", kind: "held", rule: "HS-CFN-1", want: rt2Finding,
			tmpl: `{"Transform":"AWS::Serverless-2016-10-31","Resources":{"R":{"Type":"AWS::SNS::Topic","Properties":{"KmsMasterKeyId":"alias/x"}}}}`, why: "transform rewrites"},
		{name: "cfn/nested-external", kind: "held", rule: "HS-CFN-1", want: rt2Finding,
			tmpl: rt2One("AWS::CloudFormation::Stack", `{"TemplateURL":"https://s3.amazonaws.com/evil/t.json"}`), why: "outside the app"},
		{name: "cfn/stackset-body", kind: "scope", rule: "HS-CFN-1", want: rt2Finding,
			tmpl: rt2One("AWS::CloudFormation::StackSet", `{"StackSetName":"s","PermissionModel":"SELF_MANAGED","TemplateBody":"{\"Resources\":{\"SG\":{\"Type\":\"AWS::EC2::SecurityGroup\",\"Properties\":{\"GroupDescription\":\"x\",\"SecurityGroupIngress\":[{\"IpProtocol\":\"tcp\",\"FromPort\":22,\"ToPort\":22,\"CidrIp\":\"0.0.0.0/0\"}]}}}}","StackInstancesGroup":[{"DeploymentTargets":{"Accounts":["111122223333"]},"Regions":["us-east-1"]}]}`),
			why:  "a StackSet deploys a template no guardrail reads (here SSH open)"},
		{name: "cfn/fn-transform-in-prop", kind: "held", rule: "HS-SNS-1", want: rt2Finding,
			tmpl: rt2One("AWS::SNS::Topic", `{"KmsMasterKeyId":{"Fn::Transform":{"Name":"M","Parameters":{}}}}`), why: "macro output unknown"},

		{name: "iam1/sub-in-sub-var", kind: "held", rule: "HS-IAM-1", want: rt2Breach,
			tmpl: rt2Policy(`{"Effect":"Allow","Action":"*","Resource":{"Fn::Sub":["${A}:*:*:*:*",{"A":{"Fn::Sub":"arn:${AWS::Partition}"}}]}}`), why: "arn:<partition>:*:*:*:* is every ARN"},
		{name: "iam1/effect-param", kind: "held", rule: "HS-IAM-1", want: rt2Breach,
			tmpl: rt2With(`"Parameters":{"E":{"Type":"String","AllowedValues":["Deny","Allow"]}}`, `"R":{"Type":"AWS::IAM::ManagedPolicy","Properties":{"PolicyDocument":{"Statement":[{"Effect":{"Ref":"E"},"Action":"*","Resource":"*"}]}}}`), why: "E=Allow"},
		{name: "iam1/action-sub-param", kind: "held", rule: "HS-IAM-1", want: rt2Breach,
			tmpl: rt2With(`"Parameters":{"Svc":{"Type":"String","AllowedValues":["s3","*"]}}`, `"R":{"Type":"AWS::IAM::ManagedPolicy","Properties":{"PolicyDocument":{"Statement":[{"Effect":"Allow","Action":{"Fn::Sub":"${Svc}:*"},"Resource":"*"}]}}}`), why: "Svc=* gives *:*"},
		{name: "iam1/action-list-param", kind: "held", rule: "HS-IAM-1", want: rt2Finding,
			tmpl: rt2With(`"Parameters":{"Acts":{"Type":"CommaDelimitedList"}}`, `"R":{"Type":"AWS::IAM::ManagedPolicy","Properties":{"PolicyDocument":{"Statement":[{"Effect":"Allow","Action":{"Ref":"Acts"},"Resource":"*"}]}}}`), why: "unknown list"},
		{name: "s3pol/source-account-pseudo", kind: "held", rule: "HS-S3-2", want: rt2None,
			tmpl: rt2Bucket(`{"Effect":"Allow","Principal":{"Service":"logging.s3.amazonaws.com"},"Action":"s3:PutObject","Resource":"arn:aws:s3:::b/*"},{"Effect":"Allow","Principal":{"AWS":"*"},"Action":"s3:PutObject","Resource":"arn:aws:s3:::b/*","Condition":{"StringEquals":{"aws:SourceAccount":{"Ref":"AWS::AccountId"}}}}`), why: "fixed account"},
		{name: "s3pol/principalarn-wildcard", kind: "held", rule: "HS-S3-2", want: rt2Breach,
			tmpl: rt2Bucket(`{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::b/*","Condition":{"ArnLike":{"aws:PrincipalArn":"arn:aws:iam::*:role/reader"}}}`), why: "any account's role named reader"},
		{name: "sns/key-param-empty", kind: "held", rule: "HS-SNS-1", want: rt2Breach,
			tmpl: rt2With(`"Parameters":{"K":{"Type":"String","AllowedValues":["alias/t",""]}}`, `"R":{"Type":"AWS::SNS::Topic","Properties":{"KmsMasterKeyId":{"Ref":"K"}}}`), why: "K=\"\" turns SSE off"},

		// ---------------- suppressions ----------------
		{name: "sup/unresolved-as-string", kind: "bug?", rule: "HS-EC2-1", want: rt2Breach,
			tmpl: `{"Resources":{"R":{"Type":"AWS::EC2::SecurityGroup","Metadata":{"handsoff:guardrails":{"suppress":[{"rule":"HS-EC2-1","reason":"The CIDR parameter is validated by the pipeline before deploy.","unresolved":"true"}]}},"Properties":{"GroupDescription":"x","SecurityGroupIngress":[{"IpProtocol":"tcp","FromPort":22,"ToPort":22,"CidrIp":"0.0.0.0/0"}]}}}}`,
			why:  "a suppression that says unresolved (as a string) must not cover a breach; malformed metadata should be a Problem, not widened"},
		{name: "sup/at-as-string", kind: "bug?", rule: "HS-EC2-1", want: rt2Breach,
			tmpl: `{"Resources":{"R":{"Type":"AWS::EC2::SecurityGroup","Metadata":{"handsoff:guardrails":{"suppress":[{"rule":"HS-EC2-1","reason":"Break-glass bastion entry opened only during incidents.","at":"SecurityGroupIngress[0]"}]}},"Properties":{"GroupDescription":"x","SecurityGroupIngress":[{"IpProtocol":"tcp","FromPort":22,"ToPort":22,"CidrIp":"0.0.0.0/0"},{"IpProtocol":"tcp","FromPort":3389,"ToPort":3389,"CidrIp":"0.0.0.0/0"}]}}}}`,
			why:  "the suppression names entry [0] (as a string); entry [1] opening RDP is not named and must still fail"},
		{name: "sup/at-1-vs-10", kind: "held", rule: "HS-EC2-1", want: rt2Breach,
			tmpl: `{"Resources":{"R":{"Type":"AWS::EC2::SecurityGroup","Metadata":{"handsoff:guardrails":{"suppress":[{"rule":"HS-EC2-1","reason":"Break-glass bastion entry opened only during incidents.","at":["SecurityGroupIngress[1]"]}]}},"Properties":{"GroupDescription":"x","SecurityGroupIngress":[` +
				strings.Repeat(`{"IpProtocol":"tcp","FromPort":443,"ToPort":443,"CidrIp":"0.0.0.0/0"},`, 10) + `{"IpProtocol":"tcp","FromPort":22,"ToPort":22,"CidrIp":"0.0.0.0/0"}]}}}}`,
			why: "[1] is not a prefix of [10]"},
		{name: "sup/unresolved-does-not-cover-breach", kind: "held", rule: "HS-EC2-1", want: rt2Breach,
			tmpl: `{"Resources":{"R":{"Type":"AWS::EC2::SecurityGroup","Metadata":{"handsoff:guardrails":{"suppress":[{"rule":"HS-EC2-1","reason":"The CIDR parameter is validated by the pipeline before deploy.","unresolved":true}]}},"Properties":{"GroupDescription":"x","SecurityGroupIngress":[{"IpProtocol":"tcp","FromPort":22,"ToPort":22,"CidrIp":"0.0.0.0/0"}]}}}}`,
			why:  "unresolved suppressions cover no breach"},
		{name: "sup/reason-to-do", kind: "bug?", rule: "HS-EC2-1", want: rt2Problem,
			tmpl: `{"Resources":{"R":{"Type":"AWS::EC2::SecurityGroup","Metadata":{"handsoff:guardrails":{"suppress":[{"rule":"HS-EC2-1","reason":"To-do: justify this later on"}]}},"Properties":{"GroupDescription":"x"}}}}`,
			why:  "\"To-do\" is the placeholder TODO spelled with a hyphen"},
		{name: "sup/reason-tbd-dotted", kind: "bug?", rule: "HS-EC2-1", want: rt2Problem,
			tmpl: `{"Resources":{"R":{"Type":"AWS::EC2::SecurityGroup","Metadata":{"handsoff:guardrails":{"suppress":[{"rule":"HS-EC2-1","reason":"T.B.D. - will explain later"}]}},"Properties":{"GroupDescription":"x"}}}}`,
			why:  "T.B.D. is TBD"},
		{name: "sup/reason-placeholder", kind: "held", rule: "HS-EC2-1", want: rt2Problem,
			tmpl: `{"Resources":{"R":{"Type":"AWS::EC2::SecurityGroup","Metadata":{"handsoff:guardrails":{"suppress":[{"rule":"HS-EC2-1","reason":"TODO: write the reason here"}]}},"Properties":{"GroupDescription":"x"}}}}`,
			why:  "placeholder"},
	}
}

func TestRedteam2(t *testing.T) {
	broken, held := 0, 0
	for _, c := range rt2Cases() {
		t.Run(c.name, func(t *testing.T) {
			if !json.Valid([]byte(c.tmpl)) {
				t.Fatalf("invalid JSON template")
			}
			rep, err := CheckTemplate("t.json", []byte(c.tmpl), Context{RequiredTags: c.tags})
			if err != nil {
				t.Fatalf("CheckTemplate: %v", err)
			}
			var got []string
			finding, breach := false, false
			for _, f := range rep.Failures() {
				if f.Rule.ID != c.rule {
					continue
				}
				finding = true
				breach = breach || f.Outcome == NonCompliant
				got = append(got, fmt.Sprintf("%v at %q: %s", f.Outcome, f.Path, f.Message))
			}
			for _, f := range rep.Suppressed() {
				if f.Rule.ID == c.rule {
					got = append(got, fmt.Sprintf("SUPPRESSED %v at %q: %s", f.Outcome, f.Path, f.Message))
				}
			}
			for _, p := range rep.Problems {
				got = append(got, "PROBLEM "+p.Message)
			}
			ok := false
			switch c.want {
			case rt2Finding:
				ok = finding
			case rt2Breach:
				ok = breach
			case rt2None:
				ok = !finding
			case rt2Problem:
				ok = len(rep.Problems) > 0
			}
			wants := [...]string{"a finding", "a NonCompliant finding", "no finding", "a refused suppression"}[c.want]
			if !ok {
				broken++
				t.Errorf("[%s] %s: want %s; got %d: %s\n    why: %s", c.kind, c.rule, wants, len(got), strings.Join(got, " | "), c.why)
			} else {
				held++
				t.Logf("[%s] held: %s %s (%s)", c.kind, c.rule, wants, strings.Join(got, " | "))
			}
		})
	}
	t.Logf("broken %d, held %d", broken, held)
}

// ---------------- robustness: hangs, blow-ups, panics ----------------
// Each runs in a child process (a Go stack overflow is fatal and cannot be
// recovered), with a time limit.

func rt2Robust() map[string]func() string {
	nestedSelect := func(depth int) string {
		// Select[P, [Select[P, [ ... "0.0.0.0/0" ]]]]: each level evaluates
		// the element once per index alternative.
		v := `"0.0.0.0/0"`
		for i := 0; i < depth; i++ {
			v = `{"Fn::Select":[{"Ref":"Idx"},[` + v + `]]}`
		}
		return rt2With(`"Parameters":{"Idx":{"Type":"String","AllowedValues":["0","00","000","0000"]}}`,
			`"R":{"Type":"AWS::EC2::SecurityGroup","Properties":{"GroupDescription":"x","SecurityGroupIngress":[{"IpProtocol":"tcp","FromPort":22,"ToPort":22,"CidrIp":`+v+`}]}}`)
	}
	return map[string]func() string{
		"nested-select-depth-40": func() string { return nestedSelect(40) },
		"nested-join-select-depth-8": func() string {
			var allowed []string
			for i := 0; i < 64; i++ {
				allowed = append(allowed, fmt.Sprintf(`"v%d"`, i))
			}
			v := `"x"`
			for i := 0; i < 8; i++ {
				v = `{"Fn::Select":[{"Ref":"Idx"},[{"Fn::Join":["",[{"Ref":"Wide"},` + v + `]]}]]}`
			}
			return rt2With(`"Parameters":{"Idx":{"Type":"String","AllowedValues":["0","00"]},"Wide":{"Type":"String","AllowedValues":[`+strings.Join(allowed, ",")+`]}}`,
				`"R":{"Type":"AWS::SNS::Topic","Properties":{"KmsMasterKeyId":`+v+`}}`)
		},
		"select-join-unknown-depth-40": func() string {
			// Join["",[Select[Idx,[ ... ]]]]: Fn::Select evaluates its
			// element once per index alternative (2), Fn::Join collapses the
			// unknown results to one, so each level doubles the work.
			v := `{"Ref":"Free"}`
			for i := 0; i < 40; i++ {
				v = `{"Fn::Join":["",[{"Fn::Select":[{"Ref":"Idx"},[` + v + `]]}]]}`
			}
			return rt2With(`"Parameters":{"Free":{"Type":"String"},"Idx":{"Type":"String","AllowedValues":["0","00"]}}`,
				`"R":{"Type":"AWS::SNS::Topic","Properties":{"KmsMasterKeyId":`+v+`}}`)
		},
		"deep-if-chain-3000": func() string {
			v := `"0.0.0.0/0"`
			for i := 0; i < 3000; i++ {
				v = `{"Fn::If":["C","10.0.0.0/8",` + v + `]}`
			}
			return rt2With(rt2Cond, `"R":{"Type":"AWS::EC2::SecurityGroup","Properties":{"GroupDescription":"x","SecurityGroupIngress":[{"IpProtocol":"tcp","FromPort":22,"ToPort":22,"CidrIp":`+v+`}]}}`)
		},
		"wide-join-10000-ifs": func() string {
			parts := strings.Repeat(`{"Fn::If":["C","a","b"]},`, 10000)
			return rt2With(rt2Cond, `"R":{"Type":"AWS::SNS::Topic","Properties":{"KmsMasterKeyId":{"Fn::Join":["",[`+parts+`"z"]]}}}`)
		},
		"mapping-self-reference": func() string {
			return rt2With(`"Mappings":{"M":{"a":{"b":{"Fn::FindInMap":["M","a","b"]}}}}`,
				`"R":{"Type":"AWS::SNS::Topic","Properties":{"KmsMasterKeyId":{"Fn::FindInMap":["M","a","b"]}}}`)
		},
		"mapping-exponential": func() string {
			var levels []string
			for i := 0; i < 40; i++ {
				next := fmt.Sprintf(`{"Fn::FindInMap":["M","a","l%d"]}`, i+1)
				levels = append(levels, fmt.Sprintf(`"l%d":{"Fn::If":["C",%s,%s]}`, i, next, next))
			}
			levels = append(levels, `"l40":"alias/k"`)
			return rt2With(rt2Cond+`,"Mappings":{"M":{"a":{`+strings.Join(levels, ",")+`}}}`,
				`"R":{"Type":"AWS::SNS::Topic","Properties":{"KmsMasterKeyId":{"Fn::FindInMap":["M","a","l0"]}}}`)
		},
		"malformed-intrinsics": func() string {
			bad := []string{`{"Fn::If":"x"}`, `{"Fn::If":[1,2,3]}`, `{"Fn::Select":[1e300,["a"]]}`, `{"Fn::Select":[-1e300,["a"]]}`,
				`{"Fn::Select":[0.5,"a"]}`, `{"Fn::Sub":[1,2]}`, `{"Fn::Sub":["${",{}]}`, `{"Fn::Sub":"${}${!}${a.}${.b}"}`, `{"Fn::Join":[[],1]}`,
				`{"Fn::Join":["",[[1],{"a":1}]]}`, `{"Ref":5}`, `{"Ref":null}`, `{"Fn::FindInMap":[1,2,3]}`, `{"Fn::FindInMap":["M",{"Ref":"AWS::Region"},"x"]}`,
				`{"Fn::Split":["",""]}`, `{"Fn::Split":[",",{"Fn::Split":[",","a"]}]}`, `{"Fn::GetAtt":null}`, `{"Fn::GetAZs":""}`, `null`, `[]`, `{}`, `[[[[]]]]`, `{"Fn::Select":["0",{"Fn::Select":["0",[[]]]}]}`}
			var props []string
			for i, b := range bad {
				props = append(props, fmt.Sprintf(`"B%d":{"Type":"AWS::EC2::SecurityGroup","Properties":{"GroupDescription":"x","SecurityGroupIngress":[{"IpProtocol":%s,"FromPort":%s,"ToPort":%s,"CidrIp":%s,"CidrIpv6":%s}],"Tags":%s}}`, i, b, b, b, b, b, b))
				props = append(props, fmt.Sprintf(`"P%d":{"Type":"AWS::S3::BucketPolicy","Properties":{"Bucket":"b","PolicyDocument":{"Statement":[{"Effect":"Allow","Principal":%s,"Action":%s,"Resource":%s,"Condition":{"StringEquals":%s,"IpAddress":{"aws:SourceIp":%s}}}]}}}`, i, b, b, b, b, b))
				props = append(props, fmt.Sprintf(`"I%d":{"Type":"AWS::IAM::Role","Properties":{"ManagedPolicyArns":%s,"Policies":[{"PolicyDocument":{"Statement":[{"Effect":"Allow","Action":%s,"NotResource":%s}]}}, %s],"Tags":[{"Key":%s,"Value":%s}]}}`, i, b, b, b, b, b, b))
				props = append(props, fmt.Sprintf(`"Q%d":{"Type":"AWS::SQS::Queue","Properties":{"KmsMasterKeyId":%s,"SqsManagedSseEnabled":%s}}`, i, b, b))
				props = append(props, fmt.Sprintf(`"S%d":{"Type":"AWS::S3::Bucket","Properties":{"PublicAccessBlockConfiguration":%s}}`, i, b))
				props = append(props, fmt.Sprintf(`"N%d":{"Type":"AWS::CloudFormation::Stack","Properties":{"TemplateURL":%s}}`, i, b))
				props = append(props, fmt.Sprintf(`"T%d":{"Type":"AWS::SSM::Parameter","Properties":{"Tags":%s}}`, i, b))
			}
			return rt2With(`"Mappings":{"M":{"a":{"b":"c"}}}`, strings.Join(props, ","))
		},
	}
}

func TestRedteam2Child(t *testing.T) {
	name := os.Getenv("RT2_ROBUST_CASE")
	if name == "" {
		t.Skip("run by TestRedteam2Robust")
	}
	tmpl := rt2Robust()[name]()
	if !json.Valid([]byte(tmpl)) {
		t.Fatalf("invalid JSON")
	}
	start := time.Now()
	rep, err := CheckTemplate("t.json", []byte(tmpl), Context{RequiredTags: []string{"Owner"}})
	fmt.Printf("RT2RESULT err=%v findings=%d took=%s\n", err, len(rep.Findings), time.Since(start))
}

func TestRedteam2Robust(t *testing.T) {
	for name := range rt2Robust() {
		t.Run(name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
			defer cancel()
			cmd := exec.CommandContext(ctx, os.Args[0], "-test.run=^TestRedteam2Child$", "-test.count=1", "-test.v")
			cmd.Env = append(os.Environ(), "RT2_ROBUST_CASE="+name)
			out, err := cmd.CombinedOutput()
			text := string(out)
			switch {
			case ctx.Err() != nil:
				t.Errorf("[bug?] hangs: no verdict within 20s (killed)")
			case err != nil:
				first := text
				if i := strings.Index(first, "\ngoroutine "); i > 0 {
					first = first[:i]
				}
				if len(first) > 600 {
					first = first[:600]
				}
				t.Errorf("[bug?] crashed: %v\n%s", err, first)
			default:
				for _, l := range strings.Split(text, "\n") {
					if strings.HasPrefix(l, "RT2RESULT") {
						t.Logf("held: %s", l)
					}
				}
			}
		})
	}
}
