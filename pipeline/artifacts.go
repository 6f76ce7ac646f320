package pipeline

import (
	"github.com/aws/aws-cdk-go/awscdk/v2/awscodepipeline"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/handsoff-cdk/handsoff/constructs/privatebucket"
	"github.com/handsoff-cdk/handsoff/internal/names"
	"github.com/handsoff-cdk/handsoff/stages"
)

// pipelineName is the CodePipeline pipeline's name (at most 100 characters).
func pipelineName(cfg *stages.Config) string { return names.Pipeline(cfg.Service.Name) }

// pipelineRoleName names the pipeline's role (at most 64 characters).
func pipelineRoleName(cfg *stages.Config) string {
	return names.PipelineRole(cfg.Service.Name)
}

// newArtifactPipeline makes the V2 CodePipeline that CDK Pipelines builds
// upon, with an artifact bucket that is private, KMS-encrypted with a
// rotated key (which the deploy roles of other accounts are granted), SSL
// only, versioned and access-logged.
func newArtifactPipeline(scope constructs.Construct, cfg *stages.Config) (awscodepipeline.Pipeline, awsiam.Role) {
	artifacts := privatebucket.New(scope, "Artifacts", &privatebucket.Props{Retain: true, NoncurrentVersionExpiration: 30 * 24 * hour})
	// The role's name is fixed: the service's bootstrap gate roles of the
	// environments trust exactly it (and the bake watcher's and stopper's)
	// of the pipeline account (checks.BootstrapTemplate).
	role := awsiam.NewRole(scope, jsii.String("PipelineRole"), &awsiam.RoleProps{
		RoleName:    jsii.String(pipelineRoleName(cfg)),
		Description: jsii.String("handsoff: the pipeline of " + cfg.Service.Name),
		AssumedBy:   awsiam.NewServicePrincipal(jsii.String("codepipeline.amazonaws.com"), nil),
	})
	pl := awscodepipeline.NewPipeline(scope, jsii.String("Pipeline"), &awscodepipeline.PipelineProps{
		Role:           role,
		PipelineName:   jsii.String(pipelineName(cfg)),
		PipelineType:   awscodepipeline.PipelineType_V2,
		ArtifactBucket: artifacts.Bucket(),
		// The cross-region support stacks' replication buckets need KMS
		// keys for actions in other accounts. Explicit, because the CDK's
		// recommended flag @aws-cdk/aws-codepipeline:crossAccountKeysDefaultValueToFalse
		// turns the default off.
		CrossAccountKeys:         jsii.Bool(true),
		RestartExecutionOnUpdate: jsii.Bool(true),
		ExecutionMode:            awscodepipeline.ExecutionMode_QUEUED,
	})
	return pl, role
}
