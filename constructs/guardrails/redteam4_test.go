package guardrails

// A fourth red team's cases, written by a hostile tester from the package's
// promise without reading its tests, aimed at the third round's fixes: 15
// of 22 broke it when written (a Ref's name built by Fn::Sub or a
// parameter, a Roles value known only at deploy time, HS-IAM-2 past the
// worlds bound, container fleets, registry modules, exclusive action and
// resource choices, conditions defined by Fn::Not or as constants, many
// group additions). Two expectations were corrected: conditions the tests
// did not mean to fix compare the region, and two /9 halves stand for
// ranges that open a port only together. Run:
// go test ./constructs/guardrails -run Redteam4 -count=1

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

const rt4Stmt = `{"Effect":"Allow","Action":%s,"Resource":%s}`

func rt4Doc(stmts ...string) string {
	return `{"Version":"2012-10-17","Statement":[` + strings.Join(stmts, ",") + `]}`
}

func rt4Stmts(action, resource string) string { return fmt.Sprintf(rt4Stmt, action, resource) }

// lambda create+invoke on the role itself; PassRole from an attached policy.
const rt4LambdaPolicies = `"Policies":[{"PolicyName":"own","PolicyDocument":{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["lambda:CreateFunction","lambda:InvokeFunction"],"Resource":"*"}]}}]`
const rt4Trust = `"AssumeRolePolicyDocument":{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"lambda.amazonaws.com"},"Action":"sts:AssumeRole"}]}`
const rt4PassDoc = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"iam:PassRole","Resource":"*"}]}`

func rt4Many(n int) string {
	var parts []string
	for i := 0; i < n; i++ {
		parts = append(parts, fmt.Sprintf(`{"Fn::If":["C%d","s3:GetObject%d",{"Ref":"AWS::NoValue"}]}`, i, i))
	}
	return strings.Join(parts, ",")
}

func rt4Conds(n int) string {
	var parts []string
	for i := 0; i < n; i++ {
		parts = append(parts, fmt.Sprintf(`"C%d":{"Fn::Equals":[{"Ref":"P%d"},"y"]}`, i, i))
	}
	return strings.Join(parts, ",")
}

func rt4Params(n int) string {
	var parts []string
	for i := 0; i < n; i++ {
		parts = append(parts, fmt.Sprintf(`"P%d":{"Type":"String","AllowedValues":["y","n"]}`, i))
	}
	return strings.Join(parts, ",")
}

func rt4Perf() string {
	// 80 users, 80 groups, 80 UserToGroupAdditions each naming 20 users.
	var res []string
	for i := 0; i < 80; i++ {
		res = append(res, fmt.Sprintf(`"U%d":{"Type":"AWS::IAM::User"}`, i))
		res = append(res, fmt.Sprintf(`"G%d":{"Type":"AWS::IAM::Group"}`, i))
		var users []string
		for k := 0; k < 20; k++ {
			users = append(users, fmt.Sprintf(`{"Ref":"U%d"}`, (i+k)%80))
		}
		res = append(res, fmt.Sprintf(`"A%d":{"Type":"AWS::IAM::UserToGroupAddition","Properties":{"GroupName":{"Ref":"G%d"},"Users":[%s]}}`, i, i, strings.Join(users, ",")))
	}
	return `{"Resources":{` + strings.Join(res, ",") + `}}`
}

func TestRedteam4(t *testing.T) {
	cases := []struct {
		name, rule, tmpl string
		want             bool // true: a failure of rule is required; false: forbidden
		why              string
	}{
		{"control-iam3-no-rolename", "HS-IAM-3", `{"Resources":{
		  "Role":{"Type":"AWS::IAM::Role","Properties":{` + rt4Trust + `,` + rt4LambdaPolicies + `}},
		  "Pass":{"Type":"AWS::IAM::Policy","Properties":{"PolicyName":"p","Roles":[{"Ref":"Role"}],"PolicyDocument":` + rt4PassDoc + `}}}}`,
			true, "control: same escalation, role without RoleName"},
		{"control-iam3-literal-rolename", "HS-IAM-3", `{"Resources":{
		  "Role":{"Type":"AWS::IAM::Role","Properties":{"RoleName":"app",` + rt4Trust + `,` + rt4LambdaPolicies + `}},
		  "Pass":{"Type":"AWS::IAM::Policy","Properties":{"PolicyName":"p","Roles":[{"Ref":"Role"}],"PolicyDocument":` + rt4PassDoc + `}}}}`,
			true, "control: literal RoleName"},
		{"iam3-rolename-sub-linked-by-ref", "HS-IAM-3", `{"Resources":{
		  "Role":{"Type":"AWS::IAM::Role","Properties":{"RoleName":{"Fn::Sub":"${AWS::StackName}-app"},` + rt4Trust + `,` + rt4LambdaPolicies + `}},
		  "Pass":{"Type":"AWS::IAM::Policy","Properties":{"PolicyName":"p","Roles":[{"Ref":"Role"}],"PolicyDocument":` + rt4PassDoc + `}}}}`,
			true, "AWS::IAM::Policy Roles [Ref Role] attaches to that role whatever RoleName is; PassRole+CreateFunction+InvokeFunction on * is Rhino's Lambda method"},
		{"iam3-rolename-param-linked-by-ref", "HS-IAM-3", `{"Parameters":{"N":{"Type":"String","AllowedValues":["a","b"]}},"Resources":{
		  "Role":{"Type":"AWS::IAM::Role","Properties":{"RoleName":{"Ref":"N"},` + rt4Trust + `,` + rt4LambdaPolicies + `}},
		  "Pass":{"Type":"AWS::IAM::Policy","Properties":{"PolicyName":"p","Roles":[{"Ref":"Role"}],"PolicyDocument":` + rt4PassDoc + `}}}}`,
			true, "Ref Role is the role's name, whichever allowed value N takes; the policy is attached to it in every deployment"},
		{"iam3-policy-roles-unknown-param", "HS-IAM-3", `{"Parameters":{"Target":{"Type":"String"}},"Resources":{
		  "Role":{"Type":"AWS::IAM::Role","Properties":{"RoleName":"app-role",` + rt4Trust + `,` + rt4LambdaPolicies + `}},
		  "Pass":{"Type":"AWS::IAM::Policy","Properties":{"PolicyName":"p","Roles":[{"Ref":"Target"}],"PolicyDocument":` + rt4PassDoc + `}}}}`,
			true, "with Target=app-role (a deploy-time parameter) the policy attaches to this template's role: escalation, or at least 'cannot be checked'"},
		{"iam3-managedpolicy-name-sub", "HS-IAM-3", `{"Resources":{
		  "Role":{"Type":"AWS::IAM::Role","Properties":{` + rt4Trust + `,` + rt4LambdaPolicies + `,"ManagedPolicyArns":[{"Ref":"MP"}]}},
		  "MP":{"Type":"AWS::IAM::ManagedPolicy","Properties":{"ManagedPolicyName":{"Fn::Sub":"${AWS::StackName}-pass"},"PolicyDocument":` + rt4PassDoc + `}}}}`,
			true, "Ref of AWS::IAM::ManagedPolicy is its ARN; ManagedPolicyArns [Ref MP] attaches it whatever its name"},
		{"iam3-groupname-sub-user-groups", "HS-IAM-3", `{"Resources":{
		  "User":{"Type":"AWS::IAM::User","Properties":{"Groups":[{"Ref":"G"}],` + rt4LambdaPolicies + `}},
		  "G":{"Type":"AWS::IAM::Group","Properties":{"GroupName":{"Fn::Sub":"${AWS::StackName}-g"},"Policies":[{"PolicyName":"x","PolicyDocument":` + rt4PassDoc + `}]}}}}`,
			true, "a user holds its groups' inline policies; Groups [Ref G] names the group whatever GroupName is"},
		{"iam3-same-name-sub-both-sides", "HS-IAM-3", `{"Resources":{
		  "Role":{"Type":"AWS::IAM::Role","Properties":{"RoleName":{"Fn::Sub":"${AWS::StackName}-app"},` + rt4Trust + `,` + rt4LambdaPolicies + `}},
		  "Pass":{"Type":"AWS::IAM::Policy","Properties":{"PolicyName":"p","Roles":[{"Fn::Sub":"${AWS::StackName}-app"}],"PolicyDocument":` + rt4PassDoc + `}}}}`,
			true, "the policy names the role by the same deploy-time name the role gets (docs/guardrails.md: 'or its literal name')"},
		{"iam3-action-resource-exclusive", "HS-IAM-3", `{"Conditions":{"C":{"Fn::Equals":[{"Ref":"AWS::Region"},"us-east-1"]}},"Resources":{
		  "U":{"Type":"AWS::IAM::User","Properties":{"Policies":[{"PolicyName":"x","PolicyDocument":` + rt4Doc(`{"Effect":"Allow","Action":{"Fn::If":["C","iam:CreateAccessKey","s3:GetObject"]},"Resource":{"Fn::If":["C","arn:aws:iam::123456789012:user/me","*"]}}`) + `}]}}}}`,
			false, "C: CreateAccessKey on one user; !C: s3:GetObject on *; no deployment grants CreateAccessKey on every user"},
		{"iam1-notaction-resource-exclusive", "HS-IAM-1", `{"Conditions":{"C":{"Fn::Equals":[{"Ref":"AWS::Region"},"us-east-1"]}},"Resources":{
		  "P":{"Type":"AWS::IAM::ManagedPolicy","Properties":{"PolicyDocument":` + rt4Doc(`{"Effect":"Allow","NotAction":{"Fn::If":["C","s3:*",{"Ref":"AWS::NoValue"}]},"Action":{"Fn::If":["C",{"Ref":"AWS::NoValue"},"s3:GetObject"]},"Resource":{"Fn::If":["C","arn:aws:s3:::b/*","*"]}}`) + `}}}}`,
			false, "C: NotAction s3:* on one bucket's objects; !C: s3:GetObject on *; neither is every action on every resource"},
		{"iam2-iamstar-past-256-worlds", "HS-IAM-2", `{"Parameters":{` + rt4Params(9) + `},"Conditions":{` + rt4Conds(9) + `},"Resources":{
		  "P":{"Type":"AWS::IAM::ManagedPolicy","Properties":{"PolicyDocument":` + rt4Doc(rt4Stmts(`["iam:*",`+rt4Many(9)+`]`, `"*"`)) + `}}}}`,
			true, "iam:* on * is in every deployment; past 256 worlds the rule must report, not pass (docs/guardrails.md: 'reports what it cannot decide')"},
		{"iam2-iamstar-no-conds-control", "HS-IAM-2", `{"Resources":{
		  "P":{"Type":"AWS::IAM::ManagedPolicy","Properties":{"PolicyDocument":` + rt4Doc(rt4Stmts(`["iam:*","s3:GetObject"]`, `"*"`)) + `}}}}`,
			true, "control: iam:* on *"},
		{"ec2-gamelift-containerfleet", "HS-EC2-1", `{"Resources":{
		  "F":{"Type":"AWS::GameLift::ContainerFleet","Properties":{"FleetRoleArn":"arn:aws:iam::123456789012:role/r","InstanceInboundPermissions":[{"FromPort":22,"ToPort":22,"IpRange":"0.0.0.0/0","Protocol":"TCP"}]}}}}`,
			true, "a GameLift container fleet's InstanceInboundPermissions are its instances' firewall (same IpPermission type as Fleet.EC2InboundPermissions)"},
		{"cfn-module-expands-at-deploy", "", `{"Resources":{
		  "M":{"Type":"MyOrg::Network::OpenBastion::MODULE","Properties":{"Port":22}}}}`,
			true, "a registry module (type ending ::MODULE) is expanded by CloudFormation into resources no rule sees, like a Transform"},
		{"ec2-not-condition-opposite-ranges", "HS-EC2-1", `{"Parameters":{"Env":{"Type":"String","AllowedValues":["prod","dev"]}},"Conditions":{"IsProd":{"Fn::Equals":[{"Ref":"Env"},"prod"]},"NotProd":{"Fn::Not":[{"Condition":"IsProd"}]}},"Resources":{
		  "SG":{"Type":"AWS::EC2::SecurityGroup","Properties":{"GroupDescription":"d","SecurityGroupIngress":[
		    {"Fn::If":["IsProd",{"IpProtocol":"tcp","FromPort":22,"ToPort":22,"CidrIp":"8.0.0.0/9"},{"Ref":"AWS::NoValue"}]},
		    {"Fn::If":["NotProd",{"IpProtocol":"tcp","FromPort":22,"ToPort":22,"CidrIp":"8.128.0.0/9"},{"Ref":"AWS::NoValue"}]}]}}}}`,
			false, "NotProd is Fn::Not IsProd: no deployment holds both halves (docs/guardrails.md: ranges under opposite conditions are not added up)"},
		{"tag-not-condition-both-branches", "HS-TAG-1", `{"Conditions":{"IsProd":{"Fn::Equals":[{"Ref":"AWS::Region"},"us-east-1"]},"NotProd":{"Fn::Not":[{"Condition":"IsProd"}]}},"Resources":{
		  "Q":{"Type":"AWS::SQS::Queue","Properties":{"Tags":[
		    {"Fn::If":["IsProd",{"Key":"service","Value":"a"},{"Ref":"AWS::NoValue"}]},
		    {"Fn::If":["NotProd",{"Key":"service","Value":"a"},{"Ref":"AWS::NoValue"}]}]}}}}`,
			false, "exactly one of IsProd/NotProd holds, so the service tag is present in every deployment"},
		{"s3-bucket-never-created", "HS-S3-1", `{"Conditions":{"Never":{"Fn::Equals":["a","b"]}},"Resources":{
		  "B":{"Type":"AWS::S3::Bucket","Condition":"Never"}}}`,
			false, "Fn::Equals [a,b] is false in every deployment, so CloudFormation never creates the bucket"},
		{"own-condition-decides-if-safe", "HS-EC2-1", `{"Conditions":{"C":{"Fn::Equals":[{"Ref":"AWS::Region"},"us-east-1"]}},"Resources":{
		  "SG":{"Type":"AWS::EC2::SecurityGroup","Condition":"C","Properties":{"GroupDescription":"d","SecurityGroupIngress":[{"IpProtocol":"tcp","FromPort":22,"ToPort":22,"CidrIp":{"Fn::If":["C","10.0.0.0/8","0.0.0.0/0"]}}]}}}}`,
			false, "the group exists only when C is true, when the range is private"},
		{"own-condition-decides-if-open", "HS-EC2-1", `{"Conditions":{"C":{"Fn::Equals":[{"Ref":"AWS::Region"},"us-east-1"]}},"Resources":{
		  "SG":{"Type":"AWS::EC2::SecurityGroup","Condition":"C","Properties":{"GroupDescription":"d","SecurityGroupIngress":[{"IpProtocol":"tcp","FromPort":22,"ToPort":22,"CidrIp":{"Fn::If":["C","0.0.0.0/0","10.0.0.0/8"]}}]}}}}`,
			true, "the group exists only when C is true, when SSH is open to the internet"},
		{"ec2-multiworld-suppress-one-world", "HS-EC2-1", `{"Conditions":{"C":{"Fn::Equals":[{"Ref":"AWS::Region"},"us-east-1"]}},"Resources":{
		  "SG":{"Type":"AWS::EC2::SecurityGroup","Metadata":{"handsoff:guardrails":{"suppress":[{"rule":"HS-EC2-1","reason":"Bastion opened only by runbook OPS-12 for break glass.","at":["SecurityGroupIngress[0]"]}]}},"Properties":{"GroupDescription":"d","SecurityGroupIngress":[
		    {"IpProtocol":"tcp","FromPort":22,"ToPort":22,"CidrIp":{"Fn::If":["C","0.0.0.0/0","10.0.0.0/8"]}},
		    {"IpProtocol":"tcp","FromPort":22,"ToPort":22,"CidrIp":{"Fn::If":["C","10.0.0.0/8","0.0.0.0/0"]}}]}}}}`,
			true, "the suppression names entry [0]; entry [1] opens SSH when C is false and must still fail"},
		{"ref-name-cycle", "", `{"Resources":{
		  "R1":{"Type":"AWS::IAM::Role","Properties":{"RoleName":{"Ref":"R2"},` + rt4Trust + `,` + rt4LambdaPolicies + `}},
		  "R2":{"Type":"AWS::IAM::Role","Properties":{"RoleName":{"Ref":"R1"},` + rt4Trust + `}},
		  "Pass":{"Type":"AWS::IAM::Policy","Properties":{"PolicyName":"p","Roles":[{"Ref":"R1"}],"PolicyDocument":` + rt4PassDoc + `}}}}`,
			true, "(not deployable: circular dependency) must not hang or panic; any report is acceptable, a finding expected"},
		{"malformed-shapes", "", `{"Resources":{
		  "U":{"Type":"AWS::IAM::User","Properties":{"Groups":"G","ManagedPolicyArns":{"a":1},"Policies":[1,"x",null]}},
		  "G":{"Type":"AWS::IAM::Group","Properties":{"Policies":{"Fn::If":["C",[{"PolicyDocument":7}],null]},"GroupName":["x"]}},
		  "R":{"Type":"AWS::IAM::Role","Properties":{"ManagedPolicyArns":[{"Ref":"MP"},{"Fn::GetAtt":["MP"]},[],{}]}},
		  "MP":{"Type":"AWS::IAM::ManagedPolicy","Properties":{"Roles":[{"Ref":"R"},5,{"Fn::Split":[",",{"Ref":"R"}]}],"Users":{"Ref":"U"},"Groups":[{"Fn::If":["C",{"Ref":"G"},{"Ref":"AWS::NoValue"}]}],"PolicyDocument":"{}"}},
		  "A":{"Type":"AWS::IAM::UserToGroupAddition","Properties":{"GroupName":{"Ref":"G"},"Users":{"Ref":"AWS::NoValue"}}},
		  "L":{"Type":"AWS::Lightsail::Instance","Properties":{"Networking":{"Ports":[{"Protocol":"tcp","FromPort":22,"ToPort":22,"Cidrs":{"Fn::If":["C",["1.2.3.4/32"],[]]}}]}}},
		  "GF":{"Type":"AWS::GameLift::Fleet","Properties":{"EC2InboundPermissions":[null,{"Protocol":6},"x"]}}}}`,
			true, "malformed values: no panic; some finding expected (Lightsail empty Cidrs opens 22 when C is false)"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			defer func() {
				if p := recover(); p != nil {
					t.Errorf("PANIC: %v", p)
				}
			}()
			start := time.Now()
			rep, err := CheckTemplate("t.json", []byte(c.tmpl), Context{RequiredTags: []string{"service"}})
			if d := time.Since(start); d > time.Second {
				t.Errorf("SLOW: %v", d)
			}
			if err != nil {
				t.Fatalf("error: %v", err)
			}
			found := false
			var got []string
			for _, f := range rep.Failures() {
				got = append(got, f.String())
				if c.rule == "" || f.Rule.ID == c.rule {
					found = true
				}
			}
			if found != c.want {
				t.Errorf("BROKEN rule=%s want finding=%v got=%v (%s)\n  failures: %s", c.rule, c.want, found, c.why, strings.Join(got, "\n    "))
			} else {
				t.Logf("ok: %s", strings.Join(got, " | "))
			}
		})
	}
	t.Run("perf-user-group-additions", func(t *testing.T) {
		tmpl := rt4Perf()
		start := time.Now()
		_, err := CheckTemplate("t.json", []byte(tmpl), Context{})
		d := time.Since(start)
		t.Logf("size %d bytes, %v", len(tmpl), d)
		if err != nil {
			t.Fatal(err)
		}
		if len(tmpl) < 100000 && d > time.Second {
			t.Errorf("SLOW: %d-byte template took %v", len(tmpl), d)
		}
	})
}
