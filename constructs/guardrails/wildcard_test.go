package guardrails

import (
	"regexp"
	"strings"
	"testing"
)

func TestWildcardMatch(t *testing.T) {
	cases := []struct {
		pattern, s string
		fold, want bool
	}{
		{"*", "", false, true},
		{"*", "s3:GetObject", false, true},
		{"", "", false, true},
		{"", "a", false, false},
		{"s3:*", "s3:GetObject", true, true},
		{"s3:*", "S3:GetObject", false, false},
		{"S3:get*", "s3:GetObject", true, true},
		{"S3:get*", "s3:GetObject", false, false},
		{"*:*", "iam:CreateUser", true, true},
		{"*:*", "iamCreateUser", true, false},
		{"iam:*User", "iam:CreateUser", true, true},
		{"iam:*User", "iam:CreateUsers", true, false},
		{"iam:Create?ser", "iam:CreateUser", true, true},
		{"iam:Create?ser", "iam:Createser", true, false},
		{"arn:aws*:*", "arn:aws-cn:dynamodb:cn-north-1:123456789012:table/t", false, true},
		{"arn:aws:s3:::bucket/*", "arn:aws:s3:::bucket/key", false, true},
		{"arn:aws:s3:::bucket/*", "arn:aws:s3:::bucket2/key", false, false},
		{"a*b*c", "aXbYbZc", false, true},
		{"a*b*c", "aXbYbZ", false, false},
		{"**", "anything", false, true},
		{"*a", "baaa", false, true},
		{"?", "", false, false},
		{"a.b", "aXb", false, false}, // dots are literal, not regexp
		{"a+b", "a+b", false, true},
	}
	for _, c := range cases {
		if got := wildcardMatch(c.pattern, c.s, c.fold); got != c.want {
			t.Errorf("wildcardMatch(%q, %q, fold=%v) = %v, want %v", c.pattern, c.s, c.fold, got, c.want)
		}
	}
}

// FuzzWildcardMatch holds the matcher to the regular expression it
// replaced, on ASCII without newlines (IAM's alphabet).
func FuzzWildcardMatch(f *testing.F) {
	for _, s := range [][2]string{{"*", "x"}, {"s3:Get*", "s3:GetObject"}, {"a?c*", "abcde"}, {"*a*b", "ab"}, {"A*", "abc"}} {
		f.Add(s[0], s[1], true)
		f.Add(s[0], s[1], false)
	}
	f.Fuzz(func(t *testing.T, p, s string, fold bool) {
		for _, x := range []string{p, s} {
			for i := 0; i < len(x); i++ {
				if x[i] < 0x20 || x[i] > 0x7e {
					t.Skip()
				}
			}
		}
		q := regexp.QuoteMeta(p)
		q = strings.ReplaceAll(q, `\*`, ".*")
		q = strings.ReplaceAll(q, `\?`, ".")
		if fold {
			q = "(?i)" + q
		}
		want := regexp.MustCompile("^" + q + "$").MatchString(s)
		if got := wildcardMatch(p, s, fold); got != want {
			t.Fatalf("wildcardMatch(%q, %q, fold=%v) = %v, the regexp says %v", p, s, fold, got, want)
		}
	})
}
