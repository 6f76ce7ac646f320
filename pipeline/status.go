package pipeline

import (
	"fmt"

	"github.com/aws/aws-cdk-go/awscdk/v2/awsevents"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/handsoff-cdk/handsoff/internal/names"
	"github.com/handsoff-cdk/handsoff/stages"
)

// StatusHeader is the header the pipeline's reports carry the token in
// (the configuration service also takes it as a bearer token).
const StatusHeader = "X-Handsoff-Token"

// StatusReport is the body a stage's state change posts to the
// configuration service: EventBridge's input transformer fills it from the
// CodePipeline event
// (https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-transform-target-input.html).
// Placeholders outside quotes are replaced by JSON values, strings quoted.
var statusReport = struct {
	paths    map[string]string
	template string
}{
	paths:    map[string]string{"execution": "$.detail.execution-id", "stage": "$.detail.stage", "state": "$.detail.state", "time": "$.time"},
	template: `{"executionId": <execution>, "stage": <stage>, "state": <state>, "detail": {"time": <time>}}`,
}

// addStatusReports makes the pipeline report every stage state change to
// the configuration service, when the document names it: an EventBridge
// rule on the pipeline's stage events, and an API destination whose
// connection sends the token kept in Secrets Manager
// (https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-api-destinations.html).
//
// The secret holds the token alone, and is the whole value of the
// connection's API key header: a dynamic reference that is the entire
// property value resolves under every reading of CloudFormation's rules
// (https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/dynamic-references-secretsmanager.html),
// where "Bearer " in front of one might not.
func addStatusReports(scope constructs.Construct, cfg *stages.Config, pipeline string) {
	p := cfg.Pipeline
	if p.StatusURL == "" {
		return
	}
	conn := awsevents.NewCfnConnection(scope, jsii.String("StatusConnection"), &awsevents.CfnConnectionProps{
		Name:              jsii.String(names.Join(64, cfg.Service.Name, "status")),
		Description:       jsii.String("handsoff: the configuration service's token for " + pipeline),
		AuthorizationType: jsii.String("API_KEY"),
		AuthParameters: map[string]any{"apiKeyAuthParameters": map[string]any{
			"apiKeyName":  StatusHeader,
			"apiKeyValue": fmt.Sprintf("{{resolve:secretsmanager:%s:SecretString}}", p.StatusTokenSecretArn),
		}},
	})
	dest := awsevents.NewCfnApiDestination(scope, jsii.String("StatusDestination"), &awsevents.CfnApiDestinationProps{
		Name:                         jsii.String(names.Join(64, cfg.Service.Name, "status")),
		Description:                  jsii.String("handsoff: where " + pipeline + " reports its stages"),
		ConnectionArn:                conn.AttrArn(),
		HttpMethod:                   jsii.String("POST"),
		InvocationEndpoint:           jsii.String(p.StatusURL + "/v1/services/" + cfg.Service.Repo + "/status"),
		InvocationRateLimitPerSecond: jsii.Number(10),
	})
	role := awsiam.NewCfnRole(scope, jsii.String("StatusRole"), &awsiam.CfnRoleProps{
		Description: jsii.String("handsoff: EventBridge posts " + pipeline + "'s stage states to the configuration service"),
		AssumeRolePolicyDocument: map[string]any{"Version": "2012-10-17", "Statement": []any{map[string]any{
			"Effect": "Allow", "Action": "sts:AssumeRole", "Principal": map[string]any{"Service": "events.amazonaws.com"},
			"Condition": map[string]any{"StringEquals": map[string]any{"aws:SourceAccount": p.Account}}}}},
		Policies: []any{map[string]any{"policyName": "report", "policyDocument": map[string]any{"Version": "2012-10-17", "Statement": []any{
			map[string]any{"Effect": "Allow", "Action": "events:InvokeApiDestination", "Resource": dest.AttrArn()}}}}},
	})
	awsevents.NewCfnRule(scope, jsii.String("StatusRule"), &awsevents.CfnRuleProps{
		Description: jsii.String("handsoff: reports " + pipeline + "'s stage states to the configuration service"),
		State:       jsii.String("ENABLED"),
		EventPattern: map[string]any{
			"source":      []any{"aws.codepipeline"},
			"detail-type": []any{"CodePipeline Stage Execution State Change"},
			"detail":      map[string]any{"pipeline": []any{pipeline}},
		},
		Targets: &[]any{map[string]any{
			"id": "status", "arn": dest.AttrArn(), "roleArn": role.AttrArn(),
			"inputTransformer": map[string]any{"inputPathsMap": statusReport.paths, "inputTemplate": statusReport.template},
			"retryPolicy":      map[string]any{"maximumRetryAttempts": 20, "maximumEventAgeInSeconds": 3600},
		}},
	})
}
