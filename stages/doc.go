// Package stages models where a service deploys and how each deployment is
// checked: the platform's configuration-service document (handsoff/v1),
// read from a file, from bytes, or from the configuration service with a
// lock file that pins it, validated with every problem reported at once, and
// turned into a [Config] of stages, waves and environments.
//
// # Loading
//
// [Load] picks the document for a repository: LoadOptions.Document, Path or
// URL when set in code; then HANDSOFF_CONFIG (a file path, or the http(s)
// base URL of the configuration service); then handsoff.json in the working
// directory; then the embedded example (acme/orders only). A document
// fetched from the service is pinned in handsoff.lock.json next to cdk.json
// and reused until HANDSOFF_CONFIG_REFRESH=1 fetches it again, so synthesis
// is deterministic and works offline.
//
// # Validation
//
// [Parse] refuses unknown fields (with the likely correction), values of the
// wrong type, and every rule of the v1 contract: stage order, unique
// environment names, 12-digit accounts, real regions, defined checks, check
// timeouts that fit the 1-hour CodePipeline action, bakes in whole minutes up
// to 24 h, valid time zones and clock times. A [*ValidationError] lists each
// [Problem] with its field path, such as
// stages[1].environments[0].region: "us-east-7" is not an AWS region.
//
// # Waves
//
// Prod may list plain environments instead of waves. [Config.Plan] then
// plans them the Amazon way: one-box environments first, then one
// environment, then waves that double, never more than a CodePipeline stage
// holds (50 actions) or a stage condition watches (5 alarm rules). Explicit
// waves are kept and checked against the same quotas and against the
// pipeline's 50 stages and 500 actions.
package stages
