package gates

import (
	"encoding/json"
	"fmt"
	"strings"

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
func ValidationAction(name string, n Names, runOrder int, input map[string]string) Action {
	in, _ := json.Marshal(input)
	return Action{
		Name:         name,
		ActionTypeId: invoke("StepFunctions"),
		Configuration: map[string]any{
			"StateMachineArn": n.StateMachineArn,
			"InputType":       "Literal",
			"Input":           string(in),
		},
		Region:   n.Region,
		RoleArn:  n.GateRoleArn,
		RunOrder: runOrder,
	}
}

// DefaultQualifier is the CDK bootstrap qualifier unless the app's context
// sets @aws-cdk/core:bootstrapQualifier.
const DefaultQualifier = "hnb659fds"

// DeployOptions place the gates' deploy actions in a pipeline stage.
type DeployOptions struct {
	// Artifact is the synth output holding the cloud assembly. Required.
	Artifact string
	// Dir is the directory of the gates template in the cloud assembly,
	// relative to its root. Default: the root.
	Dir string
	// Qualifier is the CDK bootstrap qualifier. Default: DefaultQualifier.
	Qualifier string
	// ChangeSets deploys through a change set, in two actions. Default:
	// false (one CREATE_UPDATE action).
	ChangeSets bool
	// RunOrder is the run order of the (first) action. Default: 1.
	RunOrder int
}

// DeployActions are the CloudFormation actions that deploy an environment's
// gates stack, with the environment's CDK bootstrap roles as CDK Pipelines
// deploys the team's stacks: the deploy role runs the action, the
// CloudFormation execution role the stack.
func DeployActions(name string, g Gates, o DeployOptions) []Action {
	n := g.Names()
	role := func(kind string) map[string]any {
		return map[string]any{"Fn::Join": []any{"", []any{"arn:", map[string]any{"Ref": "AWS::Partition"},
			fmt.Sprintf(":iam::%s:role/%s", n.Account, bootstrapRole(n, o.Qualifier, kind))}}}
	}
	if o.RunOrder < 1 {
		o.RunOrder = 1
	}
	deploy := ActionType{Category: "Deploy", Owner: "AWS", Provider: "CloudFormation", Version: "1"}
	// fromTemplate creates or updates the stack (or a change set of it)
	// from the template in the synth output.
	path := o.Artifact + "::" + strings.TrimPrefix(o.Dir+"/", "./") + g.StackName() + ".template.json"
	fromTemplate := func(name, mode string) Action {
		return Action{
			Name: name, ActionTypeId: deploy, Region: n.Region, RoleArn: role("deploy"), RunOrder: o.RunOrder,
			Configuration: map[string]any{
				"ActionMode":            mode,
				"StackName":             g.StackName(),
				"RoleArn":               role("cfn-exec"),
				"Capabilities":          "CAPABILITY_NAMED_IAM,CAPABILITY_AUTO_EXPAND",
				"TemplatePath":          path,
				"TemplateConfiguration": path + ".config.json",
			},
			InputArtifacts: []Artifact{{Name: o.Artifact}},
		}
	}
	if !o.ChangeSets {
		return []Action{fromTemplate(name+".Deploy", "CREATE_UPDATE")}
	}
	const changeSet = "PipelineChange"
	prepare := fromTemplate(name+".Prepare", "CHANGE_SET_REPLACE")
	prepare.Configuration["ChangeSetName"] = changeSet
	execute := Action{
		Name: name + ".Deploy", ActionTypeId: deploy, Region: n.Region, RoleArn: role("deploy"), RunOrder: o.RunOrder + 1,
		Configuration: map[string]any{"ActionMode": "CHANGE_SET_EXECUTE", "StackName": g.StackName(), "ChangeSetName": changeSet},
	}
	return []Action{prepare, execute}
}

// bootstrapRole names a role of the CDK bootstrap stack of n's account and
// region ("deploy", "cfn-exec"); qualifier defaults to DefaultQualifier.
func bootstrapRole(n Names, qualifier, kind string) string {
	return CDKRoleName(qualifier, kind, n.Account, n.Region)
}

// CDKRoleName names a role of the CDK bootstrap stack of an account and
// region ("deploy", "cfn-exec"): cdk-{qualifier}-{kind}-role-{account}-{region};
// qualifier defaults to DefaultQualifier.
func CDKRoleName(qualifier, kind, account, region string) string {
	if qualifier == "" {
		qualifier = DefaultQualifier
	}
	return fmt.Sprintf("cdk-%s-%s-role-%s-%s", qualifier, kind, account, region)
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
