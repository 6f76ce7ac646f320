package goldenami

import (
	"fmt"
	"hash/fnv"
	"maps"
	"regexp"
	"slices"
	"strings"
)

// Target is an account and region that receives every new image: a copy
// of the AMI, and the parameter that names it.
type Target struct {
	Account string
	Region  string
}

// Props configure a golden image.
type Props struct {
	// Name names the image, its Image Builder resources and its parameter
	// /handsoff/ami/{Name}/latest. Required: 1 to 40 lowercase letters,
	// digits and hyphens, starting with a letter.
	Name string
	// BaseImageParameter is the SSM public parameter the parent image is
	// resolved from at each build. Default: Amazon Linux 2023, x86_64
	// (/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64).
	BaseImageParameter string
	// Components are the ARNs of further Image Builder components, built in
	// order after the hardening component and the agents (the CloudWatch
	// agent). Default: none. A recipe holds at most 20.
	Components []string
	// Hardening is the AWSTOE document of the hardening component. Default:
	// [DefaultHardening] (SSH without passwords or root, auditd, no
	// unneeded services, security updates).
	Hardening string
	// InstanceTypes are the build instances' types. Default: m7i.large,
	// m6i.large.
	InstanceTypes []string
	// SubnetID and SecurityGroupIDs place the build instance. Default: the
	// default VPC of the account and region (Image Builder's default).
	SubnetID         string
	SecurityGroupIDs []string
	// Schedule is when the pipeline builds, as an Image Builder cron
	// expression; a build runs only when the base image or a component has
	// a newer version. Default: cron(0 3 ? * MON *) (Mondays 03:00 UTC).
	Schedule string
	// Targets are the accounts and regions that receive each image: an
	// AMI copy and the parameter. Required; the build's own account and
	// region may be one of them. Every region is of the build region's
	// partition, as are the props' ARNs.
	Targets []Target
	// KmsKeyArns are, by region, the customer managed KMS key the AMI's
	// snapshots are encrypted with there. Required for every region with
	// a target in another account: AMIs encrypted with the AWS managed
	// key aws/ebs cannot be shared. Default: the account's default EBS key
	// where every target is the build's own account.
	KmsKeyArns map[string]string
	// NotificationTopicArn receives Image Builder's notices and every
	// failed build. Default: none.
	NotificationTopicArn string
	// ForwardTo are event bus ARNs (the pipelines' accounts' default
	// buses) that receive each new image's AVAILABLE event, to start the
	// pipelines that roll it out (a rule for each five: a rule's limit).
	// Default: none.
	ForwardTo []string
}

// DefaultBaseImage is Amazon Linux 2023's public parameter.
const DefaultBaseImage = "/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64"

// DefaultSchedule builds on Mondays at 03:00 UTC, when something changed.
const DefaultSchedule = "cron(0 3 ? * MON *)"

// ValidName reports whether name may name a golden image (Props.Name).
func ValidName(name string) bool { return reName.MatchString(name) }

// ParameterName is the parameter that names the newest image called name,
// in every target account and region.
func ParameterName(name string) string { return "/handsoff/ami/" + name + "/latest" }

var (
	reName    = regexp.MustCompile(`^[a-z][a-z0-9-]{0,39}$`)
	reAccount = regexp.MustCompile(`^[0-9]{12}$`)
	reRegion  = regexp.MustCompile(`^[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-[0-9]$`)
	reKeyArn  = regexp.MustCompile(`^arn:aws[a-z-]*:kms:([a-z0-9-]+):[0-9]{12}:(key|alias)/.+$`)
	// reKeyOnly is a key's ARN, not an alias's: an IAM policy's Resource
	// authorizes a key by its key ARN only.
	reKeyOnly = regexp.MustCompile(`^arn:aws[a-z-]*:kms:[a-z0-9-]+:[0-9]{12}:key/.+$`)
	reComp    = regexp.MustCompile(`^arn:aws[a-z-]*:imagebuilder:[a-z0-9-]+:([0-9]{12}|aws):component/[a-z0-9-_]+/[0-9x]+\.[0-9x]+\.[0-9x]+(/[0-9]+)?$`)
	reSSMPath = regexp.MustCompile(`^/[a-zA-Z0-9_.\-/]+$`)
	reTopic   = regexp.MustCompile(`^arn:aws[a-z-]*:sns:[a-z0-9-]+:[0-9]{12}:[A-Za-z0-9_-]{1,256}$`)
	reBus     = regexp.MustCompile(`^arn:aws[a-z-]*:events:[a-z0-9-]+:[0-9]{12}:event-bus/[A-Za-z0-9._\-/]+$`)
	// Six required fields, one space apart, no space at either end
	// (https://docs.aws.amazon.com/imagebuilder/latest/userguide/cron-expressions.html).
	reCron = regexp.MustCompile(`^cron\(([0-9A-Za-z,*/?#-]+(?: [0-9A-Za-z,*/?#-]+){5})\)$`)
)

// maxComponents is a recipe's quota of components, build and test
// (https://docs.aws.amazon.com/imagebuilder/latest/userguide/manage-resources.html).
const maxComponents = 20

// check lists every problem of props, each naming the field and the fix;
// home is the build's account, "" when unknown (an environment-agnostic
// stack).
func (p *Props) check(home string) []string {
	var out []string
	add := func(format string, args ...any) { out = append(out, fmt.Sprintf(format, args...)) }
	if !reName.MatchString(p.Name) {
		add("Name %q: 1 to 40 lowercase letters, digits and hyphens, starting with a letter", p.Name)
	}
	if p.BaseImageParameter != "" && !reSSMPath.MatchString(p.BaseImageParameter) {
		add("BaseImageParameter %q is not a parameter name: a path such as %s", p.BaseImageParameter, DefaultBaseImage)
	}
	// Our components: hardening and the CloudWatch agent.
	if n := len(p.Components) + 2; n > maxComponents {
		add("Components: %d components with the two handsoff adds; a recipe holds at most %d", n, maxComponents)
	}
	for i, c := range p.Components {
		if !reComp.MatchString(c) {
			add("Components[%d] %q is not an Image Builder component ARN (arn:aws:imagebuilder:REGION:ACCOUNT|aws:component/NAME/VERSION)", i, c)
		}
	}
	if p.Schedule != "" {
		m := reCron.FindStringSubmatch(p.Schedule)
		switch {
		case m == nil:
			add("Schedule %q: an Image Builder cron expression of six fields (minute hour day month day-of-week year), such as %s", p.Schedule, DefaultSchedule)
		// "For the Day and Day-of-week fields, when one is specified or
		// includes all possible values (*), the other must be a ?" (same
		// page): exactly one is "?".
		case (strings.Fields(m[1])[2] == "?") == (strings.Fields(m[1])[4] == "?"):
			add("Schedule %q: of the day (third) and day-of-week (fifth) fields exactly one is \"?\", such as %s", p.Schedule, DefaultSchedule)
		}
	}
	if len(p.Targets) == 0 {
		add("Targets is required: the accounts and regions that receive each image")
	}
	seen := map[Target]bool{}
	foreign := map[string]bool{}
	for i, t := range p.Targets {
		if !reAccount.MatchString(t.Account) {
			add("Targets[%d].Account %q: 12 digits", i, t.Account)
		}
		if !reRegion.MatchString(t.Region) {
			add("Targets[%d].Region %q is not a region name (us-east-1)", i, t.Region)
		}
		if seen[t] {
			add("Targets[%d] (%s %s) is listed twice", i, t.Account, t.Region)
		}
		seen[t] = true
		if t.Account != home {
			foreign[t.Region] = true
		}
	}
	for _, r := range slices.Sorted(maps.Keys(foreign)) {
		if p.KmsKeyArns[r] == "" {
			who := "an account other than the build's"
			if home == "" {
				who = "an account the build's may not be (the stack has no account)"
			}
			add("KmsKeyArns[%q] is required: the region has a target in %s, and AMIs encrypted with aws/ebs cannot be shared; name a customer managed key whose policy lets the target accounts use it", r, who)
		}
	}
	for _, r := range slices.Sorted(maps.Keys(p.KmsKeyArns)) {
		m := reKeyArn.FindStringSubmatch(p.KmsKeyArns[r])
		switch {
		case m == nil:
			add("KmsKeyArns[%q] %q is not a KMS key or alias ARN", r, p.KmsKeyArns[r])
		case m[1] != r:
			add("KmsKeyArns[%q] is a key of %s: the snapshots of a region are encrypted with a key of that region", r, m[1])
		}
	}
	if p.NotificationTopicArn != "" && !reTopic.MatchString(p.NotificationTopicArn) {
		add("NotificationTopicArn %q is not an SNS topic ARN", p.NotificationTopicArn)
	}
	for i, b := range p.ForwardTo {
		if !reBus.MatchString(b) {
			add("ForwardTo[%d] %q is not an event bus ARN (arn:aws:events:REGION:ACCOUNT:event-bus/default)", i, b)
		}
	}
	return out
}

// Partition is the partition of a region, the second field of its ARNs
// ("aws", "aws-cn" for China, "aws-us-gov" for GovCloud (US),
// https://docs.aws.amazon.com/IAM/latest/UserGuide/reference-arns.html;
// "aws-iso", "aws-iso-b", "aws-iso-e", "aws-iso-f" for the isolated
// regions).
func Partition(region string) string {
	switch {
	case strings.HasPrefix(region, "cn-"):
		return "aws-cn"
	case strings.HasPrefix(region, "us-gov-"):
		return "aws-us-gov"
	}
	if i := strings.Index(region, "-iso"); i > 0 {
		if rest := strings.SplitN(region[i+4:], "-", 2)[0]; rest != "" {
			return "aws-iso-" + rest
		}
		return "aws-iso"
	}
	return "aws"
}

// arnPartition is an ARN's partition, "" for what is not an ARN.
func arnPartition(arn string) string {
	if f := strings.SplitN(arn, ":", 3); len(f) == 3 && f[0] == "arn" {
		return f[1]
	}
	return ""
}

// checkPartitions lists the props that leave the build region's
// partition: Image Builder distributes to regions of the build's own
// partition (a partition is "a group of AWS Regions"; "you cannot
// delegate access between accounts in different partitions",
// https://docs.aws.amazon.com/IAM/latest/UserGuide/reference-arns.html),
// and an ARN of another partition names nothing there.
func (p *Props) checkPartitions(region string) []string {
	var out []string
	add := func(format string, args ...any) { out = append(out, fmt.Sprintf(format, args...)) }
	home := Partition(region)
	for i, t := range p.Targets {
		if reRegion.MatchString(t.Region) && Partition(t.Region) != home {
			add("Targets[%d].Region %q is in partition %s, the build's region %s in %s: an image is distributed within its partition only; build it in %s too", i, t.Region, Partition(t.Region), region, home, Partition(t.Region))
		}
	}
	for _, r := range slices.Sorted(maps.Keys(p.KmsKeyArns)) {
		if k := p.KmsKeyArns[r]; reKeyArn.MatchString(k) && arnPartition(k) != Partition(r) {
			add("KmsKeyArns[%q] %q is an ARN of partition %s; keys of %s are arn:%s:kms:...", r, k, arnPartition(k), r, Partition(r))
		}
	}
	for i, c := range p.Components {
		if reComp.MatchString(c) && arnPartition(c) != home {
			add("Components[%d] %q is an ARN of partition %s, the build's is %s (arn:%s:imagebuilder:...)", i, c, arnPartition(c), home, home)
		}
	}
	if t := p.NotificationTopicArn; reTopic.MatchString(t) && arnPartition(t) != home {
		add("NotificationTopicArn %q is an ARN of partition %s, the build's is %s", t, arnPartition(t), home)
	}
	for i, b := range p.ForwardTo {
		if reBus.MatchString(b) && arnPartition(b) != home {
			add("ForwardTo[%d] %q is an ARN of partition %s: events go to buses of the build's partition (%s) only", i, b, arnPartition(b), home)
		}
	}
	return out
}

// version is a semantic version that changes with content: Image Builder
// recipes and components are immutable ("to change components, create a
// new recipe version",
// https://docs.aws.amazon.com/imagebuilder/latest/userguide/manage-resources.html),
// and CloudFormation replaces them on any change, creating the new one
// before deleting the old; a fixed name and version would collide. 1.0.N,
// N from a hash of the content below 2^30, the largest a version's node
// may be ("with an upper limit of 2^30-1 (1073741823) for each node",
// https://docs.aws.amazon.com/imagebuilder/latest/APIReference/API_CreateComponent.html).
func version(parts ...string) string {
	h := fnv.New32a()
	h.Write([]byte(strings.Join(parts, "\x00")))
	return fmt.Sprintf("1.0.%d", h.Sum32()%(1<<30))
}
