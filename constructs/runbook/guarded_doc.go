package runbook

import (
	_ "embed"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/handsoff-cdk/handsoff/internal/window"
)

// The guarded runbooks' documents and permissions, as plain Go: no jsii, so
// that tests build, validate and check them in milliseconds. guarded.go
// turns them into resources.

// The scripts of the runbooks' aws:executeScript steps (Python 3.11,
// window.Runtime). AWS's executeScript page says a script that calls AWS
// APIs needs an assume role, and shows scripts calling boto3
// (https://docs.aws.amazon.com/systems-manager/latest/userguide/automation-action-executeScript.html,
// "Example 2: Scripted runbook").
var (
	//go:embed scripts/invalidations.py
	invalidationsScript string
	//go:embed scripts/snapshot.py
	snapshotScript string
)

// failScript fails its step with a message: the last step of a runbook
// that failed, after the notification, so that the execution ends Failed
// under every reading of isCritical.
const failScript = "def fail(events, context):\n    raise RuntimeError(events[\"message\"])\n"

// place is where a runbook runs: the tokens or values of the stack's
// partition, region and account.
type place struct{ partition, region, account string }

func (p place) arn(service, region, resource string) string {
	return "arn:" + p.partition + ":" + service + ":" + region + ":" + p.account + ":" + resource
}

// guard is what every guarded runbook's document shares.
type guard struct {
	service, environment, stage string
	topic                       string // "" for no notification
	role                        string // the automation role's ARN
	what                        string // what the runbook does, for the notification
}

// calendarParameter is the ARN of the stage's calendar parameter. The name
// starts with "/", which the ARN keeps: parameter/handsoff/...
// (https://docs.aws.amazon.com/service-authorization/latest/reference/list_awssystemsmanager.html,
// resource type parameter).
func (g guard) calendarParameter(p place) string {
	return p.arn("ssm", p.region, "parameter"+window.ParameterName(g.service, g.stage))
}

// head is the freeze guard: read the stage's calendar (aws:executeAwsApi
// retries throttling, which a script would not), then refuse inside a
// freeze window or blackout (internal/window).
func (g guard) head() []Step {
	return []Step{
		{Name: "ReadCalendar", Action: &ExecuteAwsApi{
			Service: "ssm", Api: "GetParameter",
			Params:  map[string]any{"Name": window.ParameterName(g.service, g.stage)},
			Outputs: []Output{{Name: "Calendar", Selector: "$.Parameter.Value", Type: String}},
		}},
		{Name: "FreezeGuard", Action: &ExecuteScript{
			Runtime: window.Runtime, Handler: window.Guard, Script: window.Script,
			InputPayload: map[string]any{"calendar": "{{ ReadCalendar.Calendar }}", "stage": g.stage},
		}, TimeoutSeconds: 120},
	}
}

// finish ends the document. The main steps go on to Done, which ends the
// automation; tail steps follow it, reached only by a jump. With a topic,
// every step's failure goes to Notify, which publishes to it, then to Fail,
// which fails the execution.
//
// Done is a step of its own because a step with isEnd ends the automation
// "if the step execution failed or succeeded"
// (https://docs.aws.amazon.com/systems-manager/latest/userguide/automation-actions.html):
// the last real step must not have it, or its failure would tell no one.
// Fail fails the execution whatever isCritical is read to mean for the
// step that jumped to Notify.
func (g guard) finish(d *Document, tail ...Step) {
	notify := func(s *Step) {
		if g.topic != "" {
			s.OnFailure = GoTo("Notify")
		}
	}
	for i := range d.Steps {
		notify(&d.Steps[i])
	}
	d.Steps = append(d.Steps, Step{Name: "Done", Action: &Sleep{Duration: time.Second}, IsEnd: true})
	for _, s := range tail {
		notify(&s)
		s.IsEnd = g.topic == "" // it fails: the end, failed
		d.Steps = append(d.Steps, s)
	}
	if g.topic == "" {
		return
	}
	subject := "handsoff runbook failed: " + g.service + " " + g.environment
	if len(subject) > 100 { // SNS Publish takes a subject of at most 100 characters
		subject = subject[:100]
	}
	d.Steps = append(d.Steps,
		Step{Name: "Notify", Action: &ExecuteAwsApi{
			Service: "sns", Api: "Publish",
			Params: map[string]any{
				"TopicArn": g.topic,
				"Subject":  subject,
				"Message": fmt.Sprintf("The handsoff runbook that %s (service %s, environment %s) failed or was refused: execution {{ automation:EXECUTION_ID }}. Its steps say why: handsoff run follows them, and the runbook's log group keeps its status changes.",
					g.what, g.service, g.environment),
			},
		}, OnFailure: GoTo("Fail")},
		Step{Name: "Fail", Action: &ExecuteScript{
			Runtime: window.Runtime, Handler: "fail", Script: failScript,
			InputPayload: map[string]any{"message": "the runbook failed; the topic was told (execution {{ automation:EXECUTION_ID }})"},
		}, IsEnd: true},
	)
}

// statement is one IAM policy statement, as the role and the developer
// policy get it.
type statement struct {
	Sid       string                       `json:"Sid,omitempty"`
	Effect    string                       `json:"Effect"`
	Action    []string                     `json:"Action"`
	Resource  []string                     `json:"Resource"`
	Condition map[string]map[string]string `json:"Condition,omitempty"`
	// why says why a Resource is "*" or ends in "*": the reason of the
	// cdk-nag suppression, and of the report.
	why string
}

func allow(sid string, actions []string, resources ...string) statement {
	return statement{Sid: sid, Effect: "Allow", Action: actions, Resource: resources}
}

// common are the statements every runbook's role has: its stage's
// calendar, and the topic.
func (g guard) common(p place) []statement {
	out := []statement{allow("ReadCalendar", []string{"ssm:GetParameter"}, g.calendarParameter(p))}
	if g.topic != "" {
		// https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazonsns.html (Publish: topic)
		out = append(out, allow("Notify", []string{"sns:Publish"}, g.topic))
	}
	return out
}

// refreshSpec is what RefreshService's document locks.
type refreshSpec struct {
	guard
	cluster, ecsService string
	timeout             time.Duration
}

// document: force a new deployment of the service and wait until it has
// rolled out.
//
// Why four steps after UpdateService. The wait's selector reads one value,
// and the only documented selectors pick values ("$.services[0]...",
// https://docs.aws.amazon.com/systems-manager/latest/userguide/automation-action-waitForAwsResourceProperty.html);
// "the service has one deployment" is not a value. So: wait until the
// first deployment listed is the one UpdateService started (its ID, from
// UpdateService's answer); wait until its rolloutState is COMPLETED or
// FAILED ("When the service reaches a steady state, the deployment
// transitions to a COMPLETED state. If the service fails to reach a
// steady state and circuit breaker is turned on, the deployment
// transitions to a FAILED state",
// https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_Deployment.html),
// so that a failed rollout fails at once rather than at the timeout; then
// assert it is COMPLETED; then assert that the first deployment is still
// the one UpdateService started, so that neither a circuit breaker's
// rollback (a newer deployment that completes) nor a list in another order
// passes for this run's rollout.
//
// rolloutState is returned only for services on the rolling update (ECS)
// deployment controller that are not behind a Classic Load Balancer (the
// same page): for any other the wait times out, and the runbook fails.
func (s refreshSpec) document() *Document {
	describe := map[string]any{"cluster": s.cluster, "services": []string{s.ecsService}}
	d := &Document{
		Description: fmt.Sprintf("Refresh ECS service %s in cluster %s (handsoff service %s, environment %s): start a new deployment of the same task definition and wait until it has rolled out. Refuses inside the %s stage's freeze windows and blackouts.",
			s.ecsService, s.cluster, s.service, s.environment, s.stage),
		AssumeRole: s.role,
		Steps: append(s.head(),
			Step{Name: "UpdateService", Action: &ExecuteAwsApi{
				Service: "ecs", Api: "UpdateService",
				Params:  map[string]any{"cluster": s.cluster, "service": s.ecsService, "forceNewDeployment": true},
				Outputs: []Output{{Name: "DeploymentId", Selector: "$.service.deployments[0].id", Type: String}},
			}},
			// Until DescribeServices shows the new deployment first, its
			// list may still lead with the old, completed one.
			Step{Name: "WaitStarted", Action: &WaitForAwsResourceProperty{
				Service: "ecs", Api: "DescribeServices", Params: describe,
				PropertySelector: "$.services[0].deployments[0].id",
				DesiredValues:    []string{"{{ UpdateService.DeploymentId }}"},
			}, TimeoutSeconds: 300},
			Step{Name: "WaitForRollout", Action: &WaitForAwsResourceProperty{
				Service: "ecs", Api: "DescribeServices", Params: describe,
				PropertySelector: "$.services[0].deployments[0].rolloutState",
				DesiredValues:    []string{"COMPLETED", "FAILED"},
			}, TimeoutSeconds: seconds(s.timeout)},
			Step{Name: "CheckRolledOut", Action: &AssertAwsResourceProperty{
				Service: "ecs", Api: "DescribeServices", Params: describe,
				PropertySelector: "$.services[0].deployments[0].rolloutState",
				DesiredValues:    []string{"COMPLETED"},
			}},
			Step{Name: "CheckDeployment", Action: &AssertAwsResourceProperty{
				Service: "ecs", Api: "DescribeServices", Params: describe,
				PropertySelector: "$.services[0].deployments[0].id",
				DesiredValues:    []string{"{{ UpdateService.DeploymentId }}"},
			}},
		),
	}
	s.finish(d)
	return d
}

// statements: UpdateService and DescribeServices on the service alone
// (https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazonelasticcontainerservice.html:
// both take the service resource, arn:...:service/{cluster}/{service}).
func (s refreshSpec) statements(p place) []statement {
	svc := p.arn("ecs", p.region, "service/"+s.cluster+"/"+s.ecsService)
	return append(s.common(p), allow("RefreshService", []string{"ecs:UpdateService", "ecs:DescribeServices"}, svc))
}

// invalidateSpec is what InvalidatePaths' document locks.
type invalidateSpec struct {
	guard
	distribution string
	defaults     []string
	timeout      time.Duration
}

// pathPattern is the Paths parameter's allowedPattern: "/" first, then
// URL-safe characters and percent-encodings, a "*" only at the end
// (https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/invalidation-specifying-objects.html).
// It reads the same in Java's and Go's regexp, which SSM both uses. The
// script checks each path again, with the length and count limits a
// pattern cannot hold.
const pathPattern = `^/[A-Za-z0-9._~!$&'()+,;=:@%/-]*\*?$`

// document: invalidate the paths given at start once the distribution is
// deployed and no invalidation of it is in progress, and wait until done.
func (s invalidateSpec) document() *Document {
	dist := map[string]any{"Id": s.distribution}
	p := Parameter{Name: "Paths", Type: StringList, AllowedPattern: pathPattern,
		Description: "The paths to invalidate, each starting with /; a * only at the end (/images/*). At most 3,000 files and 15 wildcards."}
	if len(s.defaults) > 0 {
		p.Default = slices.Clone(s.defaults)
	}
	d := &Document{
		Description: fmt.Sprintf("Invalidate paths of CloudFront distribution %s (handsoff service %s, environment %s), once it is deployed and no invalidation is in progress, and wait until the invalidation completes. Refuses inside the %s stage's freeze windows and blackouts.",
			s.distribution, s.service, s.environment, s.stage),
		AssumeRole: s.role,
		Parameters: []Parameter{p},
		Steps: append(s.head(),
			Step{Name: "CheckDeployed", Action: &AssertAwsResourceProperty{
				Service: "cloudfront", Api: "GetDistribution", Params: dist,
				PropertySelector: "$.Distribution.Status", DesiredValues: []string{"Deployed"},
			}},
			Step{Name: "CheckInvalidations", Action: &ExecuteScript{
				Runtime: window.Runtime, Handler: "check", Script: invalidationsScript,
				InputPayload: map[string]any{"distribution": s.distribution, "paths": "{{ Paths }}"},
				Outputs:      []Output{{Name: "Quantity", Selector: "$.Payload.quantity", Type: Integer}},
			}, TimeoutSeconds: 300},
			Step{Name: "CreateInvalidation", Action: &ExecuteAwsApi{
				Service: "cloudfront", Api: "CreateInvalidation",
				Params: map[string]any{
					"DistributionId": s.distribution,
					"InvalidationBatch": map[string]any{
						// Unique per run: a reused CallerReference with other
						// paths is refused (InvalidationBatchAlreadyExists),
						// https://docs.aws.amazon.com/cloudfront/latest/APIReference/API_InvalidationBatch.html.
						"CallerReference": "{{ automation:EXECUTION_ID }}",
						"Paths":           map[string]any{"Quantity": "{{ CheckInvalidations.Quantity }}", "Items": "{{ Paths }}"},
					},
				},
				Outputs: []Output{{Name: "InvalidationId", Selector: "$.Invalidation.Id", Type: String}},
			}},
			Step{Name: "WaitCompleted", Action: &WaitForAwsResourceProperty{
				Service: "cloudfront", Api: "GetInvalidation",
				Params:           map[string]any{"DistributionId": s.distribution, "Id": "{{ CreateInvalidation.InvalidationId }}"},
				PropertySelector: "$.Invalidation.Status", DesiredValues: []string{"Completed"},
			}, TimeoutSeconds: seconds(s.timeout)},
		),
	}
	s.finish(d)
	return d
}

// statements: the four CloudFront actions on the distribution alone
// (https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazoncloudfront.html:
// each takes the distribution resource, arn:...:cloudfront::{account}:distribution/{id},
// with no region).
func (s invalidateSpec) statements(p place) []statement {
	dist := p.arn("cloudfront", "", "distribution/"+s.distribution)
	return append(s.common(p), allow("InvalidatePaths",
		[]string{"cloudfront:GetDistribution", "cloudfront:ListInvalidations", "cloudfront:CreateInvalidation", "cloudfront:GetInvalidation"}, dist))
}

// snapshotSpec is what SnapshotDatabase's document locks.
type snapshotSpec struct {
	guard
	db         string
	window     DailyWindow
	threshold  float64
	checks     int
	interval   time.Duration
	timeout    time.Duration
	snapPrefix string
}

// document: inside the off-peak window, wait while the instance is busy,
// a bounded number of checks, then take a snapshot and wait until it is
// available.
//
// The checks are unrolled, one script step and one branch each with a
// sleep between, rather than a loop back: SSM refuses "infinite loops"
// before it runs a runbook
// (https://docs.aws.amazon.com/systems-manager/latest/userguide/automation-branchdocs.html),
// and a straight line is no loop under any reading of that. Each check
// also checks the window, so the snapshot never starts after it closes.
func (s snapshotSpec) document() *Document {
	win := map[string]any{"start": minutes(s.window.Start), "end": minutes(s.window.End)}
	d := &Document{
		Description: fmt.Sprintf("Snapshot DB instance %s (handsoff service %s, environment %s) off-peak, %s UTC: wait while its CPU is above %s%% (%d checks, %d minutes apart), then take a snapshot and wait until it is available. Refuses inside the %s stage's freeze windows and blackouts.",
			s.db, s.service, s.environment, s.window, formatFloat(s.threshold), s.checks, minutes(s.interval), s.stage),
		AssumeRole: s.role,
		Steps: append(s.head(), Step{Name: "OffPeak", Action: &ExecuteScript{
			Runtime: window.Runtime, Handler: "off_peak", Script: snapshotScript, InputPayload: win,
		}, TimeoutSeconds: 60}),
	}
	for i := 1; i <= s.checks; i++ {
		load := fmt.Sprintf("Load%d", i)
		quiet := Branch{
			Choices: []Choice{{NextStep: "CreateSnapshot", When: Condition{Variable: "{{ " + load + ".Busy }}", Op: BooleanEquals, Value: false}}},
			Default: fmt.Sprintf("Pause%d", i),
		}
		if i == s.checks {
			quiet.Default = "TooBusy"
		}
		d.Steps = append(d.Steps,
			Step{Name: load, Action: &ExecuteScript{
				Runtime: window.Runtime, Handler: "load", Script: snapshotScript,
				InputPayload: map[string]any{"start": win["start"], "end": win["end"], "db": s.db, "threshold": s.threshold},
				Outputs:      []Output{{Name: "Busy", Selector: "$.Payload.busy", Type: Boolean}, {Name: "Average", Selector: "$.Payload.average", Type: String}},
			}, TimeoutSeconds: 120},
			Step{Name: fmt.Sprintf("Quiet%d", i), Action: &quiet},
		)
		if i < s.checks {
			d.Steps = append(d.Steps, Step{Name: fmt.Sprintf("Pause%d", i), Action: &Sleep{Duration: s.interval}})
		}
	}
	d.Steps = append(d.Steps,
		Step{Name: "CreateSnapshot", Action: &ExecuteAwsApi{
			Service: "rds", Api: "CreateDBSnapshot",
			Params:  map[string]any{"DBInstanceIdentifier": s.db, "DBSnapshotIdentifier": s.snapPrefix + "{{ automation:EXECUTION_ID }}"},
			Outputs: []Output{{Name: "SnapshotId", Selector: "$.DBSnapshot.DBSnapshotIdentifier", Type: String}},
		}},
		Step{Name: "WaitAvailable", Action: &WaitForAwsResourceProperty{
			Service: "rds", Api: "DescribeDBSnapshots",
			Params:           map[string]any{"DBSnapshotIdentifier": "{{ CreateSnapshot.SnapshotId }}"},
			PropertySelector: "$.DBSnapshots[0].Status", DesiredValues: []string{"available"},
		}, TimeoutSeconds: seconds(s.timeout)},
	)
	// After the end, reached only from the last check's branch: a failing
	// step, so that a database that stayed busy fails the run (and tells
	// the topic).
	s.finish(d, Step{Name: "TooBusy", Action: &ExecuteScript{
		Runtime: window.Runtime, Handler: "fail", Script: failScript,
		InputPayload: map[string]any{"message": fmt.Sprintf("handsoff SnapshotDatabase: %s stayed above %s%% CPU through %d checks (no snapshot taken)", s.db, formatFloat(s.threshold), s.checks)},
	}})
	return d
}

// statements: CreateDBSnapshot takes the instance and the snapshot,
// DescribeDBSnapshots the snapshot (and the instance)
// (https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazonrds.html);
// the snapshot's name is known only as a prefix. GetMetricStatistics takes
// no resource
// (https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazoncloudwatch.html).
func (s snapshotSpec) statements(p place) []statement {
	db := p.arn("rds", p.region, "db:"+s.db)
	snap := p.arn("rds", p.region, "snapshot:"+s.snapPrefix+"*")
	out := append(s.common(p),
		statement{Sid: "Snapshot", Effect: "Allow", Action: []string{"rds:CreateDBSnapshot", "rds:DescribeDBSnapshots"}, Resource: []string{db, snap},
			why: "The snapshot's name ends in the execution's ID, known only when the runbook runs: the role may create and read snapshots whose name starts " + s.snapPrefix + ", of this instance alone."},
		statement{Sid: "ReadLoad", Effect: "Allow", Action: []string{"cloudwatch:GetMetricStatistics"}, Resource: []string{"*"},
			why: "cloudwatch:GetMetricStatistics supports no resource-level permissions (Service Authorization Reference, Amazon CloudWatch): it can be allowed only on *; it reads metrics and changes nothing."},
	)
	return out
}

// DailyWindow is a time of day in UTC, every day: from Start to End after
// midnight, whole minutes. An End at or before the Start runs into the
// next day (22:00 to 02:00).
type DailyWindow struct {
	Start, End time.Duration
}

func (w DailyWindow) String() string { return clock(w.Start) + "-" + clock(w.End) }

func clock(d time.Duration) string {
	return fmt.Sprintf("%02d:%02d", int(d/time.Hour), int(d%time.Hour/time.Minute))
}

func minutes(d time.Duration) int { return int(d / time.Minute) }

func seconds(d time.Duration) int { return int(d / time.Second) }

func formatFloat(f float64) string {
	return strings.TrimSuffix(strings.TrimRight(fmt.Sprintf("%.2f", f), "0"), ".")
}

// startTarget is one runbook a developer policy covers: where it is, its
// document's name, its role's ARN.
type startTarget struct {
	place
	doc, role string
}

// startStatements are the developer policy's statements for runbooks:
// start them, read them and their executions, and pass their roles to
// SSM.
//
// What the developer may not do is the point: stop or signal executions
// (automation-execution ARNs name no document, so Stop could not be kept
// to these runbooks' executions: it would reach every automation of the
// account), change documents, or call any API the runbooks call, which
// their roles do.
func startStatements(targets []startTarget) []statement {
	var start, read, executions, roles []string
	for _, t := range targets {
		// The automation-definition ARN with any version, and the document
		// (https://docs.aws.amazon.com/systems-manager/latest/userguide/automation-setup-identity-based-policies.html;
		// policies in use name both); the execution a start creates.
		start = append(start, t.arn("ssm", t.region, "automation-definition/"+t.doc+":*"), t.arn("ssm", t.region, "document/"+t.doc))
		read = append(read, t.arn("ssm", t.region, "document/"+t.doc))
		executions = append(executions, t.arn("ssm", t.region, "automation-execution/*"))
		roles = append(roles, t.role)
	}
	executions = uniq(executions)
	var out []statement
	if len(targets) > 0 {
		out = append(out,
			statement{Sid: "StartRunbooks", Effect: "Allow", Action: []string{"ssm:StartAutomationExecution"}, Resource: append(uniq(start), executions...),
				why: "automation-definition/{document}:* is any version of these documents alone; automation-execution/* is the execution a start creates, whose ID is not known before (AWS's example policy grants both); reading executions needs the same, an execution being named by an ID made when it starts."},
			statement{Sid: "ReadRunbooks", Effect: "Allow", Action: []string{"ssm:DescribeDocument", "ssm:GetDocument"}, Resource: uniq(read)},
			statement{Sid: "ReadExecutions", Effect: "Allow", Action: []string{"ssm:GetAutomationExecution", "ssm:DescribeAutomationStepExecutions"}, Resource: executions,
				why: "An execution is named by an ID made when it starts: automation-execution/* is every execution of this account and region, to read, not to change."},
		)
	}
	out = append(out, statement{Sid: "ListExecutionsAndRunbooks", Effect: "Allow", Action: []string{"ssm:DescribeAutomationExecutions", "ssm:ListDocuments"}, Resource: []string{"*"},
		why: "ssm:DescribeAutomationExecutions and ssm:ListDocuments support no resource-level permissions (Service Authorization Reference, AWS Systems Manager): they can be allowed only on *; they list and change nothing (handsoff runbooks lists the documents by tag with ListDocuments)."})
	// Needed if starting a document whose assumeRole names a role needs
	// PassRole of the caller (both readings exist). Each role only to SSM,
	// and only for its own runbook's automations (iam:AssociatedResourceARN,
	// as AWS's runbook pages scope it,
	// https://docs.aws.amazon.com/systems-manager-automation-runbooks/latest/userguide/automation-aws-postgresqlworkloadreview.html):
	// a role passable to any automation would let a developer run another
	// document, one of their own or one of AWS's, as the runbook's role,
	// without its freeze guard and with any target the role may touch.
	for i, t := range targets {
		if slices.Contains(roles[:i], t.role) {
			continue
		}
		out = append(out, statement{Sid: fmt.Sprintf("PassRunbookRole%d", i+1), Effect: "Allow", Action: []string{"iam:PassRole"}, Resource: []string{t.role},
			Condition: map[string]map[string]string{
				"StringEquals": {"iam:PassedToService": "ssm.amazonaws.com"},
				"ArnLike":      {"iam:AssociatedResourceARN": t.arn("ssm", t.region, "automation-definition/"+t.doc+":*")},
			}})
	}
	return out
}

func uniq(l []string) []string {
	var out []string
	for _, s := range l {
		if !slices.Contains(out, s) {
			out = append(out, s)
		}
	}
	return out
}

// The names the props take, checked before they reach a template.
var (
	// A handsoff service, as the configuration document takes it
	// (stages/validate.go); an environment's and a stage's names.
	serviceName = regexp.MustCompile(`^[a-z][a-z0-9-]*$`)
	envName     = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9-]*$`)
	// ECS cluster and service names: "Up to 255 letters (uppercase and
	// lowercase), numbers, underscores, and hyphens"
	// (https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_CreateService.html).
	ecsName = regexp.MustCompile(`^[A-Za-z0-9_-]{1,255}$`)
	// A CloudFront distribution ID, as CloudFront writes them (E2QWRUHAPOMQZL).
	distributionID = regexp.MustCompile(`^[A-Z0-9]{1,128}$`)
	// A DB instance identifier: 1 to 63 letters, digits and hyphens, a
	// letter first, no two hyphens in a row, no hyphen last
	// (https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_CreateDBInstance.html).
	dbInstance = regexp.MustCompile(`^[A-Za-z]([A-Za-z0-9]|-[A-Za-z0-9]){0,62}$`)
	topicArn   = regexp.MustCompile(`^arn:aws[a-z-]*:sns:[a-z0-9-]+:[0-9]{12}:[A-Za-z0-9_-]{1,256}(\.fifo)?$`)
	ssoRole    = regexp.MustCompile(`^[\w+=,.@-]{1,64}$`)
)
