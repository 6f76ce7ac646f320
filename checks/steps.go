package checks

import (
	"encoding/json"
	"fmt"

	"github.com/aws/aws-cdk-go/awscdk/v2/awscodepipeline"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscodepipelineactions"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssns"
	"github.com/aws/aws-cdk-go/awscdk/v2/pipelines"
	"github.com/aws/jsii-runtime-go"
)

// ValidationAction is the CodePipeline action, in CloudFormation's shape,
// that runs an environment's validation state machine: a StepFunctions
// action in the environment's region, with the environment's gate role,
// started after the environment's stacks deploy (runOrder). The pipeline
// adds it to the built pipeline directly: computed in Go, it costs one call
// to the CDK instead of a step that the CDK calls back into.
func ValidationAction(name string, n Names, runOrder int, input map[string]any) map[string]any {
	in, _ := json.Marshal(input)
	return map[string]any{
		"Name":         name,
		"ActionTypeId": map[string]any{"Category": "Invoke", "Owner": "AWS", "Provider": "StepFunctions", "Version": "1"},
		"Configuration": map[string]any{
			"StateMachineArn": n.StateMachineArn,
			"InputType":       "Literal",
			"Input":           string(in),
		},
		"Region":   n.Region,
		"RoleArn":  n.GateRoleArn,
		"RunOrder": runOrder,
	}
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
