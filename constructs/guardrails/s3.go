package guardrails

import (
	"fmt"
	"net/netip"
	"strings"
)

func sprintf(format string, args ...any) string {
	if len(args) == 0 {
		return format
	}
	return fmt.Sprintf(format, args...)
}

func checkPublicAccessBlock(r Resource, _ Context) []Verdict {
	if r.Type != "AWS::S3::Bucket" {
		return nil
	}
	t, j := r.tmpl(), &judge{}
	const base = "PublicAccessBlockConfiguration"
	all := "BlockPublicAcls, BlockPublicPolicy, IgnorePublicAcls, RestrictPublicBuckets"
	for _, pab := range t.Eval(r.Properties[base]) {
		if pab.Absent {
			j.breach(base, "public access is not blocked: %s not true%s", all, pab.When())
			continue
		}
		if _, ok := pab.V.(map[string]any); !ok || !pab.Known() {
			if pab.Unknown == "" {
				pab.Unknown = "not an object"
			}
			j.unresolved(base, pab, base)
			continue
		}
		var missing []string
		when := pab.When()
		for _, k := range []string{"BlockPublicAcls", "BlockPublicPolicy", "IgnorePublicAcls", "RestrictPublicBuckets"} {
			for _, v := range t.Field(pab, k) {
				b, isBool := v.Bool()
				switch {
				case v.Absent || (isBool && !b):
					missing = append(missing, k)
					when = v.When()
				case !v.Known():
					j.unresolved(join(base, k), v, k)
				case !isBool:
					missing = append(missing, k)
				}
			}
		}
		if len(missing) > 0 {
			j.breach(base, "public access is not blocked: %s not true%s", strings.Join(missing, ", "), when)
		}
	}
	return j.verdicts()
}

// restrictingKeys are the condition keys that, with fixed values, make a
// policy statement for Principal "*" non-public in S3's own judgement
// (https://docs.aws.amazon.com/AmazonS3/latest/userguide/access-control-block-public-access.html#access-control-block-public-access-policy-status).
var restrictingKeys = map[string]bool{
	"aws:sourcearn": true, "aws:sourcevpc": true, "aws:sourcevpce": true, "aws:sourceaccount": true,
	"aws:sourceowner": true, "aws:userid": true, "aws:principalarn": true, "aws:principalaccount": true,
	"aws:principalorgid": true, "aws:principalorgpaths": true, "aws:sourceorgid": true, "aws:sourceorgpaths": true,
	"s3:dataaccesspointarn": true, "s3:dataaccesspointaccount": true, "aws:sourceip": true,
}

func checkPublicBucketPolicy(r Resource, _ Context) []Verdict {
	if r.Type != "AWS::S3::BucketPolicy" {
		return nil
	}
	t, j := r.tmpl(), &judge{}
	forStatements(t, r.Properties["PolicyDocument"], "PolicyDocument", j, func(st Value, path string) {
		if !isAllow(t, st, path, j) {
			return
		}
		for _, p := range t.Field(st, "Principal") {
			if !p.Known() {
				if !p.Absent {
					j.unresolved(join(path, "Principal"), p, "the principal")
				}
				continue
			}
			if !everyone(t, p) {
				continue
			}
			restricted, unknown := restricts(t, st)
			switch {
			case unknown != nil:
				j.unresolved(join(path, "Condition"), *unknown, "the condition")
			case !restricted:
				j.breach(path, "allows everyone (Principal *) without a condition that restricts who%s: the bucket is public", p.When())
			}
		}
	})
	return j.verdicts()
}

// everyone reports whether a principal value is "*" or {"AWS": "*"} (or a
// list holding "*").
func everyone(t *Template, p Value) bool {
	if s, ok := p.Str(); ok {
		return s == "*"
	}
	m, ok := p.V.(map[string]any)
	if !ok {
		return false
	}
	for _, it := range t.Items(m["AWS"], "AWS", true) {
		if s, ok := it.Str(); ok && s == "*" {
			return true
		}
	}
	return false
}

// restricts reports whether a statement's condition limits it with a
// restricting key and fixed values (no wildcard, a source IP range no
// wider than a /8, or /32 for IPv6).
func restricts(t *Template, st Value) (bool, *Value) {
	for _, c := range t.Field(st, "Condition") {
		if c.Absent {
			continue
		}
		if !c.Known() {
			return false, &c
		}
		ops, _ := c.V.(map[string]any)
		for op, kv := range ops {
			if strings.HasPrefix(op, "ForAnyValue:") || strings.HasSuffix(op, "IfExists") || strings.HasPrefix(op, "Not") {
				continue // IfExists passes when the key is absent; Not* and ForAnyValue do not restrict to fixed values
			}
			keys, _ := kv.(map[string]any)
			for key, vals := range keys {
				if !restrictingKeys[strings.ToLower(key)] {
					continue
				}
				fixed := true
				for _, it := range t.Items(vals, key, true) {
					if !it.Known() {
						return false, &it.Value
					}
					if _, opaque := it.V.(Opaque); opaque {
						continue // a resource's id or ARN: fixed
					}
					s, ok := it.Str()
					if !ok || strings.ContainsAny(s, "*?") {
						fixed = false
						continue
					}
					if strings.EqualFold(key, "aws:SourceIp") {
						if p, err := netip.ParsePrefix(s); err != nil || (p.Addr().Is4() && p.Bits() < 8) || (p.Addr().Is6() && p.Bits() < 32) {
							fixed = false
						}
					}
				}
				if fixed {
					return true, nil
				}
			}
		}
	}
	return false, nil
}
