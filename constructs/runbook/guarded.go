package runbook

import (
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsevents"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awskms"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsssm"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/handsoff-cdk/handsoff/internal/harden"
	"github.com/handsoff-cdk/handsoff/internal/nag"
	"github.com/handsoff-cdk/handsoff/internal/signin"
)

// GuardedProps are what every guarded runbook takes: whose it is, which
// calendar guards it, who hears of a failure, and how developers reach it.
type GuardedProps struct {
	// Service is the handsoff service the runbook belongs to (lower-case
	// letters, digits and hyphens): its handsoff:service tag, and the
	// calendar it reads, /handsoff/{Service}/{Stage}/calendar. Required.
	Service string
	// Environment is the handsoff environment it is deployed in: its
	// handsoff:environment tag, which handsoff runbooks lists it by.
	// Required.
	Environment string
	// Stage is the stage whose freeze windows and blackouts refuse the
	// runbook, as handsoff calendar push writes them. Required.
	Stage string
	// NotificationTopicArn is an SNS topic told when a run fails or is
	// refused. A topic encrypted with a KMS key must let the runbook's role
	// use the key. Default: none (a failed run tells no one; its log group
	// keeps its status).
	NotificationTopicArn string
	// SSOStartURL is the IAM Identity Center start URL, for the one-click
	// link. Default: the link is the console page alone.
	SSOStartURL string
	// SSORoleName is the permission set the link signs in with. Default:
	// none (the start page lets the user choose).
	SSORoleName string
	// Name is the SSM document's name (see Props.Name). Default: a name
	// CloudFormation generates.
	Name string
	// LogRetentionDays is how long the log group keeps the execution
	// events: one of CloudWatch Logs' values, at least 365 (AWS Control
	// Tower's CT.CLOUDWATCH.PR.2). Default: 365.
	LogRetentionDays int
}

// Guarded is a guarded runbook: its document runs as a role of its own
// that may touch only its target, refuses inside the stage's freeze
// windows and blackouts, tells a topic when it fails, and logs every
// change of its executions' status.
type Guarded interface {
	Runbook
	// Role is the role the document's assumeRole names.
	Role() awsiam.IRole
	// LogGroup receives the executions' status changes.
	LogGroup() awslogs.CfnLogGroup
	// Link is the one-click link that signs in and opens the console's page
	// for starting the runbook (also the stack output Link).
	Link() *string
	// Model is the document as this package models it.
	Model() *Document
}

type guarded struct {
	constructs.Construct
	rb    Runbook
	role  awsiam.Role
	logs  awslogs.CfnLogGroup
	link  *string
	model *Document
}

func (g *guarded) Resource() awsssm.CfnDocument  { return g.rb.Resource() }
func (g *guarded) DocumentName() *string         { return g.rb.DocumentName() }
func (g *guarded) Role() awsiam.IRole            { return g.role }
func (g *guarded) LogGroup() awslogs.CfnLogGroup { return g.logs }
func (g *guarded) Link() *string                 { return g.link }
func (g *guarded) Model() *Document              { return g.model }

// retentions are CloudWatch Logs' retention periods
// (https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-logs-loggroup.html).
var retentions = []int{1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653}

// check collects the props' problems.
type check []string

func (c *check) add(format string, args ...any) { *c = append(*c, fmt.Sprintf(format, args...)) }

// known reports whether s is known at synth time: tokens are checked by
// CloudFormation and the services, not here.
func known(s string) bool { return !*awscdk.Token_IsUnresolved(jsii.String(s)) }

func (p *GuardedProps) check(c *check) {
	if p.Service == "" {
		c.add("Service is required: the handsoff service the runbook belongs to")
	} else if !serviceName.MatchString(p.Service) {
		c.add("Service %q: use lower-case letters, digits and hyphens, as the configuration document's service name", p.Service)
	}
	if p.Environment == "" {
		c.add("Environment is required: the handsoff environment the runbook is deployed in, its handsoff:environment tag")
	} else if !envName.MatchString(p.Environment) {
		c.add("Environment %q: use letters, digits and hyphens, a letter first, as the configuration document's environment name", p.Environment)
	}
	if p.Stage == "" {
		c.add("Stage is required: the stage whose freeze windows and blackouts guard the runbook")
	} else if !envName.MatchString(p.Stage) {
		c.add("Stage %q: use letters, digits and hyphens, a letter first", p.Stage)
	}
	if p.NotificationTopicArn != "" && known(p.NotificationTopicArn) && !topicArn.MatchString(p.NotificationTopicArn) {
		c.add("NotificationTopicArn %q is not an SNS topic's ARN", p.NotificationTopicArn)
	}
	if p.SSOStartURL != "" && !strings.HasPrefix(p.SSOStartURL, "https://") {
		c.add("SSOStartURL %q: give the IAM Identity Center start URL, https://...awsapps.com/start", p.SSOStartURL)
	}
	if p.SSORoleName != "" && !ssoRole.MatchString(p.SSORoleName) {
		c.add("SSORoleName %q is not a permission set name", p.SSORoleName)
	}
	if p.SSORoleName != "" && p.SSOStartURL == "" {
		c.add("SSORoleName is set without SSOStartURL: the link signs in through the start URL; set both, or neither")
	}
	if p.LogRetentionDays == 0 {
		p.LogRetentionDays = 365
	}
	if !slices.Contains(retentions, p.LogRetentionDays) || p.LogRetentionDays < 365 {
		c.add("LogRetentionDays %d: use one of CloudWatch Logs' values from 365 up (%s); AWS Control Tower's CT.CLOUDWATCH.PR.2 wants a year", p.LogRetentionDays, retentionList())
	}
}

func retentionList() string {
	var s []string
	for _, d := range retentions {
		if d >= 365 {
			s = append(s, fmt.Sprint(d))
		}
	}
	return strings.Join(s, ", ")
}

// newGuarded makes the construct every guarded runbook is: the role with
// its statements, the document, its tags, the log group and the rule that
// fills it, the link. build makes the document and the target's
// statements, given the guard and the stack's place.
func newGuarded(scope constructs.Construct, id string, gp GuardedProps, problems check, what string,
	build func(g guard, p place) (*Document, []statement)) Guarded {
	// The construct is the guarded value itself (NewConstruct_Override), so
	// that it can be handed back to the CDK (awscdk.Stack_Of(runbook)).
	g := &guarded{}
	constructs.NewConstruct_Override(g, scope, jsii.String(id))
	c := g.Construct
	gp.check(&problems)
	stack := awscdk.Stack_Of(c)
	p := place{partition: *stack.Partition(), region: *stack.Region(), account: *stack.Account()}

	// The role Automation assumes, for this runbook alone. The trust
	// policy keeps it to Automation executions of this account and region
	// (aws:SourceAccount and aws:SourceArn, the confused deputy guidance of
	// https://docs.aws.amazon.com/systems-manager/latest/userguide/cross-service-confused-deputy-prevention.html),
	// IfExists: which of the two keys Automation sends when it assumes a
	// document's role is not written down, and a key it does not send
	// would make a plain condition refuse every run.
	role := awsiam.NewRole(c, jsii.String("Role"), &awsiam.RoleProps{
		AssumedBy: awsiam.NewPrincipalWithConditions(awsiam.NewServicePrincipal(jsii.String("ssm.amazonaws.com"), nil), &map[string]any{
			"StringEqualsIfExists": map[string]any{"aws:SourceAccount": p.account},
			"ArnLikeIfExists":      map[string]any{"aws:SourceArn": p.arn("ssm", p.region, "automation-execution/*")},
		}),
		Description: jsii.String("handsoff runbook " + *c.Node().Path() + ": the role its document runs as"),
	})
	gd := guard{service: gp.Service, environment: gp.Environment, stage: gp.Stage, topic: gp.NotificationTopicArn, role: *role.RoleArn(), what: what}
	model, statements := build(gd, p)
	var reasons []nag.Suppression
	for _, s := range statements {
		role.AddToPrincipalPolicy(awsiam.PolicyStatement_FromJson(asMap(s)))
		if s.why != "" {
			reasons = append(reasons, nag.Suppression{ID: "AwsSolutions-IAM5", Reason: s.why, AppliesTo: wildcards(s.Resource)})
		}
	}
	if len(reasons) > 0 {
		policy := role.Node().FindChild(jsii.String("DefaultPolicy")).Node().DefaultChild().(awscdk.CfnResource)
		nag.Suppress(policy, reasons...)
	}

	rb := New(c, "Runbook", &Props{Document: model, Name: gp.Name})
	for _, p := range problems {
		awscdk.Annotations_Of(c).AddError(jsii.String("handsoff runbook: " + p))
	}
	awscdk.Tags_Of(c).Add(jsii.String("handsoff:service"), jsii.String(gp.Service), nil)
	awscdk.Tags_Of(c).Add(jsii.String("handsoff:environment"), jsii.String(gp.Environment), nil)

	logs := executionLog(c, stack, p, rb.DocumentName(), gp.LogRetentionDays)
	l := signin.RunbookLink(gp.SSOStartURL, gp.SSORoleName, p.account, p.region, *rb.DocumentName())
	awscdk.NewCfnOutput(c, jsii.String("Link"), &awscdk.CfnOutputProps{
		Value:       jsii.String(l),
		Description: jsii.String("handsoff runbook " + *c.Node().Path() + ": signs in and opens the console page that starts it"),
	})
	g.rb, g.role, g.logs, g.link, g.model = rb, role, logs, jsii.String(l), model
	return g
}

// asMap is a statement as PolicyStatement.fromJson takes it.
func asMap(s statement) map[string]any {
	raw, _ := json.Marshal(s)
	var m map[string]any
	json.Unmarshal(raw, &m)
	return m
}

// wildcards are the cdk-nag IAM5 findings a statement's resources make,
// as the suppression's applies_to: "Resource::*" exactly; an ARN with a
// "*" as a pattern of itself, each token in it (which cdk-nag writes
// <AWS::Region>, <Logical.Arn> or, in a stack with an environment, as the
// value) standing for any text.
func wildcards(resources []string) []any {
	var out []any
	for _, r := range resources {
		switch {
		case r == "*":
			out = append(out, "Resource::*")
		case strings.Contains(r, "*"):
			var b strings.Builder
			for i, part := range tokenText.Split(r, -1) {
				if i > 0 {
					b.WriteString(".+")
				}
				b.WriteString(regexp.QuoteMeta(part))
			}
			out = append(out, map[string]any{"regex": "/^Resource::" + strings.ReplaceAll(b.String(), "/", `\/`) + "$/g"})
		}
	}
	return out
}

// tokenText is a CDK token in a string.
var tokenText = regexp.MustCompile(`\$\{Token\[[^\]]*\]\}`)

// executionLog is the log group that keeps every status change of the
// document's executions and steps, and the EventBridge rule that fills
// it: Systems Manager sends "EC2 Automation Execution Status-change
// Notification" and "EC2 Automation Step Status-change Notification"
// events from aws.ssm, with the document's name in detail.Definition
// (https://docs.aws.amazon.com/systems-manager/latest/userguide/monitoring-systems-manager-event-examples.html).
func executionLog(c constructs.Construct, stack awscdk.Stack, p place, document *string, days int) awslogs.CfnLogGroup {
	shared := sharedOf(stack)
	logs := awslogs.NewCfnLogGroup(c, jsii.String("Executions"), &awslogs.CfnLogGroupProps{
		RetentionInDays: jsii.Number(float64(days)),
		// Encrypted with the stack's runbook log key (AWS Control Tower's
		// CT.CLOUDWATCH.PR.3).
		KmsKeyId: shared.key.KeyArn(),
	})
	logs.ApplyRemovalPolicy(awscdk.RemovalPolicy_RETAIN, nil)
	// EventBridge writes to the log group only if a CloudWatch Logs
	// resource policy lets it
	// (https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-use-resource-based.html#eb-cloudwatchlogs-permissions).
	shared.policy.Document().AddStatements(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Principals: &[]awsiam.IPrincipal{awsiam.NewServicePrincipal(jsii.String("events.amazonaws.com"), nil)},
		Actions:    jsii.Strings("logs:CreateLogStream", "logs:PutLogEvents"),
		Resources:  jsii.Strings(*logs.AttrArn()),
	}))
	// The target is the log group's ARN without the ":*" its Arn
	// attribute ends in.
	target := p.arn("logs", p.region, "log-group:"+*logs.Ref())
	awsevents.NewCfnRule(c, jsii.String("ExecutionEvents"), &awsevents.CfnRuleProps{
		Description: jsii.String("handsoff runbook " + *c.Node().Path() + ": its executions' status changes, to its log group"),
		EventPattern: map[string]any{
			"source":      []string{"aws.ssm"},
			"detail-type": []string{"EC2 Automation Execution Status-change Notification", "EC2 Automation Step Status-change Notification"},
			"detail":      map[string]any{"Definition": []string{*document}},
		},
		State:   jsii.String("ENABLED"),
		Targets: &[]any{&awsevents.CfnRule_TargetProperty{Arn: jsii.String(target), Id: jsii.String("ExecutionLog")}},
	})
	return logs
}

// shared is what the guarded runbooks of a stack share: the KMS key of
// their log groups, and the one CloudWatch Logs resource policy that lets
// EventBridge write to them. An account holds at most 10 resource policies
// a region
// (https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/cloudwatch_limits_cwl.html),
// so the stack has one, not one a runbook.
type shared struct {
	key    awskms.IKey
	policy awslogs.ResourcePolicy
}

const sharedID = "HandsoffRunbookLogs"

func sharedOf(stack awscdk.Stack) shared {
	if c := stack.Node().TryFindChild(jsii.String(sharedID)); c != nil {
		return shared{
			key:    c.Node().FindChild(jsii.String("Key")).(awskms.IKey),
			policy: c.Node().FindChild(jsii.String("EventsToLogs")).(awslogs.ResourcePolicy),
		}
	}
	c := constructs.NewConstruct(stack, jsii.String(sharedID))
	key := awskms.NewKey(c, jsii.String("Key"), &awskms.KeyProps{
		EnableKeyRotation: jsii.Bool(true),
		Description:       jsii.String("handsoff: encrypts the log groups of the guarded runbooks of " + *stack.StackName()),
		RemovalPolicy:     awscdk.RemovalPolicy_RETAIN,
	})
	// CloudWatch Logs uses the key for log groups of this account and
	// region alone
	// (https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/encrypt-log-data-kms.html).
	key.AddToResourcePolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Sid:        jsii.String("CloudWatchLogsOfThisAccount"),
		Principals: &[]awsiam.IPrincipal{awsiam.NewServicePrincipal(jsii.String("logs."+*stack.Region()+".amazonaws.com"), nil)},
		Actions:    jsii.Strings("kms:Encrypt*", "kms:Decrypt*", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:Describe*"),
		Resources:  jsii.Strings("*"),
		Conditions: &map[string]any{"ArnLike": map[string]any{
			"kms:EncryptionContext:aws:logs:arn": "arn:" + *stack.Partition() + ":logs:" + *stack.Region() + ":" + *stack.Account() + ":log-group:*",
		}},
	}), jsii.Bool(false))
	harden.Key(key)
	policy := awslogs.NewResourcePolicy(c, jsii.String("EventsToLogs"), &awslogs.ResourcePolicyProps{})
	return shared{key: key, policy: policy}
}

// RefreshServiceProps configure NewRefreshService.
type RefreshServiceProps struct {
	GuardedProps
	// Cluster is the ECS cluster's name. Required.
	Cluster string
	// ECSService is the ECS service's name: a service on the rolling update
	// (ECS) deployment controller, not behind a Classic Load Balancer (the
	// rollout state the runbook waits on exists only for those). Required.
	ECSService string
	// Timeout bounds the wait for the rollout. Default: 1 hour.
	Timeout time.Duration
}

// NewRefreshService makes a guarded runbook that refreshes one ECS
// service: a new deployment of its current task definition (new tasks,
// the same configuration), waiting until it has rolled out. The cluster
// and the service are written in the document; the runbook takes no
// parameter. Its role may update and describe that service alone.
//
// Steps: ReadCalendar, FreezeGuard, UpdateService (forceNewDeployment),
// WaitStarted, WaitForRollout, CheckRolledOut, CheckDeployment, Done;
// Notify and Fail on any failure when a topic is set.
func NewRefreshService(scope constructs.Construct, id string, props *RefreshServiceProps) Guarded {
	if props == nil {
		props = &RefreshServiceProps{}
	}
	var c check
	for field, v := range map[string]string{"Cluster": props.Cluster, "ECSService": props.ECSService} {
		switch {
		case v == "":
			c.add("%s is required: the ECS %s's name", field, strings.ToLower(strings.TrimPrefix(field, "ECS")))
		case known(v) && !ecsName.MatchString(v):
			c.add("%s %q: ECS names are up to 255 letters, digits, hyphens and underscores", field, v)
		}
	}
	slices.Sort(c) // map order
	timeout := orDefault(props.Timeout, time.Hour)
	c.duration("Timeout", timeout, time.Minute, 12*time.Hour)
	what := fmt.Sprintf("refreshes ECS service %s in cluster %s", props.ECSService, props.Cluster)
	return newGuarded(scope, id, props.GuardedProps, c, what, func(g guard, p place) (*Document, []statement) {
		s := refreshSpec{guard: g, cluster: props.Cluster, ecsService: props.ECSService, timeout: timeout}
		return s.document(), s.statements(p)
	})
}

// InvalidatePathsProps configure NewInvalidatePaths.
type InvalidatePathsProps struct {
	GuardedProps
	// DistributionID is the CloudFront distribution's ID (E2QWRUHAPOMQZL).
	// Required.
	DistributionID string
	// DefaultPaths are the paths invalidated when none are given at start.
	// Default: none; every run names its paths.
	DefaultPaths []string
	// Timeout bounds the wait for the invalidation to complete. Default:
	// 30 minutes.
	Timeout time.Duration
}

// NewInvalidatePaths makes a guarded runbook that invalidates paths of one
// CloudFront distribution: the paths are its one parameter (a StringList,
// each matched against CloudFront's form of a path); the distribution is
// written in the document. It refuses while the distribution is not
// Deployed or an invalidation of it is in progress, then invalidates and
// waits until the invalidation has completed. Its role may read the
// distribution and its invalidations and create invalidations of it alone.
//
// Steps: ReadCalendar, FreezeGuard, CheckDeployed, CheckInvalidations (a
// Python step: no selector can say "none in progress"),
// CreateInvalidation, WaitCompleted, Done; Notify and Fail on any failure
// when a topic is set.
func NewInvalidatePaths(scope constructs.Construct, id string, props *InvalidatePathsProps) Guarded {
	if props == nil {
		props = &InvalidatePathsProps{}
	}
	var c check
	switch d := props.DistributionID; {
	case d == "":
		c.add("DistributionID is required: the CloudFront distribution's ID")
	case known(d) && !distributionID.MatchString(d):
		c.add("DistributionID %q is not a CloudFront distribution ID (upper-case letters and digits, as E2QWRUHAPOMQZL)", d)
	}
	// The paths' form is the Paths parameter's allowedPattern, which
	// Validate holds a default to; its length is not.
	for i, path := range props.DefaultPaths {
		if len(path) > 4000 {
			c.add("DefaultPaths[%d]: %d characters; CloudFront takes a path of at most 4000", i, len(path))
		}
	}
	timeout := orDefault(props.Timeout, 30*time.Minute)
	c.duration("Timeout", timeout, time.Minute, 12*time.Hour)
	what := "invalidates paths of CloudFront distribution " + props.DistributionID
	return newGuarded(scope, id, props.GuardedProps, c, what, func(g guard, p place) (*Document, []statement) {
		s := invalidateSpec{guard: g, distribution: props.DistributionID, defaults: props.DefaultPaths, timeout: timeout}
		return s.document(), s.statements(p)
	})
}

// SnapshotDatabaseProps configure NewSnapshotDatabase.
type SnapshotDatabaseProps struct {
	GuardedProps
	// DBInstance is the RDS DB instance identifier. Required.
	DBInstance string
	// OffPeak is when, every day in UTC, the runbook may take a snapshot;
	// it refuses outside it. Default (the zero DailyWindow): 02:00 to 05:00
	// UTC.
	OffPeak DailyWindow
	// CPUThreshold is the CPUUtilization percentage, averaged over the
	// last 5 minutes, above which the database is busy and the runbook
	// waits. Default: 40.
	CPUThreshold float64
	// LoadChecks is how many times it looks, 5 minutes apart, before it
	// gives up on a busy database: 1 to 8 (each check carries its script,
	// and more would crowd SSM's 64 KB). Default: 6 (25 minutes of waiting).
	LoadChecks int
	// SnapshotTimeout bounds the wait for the snapshot to be available.
	// Default: 2 hours.
	SnapshotTimeout time.Duration
}

// loadInterval is the time between two load checks: as long as the
// average each looks at.
const loadInterval = 5 * time.Minute

// NewSnapshotDatabase makes a guarded runbook that takes a manual snapshot
// of one RDS DB instance off-peak: inside a daily UTC window, once its CPU
// has been at or below a threshold for 5 minutes (checked up to LoadChecks
// times, 5 minutes apart), named handsoff-{instance}-{execution ID}; it
// waits until the snapshot is available. The instance is written in the
// document; the runbook takes no parameter. Its role may snapshot that
// instance alone, and read CloudWatch metrics.
//
// Steps: ReadCalendar, FreezeGuard, OffPeak, Load1, Quiet1, Pause1, ...,
// LoadN, QuietN, CreateSnapshot, WaitAvailable, Done, TooBusy; Notify and
// Fail on any failure when a topic is set.
func NewSnapshotDatabase(scope constructs.Construct, id string, props *SnapshotDatabaseProps) Guarded {
	if props == nil {
		props = &SnapshotDatabaseProps{}
	}
	var c check
	switch db := props.DBInstance; {
	case db == "":
		c.add("DBInstance is required: the RDS DB instance identifier")
	case !known(db):
		// The snapshot's name and the role's resources are built from it.
		c.add("DBInstance is a token: give the identifier itself, which the snapshot's name and the role's permissions are built from")
	case !dbInstance.MatchString(db):
		c.add("DBInstance %q is not a DB instance identifier (1 to 63 letters, digits and hyphens, a letter first, no two hyphens in a row, none last)", db)
	}
	win := props.OffPeak
	if win == (DailyWindow{}) {
		win = DailyWindow{Start: 2 * time.Hour, End: 5 * time.Hour}
	}
	for field, d := range map[string]time.Duration{"OffPeak.Start": win.Start, "OffPeak.End": win.End} {
		if d < 0 || d > 24*time.Hour || d%time.Minute != 0 {
			c.add("%s %v: give whole minutes from 0 to 24h after midnight UTC", field, d)
		}
	}
	if win.Start%(24*time.Hour) == win.End%(24*time.Hour) {
		c.add("OffPeak %s is empty or the whole day: give a window of less than 24 hours", win)
	}
	threshold := props.CPUThreshold
	if threshold == 0 {
		threshold = 40
	}
	if threshold < 0 || threshold >= 100 {
		c.add("CPUThreshold %v: give a percentage above 0 and below 100", threshold)
	}
	checks := props.LoadChecks
	if checks == 0 {
		checks = 6
	}
	if checks < 1 || checks > 8 {
		c.add("LoadChecks %d: give 1 to 8", checks)
		checks = max(1, min(checks, 8))
	}
	timeout := orDefault(props.SnapshotTimeout, 2*time.Hour)
	c.duration("SnapshotTimeout", timeout, time.Minute, 24*time.Hour)
	slices.Sort(c)
	what := "snapshots DB instance " + props.DBInstance
	return newGuarded(scope, id, props.GuardedProps, c, what, func(g guard, p place) (*Document, []statement) {
		s := snapshotSpec{guard: g, db: props.DBInstance, window: DailyWindow{win.Start % (24 * time.Hour), win.End % (24 * time.Hour)},
			threshold: threshold, checks: checks, interval: loadInterval, timeout: timeout, snapPrefix: "handsoff-" + props.DBInstance + "-"}
		return s.document(), s.statements(p)
	})
}

func orDefault(d, def time.Duration) time.Duration {
	if d == 0 {
		return def
	}
	return d
}

func (c *check) duration(field string, d, least, most time.Duration) {
	if d < least || d > most || d%time.Second != 0 {
		c.add("%s %v: give whole seconds from %v to %v", field, d, least, most)
	}
}
