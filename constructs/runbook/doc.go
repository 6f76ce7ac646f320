// Package runbook builds SSM Automation runbooks (documents of schema
// version 0.3) as typed Go values, checks them the way SSM would before a
// deployment finds out, and deploys them as AWS::SSM::Document.
//
//	doc := &runbook.Document{
//		AssumeRole: "{{ AutomationAssumeRole }}",
//		Parameters: []runbook.Parameter{{Name: "AutomationAssumeRole", Type: runbook.String}},
//		Steps: []runbook.Step{
//			{Name: "Approve", Action: &runbook.Approve{Approvers: []string{"arn:aws:iam::111122223333:role/OnCall"}}},
//			{Name: "Wait", Action: &runbook.Sleep{Duration: 10 * time.Minute}},
//		},
//	}
//	runbook.New(stack, "Pause", &runbook.Props{Document: doc})
//
// # The model
//
// A [Document] holds [Parameter]s and [Step]s; each step has one [Action]:
// [Branch], [ExecuteAwsApi], [AssertAwsResourceProperty],
// [WaitForAwsResourceProperty], [ExecuteScript], [Approve] or [Sleep].
// Durations are time.Duration and timestamps time.Time; [Document.YAML]
// and [Document.JSON] write them the ISO 8601 way SSM reads. The model's
// files import no
// jsii: its tests and property tests build and check documents without
// starting the CDK, in a fraction of a second. Only [New] uses the CDK.
//
// # Validation
//
// [Document.Validate] returns every problem at once as [Problems]. Each
// [Problem] names its rule, its path ("mainSteps[2](Wait).nextStep") and
// the fix. The rules, by id:
//
//	document             at least one step; the document renders as JSON and YAML
//	content-size         the JSON and the YAML are at most MaxContent bytes (below)
//	parameter-name       letters, digits and underscores; unique
//	parameter-type       String, StringList, Integer, Boolean, MapList or StringMap
//	parameter-default    the default fits the type, allowedValues, allowedPattern and limits;
//	                     it references nothing but a Parameter Store value
//	parameter-values     allowedValues fit the type (Integers as strconv writes them, true or
//	                     false; none on a StringMap or MapList), once each, within the limits
//	parameter-limits     minItems and maxItems on a StringList or MapList, minChars and
//	                     maxChars on a String; positive; min at most max
//	allowed-pattern      on a String or StringList only; Go's regexp compiles it, and it keeps to the syntax Java's regex and
//	                     Go's read alike, anchored ^...$ (SSM checks values with both;
//	                     pattern.go lists what is refused and why)
//	step-name            letters, digits and underscores; unique
//	step-target          nextStep, onFailure and onCancel step:X, a choice's NextStep and
//	                     Default name steps
//	step-options         onFailure is Abort, Continue or step:X; onCancel Abort or step:X,
//	                     not to an aws:sleep or aws:approve step; isEnd with neither
//	                     nextStep nor onFailure step:X, nor on a branch with a Default;
//	                     no nextStep on a branch; no negative counts
//	unreachable          every step is on some path from the first (along any edge)
//	infinite-loop        no loop goes round through onFailure or onCancel; every loop of
//	                     success edges has a way out on success (below)
//	parameter-reference  {{ Name }} names a parameter; {{ global:REGION }} and the other
//	                     system variables are known; no {{ssm:...}} in a step or assumeRole;
//	                     no braces in keys, none nested or unbalanced
//	output-reference     {{ Step.Output }} names an output the step declares (or the
//	                     action's own: Payload of a script, ApprovalStatus and
//	                     ApproverDecisions of an approval), set on every path to the step
//	step-output          declared outputs: a name, a JSONPath selector without references,
//	                     a type
//	document-output      the document's outputs are "Step.Output" of declared outputs
//	action               every step has an action
//	branch               choices exist; operators are SSM's; values fit the operator; the
//	                     variable is of the operator's type (a parameter's type, an
//	                     output's declared Type, String for system variables)
//	aws-api              Service and Api; selector and desired values for assert and wait
//	script               python3.11 or later (3.6 to 3.8 no longer run); a handler and a
//	                     script; at most 600 seconds
//	approve              one to ten approvers, each an IAM user name or a user, role or
//	                     assumed-role ARN, named once; no more approvals required than
//	                     approvers; a message of at most 4096 characters; a standard SNS
//	                     topic's ARN, the topic named Automation...
//	sleep                a Duration of whole seconds, from 0 to 604799 (the action page's
//	                     maximum); no fixed Timestamp (past for every later run, too far
//	                     ahead for a run more than 7 days before it)
//
// Where a step name or a jump is wrong, the rules that follow the control
// flow (unreachable, infinite-loop, and whether an output is set on every
// path) wait until it is right: one wrong name is one problem, not a list
// of unreachable steps.
//
// # Control flow and loops
//
// After a step succeeds comes its nextStep, else the next step in the
// document; a branch takes the first choice that holds, else Default, else
// the next step; isEnd ends the automation. After a failure comes
// onFailure, after a cancel onCancel. Every kind of edge counts for
// reachability, for loops and for whether an output is set.
//
// SSM checks a runbook for infinite loops before running it and refuses
// one; it documents that check for nextStep and branches, not whether it
// follows onFailure and onCancel. This package refuses:
//
//   - a loop that goes round through an onFailure (step:X or Continue) or
//     onCancel edge: a step that keeps failing would go round it forever,
//     and a cancel that leads back into what it cancelled starts it again.
//     Retry a step with maxAttempts; send failures and cancels forward;
//   - a loop of success edges that no step can leave after succeeding. A
//     loop whose only exit is a failure is still a loop: a run whose steps
//     keep succeeding would never end.
//
// A loop of success edges with a branch that can leave it (check, leave
// when done, sleep, check again) is allowed.
//
// # Size
//
// SSM takes at most 64 KB of content, and counts the parameters given at
// start against the same limit. This package reads 64 KB as 64,000 bytes
// and leaves 8,000 of them for the parameters' values: the rendered
// document, in YAML and in JSON, may be at most [MaxContent], 56,000 bytes.
//
// # YAML, and why
//
// AWS's page for aws:executeScript says an inline Script "is not supported
// for JSON runbooks. JSON runbooks must provide script content using the
// Attachment input parameter"; public JSON runbooks with inline Python
// exist all the same. A YAML runbook with an inline script works under
// either reading, so [New] deploys [Document.YAML]: block style, scripts
// and other multi-line text as literal blocks, and double quotes around
// every string a YAML 1.1 or 1.2 reader could take for something else
// ("true", "yes", "1", "null", "a: b", "{{ Param }}"). A property test
// parses it with a YAML 1.2 and a YAML 1.1 reader over the Validate
// property's generator, with any strings in any place, and compares both
// with the JSON as data; the actions' oracle holds the parsed YAML to
// AWS's inputs as it holds the JSON. [Document.JSON] stays, for tests and
// tools.
//
// # The construct
//
// [New] validates the document and reports each problem as an error
// annotation on the construct, which fails synthesis, as the other
// handsoff constructs do. It deploys an AWS::SSM::Document of type
// Automation in YAML (the text in Content, which the registry takes as a
// string; the CDK's CfnDocument takes only an object, so New sets it with
// the L1's property override), with UpdateMethod NewVersion (a new content
// makes a new version of the same document; the registry's default,
// Replace, replaces it). Strings in the document may be CDK tokens, such
// as a role's ARN for AssumeRole; each is double-quoted in the YAML, so
// its value must need no escaping there (an ARN or a name does).
//
// # Guarded runbooks
//
// Three ready-made runbooks for what developers do by hand, each a
// construct: [NewRefreshService] (a new deployment of an ECS service's
// current task definition, waiting until it has rolled out),
// [NewInvalidatePaths] (a CloudFront invalidation of the paths given at
// start, once the distribution is deployed and no invalidation of it is
// in progress, waiting until it completes) and [NewSnapshotDatabase] (a
// manual snapshot of an RDS instance, inside a daily off-peak window once
// its CPU has been quiet for 5 minutes, waiting until it is available).
// Each:
//
//   - begins with the freeze guard (internal/window): ReadCalendar reads
//     /handsoff/{service}/{stage}/calendar, FreezeGuard refuses inside the
//     stage's freeze windows and blackouts;
//   - names its target in the document: a developer cannot point it
//     elsewhere (InvalidatePaths' Paths is the only parameter of the three);
//   - runs as a role of its own (assumeRole written in the document),
//     allowed exactly the calls its steps make, on its target: the calendar
//     parameter's ARN, the topic, the service, distribution or instance.
//     "*" only for cloudwatch:GetMetricStatistics, which supports no
//     resource-level permissions; snapshots named handsoff-{instance}-*
//     since the execution's ID completes the name. Each wildcard carries a
//     cdk-nag suppression with that reason;
//   - on any failure, with a NotificationTopicArn, publishes to the topic
//     (Notify) and fails (Fail);
//   - keeps every status change of its executions and steps in a log group
//     of its own (encrypted, a year by default), fed by an EventBridge rule
//     on Systems Manager's "EC2 Automation Execution Status-change
//     Notification" and "EC2 Automation Step Status-change Notification"
//     for its document; the stack's runbooks share one KMS key and one
//     CloudWatch Logs resource policy (an account holds ten a region);
//   - is tagged handsoff:service and handsoff:environment, which handsoff
//     runbooks lists it by, and outputs the one-click link it prints
//     (Link), signing in through IAM Identity Center when SSOStartURL is
//     set.
//
// [NewStartPolicy] is the managed policy for developers: start these
// runbooks, read them and their executions, pass each one's role to SSM
// for that runbook's automations alone, and nothing else; not even ssm:StopAutomationExecution, whose execution ARNs
// name no document, so that it could not be kept to these runbooks.
//
// The Python of the CloudFront and database checks is in scripts/,
// embedded; tests run it under python3.11 with a fake boto3.
//
// # What is not covered
//
//   - The other thirteen actions (aws:runCommand, aws:executeAutomation,
//     ...), attachments, and PowerShell scripts (their current runtime
//     names are not in AWS's pages).
//   - Neither rendering has been tried against SSM: which YAML version its
//     reader follows is not documented, hence the two readers in the tests.
//   - An allowedPattern keeps to the syntax Java's regex and Go's read
//     alike, but Java's $ also matches before a final line terminator: a
//     value may end in one newline more under Java's check than the
//     pattern says, and no syntax both take closes that.
//   - RefreshService waits on the first deployment's rolloutState, which
//     ECS returns only for the rolling update (ECS) deployment controller
//     without a Classic Load Balancer; for other services the wait times
//     out. Whether SSM's JSONPath could say "one deployment" is not
//     documented, so the runbook checks that the completed deployment is
//     the one it started instead.
//   - InvalidatePaths gives CloudFront Quantity as "{{ CheckInvalidations.Quantity }}"
//     (an Integer output) and Items as "{{ Paths }}" (a StringList): a
//     value that is one reference alone keeps the reference's type, as
//     AWS's runbooks pass StringList parameters; not tried against SSM.
//   - A topic encrypted with a customer managed KMS key needs its key
//     policy to let the runbook's role use the key; the package does not
//     grant it.
//   - A CDK token is measured for size as its placeholder.
//
// AWS's pages: https://docs.aws.amazon.com/systems-manager/latest/userguide/automation-actions.html
// and the pages of each action, cited beside the code that relies on them.
package runbook
