// Package monorepo reads a mono-repository's dependency file
// (handsoff.deps.json at the repository root), validates it, and answers
// the two questions a mono-repo's pipelines ask of it:
//
//   - which files start a service's pipeline ([Deps.Trigger]): the
//     service's folder, every folder it depends on, transitively, and the
//     dependency file itself, as CodePipeline V2 trigger file-path globs;
//   - which services a set of changes affects ([Deps.Affected]): the
//     folders the changed files are in, and everything that depends on
//     them, transitively.
//
// Both the pipeline (pipeline.Props.MonoRepo) and the CLI (handsoff
// changed) use it, so it links no jsii.
//
// # The file
//
//	{
//	  "folders": [
//	    {"path": "libs/money", "kind": "library"},
//	    {"path": "services/orders", "kind": "service", "service": "orders", "dependsOn": ["libs/money"]},
//	    {"path": "web/shop", "kind": "frontend", "service": "shop", "dependsOn": ["services/orders"],
//	     "cloudfront": {"distributions": {"prod-use1": "E2QWRUHAPOMQZL"}, "paths": ["/index.html", "/assets/*"]}}
//	  ]
//	}
//
// A folder is a service (deployed by the pipeline of the handsoff service
// it names, the "service.name" of that pipeline's document), a library
// (deployed by nobody, built into what depends on it) or a frontend (a
// service whose pipeline also invalidates its CloudFront distribution in
// each environment once the environment has deployed). Decoding is strict
// (unknown fields and values of the wrong type are refused) and
// [Parse] reports every problem at once, each with its field path and the
// fix: folders that are absolute, hold "." or ".." or glob characters,
// repeat or nest inside another; dependsOn naming an unknown folder;
// cycles, with the cycle (a → b → a); a service or frontend without its
// pipeline's service name, or two folders naming one; CloudFront paths
// CloudFront would refuse. [Deps.CheckFolders] adds the folders missing
// from a checkout, and those that are, or lie under, a symbolic link or a
// git submodule (whose changes git never lists under the folder).
//
// # The trigger and the dependency file
//
// A commit that changes only the dependency file may change what any
// service depends on. At trigger time nothing can compare the old set with
// the new, so every pipeline's trigger includes the file: all start, and
// each one's synth reads the file again (a pipeline whose set did not
// change deploys what it deployed). [Deps.Affected], given the file as it
// was, is exact: only the services whose set changed.
//
// CodePipeline V2 takes one trigger per source action, with at most three
// push filters of at most eight file-path patterns each
// (https://docs.aws.amazon.com/codepipeline/latest/APIReference/API_GitConfiguration.html,
// https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-properties-codepipeline-pipeline-gitfilepathfiltercriteria.html);
// filters are ORed, so [Deps.Trigger] spreads the patterns over up to
// three filters, each with the branch, and refuses a service that needs
// more than [MaxPatterns], with the count.
package monorepo
