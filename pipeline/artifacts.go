package pipeline

import (
	"github.com/aws/aws-cdk-go/awscdk/v2/awscodepipeline"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/handsoff-cdk/handsoff/constructs/privatebucket"
	"github.com/handsoff-cdk/handsoff/internal/names"
	"github.com/handsoff-cdk/handsoff/stages"
)

// pipelineName is the CodePipeline pipeline's name (at most 100 characters).
func pipelineName(cfg *stages.Config) string { return names.Join(100, cfg.Service.Name, "pipeline") }

// newArtifactPipeline makes the V2 CodePipeline that CDK Pipelines builds
// upon, with an artifact bucket that is private, KMS-encrypted with a
// rotated key (which the deploy roles of other accounts are granted), SSL
// only, versioned and access-logged.
func newArtifactPipeline(scope constructs.Construct, cfg *stages.Config) awscodepipeline.Pipeline {
	artifacts := privatebucket.New(scope, "Artifacts", &privatebucket.Props{Retain: true, NoncurrentVersionExpiration: 30 * 24 * hour})
	return awscodepipeline.NewPipeline(scope, jsii.String("Pipeline"), &awscodepipeline.PipelineProps{
		PipelineName:             jsii.String(pipelineName(cfg)),
		PipelineType:             awscodepipeline.PipelineType_V2,
		ArtifactBucket:           artifacts.Bucket(),
		RestartExecutionOnUpdate: jsii.Bool(true),
		ExecutionMode:            awscodepipeline.ExecutionMode_QUEUED,
	})
}
