package guardrails

import (
	"regexp"
	"strings"
)

// Outcome is what a rule says about one resource, or one place in it.
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
	// never passed in silence; suppress it with SuppressUnresolved and the
	// reason it is safe.
	Unresolved
)

func (o Outcome) String() string {
	return [...]string{"not applicable", "compliant", "non-compliant", "unresolved"}[o]
}

// Resource is a CloudFormation resource as a template holds it.
type Resource struct {
	LogicalID  string
	Type       string
	Properties map[string]any
	Metadata   map[string]any
	// Template evaluates the resource's values; nil means a template with
	// no parameters, mappings or other resources.
	Template *Template
}

func (r Resource) tmpl() *Template {
	if r.Template == nil {
		return &Template{}
	}
	return r.Template
}

// Verdict is a rule's judgement of one place of a resource: Path is the
// property path ("SecurityGroupIngress[1].CidrIp"), empty for the whole
// resource.
type Verdict struct {
	Outcome Outcome
	Path    string
	Message string
}

// Rule is one guardrail: a pure function from a resource to its verdicts,
// with why it matters and how to fix it. A rule returns no verdict for a
// resource it does not look at, and one Compliant verdict for one that
// keeps it; a resource may break a rule in several places, each its own
// verdict.
type Rule struct {
	ID    string // "HS-S3-1"
	Name  string // "bucket-public-access-block"
	Why   string
	Fix   string
	Check func(r Resource, ctx Context) []Verdict
}

// Context is what rules know beyond the resource: the tags every resource
// must carry.
type Context struct {
	RequiredTags []string
	// ReasonPatterns are Go (RE2) regular expressions that the reason of
	// every suppression must each match somewhere (the document's
	// guardrails.reasonPatterns: a ticket reference, say); none by
	// default. A pattern that does not compile is a problem of the report.
	ReasonPatterns []string
	// reasons are ReasonPatterns compiled.
	reasons []*regexp.Regexp
	// nested are the "bucket/key" objects to which the assembly's asset
	// manifests publish a template the check reads (CheckAssembly).
	nested map[string]bool
}

// rules are the guardrails every environment is held to.
var rules = []Rule{
	{
		ID: "HS-S3-1", Name: "bucket-public-access-block",
		Why:   "a bucket without all four public-access blocks can be made public by one policy or ACL change",
		Fix:   "use constructs/privatebucket, or set BlockPublicAccess: awss3.BlockPublicAccess_BLOCK_ALL()",
		Check: checkPublicAccessBlock,
	},
	{
		ID: "HS-S3-2", Name: "no-public-bucket-policy",
		Why:   "a bucket policy that allows everyone (Principal *) without a restricting condition makes the bucket public, whatever its blocks say to new policies",
		Fix:   "grant named principals, or restrict the statement with aws:SourceVpce, aws:SourceVpc, aws:PrincipalOrgID, aws:PrincipalAccount, aws:SourceAccount or aws:SourceArn",
		Check: checkPublicBucketPolicy,
	},
	{
		ID: "HS-EC2-1", Name: "no-open-admin-ports",
		Why:   "SSH, RDP and WinRM open to the internet are the first thing scanners try",
		Fix:   "allow admin ports from a known range or a security group, or use SSM Session Manager instead",
		Check: checkOpenAdminPorts,
	},
	{
		ID: "HS-IAM-1", Name: "no-admin-access",
		Why:   "an Allow of every action on every resource, in any spelling, is administrator access",
		Fix:   "name the actions and resources the code needs (grant methods do this)",
		Check: checkAdminAccess,
	},
	{
		ID: "HS-IAM-2", Name: "no-broad-managed-access",
		Why:   "iam:* on every resource lets a principal grant itself anything; IAMFullAccess does the same, and PowerUserAccess is every service but IAM",
		Fix:   "name the IAM actions and roles the code needs, and attach narrower managed policies",
		Check: checkBroadAccess,
	},
	{
		ID: "HS-IAM-3", Name: "no-privilege-escalation",
		Why:   "a principal that may, say, attach policies to any role or pass any role to a new function can make itself an administrator (Rhino Security Labs' published methods, and assuming any role)",
		Fix:   "scope the action to the resources the code needs (a grant method does), or drop it",
		Check: checkEscalation,
	},
	{
		ID: "HS-SQS-1", Name: "queue-encrypted",
		Why:   "messages at rest must be encrypted",
		Fix:   "leave SQS-managed encryption on, or set Encryption: awssqs.QueueEncryption_KMS",
		Check: checkQueueEncrypted,
	},
	{
		ID: "HS-SNS-1", Name: "topic-encrypted",
		Why:   "messages at rest must be encrypted, and SNS does not encrypt by default",
		Fix:   "set MasterKey on the topic (a KMS key)",
		Check: checkTopicEncrypted,
	},
	{
		ID: "HS-TAG-1", Name: "required-tags",
		Why:   "cost, ownership and incident routing read these tags",
		Fix:   "do not override the tags handsoff applies; give every required tag a value",
		Check: checkRequiredTags,
	},
	{
		ID: "HS-CFN-1", Name: "nested-templates-checked",
		Why:   "a nested stack from a template outside the app is not seen by any guardrail",
		Fix:   "build the nested stack with the CDK (awscdk.NestedStack), whose template is checked with the app's",
		Check: checkNestedStack,
	},
}

// Rules returns the guardrails every environment is held to (a copy).
func Rules() []Rule { return append([]Rule(nil), rules...) }

// RuleByID returns the rule with an id (or name), or false.
func RuleByID(id string) (Rule, bool) {
	for _, r := range rules {
		if r.ID == id || r.Name == id {
			return r, true
		}
	}
	return Rule{}, false
}

// judge collects a rule's verdicts; a rule that found nothing wrong gives
// one Compliant verdict.
type judge struct{ out []Verdict }

func (j *judge) breach(path, format string, args ...any) {
	j.out = append(j.out, Verdict{Outcome: NonCompliant, Path: path, Message: sprintf(format, args...)})
}

func (j *judge) unresolved(path string, v Value, what string) {
	j.out = append(j.out, Verdict{Outcome: Unresolved, Path: path, Message: what + " is not known at synth time (" + v.Unknown + ")" + v.When()})
}

func (j *judge) verdicts() []Verdict {
	if len(j.out) == 0 {
		return []Verdict{{Outcome: Compliant}}
	}
	return j.out
}

func join(path, key string) string {
	if path == "" {
		return key
	}
	if strings.HasPrefix(key, "[") {
		return path + key
	}
	return path + "." + key
}
