package guardrails

import (
	"encoding/json"
	"flag"
	"fmt"
	"strings"
	"testing"

	"pgregory.net/rapid"
)

// TestSound is the guardrails' promise as a property: wrap violating and
// compliant values of a rule in random intrinsic forms (Fn::If, parameters
// with and without AllowedValues, Fn::FindInMap, Fn::Select, Fn::Split,
// Fn::Join, Fn::Sub with and without a variable map, AWS::NoValue, imports,
// dynamic references, JSON strings), nested a few levels, and
//
//   - whenever some deploy-time assignment (of conditions, parameters and
//     every value the template leaves open) makes the resource break the
//     rule, the guardrails report it: a breach, or "cannot be checked";
//   - whenever every assignment keeps the rule and nothing is left open,
//     they report nothing.
//
// The oracle is independent of the evaluator: the generator knows, as it
// builds each expression, the set of values it can take at deploy time (or
// that it can take any), and each rule's oracle judges concrete values
// from a table written from AWS's documentation.
//
// CI runs it with rapid's default seed and checks; a longer search:
// go test ./constructs/guardrails -run TestSound -rapid.checks=20000 -rapid.seed=$RANDOM
func TestSound(t *testing.T) {
	if !testing.Short() && flag.Lookup("rapid.checks").Value.String() == "100" {
		// A wider search than rapid's default, still a second or two.
		flag.Set("rapid.checks", "1000")
		t.Cleanup(func() { flag.Set("rapid.checks", "100") })
	}
	for _, r := range soundRules {
		t.Run(r.rule, func(t *testing.T) {
			rapid.Check(t, func(t *rapid.T) {
				g := &gen{t: t, params: map[string]any{}, maps: map[string]any{}, conds: map[string]any{}}
				props, slots := r.build(g)
				violates, open := r.judge(slots)
				tmpl := map[string]any{"Resources": map[string]any{"R": map[string]any{"Type": r.typ, "Properties": props}}}
				if len(g.params) > 0 {
					tmpl["Parameters"] = g.params
				}
				if len(g.maps) > 0 {
					tmpl["Mappings"] = g.maps
				}
				if len(g.conds) > 0 {
					tmpl["Conditions"] = g.conds
				}
				data, _ := json.MarshalIndent(tmpl, "", " ")
				rep, err := CheckTemplate("t.json", data, Context{})
				if err != nil {
					t.Fatal(err)
				}
				var found []string
				for _, f := range rep.Findings {
					if f.Rule.ID == r.rule {
						found = append(found, f.String())
					}
				}
				switch {
				case violates && len(found) == 0:
					t.Fatalf("some deploy-time assignment breaks %s, but the guardrails report nothing:\n%s", r.rule, data)
				case !violates && !open && len(found) > 0:
					t.Fatalf("every assignment keeps %s and nothing is open, but the guardrails report:\n  %s\n%s", r.rule, strings.Join(found, "\n  "), data)
				}
			})
		})
	}
}

// absent stands for a property that is not there.
type absentT struct{}

var absent = absentT{}

// slot is what the generator knows of one value: the pool's indices it
// can take, or any value at all.
type slot struct {
	can []int
	any bool
}

// choices are the pool values a slot can take; any is every value of the
// pool (each pool holds values that break the rule).
func (s slot) choices(pool []any) []any {
	if s.any {
		return pool
	}
	var out []any
	for _, i := range s.can {
		out = append(out, pool[i])
	}
	return out
}

type gen struct {
	t                   *rapid.T
	params, maps, conds map[string]any
	n                   int
}

func (g *gen) fresh(prefix string) string { g.n++; return fmt.Sprintf("%s%d", prefix, g.n) }

// expr builds an expression for a value of pool, and what it can take.
func (g *gen) expr(pool []any, depth int) (any, slot) {
	strs := stringIndices(pool)
	forms := []string{"literal", "if", "select", "sub-map"}
	if len(strs) > 0 {
		forms = append(forms, "param-allowed", "map-param", "literal-str")
	}
	if depth <= 0 {
		forms = []string{"literal"}
	}
	forms = append(forms, "unknown")
	switch rapid.SampledFrom(forms).Draw(g.t, "form") {
	case "if":
		c := g.fresh("C")
		g.conds[c] = map[string]any{"Fn::Equals": []any{map[string]any{"Ref": "AWS::Region"}, "us-east-1"}}
		a, sa := g.expr(pool, depth-1)
		b, sb := g.expr(pool, depth-1)
		return map[string]any{"Fn::If": []any{c, a, b}}, union(sa, sb)
	case "select":
		e, s := g.expr(pool, depth-1)
		if canBeAbsent(pool, s) {
			return e, s
		}
		n := rapid.IntRange(0, 2).Draw(g.t, "decoys")
		i := rapid.IntRange(0, n).Draw(g.t, "at")
		list := make([]any, n+1)
		for k := range list {
			list[k] = "decoy"
		}
		list[i] = e
		idx := any(float64(i))
		if rapid.Bool().Draw(g.t, "index as string") {
			idx = fmt.Sprint(i)
		}
		return map[string]any{"Fn::Select": []any{idx, list}}, s
	case "sub-map":
		e, s := g.expr(pool, depth-1)
		if _, isStr := onlyStrings(pool, s); !isStr {
			return g.literal(pool)
		}
		v := g.fresh("V")
		return map[string]any{"Fn::Sub": []any{"${" + v + "}", map[string]any{v: e}}}, s
	case "param-allowed":
		sub := drawSubset(g.t, strs)
		p := g.fresh("P")
		var allowed []any
		for _, i := range sub {
			allowed = append(allowed, pool[i])
		}
		g.params[p] = map[string]any{"Type": "String", "AllowedValues": allowed}
		if rapid.Bool().Draw(g.t, "as Sub") {
			return map[string]any{"Fn::Sub": "${" + p + "}"}, slot{can: sub}
		}
		return map[string]any{"Ref": p}, slot{can: sub}
	case "map-param":
		sub := drawSubset(g.t, strs)
		m, p := g.fresh("M"), g.fresh("K")
		top := map[string]any{}
		var keys []any
		for _, i := range sub {
			k := fmt.Sprintf("k%d", i)
			top[k] = map[string]any{"v": pool[i]}
			keys = append(keys, k)
		}
		top["unused"] = map[string]any{"v": "decoy"}
		g.maps[m] = top
		g.params[p] = map[string]any{"Type": "String", "AllowedValues": keys}
		return map[string]any{"Fn::FindInMap": []any{m, map[string]any{"Ref": p}, "v"}}, slot{can: sub}
	case "literal-str":
		return g.literalStr(pool, strs)
	case "unknown":
		return g.unknown(pool)
	}
	return g.literal(pool)
}

func (g *gen) literal(pool []any) (any, slot) {
	i := rapid.IntRange(0, len(pool)-1).Draw(g.t, "value")
	if pool[i] == absent {
		return map[string]any{"Ref": "AWS::NoValue"}, slot{can: []int{i}}
	}
	return pool[i], slot{can: []int{i}}
}

// literalStr spells one string of the pool another way: joined, split
// and selected, substituted, or from a mapping by literal keys.
func (g *gen) literalStr(pool []any, strs []int) (any, slot) {
	i := rapid.SampledFrom(strs).Draw(g.t, "string")
	s := pool[i].(string)
	one := slot{can: []int{i}}
	switch rapid.IntRange(0, 5).Draw(g.t, "spelling") {
	case 0:
		cut := rapid.IntRange(0, len(s)).Draw(g.t, "cut")
		return map[string]any{"Fn::Join": []any{"", []any{s[:cut], s[cut:]}}}, one
	case 1:
		if strings.Contains(s, ",") {
			return s, one
		}
		return map[string]any{"Fn::Select": []any{"1", map[string]any{"Fn::Split": []any{",", "a," + s + ",b"}}}}, one
	case 2:
		if strings.Contains(s, "${") {
			return s, one
		}
		cut := rapid.IntRange(0, len(s)).Draw(g.t, "cut")
		return map[string]any{"Fn::Sub": []any{s[:cut] + "${X}", map[string]any{"X": s[cut:]}}}, one
	case 4:
		// The partition as the stack has it.
		if rest, ok := strings.CutPrefix(s, "arn:aws:"); ok && !strings.Contains(rest, "${") {
			if rapid.Bool().Draw(g.t, "by Join") {
				return map[string]any{"Fn::Join": []any{"", []any{"arn:", map[string]any{"Ref": "AWS::Partition"}, ":" + rest}}}, one
			}
			return map[string]any{"Fn::Sub": "arn:${AWS::Partition}:" + rest}, one
		}
		return s, one
	case 3:
		m := g.fresh("M")
		g.maps[m] = map[string]any{"a": map[string]any{"b": s}}
		return map[string]any{"Fn::FindInMap": []any{m, "a", "b"}}, one
	}
	return s, one
}

// unknown is a value the template leaves to deploy time.
func (g *gen) unknown(pool []any) (any, slot) {
	anyv := slot{any: true}
	forms := []string{"import", "param", "resolve", "resolve-joined", "sub-import", "transform"}
	if obj := objectIndices(pool); len(obj) > 0 {
		forms = append(forms, "json-string")
	}
	switch rapid.SampledFrom(forms).Draw(g.t, "unknown") {
	case "import":
		return map[string]any{"Fn::ImportValue": "shared-value"}, anyv
	case "param":
		p := g.fresh("Open")
		g.params[p] = map[string]any{"Type": "String", "Default": "10.0.0.0/8"}
		return map[string]any{"Ref": p}, anyv
	case "resolve":
		return "{{resolve:ssm:/platform/value}}", anyv
	case "resolve-joined":
		return map[string]any{"Fn::Join": []any{"", []any{"{{resolve:ssm:", "/platform/value}}"}}}, anyv
	case "sub-import":
		return map[string]any{"Fn::Sub": []any{"${X}", map[string]any{"X": map[string]any{"Fn::ImportValue": "shared-value"}}}}, anyv
	case "transform":
		return map[string]any{"Fn::Transform": map[string]any{"Name": "AWS::Include", "Parameters": map[string]any{"Location": "s3://b/k"}}}, anyv
	case "json-string":
		i := rapid.SampledFrom(objectIndices(pool)).Draw(g.t, "object")
		raw, _ := json.Marshal(pool[i])
		return string(raw), anyv
	}
	return nil, anyv
}

func union(a, b slot) slot {
	if a.any || b.any {
		return slot{any: true}
	}
	return slot{can: append(append([]int{}, a.can...), b.can...)}
}

func stringIndices(pool []any) []int {
	var out []int
	for i, v := range pool {
		if _, ok := v.(string); ok {
			out = append(out, i)
		}
	}
	return out
}

func objectIndices(pool []any) []int {
	var out []int
	for i, v := range pool {
		if _, ok := v.(map[string]any); ok {
			out = append(out, i)
		}
	}
	return out
}

func onlyStrings(pool []any, s slot) ([]string, bool) {
	if s.any {
		return nil, true
	}
	var out []string
	for _, i := range s.can {
		str, ok := pool[i].(string)
		if !ok {
			return nil, false
		}
		out = append(out, str)
	}
	return out, true
}

func drawSubset(t *rapid.T, idx []int) []int {
	return rapid.SliceOfNDistinct(rapid.SampledFrom(idx), 1, len(idx), rapid.ID[int]).Draw(t, "allowed")
}

// soundRule is one rule's generator and oracle.
type soundRule struct {
	rule, typ string
	// build returns the resource's properties and its slots.
	build func(g *gen) (map[string]any, []slot)
	// judge reports whether some choice of the slots breaks the rule,
	// and whether any slot is open.
	judge func(slots []slot) (violates, open bool)
}

// cross reports whether f holds for some combination of the slots'
// choices.
func cross(pools [][]any, slots []slot, f func(vals []any) bool) bool {
	var walk func(i int, vals []any) bool
	walk = func(i int, vals []any) bool {
		if i == len(slots) {
			return f(vals)
		}
		for _, v := range slots[i].choices(pools[i]) {
			if walk(i+1, append(vals, v)) {
				return true
			}
		}
		return false
	}
	return walk(0, nil)
}

func anyOpen(slots []slot) bool {
	for _, s := range slots {
		if s.any {
			return true
		}
	}
	return false
}

// The pools: values of each property, violating and compliant.
var (
	cidrPool = []any{"0.0.0.0/0", "0.0.0.0/1", "1.0.0.0/8", "10.0.0.0/8", "192.168.1.0/24", "203.0.113.7/32"}
	// cidrOpen: a range holding at least a /8 of public addresses.
	cidrOpen  = map[any]bool{"0.0.0.0/0": true, "0.0.0.0/1": true, "1.0.0.0/8": true}
	protoPool = []any{"tcp", "6", "-1", "udp", "icmp"}
	// protoSSH: the protocols SSH on port 22 listens on.
	protoSSH = map[any]bool{"tcp": true, "6": true, "-1": true}

	keyPool = []any{absent, "alias/aws/sqs", "", "arn:aws:kms:us-east-1:111122223333:key/1"}
	ssePool = []any{absent, true, false, "true", "false"}

	effectPool    = []any{"Allow", "Deny"}
	principalPool = []any{"*", map[string]any{"AWS": "*"}, map[string]any{"AWS": []any{"*"}},
		map[string]any{"AWS": "arn:aws:iam::111122223333:root"}, map[string]any{"Service": "cloudfront.amazonaws.com"}}
	// principalEveryone: who may be anyone.
	principalEveryone = map[int]bool{0: true, 1: true, 2: true}
	// conditionPool: conditions of a bucket policy statement. Whether an
	// anonymous caller from anywhere can satisfy each is judged from the
	// IAM condition operators
	// (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html)
	// and S3's rule for public policies
	// (https://docs.aws.amazon.com/AmazonS3/latest/userguide/access-control-block-public-access.html#access-control-block-public-access-policy-status).
	conditionPool = []any{
		absent,
		map[string]any{"StringEquals": map[string]any{"aws:SourceVpce": "vpce-1a2b3c4d"}},
		map[string]any{"StringEquals": map[string]any{"aws:PrincipalOrgID": []any{"o-abc123"}}},
		map[string]any{"ArnEquals": map[string]any{"aws:SourceArn": "arn:aws:cloudfront::111122223333:distribution/E1"}},
		map[string]any{"IpAddress": map[string]any{"aws:SourceIp": "203.0.113.0/24"}},
		map[string]any{"StringNotEquals": map[string]any{"aws:SourceVpce": "vpce-1a2b3c4d"}},
		map[string]any{"StringEqualsIfExists": map[string]any{"aws:SourceVpce": "vpce-1a2b3c4d"}},
		map[string]any{"Null": map[string]any{"aws:SourceVpce": "false"}},
		map[string]any{"ForAllValues:StringEquals": map[string]any{"aws:PrincipalOrgID": []any{"o-abc123"}}},
		map[string]any{"StringLike": map[string]any{"aws:SourceVpce": "*"}},
		map[string]any{"StringEquals": map[string]any{"aws:Referer": "secret"}},
		map[string]any{"Bool": map[string]any{"aws:SecureTransport": "true"}},
		map[string]any{"ArnNotLike": map[string]any{"aws:SourceArn": "arn:aws:s3:::other"}},
		map[string]any{"IpAddress": map[string]any{"aws:SourceIp": "0.0.0.0/0"}},
		map[string]any{"NotIpAddress": map[string]any{"aws:SourceIp": "203.0.113.0/24"}},
		map[string]any{"StringNotEquals": map[string]any{"aws:SourceVpce": "vpce-1"}, "Bool": map[string]any{"aws:SecureTransport": "true"}},
		map[string]any{"StringEquals": map[string]any{"aws:SourceVpce": "vpce-1"}, "Bool": map[string]any{"aws:SecureTransport": "true"}},
	}
	// conditionRestricts: the conditions no anonymous caller from
	// anywhere can satisfy.
	conditionRestricts = map[int]bool{1: true, 2: true, 3: true, 4: true, 16: true}
)

func indexOf(pool []any, v any) int {
	a, _ := json.Marshal(v)
	for i, p := range pool {
		if p == absent && v == absent {
			return i
		}
		b, _ := json.Marshal(p)
		if p != absent && v != absent && string(a) == string(b) {
			return i
		}
	}
	return -1
}

var (
	actionPool = []any{"*", "*:*", "s3:*", "s3:GetObject", "iam:*", "*Object"}
	// actionAll: the patterns that match every action.
	actionAll    = map[any]bool{"*": true, "*:*": true}
	resourcePool = []any{"*", "arn:*", "arn:aws:*:*:*:*", "arn:aws:*", "arn:aws:s3:::b/*", "arn:aws:iam::*:*", "arn:aws:*:*:123456789012:*"}
	// resourceAll: the patterns that match every resource of the
	// partition the stack deploys in (aws here).
	resourceAll = map[any]bool{"*": true, "arn:*": true, "arn:aws:*:*:*:*": true, "arn:aws:*": true}
)

var (
	flagPool = []any{true, false, "true", "false", absent}
	// flagOn: a public-access block that is on.
	flagOn     = map[any]bool{true: true, "true": true}
	topicKeys  = []any{absent, "", "alias/aws/sns", "arn:aws:kms:us-east-1:111122223333:key/1"}
	fromPorts  = []any{22, "22", 0, 443, -1, 3000}
	toPorts    = []any{22, 443, 65535, -1, "23"}
	portNumber = func(v any) int {
		switch x := v.(type) {
		case int:
			return x
		case string:
			n := 0
			fmt.Sscan(x, &n)
			return n
		}
		return -2
	}
)

var soundRules = []soundRule{
	{
		rule: "HS-S3-1", typ: "AWS::S3::Bucket",
		build: func(g *gen) (map[string]any, []slot) {
			cfg := map[string]any{}
			var slots []slot
			for _, k := range []string{"BlockPublicAcls", "BlockPublicPolicy", "IgnorePublicAcls", "RestrictPublicBuckets"} {
				e, sl := g.expr(flagPool, 2)
				cfg[k] = e
				slots = append(slots, sl)
			}
			// The whole configuration may be there only under a condition.
			present := slot{can: []int{0}}
			var whole any = cfg
			switch rapid.IntRange(0, 3).Draw(g.t, "configuration") {
			case 0:
				c := g.fresh("C")
				g.conds[c] = map[string]any{"Fn::Equals": []any{map[string]any{"Ref": "AWS::Region"}, "us-east-1"}}
				whole, present = map[string]any{"Fn::If": []any{c, cfg, map[string]any{"Ref": "AWS::NoValue"}}}, slot{can: []int{0, 1}}
			case 1:
				whole, present = nil, slot{can: []int{1}}
			}
			props := map[string]any{}
			if whole != nil {
				props["PublicAccessBlockConfiguration"] = whole
			}
			return props, append(slots, present)
		},
		judge: func(s []slot) (bool, bool) {
			pools := [][]any{flagPool, flagPool, flagPool, flagPool, {"there", "absent"}}
			return cross(pools, s, func(v []any) bool {
				return v[4] == "absent" || !flagOn[v[0]] || !flagOn[v[1]] || !flagOn[v[2]] || !flagOn[v[3]]
			}), anyOpen(s)
		},
	},
	{
		rule: "HS-SNS-1", typ: "AWS::SNS::Topic",
		build: func(g *gen) (map[string]any, []slot) {
			key, sk := g.expr(topicKeys, 3)
			return map[string]any{"KmsMasterKeyId": key}, []slot{sk}
		},
		judge: func(s []slot) (bool, bool) {
			// SNS does not encrypt without a key, and an empty key turns
			// encryption off
			// (https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-resource-sns-topic.html#cfn-sns-topic-kmsmasterkeyid).
			return cross([][]any{topicKeys}, s, func(v []any) bool { return v[0] == absent || v[0] == "" }), anyOpen(s)
		},
	},
	{
		rule: "HS-EC2-1", typ: "AWS::EC2::SecurityGroupIngress",
		build: func(g *gen) (map[string]any, []slot) {
			from, sf := g.expr(fromPorts, 2)
			to, st := g.expr(toPorts, 2)
			cidr, sc := g.expr(cidrPool, 2)
			return map[string]any{"GroupId": "sg-1", "IpProtocol": "tcp", "FromPort": from, "ToPort": to, "CidrIp": cidr}, []slot{sf, st, sc}
		},
		judge: func(s []slot) (bool, bool) {
			// An admin port over TCP (SSH 22, RDP 3389, WinRM 5985 and
			// 5986) is in the range, -1 standing for every port (the
			// wider reading).
			return cross([][]any{fromPorts, toPorts, cidrPool}, s, func(v []any) bool {
				from, to := portNumber(v[0]), portNumber(v[1])
				in := from == -1 || to == -1
				for _, p := range []int{22, 3389, 5985, 5986} {
					in = in || from <= p && p <= to
				}
				return in && cidrOpen[v[2]]
			}), anyOpen(s)
		},
	},
	{
		rule: "HS-IAM-1", typ: "AWS::IAM::Policy",
		build: func(g *gen) (map[string]any, []slot) {
			effect, se := g.expr(effectPool, 2)
			action, sa := g.expr(actionPool, 3)
			resource, sr := g.expr(resourcePool, 3)
			if rapid.Bool().Draw(g.t, "action in a list") {
				action = []any{action}
			}
			st := map[string]any{"Effect": effect, "Action": action, "Resource": resource}
			return map[string]any{"PolicyName": "p", "Roles": []any{"r"}, "PolicyDocument": map[string]any{"Version": "2012-10-17", "Statement": []any{st}}}, []slot{se, sa, sr}
		},
		judge: func(s []slot) (bool, bool) {
			return cross([][]any{effectPool, actionPool, resourcePool}, s, func(v []any) bool {
				return v[0] == "Allow" && actionAll[v[1]] && resourceAll[v[2]]
			}), anyOpen(s)
		},
	},
	{
		rule: "HS-EC2-1", typ: "AWS::EC2::SecurityGroup",
		build: func(g *gen) (map[string]any, []slot) {
			proto, sp := g.expr(protoPool, 3)
			cidr, sc := g.expr(cidrPool, 3)
			entry := map[string]any{"IpProtocol": proto, "FromPort": 22, "ToPort": 22, "CidrIp": cidr}
			return map[string]any{"GroupDescription": "g", "SecurityGroupIngress": []any{entry}}, []slot{sp, sc}
		},
		judge: func(s []slot) (bool, bool) {
			return cross([][]any{protoPool, cidrPool}, s, func(v []any) bool {
				return protoSSH[v[0]] && cidrOpen[v[1]]
			}), anyOpen(s)
		},
	},
	{
		rule: "HS-SQS-1", typ: "AWS::SQS::Queue",
		build: func(g *gen) (map[string]any, []slot) {
			props := map[string]any{}
			key, sk := g.expr(keyPool, 3)
			sse, ss := g.expr(ssePool, 3)
			props["KmsMasterKeyId"] = key
			props["SqsManagedSseEnabled"] = sse
			return props, []slot{sk, ss}
		},
		judge: func(s []slot) (bool, bool) {
			// Encrypted: a KMS key, or SQS-managed encryption, on unless
			// SqsManagedSseEnabled is false
			// (https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-server-side-encryption.html).
			v := cross([][]any{keyPool, ssePool}, s, func(v []any) bool {
				if v[0] != absent {
					return v[0] == ""
				}
				return v[1] == false || v[1] == "false"
			})
			return v, anyOpen(s)
		},
	},
	{
		rule: "HS-S3-2", typ: "AWS::S3::BucketPolicy",
		build: func(g *gen) (map[string]any, []slot) {
			effect, se := g.expr(effectPool, 2)
			principal, sp := g.expr(principalPool, 2)
			cond, sc := g.expr(conditionPool, 3)
			st := map[string]any{"Effect": effect, "Principal": principal, "Action": "s3:GetObject", "Resource": "arn:aws:s3:::b/*", "Condition": cond}
			doc := any(map[string]any{"Version": "2012-10-17", "Statement": []any{st}})
			slots := []slot{se, sp, sc}
			if rapid.IntRange(0, 9).Draw(g.t, "document as a JSON string") == 0 {
				// CloudFormation parses a JSON string given for a Json
				// property; the guardrails do not read it.
				raw, _ := json.Marshal(doc)
				doc, slots = string(raw), append(slots, slot{any: true})
			}
			return map[string]any{"Bucket": "b", "PolicyDocument": doc}, slots
		},
		judge: func(s []slot) (bool, bool) {
			return cross([][]any{effectPool, principalPool, conditionPool}, s[:3], func(v []any) bool {
				return v[0] == "Allow" && principalEveryone[indexOf(principalPool, v[1])] && !conditionRestricts[indexOf(conditionPool, v[2])]
			}), anyOpen(s)
		},
	},
}

func canBeAbsent(pool []any, s slot) bool {
	for _, i := range s.can {
		if pool[i] == absent {
			return true
		}
	}
	return s.any && indexOf(pool, absent) >= 0
}
