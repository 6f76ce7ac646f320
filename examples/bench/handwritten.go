package main

import (
	"fmt"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscodepipeline"
	"github.com/aws/aws-cdk-go/awscdk/v2/pipelines"
	"github.com/aws/jsii-runtime-go"

	"github.com/handsoff-cdk/handsoff/pipeline"
)

// handWritten is what a team writes without handsoff for the bench topology:
// a CDK Pipelines V2 pipeline with alpha, beta, a gamma wave of two, a prod
// one-box and one prod wave of n, each environment one bucket. No gates, no
// tags, no conditions.
func handWritten(app awscdk.App, n int) { handWrittenWith(app, n, nil) }

// handWrittenWith adds aspects (cdk-nag) to each Stage before CDK Pipelines
// synthesizes it, as a careful team would.
func handWrittenWith(app awscdk.App, n int, aspects []awscdk.IAspect) {
	stack := awscdk.NewStack(app, jsii.String("bench-pipeline"), &awscdk.StackProps{
		Env: &awscdk.Environment{Account: jsii.String("111111111111"), Region: jsii.String("us-east-1")},
	})
	p := pipelines.NewCodePipeline(stack, jsii.String("Pipeline"), &pipelines.CodePipelineProps{
		PipelineType:     awscodepipeline.PipelineType_V2,
		CrossAccountKeys: jsii.Bool(true),
		Synth: pipelines.NewShellStep(jsii.String("Synth"), &pipelines.ShellStepProps{
			Input: pipelines.CodePipelineSource_Connection(jsii.String("acme/bench"), jsii.String("main"), &pipelines.ConnectionSourceOptions{
				ConnectionArn: jsii.String("arn:aws:codeconnections:us-east-1:111111111111:connection/0d7b0d4e-1111-2222-3333-444455556666"),
			}),
			Commands: jsii.Strings("npm install -g aws-cdk@2", "cdk synth"),
		}),
	})
	stage := func(name, account, region string) awscdk.Stage {
		s := awscdk.NewStage(app, jsii.String("bench-"+name), &awscdk.StageProps{
			Env: &awscdk.Environment{Account: jsii.String(account), Region: jsii.String(region)},
		})
		service(s, pipeline.Environment{Name: name})
		for _, a := range aspects {
			awscdk.Aspects_Of(s).Add(a, nil)
		}
		return s
	}
	p.AddStage(stage("alpha", "222222222222", "us-east-1"), nil)
	p.AddStage(stage("beta", "222222222222", "us-west-2"), nil)
	gamma := p.AddWave(jsii.String("gamma"), nil)
	gamma.AddStage(stage("gamma-1", "333333333333", "us-east-1"), nil)
	gamma.AddStage(stage("gamma-2", "333333333333", "eu-west-1"), nil)
	p.AddStage(stage("prod-onebox", "444444444444", "us-east-1"), nil)
	prod := p.AddWave(jsii.String("prod"), nil)
	for i := range n {
		prod.AddStage(stage(fmt.Sprintf("prod-%03d", i), fmt.Sprintf("%012d", 500000000000+i%10), benchRegions[i%len(benchRegions)]), nil)
	}
	p.BuildPipeline()
}
