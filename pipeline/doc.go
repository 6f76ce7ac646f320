// Package pipeline builds a hands-off deployment pipeline from a repository
// name and the platform's configuration document:
//
//	app := pipeline.NewApp()
//	pipeline.New(app, pipeline.Props{Repo: "acme/orders", Service: newOrdersStage})
//	app.Synth(nil)
//
// The result is a CDK Pipelines pipeline on a CodePipeline V2 pipeline in the
// document's pipeline account and region: source through CodeConnections,
// a synth step, self-mutation, asset publishing, then alpha, beta, gamma and
// prod's waves. Each environment is an awscdk.Stage made by the team's
// [ServiceFactory], tagged with the service's tags plus service, owner,
// stage and environment, and gated without the team writing anything:
//
//   - a validation state machine (a gates stack of package checks, written
//     beside the team's templates and deployed by the pipeline) run after
//     the environment deploys;
//   - a bake action after validation that watches every alarm of the
//     environment's stacks for the bake time and fails on an alarm;
//   - OnFailure rollback of every deployment stage;
//   - a freeze gate before stages that freeze windows or blackouts name;
//   - a manual approval, in a stage of its own, where the document asks;
//   - notifications of failures, approvals and rollbacks.
//
// # Words
//
// A stage is one of alpha, beta, gamma and prod ([stages.Stage]). A
// pipeline stage is a stage of the CodePipeline: one wave of a stage, or an
// approval, or source, build, self-mutation and assets
// ([PlanWave.PipelineStage]). The CDK Stage (awscdk.Stage) that holds one
// environment's stacks is its scope ([Pipeline.EnvironmentScopes]).
//
// # Deploying it on AWS
//
// Synthesizing is not deploying. The rules the design relies on, each
// encoded as a test over the synthesized assembly (internal/oracle):
//
//   - Every role an action or rule names exists before the pipeline:
//     CodePipeline refuses CreatePipeline and UpdatePipeline when its role
//     cannot assume one. They come from the CDK bootstrap (`cdk bootstrap
//     --trust`) and the handsoff bootstrap stack (checks.BootstrapTemplate),
//     both deployed once per account and region (`handsoff bootstrap`);
//     none from a stack the pipeline deploys. The pipeline's role is named
//     handsoff-{service}-pipeline, which the service's gate roles trust
//     (and no other service's).
//   - Nothing references the team's stacks: no exports, no alarm names.
//     A stack cannot remove an export another imports, and CloudWatch keeps
//     an alarm a composite alarm names; either would lock the next deploy,
//     or the rollback of this one. The bake watcher finds the alarms when
//     it runs.
//   - Rollback returns to the last execution that succeeded under the
//     current pipeline structure; self-mutation makes a new structure. The
//     plan says so; the first release after a structural change fails
//     forward.
//   - Log groups with fixed names go with their stack, so a failed first
//     create can be retried and a removed environment added back (the KMS
//     key of the checks is kept, RetainExceptOnCreate, with a generated
//     name); IAM policies stay inside IAM's size quotas at a hundred
//     environments.
//   - Every action runs in a region with an artifact store, and every
//     action whose role is in another account may read its input there:
//     the store's bucket policy and key policy name the role
//     (https://docs.aws.amazon.com/codepipeline/latest/userguide/pipelines-create-cross-account.html).
//     CDK Pipelines grants the deploy roles of the team's stacks; the
//     gates stack deploys with the deploy role of the environment's
//     account and region, so an environment with checks needs one of its
//     stacks there, and one with none is refused at synth. Stacks in other
//     accounts and regions beside it are fine.
//
// Where the documentation is silent or reads two ways (the CloudWatchAlarm
// rule's WaitTime and composite alarms; the LambdaInvoke rule's event), the
// design takes the reading-independent path: bakes are actions, and each
// stage's freeze gate knows its stage without reading the event.
//
// [New] prints the plan and writes a picture of the pipeline beside the
// cloud assembly; [Build] returns errors instead of exiting, for tests and
// programs. Pass cdk-nag packs and guardrails in [Props].Aspects: CDK
// Pipelines synthesizes each Stage when it is added, so aspects added later
// never reach it.
package pipeline
