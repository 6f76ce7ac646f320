package guardrails

import (
	"fmt"
	"strconv"
	"strings"
)

// Outcome is what a rule says about one resource.
type Outcome int

const (
	// NotApplicable: the rule does not look at this kind of resource.
	NotApplicable Outcome = iota
	// Compliant: the resource keeps the rule.
	Compliant
	// NonCompliant: the resource breaks the rule.
	NonCompliant
	// Unresolved: a value the rule needs is only known at deploy time (a
	// parameter, an import), so it cannot be checked now. It is reported,
	// never passed in silence; suppress it with the reason it is safe.
	Unresolved
)

// Resource is a CloudFormation resource as a template holds it.
type Resource struct {
	LogicalID  string
	Type       string
	Properties map[string]any
	Metadata   map[string]any
}

// Rule is one guardrail: a pure function from a resource to an outcome, with
// why it matters and how to fix it.
type Rule struct {
	ID    string // "HS-S3-1"
	Name  string // "bucket-public-access-block"
	Why   string
	Fix   string
	Check func(r Resource, ctx Context) (Outcome, string)
}

// Context is what rules know beyond the resource: the tags every resource
// must carry.
type Context struct {
	RequiredTags []string
}

// Rules are the guardrails every environment is held to.
var Rules = []Rule{
	{
		ID: "HS-S3-1", Name: "bucket-public-access-block",
		Why: "a bucket without all four public-access blocks can be made public by one policy or ACL change",
		Fix: "use constructs/privatebucket, or set BlockPublicAccess: awss3.BlockPublicAccess_BLOCK_ALL()",
		Check: func(r Resource, _ Context) (Outcome, string) {
			if r.Type != "AWS::S3::Bucket" {
				return NotApplicable, ""
			}
			pab, _ := r.Properties["PublicAccessBlockConfiguration"].(map[string]any)
			var missing []string
			for _, k := range []string{"BlockPublicAcls", "BlockPublicPolicy", "IgnorePublicAcls", "RestrictPublicBuckets"} {
				switch v := pab[k].(type) {
				case bool:
					if !v {
						missing = append(missing, k)
					}
				case nil:
					missing = append(missing, k)
				default:
					return Unresolved, k + " is not known at synth time"
				}
			}
			if len(missing) > 0 {
				return NonCompliant, "public access is not blocked: " + strings.Join(missing, ", ") + " not true"
			}
			return Compliant, ""
		},
	},
	{
		ID: "HS-EC2-1", Name: "no-open-admin-ports",
		Why:   "SSH, RDP and WinRM open to the internet are the first thing scanners try",
		Fix:   "allow admin ports from a known range or a security group, or use SSM Session Manager instead",
		Check: checkOpenAdminPorts,
	},
	{
		ID: "HS-IAM-1", Name: "no-star-on-star",
		Why:   "an Allow of every action on every resource is administrator access",
		Fix:   "name the actions and resources the code needs (grant methods do this)",
		Check: checkStarStar,
	},
	{
		ID: "HS-SQS-1", Name: "queue-encrypted",
		Why: "messages at rest must be encrypted",
		Fix: "leave SQS-managed encryption on, or set Encryption: awssqs.QueueEncryption_KMS",
		Check: func(r Resource, _ Context) (Outcome, string) {
			if r.Type != "AWS::SQS::Queue" {
				return NotApplicable, ""
			}
			if r.Properties["KmsMasterKeyId"] != nil {
				return Compliant, ""
			}
			switch v := r.Properties["SqsManagedSseEnabled"].(type) {
			case bool:
				if !v {
					return NonCompliant, "SqsManagedSseEnabled is false and no KMS key is set"
				}
			case nil: // SQS-managed encryption is the default
			default:
				return Unresolved, "SqsManagedSseEnabled is not known at synth time"
			}
			return Compliant, ""
		},
	},
	{
		ID: "HS-SNS-1", Name: "topic-encrypted",
		Why: "messages at rest must be encrypted, and SNS does not encrypt by default",
		Fix: "set MasterKey on the topic (a KMS key)",
		Check: func(r Resource, _ Context) (Outcome, string) {
			if r.Type != "AWS::SNS::Topic" {
				return NotApplicable, ""
			}
			if r.Properties["KmsMasterKeyId"] == nil {
				return NonCompliant, "the topic has no KmsMasterKeyId"
			}
			return Compliant, ""
		},
	},
	{
		ID: "HS-TAG-1", Name: "required-tags",
		Why:   "cost, ownership and incident routing read these tags",
		Fix:   "do not override the tags handsoff applies; give every required tag a value",
		Check: checkRequiredTags,
	},
}

// RuleByID returns the rule with an id, or false.
func RuleByID(id string) (Rule, bool) {
	for _, r := range Rules {
		if r.ID == id || r.Name == id {
			return r, true
		}
	}
	return Rule{}, false
}

// adminPorts are the ports that must never be open to the world.
var adminPorts = []int{22, 3389, 5985, 5986}

func checkOpenAdminPorts(r Resource, _ Context) (Outcome, string) {
	var rules []map[string]any
	switch r.Type {
	case "AWS::EC2::SecurityGroup":
		list, ok := r.Properties["SecurityGroupIngress"].([]any)
		if !ok && r.Properties["SecurityGroupIngress"] != nil {
			return Unresolved, "SecurityGroupIngress is not known at synth time"
		}
		for _, x := range list {
			m, ok := x.(map[string]any)
			if !ok {
				return Unresolved, "an ingress rule is not known at synth time"
			}
			rules = append(rules, m)
		}
	case "AWS::EC2::SecurityGroupIngress":
		rules = []map[string]any{r.Properties}
	default:
		return NotApplicable, ""
	}
	for _, rule := range rules {
		open := ""
		for _, k := range []string{"CidrIp", "CidrIpv6"} {
			switch v := rule[k].(type) {
			case string:
				if v == "0.0.0.0/0" || v == "::/0" {
					open = v
				}
			case nil:
			default:
				return Unresolved, k + " is not known at synth time"
			}
		}
		if open == "" {
			continue
		}
		from, okFrom := port(rule["FromPort"])
		to, okTo := port(rule["ToPort"])
		proto := fmt.Sprint(rule["IpProtocol"])
		if proto == "-1" || proto == "all" {
			return NonCompliant, "all traffic is open to " + open
		}
		if !okFrom || !okTo {
			return Unresolved, "the port range is not known at synth time"
		}
		if proto != "tcp" && proto != "6" {
			continue
		}
		for _, p := range adminPorts {
			if from <= p && p <= to {
				return NonCompliant, fmt.Sprintf("port %d is open to %s", p, open)
			}
		}
	}
	return Compliant, ""
}

func port(v any) (int, bool) {
	switch x := v.(type) {
	case float64:
		return int(x), true
	case string:
		n, err := strconv.Atoi(x)
		return n, err == nil
	}
	return 0, false
}

// policyDocuments returns the IAM policy documents a resource holds.
func policyDocuments(r Resource) []any {
	switch r.Type {
	case "AWS::IAM::Policy", "AWS::IAM::ManagedPolicy":
		return []any{r.Properties["PolicyDocument"]}
	case "AWS::IAM::Role", "AWS::IAM::User", "AWS::IAM::Group":
		var docs []any
		if list, ok := r.Properties["Policies"].([]any); ok {
			for _, p := range list {
				if m, ok := p.(map[string]any); ok {
					docs = append(docs, m["PolicyDocument"])
				}
			}
		}
		return docs
	}
	return nil
}

func checkStarStar(r Resource, _ Context) (Outcome, string) {
	docs := policyDocuments(r)
	if docs == nil {
		return NotApplicable, ""
	}
	for _, d := range docs {
		doc, ok := d.(map[string]any)
		if !ok {
			return Unresolved, "a policy document is not known at synth time"
		}
		stmts, ok := doc["Statement"].([]any)
		if !ok {
			if one, isMap := doc["Statement"].(map[string]any); isMap {
				stmts = []any{one}
			}
		}
		for _, s := range stmts {
			st, _ := s.(map[string]any)
			if st["Effect"] != "Allow" {
				continue
			}
			if hasStar(st["Action"]) && hasStar(st["Resource"]) {
				return NonCompliant, "a statement allows Action \"*\" on Resource \"*\""
			}
		}
	}
	return Compliant, ""
}

func hasStar(v any) bool {
	switch x := v.(type) {
	case string:
		return x == "*"
	case []any:
		for _, e := range x {
			if e == "*" {
				return true
			}
		}
	}
	return false
}

func checkRequiredTags(r Resource, ctx Context) (Outcome, string) {
	if len(ctx.RequiredTags) == 0 || !Taggable(r.Type) {
		return NotApplicable, ""
	}
	have := map[string]string{}
	switch tags := r.Properties["Tags"].(type) {
	case []any:
		for _, t := range tags {
			m, ok := t.(map[string]any)
			if !ok {
				return Unresolved, "tags are not known at synth time"
			}
			k, _ := m["Key"].(string)
			v, isStr := m["Value"].(string)
			if !isStr && m["Value"] != nil {
				v = "(set at deploy time)"
			}
			have[k] = v
		}
	case map[string]any: // some types take tags as a map
		for k, v := range tags {
			s, _ := v.(string)
			have[k] = s
		}
	case nil:
	default:
		return Unresolved, "tags are not known at synth time"
	}
	var missing []string
	for _, k := range ctx.RequiredTags {
		if strings.TrimSpace(have[k]) == "" {
			missing = append(missing, k)
		}
	}
	if len(missing) > 0 {
		return NonCompliant, "lacks a value for " + strings.Join(missing, ", ")
	}
	return Compliant, ""
}
