// Package checks holds the gates a handsoff pipeline puts around every
// deployment, so that no person has to watch one.
//
// # Validation
//
// After each environment deploys, a Step Functions state machine in the
// environment's own account and region runs the stage's checks in parallel:
// http (a small function calls the URL and compares the status), codebuild
// (a project in the environment's account runs the commands against the
// repository as it was at synth) and lambda (the team's function, with
// {stage} {region} {account} {env} filled in). Each check has its own timeout
// and retries (10 s back-off, doubling); the execution fails with the error
// CheckFailed.<name> and the check's output as the cause. Definitions and IAM
// policies are generated in Go ([NewValidation]); the role may call exactly
// the functions and projects the checks name. Logging of ALL events and
// X-Ray tracing are on.
//
// The pipeline starts the state machine through a StepFunctions action that
// runs in the environment's region with the environment's gate role
// (Names.GateRole), which trusts the pipeline account and may only start and
// follow that state machine and read the bake alarm.
//
// # Where the gates live
//
// Each environment's gate resources form one CloudFormation stack,
// {service}-{env}-gates, in the environment's account and region
// ([NewGates]). Its template is computed in Go and written into the
// environment's cloud assembly, beside the team's stack templates; the
// pipeline deploys it with a CloudFormation action that uses the
// environment's CDK bootstrap roles, exactly as CDK Pipelines deploys the
// team's stacks ([DeployActions]). There is no CDK construct tree for it:
// through jsii, a second stack per environment cost about 0.6 s of a
// 36-environment synth. Values only the CDK knows reach the template as
// plain values: alarms of the team's stacks are exported by the pipeline
// (by logical id) and imported by the bake alarm, and the source of
// codebuild checks is an asset of the team's first stack, whose bucket and
// key are known at synth. `cdk deploy` of a Stage does not deploy the
// gates; the pipeline does.
//
// # Bake
//
// Every CloudWatch alarm in the environment's stacks, plus any the document
// names, is rolled into one composite alarm per environment. The pipeline
// stage's OnSuccess condition holds one CloudWatchAlarm rule per environment
// with WaitTime set to the bake: an alarm during the bake rolls the stage
// back (Result ROLLBACK). Stage conditions are used instead of a
// Lambda-driven poller because they need no code, survive pipeline restarts,
// and roll back natively; the cost is the 5-rules-per-condition quota, which
// is why baked waves hold at most 5 environments (package stages plans
// them so). A Step Functions wait would not do: CodePipeline times out a
// Step Functions action after 1 hour, and bakes run to 24 hours.
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
// A stage whose document sets approval gets a manual approval before its
// first wave, notifying the document's SNS topic with a review link.
package checks
