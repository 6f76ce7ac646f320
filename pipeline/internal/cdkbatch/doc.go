// Package cdkbatch is handsoff's own small jsii assembly: CDK operations
// that handsoff's Go would otherwise make one jsii call a step, done in one
// call each.
//
// Every jsii call is a round trip from Go through two Node.js processes
// (jsii's runtime and its kernel) and back: about 0.3 ms, however little it
// does (measured on the project's 2-core machines: a property read costs
// 0.29 ms, Tags.add 0.23 ms, a new Stack 0.40 ms). Tagging each
// environment's Stage and listing its stacks took 13 such calls an
// environment, and hardening the CDK's cross-region support stacks 21 a
// region: about 850 of the 1,200 calls of a 35-environment app.
//
// The assembly is built here, at first use, from cdkbatch.js and a jsii
// manifest (.jsii) that declares Batch's static methods with parameters and
// results of type any; the kernel loads it beside aws-cdk-lib and its
// require("aws-cdk-lib") is the app's own copy, so the constructs it makes
// or changes are the ones Go sees, and cdk-nag, cfn-guard and the
// guardrails check them as before. The JavaScript makes exactly the changes
// the Go steps made, in the same order: the golden templates of the
// pipeline package are unchanged by it, and the tests here hold each method
// to its Go description.
//
// jsii documents how its compiler writes assemblies, not which of their
// fields a kernel requires of a hand-written one. The manifest here is
// therefore a complete one under jsii's own schema (the kernel checks it
// against that schema when JSII_VALIDATE_ASSEMBLIES=1, and a test does),
// uses only static methods with parameters and results of type any (no
// type of its own that the kernel would have to map), and hands back
// constructs only as a whole result (FirstLocalStack): the design that works
// whether or not a kernel validates.
package cdkbatch
