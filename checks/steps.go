package checks

import (
	"fmt"

	"github.com/aws/aws-cdk-go/awscdk/v2/awscodepipeline"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscodepipelineactions"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssns"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsstepfunctions"
	"github.com/aws/aws-cdk-go/awscdk/v2/pipelines"
	"github.com/aws/jsii-runtime-go"
)

// ValidationStep is the CDK Pipelines step that runs an environment's
// validation state machine after the environment deploys. The action runs in
// the environment's region with the environment's gate role, and fails the
// stage when any check fails.
type ValidationStep struct {
	pipelines.Step
	names Names
	input map[string]interface{}
}

// NewValidationStep makes the step for the gates of one environment.
func NewValidationStep(id string, n Names, input map[string]interface{}) *ValidationStep {
	s := &ValidationStep{names: n, input: input}
	pipelines.NewStep_Override(s, jsii.String(id))
	return s
}

// ProduceAction is called by CDK Pipelines while it builds the pipeline.
func (s *ValidationStep) ProduceAction(stage awscodepipeline.IStage, o *pipelines.ProduceActionOptions) *pipelines.CodePipelineActionFactoryResult {
	// o.Scope is shared by every action of the pipeline stage.
	sm := awsstepfunctions.StateMachine_FromStateMachineArn(o.Scope, jsii.String(*o.ActionName+"StateMachine"), jsii.String(s.names.StateMachineArn))
	role := awsiam.Role_FromRoleArn(o.Scope, jsii.String(*o.ActionName+"GateRole"), jsii.String(s.names.GateRoleArn), &awsiam.FromRoleArnOptions{Mutable: jsii.Bool(false)})
	input := s.input
	stage.AddAction(awscodepipelineactions.NewStepFunctionInvokeAction(&awscodepipelineactions.StepFunctionsInvokeActionProps{
		ActionName:        o.ActionName,
		RunOrder:          o.RunOrder,
		StateMachine:      sm,
		Role:              role,
		StateMachineInput: awscodepipelineactions.StateMachineInput_Literal(&input),
	}))
	return &pipelines.CodePipelineActionFactoryResult{RunOrdersConsumed: jsii.Number(1)}
}

// ApprovalStep asks a person before a stage starts, notifying the document's
// SNS topic with a link to review the change.
type ApprovalStep struct {
	pipelines.Step
	topicArn, reviewURL, info string
}

// NewApprovalStep makes an approval; topicArn may be empty.
func NewApprovalStep(id, topicArn, reviewURL, info string) *ApprovalStep {
	s := &ApprovalStep{topicArn: topicArn, reviewURL: reviewURL, info: info}
	pipelines.NewStep_Override(s, jsii.String(id))
	return s
}

// ProduceAction is called by CDK Pipelines while it builds the pipeline.
func (s *ApprovalStep) ProduceAction(stage awscodepipeline.IStage, o *pipelines.ProduceActionOptions) *pipelines.CodePipelineActionFactoryResult {
	props := &awscodepipelineactions.ManualApprovalActionProps{
		ActionName:            o.ActionName,
		RunOrder:              o.RunOrder,
		AdditionalInformation: jsii.String(s.info),
	}
	if s.reviewURL != "" {
		props.ExternalEntityLink = jsii.String(s.reviewURL)
	}
	if s.topicArn != "" {
		props.NotificationTopic = awssns.Topic_FromTopicArn(o.Scope, jsii.String(*o.ActionName+"Topic"), jsii.String(s.topicArn))
	}
	stage.AddAction(awscodepipelineactions.NewManualApprovalAction(props))
	return &pipelines.CodePipelineActionFactoryResult{RunOrdersConsumed: jsii.Number(1)}
}

// ApprovalInfo is the text an approver reads.
func ApprovalInfo(service, stage string, waves, environments int) string {
	return fmt.Sprintf("handsoff: approve %s for %s: %d wave(s), %d environment(s). Bake alarms and validation stay in force after approval.", stage, service, waves, environments)
}
