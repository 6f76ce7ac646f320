package pipeline

import (
	"cmp"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"github.com/handsoff-cdk/handsoff/constructs/runbook"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscodebuild"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscodepipeline"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/aws-cdk-go/awscdk/v2/awss3assets"
	"github.com/aws/aws-cdk-go/awscdk/v2/pipelines"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/handsoff-cdk/handsoff/checks"
	"github.com/handsoff-cdk/handsoff/constructs/guardrails"
	"github.com/handsoff-cdk/handsoff/internal/monorepo"
	"github.com/handsoff-cdk/handsoff/internal/names"
	"github.com/handsoff-cdk/handsoff/pipeline/internal/cdkbatch"
	"github.com/handsoff-cdk/handsoff/pipeline/internal/gates"
	"github.com/handsoff-cdk/handsoff/stages"
)

// Pipeline is a built handsoff pipeline.
type Pipeline struct {
	config   *stages.Config
	calendar *checks.Calendar
	stack    awscdk.Stack
	cdk      pipelines.CodePipeline
	// built is the CodePipeline that CDK Pipelines builds upon (what
	// cdk.Pipeline() returns once built), and role its role: held here, a
	// jsii call saved at each use.
	built awscodepipeline.Pipeline
	role  awsiam.IRole
	envs  []*envDeployment
	byEnv map[string]*envDeployment // envs by environment name
	plan  *Plan
	// bakePer is how many environments one bake action watches.
	bakePer int
	// outdir is the App's cloud assembly directory.
	outdir string
	// qualifier is the CDK bootstrap qualifier the gates deploy with.
	qualifier  string
	changeSets bool
	// mono is the service's place in a mono-repo, or nil.
	mono *monoRepo
}

// envDeployment is one environment: its Stage, stacks and gates.
// maxPipelineStageName is the longest name CodePipeline takes for a stage
// (https://docs.aws.amazon.com/codepipeline/latest/userguide/limits.html).
const maxPipelineStageName = 100

type envDeployment struct {
	// suppressed are guardrail findings that the team suppressed.
	suppressed []guardrails.Finding
	env        stages.Environment
	stage      awscdk.Stage
	stacks     []string
	// local are the stacks in the environment's own account and region,
	// whose alarms the bake watches.
	local    []string
	alarms   int
	gates    gates.Gates
	dir      string // the Stage's cloud assembly directory
	gatesDir string // dir, relative to the App's cloud assembly
	// written is closed when the gates template is written, after the
	// error if it could not be; nil when there are no gates.
	written chan error
	check   *guardrailCheck
	// runbooks are the names of the environment's runbooks (Props.Runbooks).
	runbooks []string
}

// guardrailCheck is the guardrails' report on an environment's cloud
// assembly. It is made in the background as soon as CDK Pipelines has
// synthesized the Stage: Go reading files, it overlaps the jsii calls that
// follow, during which Go would only wait for Node.js.
type guardrailCheck struct {
	done chan struct{}
	rep  guardrails.Report
	err  error
}

// startGuardrails checks d's synthesized assembly in the background.
func (p *Pipeline) startGuardrails(d *envDeployment) {
	c := &guardrailCheck{done: make(chan struct{})}
	d.check = c
	ctx := guardrails.Context{RequiredTags: p.requiredTags(), ReasonPatterns: p.config.Guardrails.ReasonPatterns}
	go func() {
		defer close(c.done)
		if d.written != nil {
			if c.err = <-d.written; c.err != nil {
				return
			}
		}
		c.rep, c.err = guardrails.CheckAssembly(d.dir, ctx)
	}()
}

// requiredTags are the tags every resource must carry.
func (p *Pipeline) requiredTags() []string {
	return append(slices.Clone(stages.ReservedTags()), slices.Sorted(maps.Keys(p.config.Service.Tags))...)
}

// Config is the validated document the pipeline was built from.
func (p *Pipeline) Config() *stages.Config { return p.config }

// Stack is the pipeline's own stack.
func (p *Pipeline) Stack() awscdk.Stack { return p.stack }

// CodePipeline is the underlying CDK Pipelines construct, already built.
func (p *Pipeline) CodePipeline() pipelines.CodePipeline { return p.cdk }

// EnvironmentScopes lists the CDK Stage (awscdk.Stage) of every
// environment, in pipeline order. Aspects added to the App do not reach
// into them: add them to each of these too, or pass them in Props.Aspects.
func (p *Pipeline) EnvironmentScopes() []awscdk.Stage { return p.Stages() }

// Stages is EnvironmentScopes.
//
// Deprecated: "stage" means alpha, beta, gamma or prod in handsoff; use
// EnvironmentScopes.
func (p *Pipeline) Stages() []awscdk.Stage {
	out := make([]awscdk.Stage, len(p.envs))
	for i, d := range p.envs {
		out[i] = d.stage
	}
	return out
}

// Plan describes the pipeline for people: stages, waves, gates, bake times,
// freeze windows, and the estimated time to reach the last prod environment.
func (p *Pipeline) Plan() *Plan { return p.plan }

// Error is a mistake in Props or in the document, found before anything is
// synthesized. It lists every problem at once.
type Error struct {
	Problems []stages.Problem
	Source   string
}

func (e *Error) Error() string {
	return (&stages.ValidationError{Source: e.Source, Problems: e.Problems}).Error()
}

// New builds the pipeline, like Build. On a mistake in props or in the
// document it prints every problem to standard error and exits with status
// 2, the way flag.ExitOnError does: a CDK app has nothing better to do, and a
// panic trace would bury the message. Programs and tests that want the error
// call Build.
//
// New also prints the plan and writes it, with a picture of the pipeline,
// to handsoff-pipeline.html in the App's output directory, beside the cloud
// assembly. It prints to standard output when run directly (go run), and to
// standard error under the cdk CLI, whose own output (cdk ls, cdk synth)
// programs read. HANDSOFF_QUIET=1 prints nothing.
func New(scope constructs.Construct, props Props) *Pipeline {
	p, err := Build(scope, props)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	out := os.Stdout
	if os.Getenv("CDK_CONTEXT_JSON") != "" || os.Getenv("CONTEXT_OVERFLOW_LOCATION_ENV") != "" {
		out = os.Stderr // run by the cdk CLI
	}
	if os.Getenv("HANDSOFF_QUIET") == "" {
		fmt.Fprint(out, p.plan.String())
	}
	stage, ok := scope.(awscdk.Stage)
	if !ok {
		stage = awscdk.Stage_Of(scope)
	}
	if outdir := stage.Outdir(); outdir != nil {
		done := phase("plan files")
		defer done()
		if err := p.plan.WriteFiles(*outdir); err != nil {
			fmt.Fprintln(os.Stderr, "handsoff: cannot write the pipeline picture:", err)
		} else if os.Getenv("HANDSOFF_QUIET") == "" {
			fmt.Fprintf(out, "picture: %s\n", filepath.Join(*outdir, PictureFile))
		}
	}
	return p
}

// Build builds the pipeline described by the configuration document of
// props.Repo in scope (usually the App).
func Build(scope constructs.Construct, props Props) (*Pipeline, error) {
	var problems []stages.Problem
	if props.Repo == "" {
		problems = append(problems, stages.Problem{Path: "Props.Repo", Message: `is required: the repository as owner/name, such as "acme/orders"`})
	}
	if props.Service == nil {
		problems = append(problems, stages.Problem{Path: "Props.Service", Message: "is required: a func(awscdk.Stage, pipeline.Environment) that creates the service's stacks"})
	}
	if after := props.Metrics.BrokenAfter; after != 0 && after < 5*time.Minute {
		problems = append(problems, stages.Problem{Path: "Props.Metrics.BrokenAfter",
			Message: fmt.Sprintf("%v is shorter than 5m, the period at which the broken time is measured: use 5m or more, or 0 for the default (%v)", after, DefaultBrokenAfter)})
	}
	if len(problems) > 0 {
		return nil, &Error{Problems: problems, Source: "pipeline.Props"}
	}
	cfg := props.Config
	if cfg == nil {
		opts := props.Load
		opts.Repo = props.Repo
		var err error
		done := phase("document")
		if cfg, err = stages.Load(opts); err != nil {
			return nil, err
		}
		done()
	} else if cfg.Service.Repo != props.Repo {
		return nil, &Error{Source: cfg.Origin, Problems: []stages.Problem{{Path: "service.repo", Message: fmt.Sprintf("%q is not Props.Repo %q", cfg.Service.Repo, props.Repo)}}}
	}
	cal := checks.NewCalendar(cfg)
	if n := len(cal.JSON()); n > gates.MaxCalendarBytes {
		return nil, &Error{Source: cfg.Origin, Problems: []stages.Problem{{Path: "freezeWindows", Message: fmt.Sprintf("the windows and blackouts take %d bytes; the freeze gate holds at most %d (Lambda's 4 KB of environment): merge windows or drop past blackouts", n, gates.MaxCalendarBytes)}}}
	}
	p := &Pipeline{config: cfg, calendar: cal, byEnv: map[string]*envDeployment{}, changeSets: props.ChangeSets, qualifier: gates.DefaultQualifier}
	if problems := checkImages(props.Images); len(problems) > 0 {
		return nil, &Error{Source: "pipeline.Props", Problems: problems}
	}
	if props.MonoRepo != nil {
		mono, err := loadMonoRepo(cfg, *props.MonoRepo)
		if err != nil {
			return nil, err
		}
		p.mono = mono
	}
	// Gates templates are written into the cloud assembly, which the
	// pipeline's synth output carries, so paths are relative to the App's.
	node := scope.Node()
	var outdir *string
	if app, ok := node.Root().(awscdk.Stage); ok {
		outdir = app.Outdir()
	}
	if outdir == nil {
		return nil, &Error{Source: "pipeline.Build", Problems: []stages.Problem{{Path: "scope", Message: "must be inside a CDK App (awscdk.NewApp or pipeline.NewApp)"}}}
	}
	p.outdir = *outdir
	if q, ok := node.TryGetContext(jsii.String("@aws-cdk/core:bootstrapQualifier")).(string); ok && q != "" {
		p.qualifier = q
	}

	// Every environment's Stage is made first: the stacks the service
	// creates decide how many actions each environment needs, and so how
	// prod's waves are planned.
	done := phase("environments")
	if err := p.makeEnvironments(scope, props); err != nil {
		return nil, err
	}
	done()
	maxStacks := 1
	var targets []gates.BakeTarget
	for _, d := range p.envs {
		maxStacks = max(maxStacks, len(d.stacks))
		targets = append(targets, gates.BakeTarget{Environment: d.env.Name, Account: d.env.Account, Region: d.env.Region, Stacks: d.local, Alarms: d.env.Alarms})
	}
	// Bake actions hold as many environments as the longest one's
	// parameters leave room for, under the longest stage name CodePipeline
	// takes: the plan counts them so.
	bakePer := gates.BakeTargetsPerAction(cfg.Service.Name, maxPipelineStageName, targets)
	if bakePer < 1 {
		return nil, &Error{Source: cfg.Origin, Problems: []stages.Problem{{Path: "stages", Message: fmt.Sprintf(
			"an environment's bake parameters (its stack and alarm names) do not fit CodePipeline's %d characters for one bake action: use shorter stack names, fewer stacks or fewer named alarms", gates.MaxActionConfigurationValue)}}}
	}
	p.bakePer = bakePer
	if err := cfg.Plan(stages.Capacity{DeployActionsPerEnvironment: p.actionsPerStack() * maxStacks, BakeEnvironmentsPerAction: bakePer}); err != nil {
		return nil, err
	}
	done = phase("pipeline")
	if err := p.makePipeline(scope, props); err != nil {
		return nil, err
	}
	done()
	p.plan = newPlan(p)
	return p, nil
}

// maxSourceDestinations is how many account-regions one check-source asset
// is published to. CDK Pipelines publishes an asset from one CodeBuild
// project with a command per destination, about 330 characters each at the
// longest names; a buildspec holds at most 25,600
// (https://docs.aws.amazon.com/codebuild/latest/APIReference/API_ProjectSource.html,
// aws/aws-cdk#30326). Past this many, the source is published as several
// assets (the same files, each its own hash), each from its own project.
const maxSourceDestinations = 50

// sourceGroups assigns each account-region that receives the check source
// a group: all in group 0 up to maxSourceDestinations, else chunks of that
// many in sorted order.
func sourceGroups(cfg *stages.Config) map[string]int {
	seen := map[string]bool{}
	var dests []string
	for _, env := range cfg.Environments() {
		if d := env.Account + "/" + env.Region; gates.NeedsSource(cfg, env) && !seen[d] {
			seen[d] = true
			dests = append(dests, d)
		}
	}
	slices.Sort(dests)
	out := map[string]int{}
	for i, d := range dests {
		if len(dests) > maxSourceDestinations {
			out[d] = i / maxSourceDestinations
		}
	}
	return out
}

func (p *Pipeline) makeEnvironments(scope constructs.Construct, props Props) error {
	cfg := p.config
	var problems []stages.Problem
	groups := sourceGroups(cfg)
	var sourceHash string // the check source's fingerprint, when it is split
	// An SSM document's name is unique in its account and region: two
	// environments there cannot both have a runbook of one name. Names are
	// compared in any case, since whether SSM does is not documented.
	runbookAt := map[string]string{} // account/region/name -> environment
	for _, env := range cfg.Environments() {
		tags := Tags(cfg, env)
		stage := awscdk.NewStage(scope, jsii.String(stageID(cfg, env)), &awscdk.StageProps{
			Env: &awscdk.Environment{Account: jsii.String(env.Account), Region: jsii.String(env.Region)},
		})
		doneFactory := phase("  service " + env.Name)
		given := Environment{
			Name: env.Name, Stage: env.Stage, Wave: env.Wave, Account: env.Account, Region: env.Region,
			OneBox: env.OneBox, Tags: tags, Config: env,
		}
		if msg := catch(func() { props.Service(stage, given) }); msg != "" {
			problems = append(problems, stages.Problem{Path: env.Path, Message: fmt.Sprintf("the service factory failed for %s: %s", env.Name, msg)})
			continue
		}
		doneFactory()
		var runbooks []string
		if props.Runbooks != nil {
			var msg string
			runbooks, msg = makeRunbooks(stage, cfg, env, props.Runbooks, given)
			if msg != "" {
				problems = append(problems, stages.Problem{Path: env.Path, Message: msg})
				continue
			}
			for _, name := range runbooks {
				key := env.Account + "/" + env.Region + "/" + strings.ToLower(name)
				if other, taken := runbookAt[key]; taken {
					problems = append(problems, stages.Problem{Path: env.Path, Message: fmt.Sprintf(
						"runbook %q of %s has the name of one of %s, in the same account and region (%s %s), where an SSM document's name is unique: put the environment's name in it", name, env.Name, other, env.Account, env.Region)})
					continue
				}
				runbookAt[key] = env.Name
			}
		}
		if p.mono != nil && p.mono.folder.Kind == monorepo.Frontend {
			addInvalidation(stage, p.config.Service.Name, env, p.mono.folder.CloudFront)
		}
		// One jsii call tags the Stage and lists its stacks (13 calls an
		// environment, one at a time).
		home := fmt.Sprintf("aws://%s/%s", env.Account, env.Region)
		info := cdkbatch.DescribeStage(stage, home, tagList(tags))
		d := &envDeployment{env: env, stage: stage, dir: info.Outdir, runbooks: runbooks}
		if len(info.NestedStages) > 0 {
			problems = append(problems, stages.Problem{Path: env.Path, Message: fmt.Sprintf(
				"the Stage of %s holds another Stage (%s): CDK Pipelines deploys only the stacks directly in the Stage it is given, so the stacks in that one would never deploy, nor be held to the guardrails; create them in the given Stage",
				env.Name, strings.Join(info.NestedStages, ", "))})
			continue
		}
		// The gates deploy with the CDK deploy role of the environment's
		// account and region; CDK Pipelines grants a role the artifacts
		// only for the stacks it deploys with it.
		gatesRole := gates.CDKRoleName(p.qualifier, "deploy", env.Account, env.Region)
		placed := strings.NewReplacer("${AWS::AccountId}", env.Account, "${AWS::Region}", env.Region)
		sameRole := 0
		var roles []string
		alarms := map[string]int{} // by top-level stack name
		foreign := map[string]bool{}
		for _, st := range info.Stacks {
			role := placed.Replace(st.DeployRole)
			if st.Local && strings.HasSuffix(role, ":role/"+gatesRole) {
				sameRole++
			} else if st.Local {
				roles = append(roles, fmt.Sprintf("%s with %s", st.Name, cmp.Or(role, "no deploy role")))
			}
			d.stacks = append(d.stacks, st.Name)
			if st.Local {
				d.local = append(d.local, st.Name)
			} else {
				foreign[st.Name] = true
			}
			if st.Alarms > 0 {
				alarms[st.Name] += st.Alarms
			}
		}
		if len(d.stacks) == 0 {
			problems = append(problems, stages.Problem{Path: env.Path, Message: fmt.Sprintf("the service factory made no stacks for %s: create at least one awscdk.Stack in the Stage it is given", env.Name)})
			continue
		}
		d.alarms = len(env.Alarms)
		for stack, n := range alarms {
			d.alarms += n
			if env.Bake > 0 && foreign[stack] {
				problems = append(problems, stages.Problem{Path: env.Path, Message: fmt.Sprintf(
					"stack %s of %s has %d alarm(s) but is not in %s's account and region (%s %s): the bake watches the alarms of the environment's own account and region; move the alarms there",
					stack, env.Name, n, env.Name, env.Account, env.Region)})
			}
		}
		if env.Bake > 0 && d.alarms == 0 {
			problems = append(problems, stages.Problem{Path: env.Path, Message: fmt.Sprintf(
				"%s bakes for %s, but its stacks have no CloudWatch alarms and the document names none: add alarms on what customers feel (errors, latency) to the service's stacks, or name existing ones under \"alarms\"; a bake with nothing to watch only adds delay",
				env.Name, stages.FormatDuration(env.Bake))})
			continue
		}
		if len(env.Checks) > 0 && len(d.local) > 0 && sameRole == 0 {
			problems = append(problems, stages.Problem{Path: env.Path, Message: fmt.Sprintf(
				"the validation of %s deploys with the CDK deploy role %s, which may read the pipeline's artifacts only if one of %s's stacks deploys with it too; none does (%s): give one of them the default synthesizer with the qualifier %q",
				env.Name, gatesRole, env.Name, strings.Join(roles, "; "), p.qualifier)})
			continue
		}
		if len(env.Checks) > 0 && len(d.local) == 0 {
			// The gates stack deploys in the environment's account and
			// region with the CDK deploy role there, and reads the synth
			// output from that region's artifact store. CDK Pipelines lets
			// a deploy role of another account read the store (bucket and
			// key policies) only for the stacks it deploys itself, so with
			// none of the team's stacks there, the gates' deploy would be
			// denied (oracle.ArtifactReaders).
			// https://docs.aws.amazon.com/codepipeline/latest/userguide/pipelines-create-cross-account.html
			var where []string
			for _, st := range info.Stacks {
				where = append(where, st.Name)
			}
			problems = append(problems, stages.Problem{Path: env.Path, Message: fmt.Sprintf(
				"none of %s's stacks (%s) is in its account and region (%s %s), where its validation deploys and runs: set the environment's account and region to where its stacks deploy, or create at least one of its stacks there (Stage's Env)",
				env.Name, strings.Join(where, ", "), env.Account, env.Region)})
			continue
		}
		if len(env.Checks) > 0 {
			gp := &gates.GatesProps{Config: cfg, Environment: env, StackName: names.Join(128, cfg.Service.Name, env.Name, "gates"), Tags: tags}
			if gates.NeedsSource(cfg, env) {
				first := cdkbatch.FirstLocalStack(stage, home)
				if first == nil {
					problems = append(problems, stages.Problem{Path: env.Path, Message: fmt.Sprintf("the codebuild checks of %s need a stack in its own account and region (%s %s) to carry the source: none of its stacks is there", env.Name, env.Account, env.Region)})
					continue
				}
				// The source travels as an asset of the team's first stack
				// of the environment's account and region: CDK Pipelines
				// publishes it to that environment's bootstrap bucket before
				// the stage deploys.
				ap := &awss3assets.AssetProps{
					Path:    jsii.String(props.checkSourceDir()),
					Exclude: jsii.Strings(p.sourceExcludes(props.checkSourceDir())...),
				}
				if g, split := groups[env.Account+"/"+env.Region]; split {
					if sourceHash == "" {
						sourceHash = *awscdk.FileSystem_Fingerprint(ap.Path, &awscdk.FingerprintOptions{Exclude: ap.Exclude})
					}
					sum := sha256.Sum256([]byte(fmt.Sprintf("%s/%d", sourceHash, g)))
					ap.AssetHashType, ap.AssetHash = awscdk.AssetHashType_CUSTOM, jsii.String(hex.EncodeToString(sum[:]))
				}
				asset := awss3assets.NewAsset(first, jsii.String("HandsoffCheckSource"), ap)
				gp.SourceBucket, gp.SourceKey = *asset.S3BucketName(), *asset.S3ObjectKey()
				if strings.Contains(gp.SourceBucket+gp.SourceKey, "${Token[") {
					problems = append(problems, stages.Problem{Path: env.Path, Message: fmt.Sprintf("the codebuild checks of %s need the source uploaded to a bucket known at synth, but stack %s uses a stack synthesizer whose asset bucket is known only at deploy time: use the default synthesizer (DefaultStackSynthesizer) for it", env.Name, *first.StackName())})
					continue
				}
			}
			g, err := gates.NewGates(gp)
			if err != nil {
				problems = append(problems, stages.Problem{Path: env.Path, Message: err.Error()})
				continue
			}
			// The template goes into the Stage's own cloud assembly, so that
			// the synth output carries it to the pipeline. Go alone writes
			// it, in the background while the jsii calls go on; the
			// guardrails' check of the assembly waits for it (startGuardrails).
			d.written = make(chan error, 1)
			go func(d *envDeployment, g gates.Gates) {
				if err := g.Write(d.dir); err != nil {
					d.written <- fmt.Errorf("writing the gates of %s: %w", d.env.Name, err)
				}
				close(d.written)
			}(d, g)
			rel, err := filepath.Rel(p.outdir, d.dir)
			if err != nil {
				return fmt.Errorf("the assembly of %s (%s) is outside the app's (%s): %w", env.Name, d.dir, p.outdir, err)
			}
			d.gates, d.gatesDir = g, filepath.ToSlash(rel)
			d.stacks = append(d.stacks, g.StackName())
		}
		applyAspects(stage, props.Aspects)
		p.envs = append(p.envs, d)
		p.byEnv[env.Name] = d
	}
	if len(problems) > 0 {
		return &Error{Source: cfg.Origin, Problems: problems}
	}
	return nil
}

// sourceExcludes are the patterns the check source leaves out: build output,
// dependencies, version control, and the App's own cloud assembly wherever
// it is (CDK_OUTDIR may name a directory inside the source under any name;
// uncovered, the asset would copy the assembly into itself until the path
// is too long).
func (p *Pipeline) sourceExcludes(dir string) []string {
	out := []string{"cdk.out", "**/cdk.out", "node_modules", "**/node_modules", ".git", "*.test"}
	src, err1 := filepath.Abs(dir)
	asm, err2 := filepath.Abs(p.outdir)
	if err1 == nil && err2 == nil {
		if rel, err := filepath.Rel(src, asm); err == nil && rel != "." && !strings.HasPrefix(rel, "..") {
			rel = filepath.ToSlash(rel)
			out = append(out, rel, rel+"/**")
		}
	}
	return out
}

// synthOutput is the artifact CDK Pipelines names for the output of the
// synth step (id "Synth"): the cloud assembly.
const synthOutput = "Synth_Output"

// tagList is tags in key order, the order in which they are added.
func tagList(tags map[string]string) []cdkbatch.Tag {
	out := make([]cdkbatch.Tag, 0, len(tags))
	for _, k := range slices.Sorted(maps.Keys(tags)) {
		out = append(out, cdkbatch.Tag{Key: k, Value: tags[k]})
	}
	return out
}

// Tags are the tags every resource of env carries: the document's, plus
// service, owner, stage and environment.
func Tags(cfg *stages.Config, env stages.Environment) map[string]string {
	tags := map[string]string{}
	for k, v := range cfg.Service.Tags {
		tags[k] = v
	}
	tags["service"] = cfg.Service.Name
	tags["owner"] = cfg.Service.Owner
	tags["stage"] = env.Stage
	tags["environment"] = env.Name
	return tags
}

// approvalStageName is the CodePipeline stage of a stage's approval.
func approvalStageName(s stages.Stage) string { return names.Join(100, "Approve", s.Name) }

// waveStageName is the CodePipeline stage of a wave. CDK Pipelines names
// the stage of a wave that holds a single Stage after that Stage.
func waveStageName(cfg *stages.Config, s stages.Stage, w stages.Wave) string {
	if len(w.Environments) == 1 {
		return stageID(cfg, w.Environments[0])
	}
	if len(s.Waves) == 1 && w.Name == s.Name {
		return s.Name
	}
	return names.Join(100, s.Name, w.Name)
}

// stageID is the construct id of an environment's Stage, which also names
// its cloud assembly (assembly-{id}).
func stageID(cfg *stages.Config, env stages.Environment) string {
	return names.Stage(cfg.Service.Name, env.Name)
}

func (p *Pipeline) makePipeline(scope constructs.Construct, props Props) error {
	cfg := p.config
	stackName := props.StackName
	if stackName == "" {
		stackName = names.Join(128, cfg.Service.Name, "pipeline")
	}
	p.stack = awscdk.NewStack(scope, jsii.String(stackName), &awscdk.StackProps{
		Env:                   &awscdk.Environment{Account: jsii.String(cfg.Pipeline.Account), Region: jsii.String(cfg.Pipeline.Region)},
		Description:           jsii.String(fmt.Sprintf("handsoff: the pipeline of %s (%s)", cfg.Service.Name, cfg.Service.Repo)),
		TerminationProtection: jsii.Bool(true),
	})
	tags := Tags(cfg, stages.Environment{Stage: "pipeline", Name: "pipeline"})
	cdkbatch.AddTags(p.stack, tagList(tags))
	applyAspects(p.stack, props.Aspects)
	done := phase("artifacts and pipeline")
	base, role := newArtifactPipeline(p.stack, cfg)
	p.built, p.role = base, role
	synth := props.SynthCommands
	if len(synth) == 0 {
		synth = defaultSynthCommands
	}
	source := pipelines.CodePipelineSource_Connection(jsii.String(cfg.Service.Repo), jsii.String(cfg.Pipeline.Branch), &pipelines.ConnectionSourceOptions{
		ConnectionArn: jsii.String(cfg.Pipeline.ConnectionArn),
		// In a mono-repo the trigger starts the pipeline (addTrigger).
		TriggerOnPush: jsii.Bool(p.mono == nil),
	})
	p.cdk = pipelines.NewCodePipeline(p.stack, jsii.String("CDKPipeline"), &pipelines.CodePipelineProps{
		CodePipeline: base,
		Synth: pipelines.NewShellStep(jsii.String("Synth"), &pipelines.ShellStepProps{
			Input:    source,
			Commands: jsii.Strings(synth...),
		}),
		SelfMutation:  jsii.Bool(true),
		UseChangeSets: jsii.Bool(props.ChangeSets),
		CodeBuildDefaults: &pipelines.CodeBuildOptions{
			BuildEnvironment: &awscodebuild.BuildEnvironment{BuildImage: awscodebuild.LinuxBuildImage_STANDARD_7_0()},
			Logging: &awscodebuild.LoggingOptions{CloudWatch: &awscodebuild.CloudWatchLoggingOptions{
				LogGroup: awslogs.NewLogGroup(p.stack, jsii.String("BuildLogs"), &awslogs.LogGroupProps{
					Retention:     awslogs.RetentionDays_ONE_YEAR,
					RemovalPolicy: awscdk.RemovalPolicy_RETAIN,
				}),
			}},
		},
	})

	reviewURL := props.ReviewURL
	if reviewURL == "" {
		reviewURL = fmt.Sprintf("https://github.com/%s/commits/%s", cfg.Service.Repo, cfg.Pipeline.Branch)
	}
	done()
	done = phase("waves (Stage synthesis)")
	// Pipeline stages are named after waves, or after a wave's only
	// environment ({service}-{env}): two may coincide (service prod, an
	// environment wave-2 alone in its wave, and a wave wave-2). Compared
	// regardless of case, which holds whichever way CodePipeline compares.
	stageNames := map[string]string{}
	var clashes []stages.Problem
	claim := func(name, path string) {
		if first, ok := stageNames[strings.ToLower(name)]; ok {
			clashes = append(clashes, stages.Problem{Path: path, Message: fmt.Sprintf("makes the pipeline stage %s, as %s does: rename the wave or its environment", name, first)})
			return
		}
		stageNames[strings.ToLower(name)] = path
	}
	for _, s := range cfg.Stages {
		if s.Approval {
			claim(approvalStageName(s), s.Path)
		}
		for _, w := range s.Waves {
			claim(waveStageName(cfg, s, w), w.Path)
		}
	}
	if p.mono != nil {
		claim(DeployedStage, "the mono-repo's record of the commit deployed to prod")
	}
	if len(clashes) > 0 {
		return &Error{Source: cfg.Origin, Problems: clashes}
	}
	for _, s := range cfg.Stages {
		if s.Approval {
			// The approval has a pipeline stage of its own, before the
			// stage's first wave: the first wave's BeforeEntry condition
			// (the freeze calendar) is then read when the person approves,
			// not when the approval was asked for, up to 7 days earlier.
			// And a rejected or expired approval fails a stage that has no
			// OnFailure rollback, so it never rolls anything back.
			p.cdk.AddWave(jsii.String(approvalStageName(s)), &pipelines.WaveOptions{
				Pre: &[]pipelines.Step{gates.NewApprovalStep("Approve", cfg.Pipeline.NotificationTopicArn, reviewURL,
					gates.ApprovalInfo(cfg.Service.Name, s.Name, len(s.Waves), len(s.Environments())))},
			})
		}
		for _, w := range s.Waves {
			wave := p.cdk.AddWave(jsii.String(waveStageName(cfg, s, w)), nil)
			for _, env := range w.Environments {
				// CDK Pipelines synthesizes the Stage here, which is where
				// the team's constructs validate themselves.
				d := p.byEnv[env.Name]
				if msg := catch(func() { wave.AddStage(d.stage, nil) }); msg != "" {
					return &Error{Source: "the stacks of " + env.Name, Problems: []stages.Problem{{Path: env.Path, Message: "synthesis failed: " + msg}}}
				}
				p.startGuardrails(d)
			}
		}
	}
	if p.mono != nil {
		p.addDeployedStage(source)
	}
	done()
	done = phase("BuildPipeline")
	// CDK Pipelines refuses some structures (a cross-account action without
	// a key, say) by throwing: an error that names it, not a stack trace.
	// The guardrails' report comes first, though: the guardrails check the
	// Stages meanwhile.
	buildFailed := catch(func() { p.cdk.BuildPipeline() })
	done()
	// CDK Pipelines has synthesized every Stage by now: hold each to the
	// guardrails before going further.
	done = phase("guardrails")
	if err := p.checkGuardrails(); err != nil {
		return err
	}
	done()
	if buildFailed != "" {
		return &Error{Source: "CDK Pipelines", Problems: []stages.Problem{{Message: "building the pipeline failed: " + buildFailed}}}
	}
	if p.mono != nil {
		if err := p.addTrigger(); err != nil {
			return err
		}
	}
	done = phase("cross-region hardening")
	p.hardenCrossRegionSupport()
	done()
	done = phase("nag suppressions")
	suppressGeneratedWildcards(p.cdk, base, role)
	done()
	done = phase("gates in the pipeline")
	if err := p.addGates(); err != nil {
		return err
	}
	p.addPermissions()
	addNotifications(p.stack, p.built, cfg)
	if err := addStatusReports(p.stack, cfg, pipelineName(cfg), p.stageRunbooks()); err != nil {
		return err
	}
	p.addImageTriggers(props.Images)
	if !props.Metrics.Disabled {
		after := props.Metrics.BrokenAfter
		if after == 0 {
			after = DefaultBrokenAfter
		}
		gates.NewDeliveryMetrics(p.stack, "DeliveryMetrics", cfg, pipelineName(cfg), after)
	}
	done()
	return nil
}

// checkGuardrails runs the guardrail rules on every environment's
// synthesized templates and reports every failure at once.
func (p *Pipeline) checkGuardrails() error {
	var problems []stages.Problem
	for _, d := range p.envs {
		if d.check == nil { // not in a wave: cannot be, but check it then
			p.startGuardrails(d)
		}
		<-d.check.done
		rep, err := d.check.rep, d.check.err
		if err != nil {
			return err
		}
		for _, f := range rep.Failures() {
			msg := f.Message + ": " + f.Rule.Fix
			if f.Outcome == guardrails.Unresolved {
				msg = "cannot be checked at synth time: " + f.Message + "; if it is safe, say why with guardrails.SuppressUnresolved"
			}
			where := f.Resource
			if f.Path != "" {
				where += " " + f.Path
			}
			problems = append(problems, stages.Problem{Path: fmt.Sprintf("%s: %s [%s %s]", d.env.Name, where, f.Rule.ID, f.Rule.Name), Message: msg})
		}
		for _, bad := range rep.Problems {
			problems = append(problems, stages.Problem{Path: d.env.Name + ": " + bad.Resource, Message: bad.Message})
		}
		d.suppressed = rep.Suppressed()
	}
	if len(problems) > 0 {
		return &Error{Source: "guardrails", Problems: problems}
	}
	return nil
}

// addGates writes into the built pipeline what CDK Pipelines does not
// model, as one property override (a call per stage would add up over a
// hundred environments): each environment's gates deploy and validation
// action after its stacks, the wave's bake actions after those, and the V2
// stage conditions (the freeze gate before entry, rollback on failure).
func (p *Pipeline) addGates() error {
	cfg := p.config
	patches := map[builtStage]stagePatch{}
	needFreeze, needBake, needStop, found := false, false, false, map[string]bool{}
	var problems []stages.Problem
	for _, st := range p.builtStages() {
		s, w, ok := p.waveOf(st.name)
		if !ok {
			continue
		}
		if found[st.name] {
			return &LayoutError{LayoutWaveStages, fmt.Sprintf("stage %s appears twice", st.name)}
		}
		found[st.name] = true
		actions, bakes, err := p.gateActions(s, w)
		if err != nil {
			problems = append(problems, stages.Problem{Path: w.Path, Message: err.Error()})
			continue
		}
		needBake = needBake || bakes
		needStop = needStop || p.hasValidation(w)
		c := gates.ConditionsFor(cfg, p.calendar, s)
		needFreeze = needFreeze || c.BeforeEntry != nil
		patches[st] = stagePatch{actions: actions, beforeEntry: c.BeforeEntry, onFailure: c.OnFailure}
	}
	if len(problems) > 0 {
		return &Error{Source: cfg.Origin, Problems: problems}
	}
	for _, s := range cfg.Stages {
		for _, w := range s.Waves {
			if name := waveStageName(cfg, s, w); !found[name] {
				return &LayoutError{LayoutWaveStages, fmt.Sprintf("no pipeline stage is named %s", name)}
			}
		}
	}
	if err := p.patchStages(patches); err != nil {
		return err
	}
	cfn, _ := p.cfnPipeline()
	role := p.role
	var functions []string
	if needFreeze {
		// One gate per document stage that a window or blackout names: the
		// stage is fixed in the function, not read from the rule's event.
		for _, s := range cfg.Stages {
			if !p.calendar.Applies(s.Name) {
				continue
			}
			var waves []string
			for _, w := range s.Waves {
				waves = append(waves, waveStageName(cfg, s, w))
			}
			env, err := gates.FreezeGateEnvironment(cfg, p.calendar, s.Name, waves)
			if err != nil {
				return &Error{Source: cfg.Origin, Problems: []stages.Problem{{Path: "freezeWindows", Message: err.Error()}}}
			}
			fn := gates.NewFreezeGate(p.stack, "FreezeGate-"+s.Name, cfg, s.Name, env)
			cfn.AddDependency(fn)
			functions = append(functions, gates.FreezeGateArn(cfg, s.Name))
		}
	}
	if needBake {
		fn := gates.NewBakeWatcher(p.stack, "BakeWatcher", cfg)
		cfn.AddDependency(fn)
		functions = append(functions, gates.BakeWatcherArn(cfg))
		// The service role of a pipeline with Lambda invoke actions lists
		// functions too, as CodePipeline's own service role policy does
		// (https://docs.aws.amazon.com/codepipeline/latest/userguide/how-to-custom-role.html);
		// ListFunctions takes no resource.
		role.AddToPrincipalPolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
			Sid:       jsii.String("FindGateFunctions"),
			Actions:   jsii.Strings("lambda:ListFunctions"),
			Resources: jsii.Strings("*"),
		}))
	}
	if needStop {
		// Not a dependency of the pipeline: nothing of it names the
		// stopper, which acts only when a stage gives up.
		gates.NewValidationStopper(p.stack, "ValidationStopper", cfg, pipelineName(cfg))
	}
	if len(functions) > 0 {
		// The freeze gate (a LambdaInvoke rule) and the bake watcher (a
		// Lambda invoke action) run with the pipeline's role.
		// https://docs.aws.amazon.com/codepipeline/latest/userguide/security-iam.html#how-to-custom-role
		role.AddToPrincipalPolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
			Sid:       jsii.String("RunGateFunctions"),
			Actions:   jsii.Strings("lambda:InvokeFunction"),
			Resources: jsii.Strings(functions...),
		}))
	}
	return nil
}

// actionsPerStack is how many CodePipeline actions deploy a stack: two
// with change sets (create, execute), one without.
func (p *Pipeline) actionsPerStack() int {
	if p.changeSets {
		return 2
	}
	return 1
}

// gateActions are the actions wave w's environments add to its pipeline
// stage, by their index among the stage's actions (after the first n,
// which CDK Pipelines made): each environment's gates deploy beside its
// stacks, its validation once everything of the wave has deployed, then
// the wave's bake. bakes reports whether there is a bake action.
func (p *Pipeline) gateActions(s stages.Stage, w stages.Wave) (actions []gates.Action, bakes bool, err error) {
	perStack := p.actionsPerStack()
	// CDK Pipelines runs each environment's stacks in dependency order, at
	// most perStack run orders a stack. The gates stack references nothing
	// of the team's, so it deploys beside them.
	add := func(a gates.Action) { actions = append(actions, a) }
	validateAt := 0
	for _, env := range w.Environments {
		d := p.byEnv[env.Name]
		teamEnd := perStack * len(d.stacks)
		if d.gates != nil {
			teamEnd -= perStack // d.stacks counts the gates stack too
			for _, a := range gates.DeployActions("Gates-"+env.Name, d.gates, gates.DeployOptions{
				Artifact: synthOutput, Dir: d.gatesDir, Qualifier: p.qualifier, ChangeSets: p.changeSets, RunOrder: 1,
			}) {
				add(a)
			}
			teamEnd = max(teamEnd, perStack)
		}
		validateAt = max(validateAt, teamEnd+1)
	}
	bakeAt := validateAt
	for _, env := range w.Environments {
		d := p.byEnv[env.Name]
		if d.gates == nil {
			continue
		}
		input := map[string]string{
			"service": p.config.Service.Name, "stage": s.Name, "wave": w.Name, "environment": env.Name,
			"pipelineExecutionId": "#{codepipeline.PipelineExecutionId}",
		}
		add(gates.ValidationAction("Validate-"+env.Name, d.gates.Names(), validateAt, input))
		bakeAt = validateAt + 1
	}
	if w.Bake <= 0 {
		return actions, false, nil
	}
	var targets []gates.BakeTarget
	for _, env := range w.Environments {
		d := p.byEnv[env.Name]
		targets = append(targets, gates.BakeTarget{Environment: env.Name, Account: env.Account, Region: env.Region, Stacks: d.local, Alarms: env.Alarms})
	}
	per := p.bakePer
	if per < 1 {
		per = stages.BakeEnvironmentsPerAction
	}
	for i := 0; i < len(targets); i += per {
		chunk := targets[i:min(i+per, len(targets))]
		name := "Bake"
		if len(targets) > per {
			name = fmt.Sprintf("Bake-%d", i/per+1)
		}
		a, err := gates.BakeAction(name, p.config.Service.Name, waveStageName(p.config, s, w), gates.BakeWatcherName(p.config), int(w.Bake.Minutes()), chunk, bakeAt)
		if err != nil {
			return nil, false, err
		}
		add(a)
	}
	return actions, true, nil
}

// hasValidation reports whether an environment of w runs checks.
func (p *Pipeline) hasValidation(w stages.Wave) bool {
	for _, env := range w.Environments {
		if p.byEnv[env.Name].gates != nil {
			return true
		}
	}
	return false
}

// waveOf finds the stage and wave of a pipeline stage name.
func (p *Pipeline) waveOf(name string) (stages.Stage, stages.Wave, bool) {
	for _, s := range p.config.Stages {
		for _, w := range s.Waves {
			if waveStageName(p.config, s, w) == name {
				return s, w, true
			}
		}
	}
	return stages.Stage{}, stages.Wave{}, false
}

// addPermissions lets the pipeline role assume the roles that its gates
// actions use, all of which exist before the pipeline does: the CDK
// bootstrap deploy roles that deploy the gates stacks (`cdk bootstrap
// --trust`; CDK Pipelines grants these for the team's stacks too), and the
// handsoff bootstrap gate roles of the validation actions. One pattern per
// kind of role keeps the statement the same size at any number of
// environments: listing two ARNs per environment passed IAM's 6,144
// characters of a managed policy at about 40 environments
// (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_iam-quotas.html).
// Which accounts may be entered is decided by the roles' trust policies:
// only accounts bootstrapped to trust the pipeline account.
func (p *Pipeline) addPermissions() {
	if len(p.envs) == 0 {
		return
	}
	part := stages.Partition(p.config.Pipeline.Region)
	deploy := fmt.Sprintf("arn:%s:iam::*:role/cdk-%s-deploy-role-*", part, p.qualifier)
	gate := gates.GateRolesPattern(p.config)
	p.role.AddToPrincipalPolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Sid:       jsii.String("UseGateRoles"),
		Actions:   jsii.Strings("sts:AssumeRole"),
		Resources: jsii.Strings(deploy, gate),
	}))
}

// IsConfigError reports whether err is a mistake in props or the document
// (as opposed to, say, the configuration service being down).
func IsConfigError(err error) bool {
	var pe *Error
	var ve *stages.ValidationError
	return errors.As(err, &pe) || errors.As(err, &ve)
}

// makeRunbooks calls the runbook factory of an environment in a stack of
// its own and returns the runbooks' names, or why it cannot.
func makeRunbooks(stage awscdk.Stage, cfg *stages.Config, env stages.Environment, factory RunbookFactory, e Environment) ([]string, string) {
	stack := awscdk.NewStack(stage, jsii.String("Runbooks"), nil)
	awscdk.Tags_Of(stack).Add(jsii.String("handsoff:service"), jsii.String(cfg.Service.Name), nil)
	awscdk.Tags_Of(stack).Add(jsii.String("handsoff:environment"), jsii.String(env.Name), nil)
	var made []runbook.Runbook
	if msg := catch(func() { made = factory(stack, e) }); msg != "" {
		return nil, fmt.Sprintf("the runbook factory failed for %s: %s", env.Name, msg)
	}
	if len(made) == 0 {
		// No runbooks here: no stack, which CloudFormation would refuse
		// for having no resource.
		stage.Node().TryRemoveChild(jsii.String("Runbooks"))
		return nil, ""
	}
	var names []string
	var problems []string
	for i, rb := range made {
		if rb == nil {
			problems = append(problems, fmt.Sprintf("runbook %d of %s is nil", i+1, env.Name))
			continue
		}
		if at := *awscdk.Stack_Of(rb.Resource()).Node().Path(); at != *stack.Node().Path() {
			problems = append(problems, fmt.Sprintf("runbook %d of %s is made in %s, not in the stack the factory is given (%s), which deploys it with the environment and tags it", i+1, env.Name, at, *stack.Node().Path()))
			continue
		}
		name := rb.DocumentName()
		if name == nil || *awscdk.Token_IsUnresolved(name) {
			problems = append(problems, fmt.Sprintf("runbook %d of %s has no Name of its own: give each runbook a Name (runbook.Props.Name, a string, not a token), which the plan and handsoff runbooks list it by", i+1, env.Name))
			continue
		}
		names = append(names, *name)
	}
	if len(problems) > 0 {
		return nil, strings.Join(problems, "; ")
	}
	return names, ""
}
