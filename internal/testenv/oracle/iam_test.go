package oracle

import (
	"fmt"
	"strings"
	"testing"
)

func TestIAMQuotas(t *testing.T) {
	arns := func(n int) []any {
		var out []any
		for i := range n {
			out = append(out, map[string]any{"Fn::Join": []any{"", []any{"arn:", map[string]any{"Ref": "AWS::Partition"},
				fmt.Sprintf(":iam::%012d:role/cdk-hnb659fds-deploy-role-%012d-ap-southeast-2", i, i)}}})
		}
		return out
	}
	doc := func(resources []any) map[string]any {
		return map[string]any{"Version": "2012-10-17", "Statement": []any{map[string]any{"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": resources}}}
	}
	role := map[string]any{"Type": "AWS::IAM::Role", "Properties": map[string]any{"AssumeRolePolicyDocument": doc(nil)}}
	cases := []struct {
		name string
		res  map[string]any
		want string
	}{
		{"small", map[string]any{"R": role, "P": map[string]any{"Type": "AWS::IAM::Policy", "Properties": map[string]any{"Roles": []any{map[string]any{"Ref": "R"}}, "PolicyDocument": doc(arns(10))}}}, ""},
		// Two ARNs an environment in one statement, as the pipeline's
		// UseGateRoles was: 100 environments pass the inline quota.
		{"one statement per environment pair", map[string]any{"R": role, "P": map[string]any{"Type": "AWS::IAM::Policy", "Properties": map[string]any{"Roles": []any{map[string]any{"Ref": "R"}}, "PolicyDocument": doc(arns(200))}}},
			"role R: inline policies of"},
		{"managed policy", map[string]any{"M": map[string]any{"Type": "AWS::IAM::ManagedPolicy", "Properties": map[string]any{"PolicyDocument": doc(arns(80))}}}, "managed policy M of"},
		{"inline policies add up", map[string]any{"R": role,
			"P1": map[string]any{"Type": "AWS::IAM::Policy", "Properties": map[string]any{"Roles": []any{map[string]any{"Ref": "R"}}, "PolicyDocument": doc(arns(60))}},
			"P2": map[string]any{"Type": "AWS::IAM::Policy", "Properties": map[string]any{"Roles": []any{map[string]any{"Ref": "R"}}, "PolicyDocument": doc(arns(60))}}},
			"role R: inline policies of"},
		{"trust policy", map[string]any{"R": map[string]any{"Type": "AWS::IAM::Role", "Properties": map[string]any{"AssumeRolePolicyDocument": doc(arns(30))}}}, "trust policy of"},
		{"managed policies per role", map[string]any{"R": map[string]any{"Type": "AWS::IAM::Role", "Properties": map[string]any{"AssumeRolePolicyDocument": doc(nil),
			"ManagedPolicyArns": []any{"a", "b", "c", "d", "e", "f", "g", "h", "i", "j", "k"}}}}, "11 managed policies"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := strings.Join(IAMQuotas(Assembly{"t.template.json": {"Resources": c.res}}), "\n")
			if c.want == "" && got != "" || !strings.Contains(got, c.want) {
				t.Errorf("got %q, want %q", got, c.want)
			}
		})
	}
}

func TestRetainedWithTheirName(t *testing.T) {
	asm := Assembly{"a.template.json": map[string]any{"Resources": map[string]any{
		"Named":    map[string]any{"Type": "AWS::Logs::LogGroup", "DeletionPolicy": "Retain", "Properties": map[string]any{"LogGroupName": "/x"}},
		"Unnamed":  map[string]any{"Type": "AWS::Logs::LogGroup", "DeletionPolicy": "Retain", "Properties": map[string]any{}},
		"Kept":     map[string]any{"Type": "AWS::Logs::LogGroup", "DeletionPolicy": "RetainExceptOnCreate", "Properties": map[string]any{"LogGroupName": "/y"}},
		"Fine":     map[string]any{"Type": "AWS::Logs::LogGroup", "DeletionPolicy": "Delete", "Properties": map[string]any{"LogGroupName": "/z"}},
		"Default":  map[string]any{"Type": "AWS::Logs::LogGroup", "Properties": map[string]any{"LogGroupName": "/w"}},
		"Function": map[string]any{"Type": "AWS::Lambda::Function", "DeletionPolicy": "Retain", "Properties": map[string]any{"FunctionName": "f"}},
	}}}
	got := RetainedWithTheirName(asm)
	if len(got) != 3 || !strings.Contains(got[0], "AWS::Lambda::Function Function") || !strings.Contains(got[1], "AWS::Logs::LogGroup Kept has a fixed LogGroupName and DeletionPolicy RetainExceptOnCreate") || !strings.Contains(got[2], "AWS::Logs::LogGroup Named") {
		t.Errorf("got:\n%s", strings.Join(got, "\n"))
	}
}
