// Package checks describes the gates a handsoff pipeline puts around every
// deployment, so that no person has to watch one, and holds what platform
// code uses of them: the freeze calendar ([Calendar]) and the one-time
// bootstrap stack ([BootstrapTemplate]). The gates themselves are made by
// the pipeline package (their code is internal); this page is their manual.
//
// # Validation
//
// After each environment deploys, a Step Functions state machine in the
// environment's own account and region runs the stage's checks in parallel:
// http (a small function calls the URL and compares the status), codebuild
// (a project in the environment's account runs the commands against the
// repository as it was at synth) and lambda (the team's function, with
// {stage} {region} {account} {env} filled in). Each check has its own timeout
// and retries (10 s back-off, doubling). Every check runs to its end: each
// branch ends in the check's result, passed or caught, and the check runner
// (checkrunner.js, which also runs the http checks) reports them all. The
// execution then fails once, with the error "CheckFailed: a, b" and one line
// of cause a check: the build's log link, the network error in words, what
// a lambda check threw or that it returned {"ok": false}. Definitions and IAM
// policies are generated in Go (NewValidation); the role may call exactly
// the functions and projects the checks name. Logging of ALL events and
// X-Ray tracing are on.
//
// The pipeline starts the state machine through a StepFunctions action that
// runs in the environment's region with the service's gate role there
// ([GateRoleName]). That role comes from the service's handsoff bootstrap
// stack ([BootstrapTemplate]), deployed once per account and region before
// the pipeline: CodePipeline refuses to create or update a pipeline whose
// role cannot assume the roles its actions name, so a role made by a stack
// the pipeline deploys would fail the first deploy and every self-mutation
// that adds an environment. The gate role trusts exactly the three roles of
// the service's pipeline stack in the trusted pipeline accounts
// (aws:PrincipalArn) and may start and follow the service's state machines
// (handsoff-{service}_*), read alarms, and list stack resources: one
// service's pipeline reaches no other's validations.
//
// A validation the pipeline gave up on is stopped: CodePipeline does not
// stop a state machine whose action failed or whose stage was stopped
// ("the state machine might continue despite this failure",
// https://docs.aws.amazon.com/codepipeline/latest/userguide/action-reference-StepFunctions.html).
// NewValidationStopper adds EventBridge rules on the pipeline's stage and
// action state changes and a function that stops the stage's running
// executions through the gate roles. Every execution is also bounded by the
// state machine's TimeoutSeconds (ValidationTimeout) and every build by
// CodeBuild's queued timeout.
//
// # Where the gates live
//
// Each environment's validation resources form one CloudFormation stack,
// {service}-{env}-gates, in the environment's account and region
// (NewGates). Its template is computed in Go and written into the
// environment's cloud assembly, beside the team's stack templates; the
// pipeline deploys it with a CloudFormation action that uses the
// environment's CDK bootstrap roles, exactly as CDK Pipelines deploys the
// team's stacks (DeployActions). There is no CDK construct tree for it:
// through jsii, a second stack per environment cost about 0.6 s of a
// 36-environment synth. It references nothing of the team's stacks, so it
// deploys beside them and no change of theirs can lock it. The source of
// codebuild checks is an asset of the team's first stack in the
// environment's own account and region, whose bucket and key are known at
// synth. `cdk deploy` of a Stage does not deploy the gates; the pipeline
// does.
//
// # Bake
//
// After validation, one Lambda invoke action per wave (per 10 environments)
// runs the bake watcher (BakeAction, bakewatch.js, in the pipeline's
// stack). For the bake time it checks, about once a minute, every metric
// and composite alarm of the environments' stacks (found with
// ListStackResources when it runs) and the alarms the document names, with
// each environment's gate role; an alarm in ALARM fails the action, and the
// stage's OnFailure condition rolls it back. It waits with CodePipeline's
// continuation tokens, documented for up to 24 hours. A named alarm that
// does not exist, a stack that is gone, or five failed checks in a row fail
// it too: it fails closed.
//
// Why not the CloudWatchAlarm rule in an OnSuccess condition: its reference
// says WaitTime is the time "to allow for a state change before running the
// rule result" and that a rule finding the alarm OK succeeds at once, which
// would bake for no time; the launch announcement says an alarm "within 60
// minutes" rolls back. Neither says whether a composite alarm may be
// watched, and one composite alarm per environment named alarms of the
// team's stacks, which locked their removal. The action works under every
// reading, and lifts the 5 rules per condition that held baked waves to 5
// environments. A Step Functions wait would not do: the quotas page gives
// "all other actions" 1 hour.
//
// # Freeze windows and blackouts
//
// [Calendar] is the single source of truth: [Calendar.Blocked] answers
// whether a stage may start at a time, and why. The pipeline enforces the
// same rules with a BeforeEntry condition whose LambdaInvoke rule calls the
// freeze gate (freezegate.js), which fails while the calendar blocks the
// stage. DeploymentWindow cron rules cannot express "any time except
// weekdays 12:00-15:00" (rules of a condition must all pass, and one cron
// cannot subtract a window), hence the function. A test runs the freeze
// gate's code under Node for every 5 minutes of a year and compares each
// answer with Calendar.
//
// # Approvals and notifications
//
// A stage whose document sets approval gets a manual approval in a pipeline
// stage of its own before its first wave, notifying the document's SNS
// topic with a review link. Its own stage, because an approval can wait up
// to 7 days: the first wave's freeze gate then reads the calendar when the
// person approves, not when the approval was asked for. The approval's stage
// has no rollback condition, so a rejected or expired approval stops the
// release without rolling anything back.
//
// The freeze gate reads nothing from its event (a LambdaInvoke rule's event
// is not documented): there is one gate per gated stage, with the stage,
// the calendar, the pipeline and the stage's pipeline stages fixed in its
// environment. What it assumes of the rule is what the rule's reference
// says: the rule fails when the function returns an error, and passes when
// it returns
// (https://docs.aws.amazon.com/codepipeline/latest/userguide/rule-reference-LambdaInvoke.html).
// Inside a window it lets in a rollback (a new execution of type ROLLBACK,
// which runs the entry conditions again) when every execution waiting to
// enter the stage's pipeline stages is one (GetPipelineState's
// inboundExecutions); when it cannot tell, it blocks, and says how to let a
// rollback in by hand: override the stage's entry condition.
package checks
