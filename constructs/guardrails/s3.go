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
	doc := "PolicyDocument"
	switch r.Type {
	case "AWS::S3::BucketPolicy":
	case "AWS::S3::AccessPoint":
		// An access point's own policy reaches the bucket's objects too,
		// from the internet unless the access point is a VPC's
		// (https://docs.aws.amazon.com/AmazonS3/latest/userguide/access-points-policies.html).
		if r.Properties["Policy"] == nil || everywhere(r.tmpl(), r.Properties["VpcConfiguration"]) {
			return []Verdict{{Outcome: Compliant}}
		}
		doc = "Policy"
	default:
		return nil
	}
	t, j := r.tmpl(), &judge{}
	forStatements(t, r.Properties[doc], doc, j, func(st Value, path string) {
		if !isAllow(t, st, path, j) {
			return
		}
		for _, who := range anyone(t, st, path, j) {
			for _, c := range t.Eval(st.V.(map[string]any)["Condition"], who.v.Conds...) {
				if !consistent(c.Conds) {
					continue // the principal and the condition of exclusive choices
				}
				switch restricted, unknown := restricts(t, c); {
				case unknown != nil:
					j.unresolved(join(path, "Condition"), *unknown, "the condition")
				case !restricted:
					j.breach(path, "allows %s without a condition that only named callers can meet%s: the bucket is public", who.what, whenAll(who.v, c))
				}
			}
		}
	})
	return j.verdicts()
}

// whenAll describes the choices of two alternatives, for messages.
func whenAll(a, b Value) string {
	seen := map[string]bool{}
	var conds []string
	for _, c := range append(append([]string{}, a.Conds...), b.Conds...) {
		if !seen[c] {
			seen[c] = true
			conds = append(conds, c)
		}
	}
	return Value{Conds: conds}.When()
}

// everyoneIn is one way a statement lets anyone in.
type everyoneIn struct {
	what string
	v    Value
}

// anyone lists the alternatives in which a statement's principal is
// anyone: Principal "*" or {"AWS": "*"}, or any NotPrincipal, which with
// Allow is everyone but those it names
// (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_notprincipal.html).
// A principal it cannot read is reported.
func anyone(t *Template, st Value, path string, j *judge) []everyoneIn {
	var out []everyoneIn
	for _, p := range t.Field(st, "Principal") {
		switch {
		case p.Absent:
		case !p.Known():
			j.unresolved(join(path, "Principal"), p, "the principal")
		default:
			for _, e := range everyone(t, p, join(path, "Principal"), j) {
				out = append(out, everyoneIn{"everyone (Principal *)", e})
			}
		}
	}
	for _, p := range t.Field(st, "NotPrincipal") {
		if !p.Absent {
			out = append(out, everyoneIn{"everyone but the NotPrincipal", p})
		}
	}
	return out
}

// everyone returns the alternatives in which a principal value is "*" or
// {"AWS": "*"} (or a list holding "*"), reporting the parts it cannot read.
func everyone(t *Template, p Value, path string, j *judge) []Value {
	if s, ok := p.Str(); ok {
		if s == "*" {
			return []Value{p}
		}
		// IAM takes no other string as a principal; a JSON string is not
		// parsed here as it is for a whole policy document.
		j.unresolved(path, Value{Unknown: fmt.Sprintf("the principal %q, which is neither \"*\" nor an object", s), Conds: p.Conds}, "the principal")
		return nil
	}
	m, ok := p.V.(map[string]any)
	if !ok {
		j.unresolved(path, Value{Unknown: "not a principal", Conds: p.Conds}, "the principal")
		return nil
	}
	var out []Value
	for _, it := range t.Items(m["AWS"], "AWS", true, p.Conds...) {
		if !it.Known() {
			j.unresolved(join(path, "AWS"), it.Value, "the principal")
			continue
		}
		if s, ok := it.Str(); ok && s == "*" {
			out = append(out, it.Value)
		}
	}
	return out
}

// restrictingOps are the condition operators that hold only when the
// request's key is present and matches one of the statement's values
// (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html).
// Every other operator can be met by a caller who does not have what the
// statement names: the negated ones (StringNotEquals, ArnNotLike,
// NotIpAddress...) by anyone else; ...IfExists and ForAllValues: when the
// key is absent; Null by any value at all; Bool and the numeric and date
// operators test what any caller controls. ForAnyValue: is left out too,
// which may report a statement that is not public, never the other way.
var restrictingOps = map[string]bool{
	"stringequals": true, "stringequalsignorecase": true, "stringlike": true,
	"arnequals": true, "arnlike": true, "ipaddress": true,
}

// restricts reports whether a condition (one alternative of a statement's
// Condition) limits the statement to callers named by fixed values: some
// restricting operator, in every alternative of its keys (one that
// AWS::NoValue removes restricts nothing), tests a restricting key against
// fixed values (no wildcard, no policy variable; source IP ranges that
// together hold less than a /8 of public addresses). A condition, operator
// or value it cannot read is returned as unknown when nothing else
// restricts.
func restricts(t *Template, c Value) (bool, *Value) {
	if c.Absent {
		return false, nil
	}
	if !c.Known() {
		return false, &c
	}
	ops, ok := c.V.(map[string]any)
	if !ok {
		return false, &Value{Unknown: "not an object", Conds: c.Conds}
	}
	var open *Value
	for _, op := range sortedKeys(ops) {
		if !restrictingOps[strings.ToLower(op)] {
			continue
		}
		every := true
		for _, alt := range t.Eval(ops[op], c.Conds...) {
			switch _, isMap := alt.V.(map[string]any); {
			case alt.Absent || alt.Known() && !isMap:
				every = false
			case !alt.Known():
				if open == nil {
					a := alt
					open = &a
				}
				every = false
			default:
				r, u := restrictsKeys(t, alt)
				if u != nil && open == nil {
					open = u
				}
				every = every && r
			}
		}
		if every {
			return true, nil
		}
	}
	return false, open
}

// restrictsKeys reports whether some key of an operator's map is a
// restricting key with fixed values only, in every alternative of them.
func restrictsKeys(t *Template, keys Value) (bool, *Value) {
	var open *Value
	m := keys.V.(map[string]any)
	for _, key := range sortedKeys(m) {
		if !restrictingKeys[strings.ToLower(key)] {
			continue
		}
		fixed := true
		for _, alt := range t.Eval(m[key], keys.Conds...) {
			if alt.Absent {
				fixed = false // the key tests nothing in this alternative
				continue
			}
			var values []Value
			if list, isList := alt.V.([]any); isList && alt.Known() {
				for _, e := range list {
					for _, ev := range t.Eval(e, alt.Conds...) {
						if !ev.Absent {
							values = append(values, ev)
						}
					}
				}
				var sets [][]string
				for _, v := range values {
					sets = append(sets, v.Conds)
				}
				if !t.everyWorld(alt.Conds, sets) {
					fixed = false // a list that AWS::NoValue may empty tests nothing
				}
			} else {
				values = []Value{alt}
			}
			type ipRange struct {
				p     netip.Prefix
				conds []string
			}
			var ranges []ipRange
			for _, v := range values {
				if !v.Known() {
					if open == nil {
						u := v
						open = &u
					}
					fixed = false
					continue
				}
				if o, opaque := v.V.(Opaque); opaque {
					if strings.ContainsAny(string(o), "*?") {
						fixed = false
					}
					continue // a resource's id or ARN: fixed
				}
				s, ok := v.Str()
				if !ok || strings.ContainsAny(s, "*?") || strings.Contains(s, "${") {
					fixed = false
					continue
				}
				if strings.EqualFold(key, "aws:SourceIp") {
					p, err := netip.ParsePrefix(s)
					if err != nil {
						a, errA := netip.ParseAddr(s)
						if errA != nil {
							fixed = false
							continue
						}
						p = netip.PrefixFrom(a, a.BitLen())
					}
					ranges = append(ranges, ipRange{p, v.Conds})
				}
			}
			// Ranges that together hold a /8 of public IPv4 addresses (or a
			// /32 of IPv6), however they are cut, let in anyone from there:
			// those of one deployment, never of exclusive choices.
			var sets [][]string
			for _, r := range ranges {
				sets = append(sets, r.conds)
			}
			complete := t.worlds(alt.Conds, sets, func(holds func([]string) bool) bool {
				var v4, v6 []netip.Prefix
				for _, r := range ranges {
					if !holds(r.conds) {
						continue
					}
					if r.p.Addr().Is4() {
						v4 = append(v4, r.p)
					} else {
						v6 = append(v6, r.p)
					}
				}
				if publicAddresses(v4, false).Cmp(ipv4Internet) >= 0 || publicAddresses(v6, true).Cmp(ipv6Internet) >= 0 {
					fixed = false
					return false
				}
				return true
			})
			if !complete {
				fixed = false
			}
		}
		if fixed {
			return true, nil
		}
	}
	return false, open
}

// everywhere reports whether a property is there in every alternative.
func everywhere(t *Template, v any) bool {
	if v == nil {
		return false
	}
	for _, alt := range t.Eval(v) {
		if alt.Absent {
			return false
		}
	}
	return true
}
