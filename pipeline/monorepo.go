package pipeline

import (
	"crypto/sha256"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscodepipeline"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/aws-cdk-go/awscdk/v2/customresources"
	"github.com/aws/aws-cdk-go/awscdk/v2/pipelines"
	"github.com/aws/jsii-runtime-go"

	"github.com/handsoff-cdk/handsoff/internal/monorepo"
	"github.com/handsoff-cdk/handsoff/internal/nag"
	"github.com/handsoff-cdk/handsoff/internal/names"
	"github.com/handsoff-cdk/handsoff/stages"
)

// monoRepo is the service's place in a mono-repo (Props.MonoRepo).
type monoRepo struct {
	deps    *monorepo.Deps
	folder  monorepo.Folder
	filters []monorepo.PushFilter
}

// DeployedStage is the pipeline stage, after the last wave, that records
// the commit deployed to prod in a mono-repo's pipeline.
const DeployedStage = "Deployed"

// loadMonoRepo reads the dependency file and finds the service in it:
// every problem is a mistake in Props.MonoRepo or the file.
func loadMonoRepo(cfg *stages.Config, mp MonoRepoProps) (*monoRepo, error) {
	root := mp.Root
	if root == "" {
		root = "."
	}
	file := filepath.Join(root, monorepo.File)
	deps, err := monorepo.ReadFile(file)
	if errors.Is(err, os.ErrNotExist) {
		return nil, &Error{Source: "pipeline.Props", Problems: []stages.Problem{{Path: "Props.MonoRepo.Root", Code: stages.CodeInvalid,
			Message: fmt.Sprintf("%s has no %s: set Root to the repository's root directory (the app runs in %s), or create the file (docs/monorepo.md)", root, monorepo.File, cwd())}}}
	}
	if err != nil {
		return nil, err
	}
	if err := deps.CheckFolders(root, file); err != nil {
		return nil, err
	}
	var f monorepo.Folder
	var ok bool
	if mp.Folder != "" {
		// As a program may build it: filepath.Join on Windows, ./, a
		// trailing /.
		if f, ok = deps.Folder(monorepo.CleanFolder(mp.Folder)); !ok {
			return nil, &Error{Source: file, Problems: []stages.Problem{{Path: "Props.MonoRepo.Folder", Code: stages.CodeInvalid, Message: fmt.Sprintf("%q is not a folder of %s%s: fix the name, or add the folder to the file", mp.Folder, file, deps.DidYouMean(monorepo.CleanFolder(mp.Folder)))}}}
		}
		if f.Service != cfg.Service.Name {
			return nil, &Error{Source: file, Problems: []stages.Problem{{Path: "Props.MonoRepo.Folder", Code: stages.CodeInvalid, Message: fmt.Sprintf("%q is deployed by %q, not by this pipeline's service %q: make its entry's service %q", mp.Folder, f.Service, cfg.Service.Name, cfg.Service.Name)}}}
		}
	} else if f, ok = deps.ByService(cfg.Service.Name); !ok {
		return nil, &Error{Source: file, Problems: []stages.Problem{{Path: "folders", Code: stages.CodeRequired, Message: fmt.Sprintf("no service or frontend names %q, the service of %s: add its folder with \"service\": %q", cfg.Service.Name, cfg.Origin, cfg.Service.Name)}}}
	}
	filters, err := deps.Trigger(f.Path, cfg.Pipeline.Branch)
	if err != nil {
		return nil, &Error{Source: file, Problems: []stages.Problem{{Path: fmt.Sprintf("folders[%d].dependsOn", slices.IndexFunc(deps.Folders, func(x monorepo.Folder) bool { return x.Path == f.Path })), Code: stages.CodeQuota, Message: err.Error()}}}
	}
	if f.Kind == monorepo.Frontend {
		if err := checkDistributions(cfg, deps, f, file); err != nil {
			return nil, err
		}
	}
	return &monoRepo{deps: deps, folder: f, filters: filters}, nil
}

// checkDistributions: every environment of a frontend has a distribution
// to invalidate, and every one named is an environment.
func checkDistributions(cfg *stages.Config, deps *monorepo.Deps, f monorepo.Folder, file string) error {
	i := slices.IndexFunc(deps.Folders, func(x monorepo.Folder) bool { return x.Path == f.Path })
	at := fmt.Sprintf("folders[%d].cloudfront.distributions", i)
	var ps []stages.Problem
	envs := map[string]bool{}
	var names []string
	for _, e := range cfg.Environments() {
		envs[e.Name] = true
		names = append(names, e.Name)
		if _, ok := f.CloudFront.Distributions[e.Name]; !ok {
			ps = append(ps, stages.Problem{Path: at, Code: stages.CodeRequired, Message: fmt.Sprintf("names no distribution for %s: every environment of %s deploys the frontend, and each invalidates its own", e.Name, cfg.Service.Name)})
		}
	}
	for _, env := range slices.Sorted(mapKeys(f.CloudFront.Distributions)) {
		if !envs[env] {
			ps = append(ps, stages.Problem{Path: fmt.Sprintf("%s[%q]", at, env), Code: stages.CodeInvalid, Message: fmt.Sprintf("%q is not an environment of %s (%v): fix the name, or remove it", env, cfg.Origin, names)})
		}
	}
	if len(ps) > 0 {
		return &Error{Source: file, Problems: ps}
	}
	return nil
}

func mapKeys[V any](m map[string]V) func(func(string) bool) {
	return func(yield func(string) bool) {
		for k := range m {
			if !yield(k) {
				return
			}
		}
	}
}

func cwd() string {
	d, err := os.Getwd()
	if err != nil {
		return "."
	}
	return d
}

// addDeployedStage adds, after the last wave, a pipeline stage whose one
// step writes the commit the execution deployed to the SSM parameter
// names.DeployedParameter (handsoff changed reads it). A stage of its own
// runs only once every wave before it has succeeded, bakes included;
// the commit comes from the source action's CommitId variable
// (https://docs.aws.amazon.com/codepipeline/latest/userguide/reference-variables.html),
// which CDK Pipelines passes by giving the source a namespace. The
// step's role may put that one parameter.
func (p *Pipeline) addDeployedStage(source pipelines.CodePipelineSource) {
	cfg := p.config
	name := names.DeployedParameter(cfg.Service.Name)
	arn := fmt.Sprintf("arn:%s:ssm:%s:%s:parameter%s", stages.Partition(cfg.Pipeline.Region), cfg.Pipeline.Region, cfg.Pipeline.Account, name)
	step := pipelines.NewCodeBuildStep(jsii.String("RecordCommit"), &pipelines.CodeBuildStepProps{
		Input: source,
		Env: &map[string]*string{
			"PARAMETER": jsii.String(name),
			"COMMIT":    source.SourceAttribute(jsii.String("CommitId")),
		},
		Commands: jsii.Strings(`aws ssm put-parameter --name "$PARAMETER" --type String --overwrite --value "$COMMIT"`),
		RolePolicyStatements: &[]awsiam.PolicyStatement{awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
			Sid:       jsii.String("RecordDeployedCommit"),
			Actions:   jsii.Strings("ssm:PutParameter"),
			Resources: jsii.Strings(arn),
		})},
	})
	p.cdk.AddWave(jsii.String(DeployedStage), &pipelines.WaveOptions{Post: &[]pipelines.Step{step}})
}

// addTrigger gives the source action its trigger: a push to the branch
// that changes a file of the service's patterns (monorepo.Deps.Trigger).
// The action's own change detection is off (TriggerOnPush false): a
// filtered trigger turns it off anyway
// (https://docs.aws.amazon.com/codepipeline/latest/userguide/pipelines-triggers.html),
// and the template then says what the pipeline does. One trigger per
// source action is all CodePipeline takes
// (https://docs.aws.amazon.com/codepipeline/latest/APIReference/API_GitConfiguration.html).
func (p *Pipeline) addTrigger() error {
	stages := *p.built.Stages()
	if len(stages) == 0 || len(*stages[0].Actions()) != 1 {
		return &LayoutError{"the first stage holds the one source action", fmt.Sprintf("%d stages", len(stages))}
	}
	action := (*stages[0].Actions())[0]
	var filters []*awscodepipeline.GitPushFilter
	for _, f := range p.mono.filters {
		filters = append(filters, &awscodepipeline.GitPushFilter{
			BranchesIncludes:  jsii.Strings(f.Branches...),
			FilePathsIncludes: jsii.Strings(f.FilePaths...),
		})
	}
	p.built.AddTrigger(&awscodepipeline.TriggerProps{
		ProviderType:     awscodepipeline.ProviderType_CODE_STAR_SOURCE_CONNECTION,
		GitConfiguration: &awscodepipeline.GitConfiguration{SourceAction: action, PushFilter: &filters},
	})
	return nil
}

// addInvalidation gives a frontend's environment a stack of its own,
// "Invalidation", deployed after every other stack of the environment,
// that invalidates the environment's CloudFront distribution at the
// configured paths (checked against CloudFront's rules by
// monorepo.Parse). It runs in the environment's account, where the
// distribution is, with a role that may only create invalidations of
// that distribution.
//
// The invalidation is a custom resource whose caller reference
// (invalidationReference) changes with each synth of the pipeline, so
// each execution's deploy invalidates once: a retry of the deploy sends
// the same reference and paths, which CloudFront answers with the earlier
// invalidation instead of a new one, while CloudFront answers a reference
// it has seen with other paths with InvalidationBatchAlreadyExists
// (https://docs.aws.amazon.com/cloudfront/latest/APIReference/API_InvalidationBatch.html).
// Deleting the stack invalidates nothing.
func addInvalidation(stage awscdk.Stage, service string, env stages.Environment, cf *monorepo.CloudFront) {
	var team []awscdk.Stack
	for _, c := range *stage.Node().Children() {
		if st, ok := c.(awscdk.Stack); ok {
			team = append(team, st)
		}
	}
	stack := awscdk.NewStack(stage, jsii.String("Invalidation"), nil)
	for _, st := range team {
		stack.AddDependency(st, jsii.String("the invalidation follows the frontend's deploy"))
	}
	id := cf.Distributions[env.Name]
	ref := invalidationReference(service, env.Name, id, cf.Paths)
	call := &customresources.AwsSdkCall{
		Service: jsii.String("CloudFront"),
		Action:  jsii.String("createInvalidation"),
		Parameters: map[string]any{
			"DistributionId": id,
			"InvalidationBatch": map[string]any{
				"CallerReference": ref,
				"Paths":           map[string]any{"Quantity": len(cf.Paths), "Items": cf.Paths},
			},
		},
		PhysicalResourceId: customresources.PhysicalResourceId_Of(jsii.String(ref)),
	}
	customresources.NewAwsCustomResource(stack, jsii.String("Invalidate"), &customresources.AwsCustomResourceProps{
		OnCreate:            call,
		OnUpdate:            call,
		InstallLatestAwsSdk: jsii.Bool(false),
		Policy: customresources.AwsCustomResourcePolicy_FromStatements(&[]awsiam.PolicyStatement{awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
			Actions:   jsii.Strings("cloudfront:CreateInvalidation"),
			Resources: jsii.Strings(fmt.Sprintf("arn:%s:cloudfront::%s:distribution/%s", stages.Partition(env.Region), env.Account, id)),
		})}),
	})
	// The custom resource's provider is the CDK's singleton function.
	if fn, ok := stack.Node().TryFindChild(jsii.String("AWS679f53fac002430cb0da5b7982bd2287")).(awslambda.Function); ok && fn != nil {
		nag.Suppress(fn.Node().DefaultChild().(awslambda.CfnFunction), nag.Suppression{
			ID:     "AwsSolutions-L1",
			Reason: "The CDK's own provider function for AwsCustomResource, whose runtime the pinned CDK version chooses; it moves with the CDK, as handsoff's releases do.",
		})
		if role, ok := fn.Role().Node().DefaultChild().(awsiam.CfnRole); ok && role != nil {
			nag.Suppress(role, nag.Suppression{
				ID:        "AwsSolutions-IAM4",
				Reason:    "AWSLambdaBasicExecutionRole lets the CDK's provider function write its own logs and nothing else; its one call is granted by the statement scoped to the distribution.",
				AppliesTo: []any{"Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole"},
			})
		}
	}
}

// invalidationReference is the CallerReference of a frontend's
// invalidation: handsoff-{service}-{commit}-{digest}. The commit
// (CODEBUILD_RESOLVED_SOURCE_VERSION in the pipeline's synth) says what
// it follows; the digest, of the synth's build (CODEBUILD_BUILD_ID), the
// environment, the distribution and the paths, makes it unique where
// CloudFront needs it to be
// (https://docs.aws.amazon.com/cloudfront/latest/APIReference/API_InvalidationBatch.html):
//   - two frontends behind one distribution, started by one commit, send
//     different paths, which under one reference CloudFront refuses with
//     InvalidationBatchAlreadyExists;
//   - a new execution of a commit deployed before (a release of the
//     earlier commit, to undo a bad one) must invalidate again, not get
//     the earlier invalidation back.
//
// Outside the pipeline (no build) the digest is of the paths alone, so
// the template stays the same from one synth to the next.
func invalidationReference(service, env, distribution string, paths []string) string {
	commit := os.Getenv("CODEBUILD_RESOLVED_SOURCE_VERSION")
	if commit == "" {
		commit = "local"
	}
	h := sha256.New()
	for _, s := range append([]string{os.Getenv("CODEBUILD_BUILD_ID"), env, distribution}, paths...) {
		h.Write([]byte(s))
		h.Write([]byte{0})
	}
	return fmt.Sprintf("handsoff-%s-%s-%x", service, commit, h.Sum(nil)[:8])
}
