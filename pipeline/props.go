package pipeline

import (
	"github.com/handsoff-cdk/handsoff/constructs/runbook"
	"time"

	"github.com/aws/aws-cdk-go/awscdk/v2"

	"github.com/handsoff-cdk/handsoff/stages"
)

// Environment is what a service factory is told about the environment it
// builds: where it is, where it sits in the rollout, and the tags every
// resource carries (handsoff applies them; they are here for names and
// lookups).
type Environment struct {
	Name    string // unique in the document, e.g. "prod-use1"
	Stage   string // alpha, beta, gamma or prod
	Wave    string // the wave's name; the stage's name outside prod
	Account string
	Region  string
	OneBox  bool // takes a small share of traffic first
	Tags    map[string]string
	// Config is the environment as the document describes it.
	Config stages.Environment
}

// ServiceFactory creates the team's stacks for one environment inside scope,
// the environment's CDK Stage (awscdk.Stage), whose account and region are
// the environment's. It is called once per environment, before the
// pipeline is built.
type ServiceFactory func(scope awscdk.Stage, env Environment)

// RunbookFactory makes an environment's runbooks (constructs/runbook) in
// the stack it is given and returns them.
type RunbookFactory func(stack awscdk.Stack, env Environment) []runbook.Runbook

// Props configure a pipeline. Repo and Service are required; every other
// field has a default.
type Props struct {
	// Repo is the service's repository as owner/name. Required.
	Repo string
	// Service builds the team's stacks for each environment. Required.
	Service ServiceFactory
	// Config is an already loaded document. Default: loaded with
	// stages.Load and the Load options below.
	Config *stages.Config
	// Load chooses where the document comes from when Config is nil (Repo
	// is filled in). Default: HANDSOFF_CONFIG, then handsoff.json, then the
	// embedded example; see stages.LoadOptions.
	Load stages.LoadOptions
	// StackName names the pipeline's stack. Default: "{service}-pipeline".
	StackName string
	// SynthCommands run in the build stage and must leave the cloud assembly
	// in cdk.out. Default: install the CDK CLI and run "cdk synth"; Go comes
	// from the build image and fetches the toolchain go.mod names.
	SynthCommands []string
	// ReviewURL is shown to approvers. Default:
	// "https://github.com/{repo}/commits/{branch}".
	ReviewURL string
	// Aspects are added to the pipeline stack and to every environment's
	// Stage before CDK Pipelines synthesizes it (an Aspect on the App does
	// not reach into Stages, and one added after New comes too late): put
	// cdk-nag packs and guardrails here. Default: none.
	Aspects []awscdk.IAspect
	// ChangeSets deploys each stack through a change set, in two actions
	// (prepare, execute). Default: false: one action per stack, which halves
	// the CodePipeline actions an environment needs (nobody reviews change
	// sets in a hands-off pipeline; alarms and checks gate instead).
	ChangeSets bool
	// CheckSourceDir is uploaded for codebuild checks, as it is at synth.
	// Default: "." (the CDK app's directory).
	CheckSourceDir string
	// Metrics configures the delivery metrics. Default: on, with the
	// broken-pipeline alarm at 4 hours.
	Metrics MetricsProps
	// Runbooks attaches the service's runbooks to every environment: it
	// is called once per environment, after Service, with a stack of its
	// own ("Runbooks", deployed with the environment's other stacks, tagged
	// handsoff:service and handsoff:environment, which handsoff runbooks
	// lists them by). Each runbook needs a Name (the plan lists it).
	// Default: none.
	Runbooks RunbookFactory
	// MonoRepo says the service is one folder of a mono-repo whose
	// handsoff.deps.json lists its folders (docs/monorepo.md): the
	// pipeline is started only by changes to the service's folder, to
	// what it depends on (transitively) and to the dependency file; it
	// records the last commit it deployed to prod; and a frontend's
	// CloudFront distribution is invalidated after each environment
	// deploys. Default: nil, any push to the branch starts the pipeline,
	// and the pipeline is as without this field.
	MonoRepo *MonoRepoProps
	// Images are golden images (constructs/goldenami) whose new versions
	// start the pipeline, so that a new image rolls out through its
	// stages, approvals and bakes like a commit (docs/immutable.md); the
	// image's pipeline must forward its events to this pipeline's account
	// (goldenami.Props.ForwardTo). Default: none.
	Images []Image
}

// MonoRepoProps place the service in a mono-repo.
type MonoRepoProps struct {
	// Root is the repository's root directory at synth, which holds
	// handsoff.deps.json; its folders must exist under it. Default: "."
	// (the CDK app runs at the repository root).
	Root string
	// Folder is the service's folder, as the dependency file lists it.
	// Default: the folder whose entry names the document's service.
	Folder string
}

// MetricsProps configure the delivery metrics: a function on the
// pipeline's events that publishes lead time, deployments, failures, time
// to restore and build and deploy durations to CloudWatch (namespace
// handsoff/Delivery), a dashboard, and an alarm when the pipeline has been
// broken too long.
type MetricsProps struct {
	// Disabled leaves the delivery metrics out. Default: false (on).
	Disabled bool
	// BrokenAfter is how long the latest execution may stay failed before
	// the alarm fires (to the document's notification topic). Default: 4h;
	// at least 5 minutes, the schedule's period.
	BrokenAfter time.Duration
}

// DefaultBrokenAfter is MetricsProps.BrokenAfter's default.
const DefaultBrokenAfter = 4 * time.Hour

// checkSourceDir is CheckSourceDir or its default.
func (p Props) checkSourceDir() string {
	if p.CheckSourceDir == "" {
		return "."
	}
	return p.CheckSourceDir
}

// envVar names the default synth commands reading the lock file only.
var defaultSynthCommands = []string{
	"npm install -g aws-cdk@2",
	"cdk synth",
}
