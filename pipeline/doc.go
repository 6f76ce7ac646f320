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
// stage and environment, and given a gates stack (package checks; a
// template written beside the team's, deployed by the pipeline) that the
// pipeline wires without the team writing anything:
//
//   - a validation state machine run after the environment deploys;
//   - a composite alarm of every alarm in its stacks, watched for the bake
//     time by the stage's OnSuccess condition, rolling back on alarm;
//   - OnFailure rollback of every deployment stage;
//   - a freeze gate before stages that freeze windows or blackouts name;
//   - a manual approval where the document asks for one;
//   - notifications of failures, approvals and rollbacks.
//
// [New] prints the plan and writes a picture of the pipeline beside the
// cloud assembly; [Build] returns errors instead of exiting, for tests and
// programs. Pass cdk-nag packs and guardrails in [Props].Aspects: CDK
// Pipelines synthesizes each Stage when it is added, so aspects added later
// never reach it.
package pipeline
