package guardrails

import "testing"

// The red team: each case is a way a team could really write a violation
// (or a near miss that must pass), judged by what the template does at
// deploy time, not how it is spelled.
const (
	adminStmt = `{"Effect":"Allow","Action":"*","Resource":"*"}`
	ok22      = `"IpProtocol":"tcp","FromPort":22,"ToPort":22`
)

func TestRedTeam(t *testing.T) {
	runCases(t, []ruleCase{
		// HS-IAM-1: administrator access in any spelling.
		{"NotAction on every resource", "HS-IAM-1", "AWS::IAM::Policy", `{"PolicyDocument":{"Statement":[{"Effect":"Allow","NotAction":"iam:*","Resource":"*"}]}}`, []string{"non-compliant PolicyDocument.Statement[0]: allows every action on every resource"}},
		{"every action with NotResource", "HS-IAM-1", "AWS::IAM::Policy", `{"PolicyDocument":{"Statement":[{"Effect":"Allow","Action":"*","NotResource":"arn:aws:s3:::secret"}]}}`, []string{"non-compliant PolicyDocument.Statement[0]"}},
		{"resource arn:*", "HS-IAM-1", "AWS::IAM::Policy", `{"PolicyDocument":{"Statement":[{"Effect":"Allow","Action":"*","Resource":"arn:*"}]}}`, []string{"non-compliant PolicyDocument.Statement[0]"}},
		{"resource arn:aws*:*", "HS-IAM-1", "AWS::IAM::Policy", `{"PolicyDocument":{"Statement":[{"Effect":"Allow","Action":["*"],"Resource":["arn:aws*:*"]}]}}`, []string{"non-compliant PolicyDocument.Statement[0]"}},
		{"action *:*", "HS-IAM-1", "AWS::IAM::Policy", `{"PolicyDocument":{"Statement":[{"Effect":"Allow","Action":"*:*","Resource":"*"}]}}`, []string{"non-compliant PolicyDocument.Statement[0]"}},
		{"RolePolicy", "HS-IAM-1", "AWS::IAM::RolePolicy", `{"PolicyName":"p","RoleName":"r","PolicyDocument":{"Statement":[` + adminStmt + `]}}`, []string{"non-compliant PolicyDocument.Statement[0]"}},
		{"UserPolicy", "HS-IAM-1", "AWS::IAM::UserPolicy", `{"PolicyName":"p","UserName":"u","PolicyDocument":{"Statement":[` + adminStmt + `]}}`, []string{"non-compliant PolicyDocument.Statement[0]"}},
		{"GroupPolicy", "HS-IAM-1", "AWS::IAM::GroupPolicy", `{"PolicyName":"p","GroupName":"g","PolicyDocument":{"Statement":[` + adminStmt + `]}}`, []string{"non-compliant PolicyDocument.Statement[0]"}},
		{"a single statement object", "HS-IAM-1", "AWS::IAM::ManagedPolicy", `{"PolicyDocument":{"Statement":` + adminStmt + `}}`, []string{"non-compliant PolicyDocument.Statement: allows every action"}},
		{"AdministratorAccess by Fn::Join", "HS-IAM-1", "AWS::IAM::Role", `{"ManagedPolicyArns":[{"Fn::Join":["",["arn:",{"Ref":"AWS::Partition"},":iam::aws:policy/AdministratorAccess"]]}]}`, []string{"non-compliant ManagedPolicyArns[0]: attaches the AWS managed policy AdministratorAccess"}},
		{"AdministratorAccess on a user", "HS-IAM-1", "AWS::IAM::User", `{"ManagedPolicyArns":["arn:aws:iam::aws:policy/AdministratorAccess"]}`, []string{"non-compliant ManagedPolicyArns[0]"}},
		{"AdministratorAccess by Fn::Sub on a group", "HS-IAM-1", "AWS::IAM::Group", `{"ManagedPolicyArns":[{"Fn::Sub":"arn:${AWS::Partition}:iam::aws:policy/AdministratorAccess"}]}`, []string{"non-compliant ManagedPolicyArns[0]"}},
		{"statement under Fn::If", "HS-IAM-1", "AWS::IAM::Policy", `{"PolicyDocument":{"Statement":[{"Fn::If":["IsDev",` + adminStmt + `,{"Ref":"AWS::NoValue"}]}]}}`, []string{"non-compliant PolicyDocument.Statement[0]: allows every action on every resource (when condition IsDev is true)"}},
		{"whole document under Fn::If", "HS-IAM-1", "AWS::IAM::Policy", `{"PolicyDocument":{"Fn::If":["IsDev",{"Statement":[` + adminStmt + `]},{"Statement":[]}]}}`, []string{"non-compliant PolicyDocument.Statement[0]: allows every action on every resource (when condition IsDev is true)"}},
		{"policy of a role under Fn::If", "HS-IAM-1", "AWS::IAM::Role", `{"Policies":[{"Fn::If":["IsDev",{"PolicyName":"p","PolicyDocument":{"Statement":[` + adminStmt + `]}},{"Ref":"AWS::NoValue"}]}]}`, []string{"non-compliant Policies[0].PolicyDocument.Statement[0]"}},
		{"action from a parameter", "HS-IAM-1", "AWS::IAM::Policy", `{"PolicyDocument":{"Statement":[{"Effect":"Allow","Action":{"Ref":"Owner"},"Resource":"*"}]}}`, []string{"unresolved PolicyDocument.Statement[0].Action: an action or resource is not known at synth time (parameter Owner)"}},
		{"statements imported", "HS-IAM-1", "AWS::IAM::Policy", `{"PolicyDocument":{"Statement":{"Fn::ImportValue":"shared-statements"}}}`, []string{"unresolved PolicyDocument.Statement: a policy statement is not known at synth time (Fn::ImportValue)"}},
		{"resource from a mapping", "HS-IAM-1", "AWS::IAM::Policy", `{"PolicyDocument":{"Statement":[{"Effect":"Allow","Action":"*","Resource":{"Fn::FindInMap":["Net","arns","all"]}}]}}`, []string{"non-compliant PolicyDocument.Statement[0]"}},
		{"action by Fn::Select", "HS-IAM-1", "AWS::IAM::Policy", `{"PolicyDocument":{"Statement":[{"Effect":"Allow","Action":{"Fn::Select":[1,["s3:GetObject","*"]]},"Resource":"*"}]}}`, []string{"non-compliant PolicyDocument.Statement[0]"}},
		{"near miss: s3:* on *", "HS-IAM-1", "AWS::IAM::Policy", `{"PolicyDocument":{"Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*"}]}}`, []string{"compliant"}},
		{"near miss: * on one resource", "HS-IAM-1", "AWS::IAM::Policy", `{"PolicyDocument":{"Statement":[{"Effect":"Allow","Action":"*","Resource":{"Fn::GetAtt":["Bucket","Arn"]}}]}}`, []string{"compliant"}},
		{"near miss: a mapping that names one bucket", "HS-IAM-1", "AWS::IAM::Policy", `{"PolicyDocument":{"Statement":[{"Effect":"Allow","Action":"*","Resource":{"Fn::FindInMap":["Net","arns","one"]}}]}}`, []string{"compliant"}},

		// HS-IAM-2: one step from administrator.
		{"iam:* on *", "HS-IAM-2", "AWS::IAM::Policy", `{"PolicyDocument":{"Statement":[{"Effect":"Allow","Action":"iam:*","Resource":"*"}]}}`, []string{"non-compliant PolicyDocument.Statement[0]: allows every IAM action on every resource"}},
		{"iam:* among others", "HS-IAM-2", "AWS::IAM::Role", `{"Policies":[{"PolicyName":"p","PolicyDocument":{"Statement":[{"Effect":"Allow","Action":["s3:*","iam:*"],"Resource":"*"}]}}]}`, []string{"non-compliant Policies[0].PolicyDocument.Statement[0]"}},
		{"IAMFullAccess", "HS-IAM-2", "AWS::IAM::Role", `{"ManagedPolicyArns":["arn:aws:iam::aws:policy/IAMFullAccess"]}`, []string{"non-compliant ManagedPolicyArns[0]: attaches the AWS managed policy IAMFullAccess"}},
		{"PowerUserAccess", "HS-IAM-2", "AWS::IAM::User", `{"ManagedPolicyArns":["arn:aws:iam::aws:policy/PowerUserAccess"]}`, []string{"non-compliant ManagedPolicyArns[0]: attaches the AWS managed policy PowerUserAccess"}},
		{"admin is HS-IAM-1's, not reported twice", "HS-IAM-2", "AWS::IAM::Policy", `{"PolicyDocument":{"Statement":[` + adminStmt + `]}}`, []string{"compliant"}},
		{"near miss: iam read on *", "HS-IAM-2", "AWS::IAM::Policy", `{"PolicyDocument":{"Statement":[{"Effect":"Allow","Action":["iam:Get*","iam:List*"],"Resource":"*"}]}}`, []string{"compliant"}},

		// HS-S3-2: public by policy.
		{"Principal *", "HS-S3-2", "AWS::S3::BucketPolicy", `{"Bucket":{"Ref":"Bucket"},"PolicyDocument":{"Statement":[{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::b/*"}]}}`, []string{"non-compliant PolicyDocument.Statement[0]: allows everyone (Principal *)"}},
		{"Principal AWS *", "HS-S3-2", "AWS::S3::BucketPolicy", `{"Bucket":"b","PolicyDocument":{"Statement":[{"Effect":"Allow","Principal":{"AWS":"*"},"Action":"s3:GetObject","Resource":"arn:aws:s3:::b/*"}]}}`, []string{"non-compliant PolicyDocument.Statement[0]"}},
		{"Principal AWS [*] on an imported bucket", "HS-S3-2", "AWS::S3::BucketPolicy", `{"Bucket":"legacy-assets","PolicyDocument":{"Statement":[{"Effect":"Allow","Principal":{"AWS":["*"]},"Action":"s3:*","Resource":"arn:aws:s3:::legacy-assets/*"}]}}`, []string{"non-compliant PolicyDocument.Statement[0]"}},
		{"wildcard source ARN", "HS-S3-2", "AWS::S3::BucketPolicy", `{"Bucket":"b","PolicyDocument":{"Statement":[{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::b/*","Condition":{"ArnLike":{"aws:SourceArn":"*"}}}]}}`, []string{"non-compliant PolicyDocument.Statement[0]"}},
		{"the whole internet as source IP", "HS-S3-2", "AWS::S3::BucketPolicy", `{"Bucket":"b","PolicyDocument":{"Statement":[{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::b/*","Condition":{"IpAddress":{"aws:SourceIp":"0.0.0.0/0"}}}]}}`, []string{"non-compliant PolicyDocument.Statement[0]"}},
		{"IfExists does not restrict", "HS-S3-2", "AWS::S3::BucketPolicy", `{"Bucket":"b","PolicyDocument":{"Statement":[{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::b/*","Condition":{"StringEqualsIfExists":{"aws:SourceVpce":"vpce-1"}}}]}}`, []string{"non-compliant PolicyDocument.Statement[0]"}},
		{"condition from a parameter", "HS-S3-2", "AWS::S3::BucketPolicy", `{"Bucket":"b","PolicyDocument":{"Statement":[{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::b/*","Condition":{"Ref":"Owner"}}]}}`, []string{"unresolved PolicyDocument.Statement[0].Condition: the condition is not known at synth time (parameter Owner)"}},
		{"near miss: restricted to a VPC endpoint", "HS-S3-2", "AWS::S3::BucketPolicy", `{"Bucket":"b","PolicyDocument":{"Statement":[{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::b/*","Condition":{"StringEquals":{"aws:SourceVpce":{"Ref":"Vpce"}}}}]}}`, []string{"compliant"}},
		{"near miss: restricted to the organization", "HS-S3-2", "AWS::S3::BucketPolicy", `{"Bucket":"b","PolicyDocument":{"Statement":[{"Effect":"Allow","Principal":{"AWS":"*"},"Action":"s3:GetObject","Resource":"arn:aws:s3:::b/*","Condition":{"StringEquals":{"aws:PrincipalOrgID":"o-abc123"}}}]}}`, []string{"compliant"}},
		{"near miss: deny everyone without TLS", "HS-S3-2", "AWS::S3::BucketPolicy", `{"Bucket":"b","PolicyDocument":{"Statement":[{"Effect":"Deny","Principal":{"AWS":"*"},"Action":"s3:*","Resource":"arn:aws:s3:::b/*","Condition":{"Bool":{"aws:SecureTransport":"false"}}}]}}`, []string{"compliant"}},
		{"near miss: a service principal", "HS-S3-2", "AWS::S3::BucketPolicy", `{"Bucket":"b","PolicyDocument":{"Statement":[{"Effect":"Allow","Principal":{"Service":"logging.s3.amazonaws.com"},"Action":"s3:PutObject","Resource":"arn:aws:s3:::b/*"}]}}`, []string{"compliant"}},

		// HS-EC2-1: ranges, not literals.
		{"two halves of the internet", "HS-EC2-1", "AWS::EC2::SecurityGroup", `{"SecurityGroupIngress":[{"CidrIp":"0.0.0.0/1",` + ok22 + `},{"CidrIp":"128.0.0.0/1",` + ok22 + `}]}`, []string{"non-compliant SecurityGroupIngress[0].CidrIp, SecurityGroupIngress[1].CidrIp: port 22 (SSH) is open to the internet (0.0.0.0/1 + 128.0.0.0/1)"}},
		{"a quarter of the internet", "HS-EC2-1", "AWS::EC2::SecurityGroup", `{"SecurityGroupIngress":[{"CidrIp":"64.0.0.0/2",` + ok22 + `}]}`, []string{"non-compliant SecurityGroupIngress[0].CidrIp: port 22"}},
		{"a public /8", "HS-EC2-1", "AWS::EC2::SecurityGroupIngress", `{"CidrIp":"52.0.0.0/8",` + ok22 + `}`, []string{"non-compliant CidrIp: port 22"}},
		{"near miss: a public /9", "HS-EC2-1", "AWS::EC2::SecurityGroupIngress", `{"CidrIp":"52.0.0.0/9",` + ok22 + `}`, []string{"compliant"}},
		{"near miss: every private range", "HS-EC2-1", "AWS::EC2::SecurityGroup", `{"SecurityGroupIngress":[{"CidrIp":"10.0.0.0/8",` + ok22 + `},{"CidrIp":"172.16.0.0/12",` + ok22 + `},{"CidrIp":"192.168.0.0/16",` + ok22 + `}]}`, []string{"compliant"}},
		{"protocol TCP", "HS-EC2-1", "AWS::EC2::SecurityGroupIngress", `{"CidrIp":"0.0.0.0/0","IpProtocol":"TCP","FromPort":22,"ToPort":22}`, []string{"non-compliant CidrIp: port 22"}},
		{"protocol 6", "HS-EC2-1", "AWS::EC2::SecurityGroupIngress", `{"CidrIp":"0.0.0.0/0","IpProtocol":6,"FromPort":3389,"ToPort":3389}`, []string{"non-compliant CidrIp: port 3389 (RDP)"}},
		{"protocol \"6\", ports as strings", "HS-EC2-1", "AWS::EC2::SecurityGroupIngress", `{"CidrIp":"0.0.0.0/0","IpProtocol":"6","FromPort":"5985","ToPort":"5986"}`, []string{"non-compliant CidrIp: port 5985", "non-compliant CidrIp: port 5986"}},
		{"RDP over UDP", "HS-EC2-1", "AWS::EC2::SecurityGroupIngress", `{"CidrIp":"0.0.0.0/0","IpProtocol":"udp","FromPort":3389,"ToPort":3389}`, []string{"non-compliant CidrIp: port 3389 (RDP)"}},
		{"tcp with every port (-1)", "HS-EC2-1", "AWS::EC2::SecurityGroupIngress", `{"CidrIp":"0.0.0.0/0","IpProtocol":"tcp","FromPort":-1,"ToPort":-1}`, []string{"non-compliant CidrIp: port 22", "non-compliant CidrIp: port 3389", "non-compliant CidrIp: port 5985", "non-compliant CidrIp: port 5986"}},
		{"IPv6 global unicast", "HS-EC2-1", "AWS::EC2::SecurityGroupIngress", `{"CidrIpv6":"2000::/3",` + ok22 + `}`, []string{"non-compliant CidrIpv6: port 22"}},
		{"IPv6 /16", "HS-EC2-1", "AWS::EC2::SecurityGroupIngress", `{"CidrIpv6":"2600::/16",` + ok22 + `}`, []string{"non-compliant CidrIpv6: port 22"}},
		{"near miss: IPv6 /48", "HS-EC2-1", "AWS::EC2::SecurityGroupIngress", `{"CidrIpv6":"2600:1f18:abcd::/48",` + ok22 + `}`, []string{"compliant"}},
		{"an unknown entry hides no other", "HS-EC2-1", "AWS::EC2::SecurityGroup", `{"SecurityGroupIngress":[{"CidrIp":{"Ref":"Cidr"},` + ok22 + `},{"CidrIp":"0.0.0.0/0",` + ok22 + `}]}`, []string{
			"unresolved SecurityGroupIngress[0].CidrIp: CidrIp is not known at synth time (parameter Cidr)",
			"non-compliant SecurityGroupIngress[1].CidrIp: port 22 (SSH) is open to the internet (0.0.0.0/0)"}},
		{"an entry under Fn::If", "HS-EC2-1", "AWS::EC2::SecurityGroup", `{"SecurityGroupIngress":[{"Fn::If":["Debug",{"CidrIp":"0.0.0.0/0",` + ok22 + `},{"Ref":"AWS::NoValue"}]}]}`, []string{"non-compliant SecurityGroupIngress[0].CidrIp: port 22 (SSH) is open to the internet (0.0.0.0/0) (when condition Debug is true)"}},
		{"the whole ingress list imported", "HS-EC2-1", "AWS::EC2::SecurityGroup", `{"SecurityGroupIngress":{"Fn::ImportValue":"shared-ingress"}}`, []string{"unresolved SecurityGroupIngress: an ingress rule is not known at synth time (Fn::ImportValue)"}},
		{"a CIDR from a mapping", "HS-EC2-1", "AWS::EC2::SecurityGroupIngress", `{"CidrIp":{"Fn::FindInMap":["Net","prod","admin"]},` + ok22 + `}`, []string{"non-compliant CidrIp: port 22"}},
		{"near miss: the office range from a mapping", "HS-EC2-1", "AWS::EC2::SecurityGroupIngress", `{"CidrIp":{"Fn::FindInMap":["Net","prod","office"]},` + ok22 + `}`, []string{"compliant"}},
		{"a port from a parameter", "HS-EC2-1", "AWS::EC2::SecurityGroupIngress", `{"CidrIp":"0.0.0.0/0","IpProtocol":"tcp","FromPort":{"Ref":"Cidr"},"ToPort":22}`, []string{"unresolved FromPort: the port range is not known at synth time (parameter Cidr)"}},

		// Encryption.
		{"SNS: empty key turns it off", "HS-SNS-1", "AWS::SNS::Topic", `{"KmsMasterKeyId":""}`, []string{"non-compliant KmsMasterKeyId: KmsMasterKeyId is empty, which turns SNS encryption off"}},
		{"SNS: key only under a condition", "HS-SNS-1", "AWS::SNS::Topic", `{"KmsMasterKeyId":{"Fn::If":["Encrypt",{"Ref":"Key1"},{"Ref":"AWS::NoValue"}]}}`, []string{"non-compliant KmsMasterKeyId: the topic has no KmsMasterKeyId (when condition Encrypt is false)"}},
		{"SNS: key from a parameter", "HS-SNS-1", "AWS::SNS::Topic", `{"KmsMasterKeyId":{"Ref":"Key"}}`, []string{"unresolved KmsMasterKeyId: KmsMasterKeyId is not known at synth time (parameter Key)"}},
		{"SQS: key under a condition, SSE-SQS otherwise", "HS-SQS-1", "AWS::SQS::Queue", `{"KmsMasterKeyId":{"Fn::If":["Encrypt",{"Ref":"Key1"},{"Ref":"AWS::NoValue"}]}}`, []string{"compliant"}},
		{"SQS: encryption off as a string", "HS-SQS-1", "AWS::SQS::Queue", `{"SqsManagedSseEnabled":"false"}`, []string{"non-compliant SqsManagedSseEnabled"}},
		{"SQS: empty key", "HS-SQS-1", "AWS::SQS::Queue", `{"KmsMasterKeyId":""}`, []string{"non-compliant KmsMasterKeyId: KmsMasterKeyId is empty"}},

		// HS-TAG-1: every taggable type, wherever it keeps tags.
		{"SSM parameter without owner", "HS-TAG-1", "AWS::SSM::Parameter", `{"Type":"String","Value":"v","Tags":{"service":"orders"}}`, []string{"non-compliant Tags: lacks a value for owner"}},
		{"near miss: SSM parameter with both", "HS-TAG-1", "AWS::SSM::Parameter", `{"Type":"String","Value":"v","Tags":{"service":"orders","owner":"team"}}`, []string{"compliant"}},
		{"a tag from a parameter", "HS-TAG-1", "AWS::S3::Bucket", `{"Tags":[{"Key":"service","Value":"orders"},{"Key":"owner","Value":{"Ref":"Owner"}}]}`, []string{"unresolved Tags[1].Value: the value of tag owner is not known at synth time (parameter Owner)"}},
		{"a tag empty under a condition", "HS-TAG-1", "AWS::S3::Bucket", `{"Tags":[{"Key":"service","Value":"orders"},{"Key":"owner","Value":{"Fn::If":["Named","team",""]}}]}`, []string{"non-compliant Tags[1].Value: tag owner has no value (when condition Named is false)"}},
		{"tags imported", "HS-TAG-1", "AWS::DynamoDB::Table", `{"Tags":{"Fn::ImportValue":"tags"}}`, []string{"unresolved Tags: the tags is not known at synth time (Fn::ImportValue)"}},
		{"near miss: an Auto Scaling group's tags", "HS-TAG-1", "AWS::AutoScaling::AutoScalingGroup", `{"Tags":[{"Key":"service","Value":"orders","PropagateAtLaunch":true},{"Key":"owner","Value":"team","PropagateAtLaunch":true}]}`, []string{"compliant"}},

		// HS-CFN-1 and HS-S3-1 in other spellings.
		{"nested stack from an outside template", "HS-CFN-1", "AWS::CloudFormation::Stack", `{"TemplateURL":"https://example-bucket.s3.amazonaws.com/network.yaml"}`, []string{"unresolved TemplateURL: the nested stack's template (https://example-bucket.s3.amazonaws.com/network.yaml) is not one this app synthesized"}},
		{"a bootstrap-bucket URL alone proves nothing", "HS-CFN-1", "AWS::CloudFormation::Stack", `{"TemplateURL":{"Fn::Join":["",["https://s3.",{"Ref":"AWS::Region"},".",{"Ref":"AWS::URLSuffix"},"/cdk-hnb659fds-assets-111111111111-us-east-1/0a1b2c.json"]]}}`, []string{"unresolved TemplateURL"}},
		{"blocks only under a condition", "HS-S3-1", "AWS::S3::Bucket", `{"PublicAccessBlockConfiguration":{"Fn::If":["Locked",{"BlockPublicAcls":true,"BlockPublicPolicy":true,"IgnorePublicAcls":true,"RestrictPublicBuckets":true},{"Ref":"AWS::NoValue"}]}}`, []string{"non-compliant PublicAccessBlockConfiguration: public access is not blocked: BlockPublicAcls, BlockPublicPolicy, IgnorePublicAcls, RestrictPublicBuckets not true (when condition Locked is false)"}},
		{"near miss: blocks as strings", "HS-S3-1", "AWS::S3::Bucket", `{"PublicAccessBlockConfiguration":{"BlockPublicAcls":"true","BlockPublicPolicy":"true","IgnorePublicAcls":"true","RestrictPublicBuckets":"true"}}`, []string{"compliant"}},
	})
}
