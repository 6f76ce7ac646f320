package oracle

import "testing"

// TestTrusts holds the trust evaluation to IAM's rules on the forms that
// matter: who a Principal names, aws:PrincipalArn, Deny, and what cannot
// be decided (which grants nothing and denies).
func TestTrusts(t *testing.T) {
	const me = "arn:aws:iam::111111111111:role/handsoff-orders-pipeline"
	const stranger = "arn:aws:iam::999999999999:role/handsoff-orders-pipeline"
	vars := map[string]string{"AWS::Partition": "aws"}
	allow := func(principal any, cond any) map[string]any {
		st := map[string]any{"Effect": "Allow", "Action": "sts:AssumeRole", "Principal": principal}
		if cond != nil {
			st["Condition"] = cond
		}
		return st
	}
	trusted := map[string]any{"AWS": map[string]any{"Ref": "TrustedAccounts"}}
	byName := map[string]any{"ArnEquals": map[string]any{"aws:PrincipalArn": []any{"arn:aws:iam::*:role/handsoff-orders-pipeline"}}}
	doc := func(stmts ...any) map[string]any { return map[string]any{"Statement": stmts} }
	cases := []struct {
		name      string
		doc       map[string]any
		principal string
		want      bool
	}{
		{"trusted account and name", doc(allow(trusted, byName)), me, true},
		{"the name in an account not trusted", doc(allow(trusted, byName)), stranger, false},
		{"another name in a trusted account", doc(allow(trusted, byName)), "arn:aws:iam::111111111111:role/handsoff-x", false},
		{"anyone, by name", doc(allow("*", byName)), stranger, true},
		{"the account's root", doc(allow(map[string]any{"AWS": "arn:aws:iam::111111111111:root"}, nil)), me, true},
		{"a bare account", doc(allow(map[string]any{"AWS": []any{"222222222222", "111111111111"}}, nil)), me, true},
		{"another role's ARN", doc(allow(map[string]any{"AWS": "arn:aws:iam::111111111111:role/other"}, nil)), me, false},
		{"a service principal", doc(allow(map[string]any{"Service": "lambda.amazonaws.com"}, nil)), me, false},
		{"another action", doc(map[string]any{"Effect": "Allow", "Action": "sts:AssumeRoleWithWebIdentity", "Principal": trusted}), me, false},
		{"a wildcard action", doc(map[string]any{"Effect": "Allow", "Action": "sts:*", "Principal": trusted}), me, true},
		{"a Deny of everyone", doc(allow(trusted, byName), map[string]any{"Effect": "Deny", "Action": "sts:AssumeRole", "Principal": "*"}), me, false},
		{"a Deny of another name", doc(allow(trusted, byName), map[string]any{"Effect": "Deny", "Action": "sts:AssumeRole", "Principal": "*",
			"Condition": map[string]any{"ArnLike": map[string]any{"aws:PrincipalArn": "arn:aws:iam::*:role/x-*"}}}), me, true},
		{"a Deny with a condition the oracle cannot read", doc(allow(trusted, byName), map[string]any{"Effect": "Deny", "Action": "sts:AssumeRole", "Principal": "*",
			"Condition": map[string]any{"Bool": map[string]any{"aws:MultiFactorAuthPresent": "false"}}}), me, false},
		{"an Allow with a condition the oracle cannot read", doc(allow(trusted, map[string]any{"StringEquals": map[string]any{"sts:ExternalId": "x"}})), me, false},
		{"a Deny with NotPrincipal", doc(allow(trusted, byName), map[string]any{"Effect": "Deny", "Action": "sts:AssumeRole", "NotPrincipal": map[string]any{"AWS": "x"}}), me, false},
		{"ArnLike on a part", doc(allow(trusted, map[string]any{"ArnLike": map[string]any{"aws:PrincipalArn": "arn:aws:iam::111111111111:role/handsoff-*"}})), me, true},
	}
	for _, c := range cases {
		if got := trusts(c.doc, c.principal, vars, []string{"111111111111"}); got != c.want {
			t.Errorf("%s: trusts = %v, want %v", c.name, got, c.want)
		}
	}
}

// TestPolicyAllows holds resource-policy evaluation to IAM's rules on the
// forms a bucket or key policy takes; what it does not evaluate denies.
func TestPolicyAllows(t *testing.T) {
	const role = "arn:aws:iam::333333333333:role/deploy"
	vars := map[string]string{"AWS::Partition": "aws"}
	objects := map[string]any{"Fn::Join": []any{"", []any{map[string]any{"Fn::GetAtt": []any{"B", "Arn"}}, "/*"}}}
	bucket := map[string]any{"Fn::GetAtt": []any{"B", "Arn"}}
	allow := map[string]any{"Effect": "Allow", "Action": []any{"s3:GetObject*", "s3:List*"}, "Principal": map[string]any{"AWS": role}, "Resource": []any{bucket, objects}}
	tls := map[string]any{"Effect": "Deny", "Action": "s3:*", "Principal": map[string]any{"AWS": "*"}, "Resource": []any{bucket, objects},
		"Condition": map[string]any{"Bool": map[string]any{"aws:SecureTransport": "false"}}}
	with := func(st map[string]any, k string, v any) map[string]any {
		out := map[string]any{}
		for a, b := range st {
			out[a] = b
		}
		if v == nil {
			delete(out, k)
		} else {
			out[k] = v
		}
		return out
	}
	cases := []struct {
		name  string
		stmts []any
		want  bool
	}{
		{"granted, with the TLS deny", []any{tls, allow}, true},
		{"granted to the account's root", []any{with(allow, "Principal", map[string]any{"AWS": "arn:aws:iam::333333333333:root"})}, true},
		{"granted to the bare account", []any{with(allow, "Principal", map[string]any{"AWS": "333333333333"})}, true},
		{"granted to everyone", []any{with(allow, "Principal", "*")}, true},
		{"granted on the bucket, not its objects", []any{with(allow, "Resource", bucket)}, false},
		{"granted to another role", []any{with(allow, "Principal", map[string]any{"AWS": "arn:aws:iam::333333333333:role/other"})}, false},
		{"granted another action", []any{with(allow, "Action", "s3:PutObject")}, false},
		{"granted with a condition", []any{with(allow, "Condition", map[string]any{"StringEquals": map[string]any{"aws:PrincipalOrgID": "o-1"}})}, false},
		{"a Deny of everyone, as a string", []any{allow, map[string]any{"Effect": "Deny", "Action": "s3:*", "Principal": "*", "Resource": "*"}}, false},
		{"a Deny with NotPrincipal", []any{allow, map[string]any{"Effect": "Deny", "Action": "s3:*", "NotPrincipal": map[string]any{"AWS": "x"}, "Resource": "*"}}, false},
		{"a Deny with NotAction", []any{allow, map[string]any{"Effect": "Deny", "NotAction": "s3:PutObject", "Principal": "*", "Resource": "*"}}, false},
		{"a Deny with another condition", []any{allow, with(tls, "Condition", map[string]any{"StringNotEquals": map[string]any{"aws:PrincipalOrgID": "o-1"}})}, false},
	}
	for _, c := range cases {
		got := policyAllows([]any{map[string]any{"Statement": c.stmts}}, "s3:GetObject", role, vars, coversObjects)
		if got != c.want {
			t.Errorf("%s: %v, want %v", c.name, got, c.want)
		}
	}
}
