package pipeline

import (
	"encoding/json"
	"fmt"
	"maps"
	"slices"

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
	template: `{"executionId": <execution>, "stage": <stage>, "state": <state>, "detail": {"time": <time>}, "runbooks": %s}`,
}

// maxInputTemplate is the longest input template EventBridge takes
// ("Length Constraints: Minimum length of 1. Maximum length of 8192.",
// https://docs.aws.amazon.com/eventbridge/latest/APIReference/API_InputTransformer.html).
const maxInputTemplate = 8192

// maxRunbooksPerEnvironment is the most runbooks the configuration
// service takes for one environment in a report
// (configsvc.MaxRunbooksPerEnvironment): it refuses a report with more
// whole, and every report carries every environment's list, so one
// environment over it would have the service refuse all the pipeline's
// reports. Refused at synth instead.
const maxRunbooksPerEnvironment = 100

// statusTemplate is the status reports' input template. Besides the
// stage's state, every report carries the runbooks of every deployment
// stage, by pipeline stage and environment (an environment without
// runbooks has an empty list, so that runbooks removed leave the
// service's page too): when a stage succeeds, the service takes that
// stage's entry as the runbooks its environments now have, and lists them
// on the service's page with their one-click links. The map is constant,
// known at synth; EventBridge does not look anything up, so the whole map
// travels with every report (one rule, not one a stage: a rule a stage
// would spend an account's rules quota, 300 an event bus, on every
// pipeline in it).
func statusTemplate(runbooks map[string]map[string][]string) (string, error) {
	for _, stage := range slices.Sorted(maps.Keys(runbooks)) {
		for _, env := range slices.Sorted(maps.Keys(runbooks[stage])) {
			if n := len(runbooks[stage][env]); n > maxRunbooksPerEnvironment {
				return "", fmt.Errorf("%s has %d runbooks; the configuration service takes at most %d an environment in the status reports, and would refuse every report of this pipeline: merge some", env, n, maxRunbooksPerEnvironment)
			}
		}
	}
	raw, err := json.Marshal(runbooks) // sorted keys; < and > escaped, so no placeholder
	if err != nil {
		return "", err
	}
	t := fmt.Sprintf(statusReport.template, raw)
	if len(t) > maxInputTemplate {
		n := 0
		for _, envs := range runbooks {
			for _, names := range envs {
				n += len(names)
			}
		}
		return "", fmt.Errorf("the status reports' input template would be %d characters, over EventBridge's %d, because it lists the service's %d runbooks by stage and environment: give the runbooks shorter names, or fewer", len(t), maxInputTemplate, n)
	}
	return t, nil
}

// stageRunbooks are the runbooks of each deployment stage's environments.
func (p *Pipeline) stageRunbooks() map[string]map[string][]string {
	out := map[string]map[string][]string{}
	for _, s := range p.config.Stages {
		for _, w := range s.Waves {
			envs := map[string][]string{}
			for _, e := range w.Environments {
				names := []string{}
				if d := p.byEnv[e.Name]; d != nil {
					names = append(names, d.runbooks...)
				}
				envs[e.Name] = names
			}
			out[waveStageName(p.config, s, w)] = envs
		}
	}
	return out
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
func addStatusReports(scope constructs.Construct, cfg *stages.Config, pipeline string, runbooks map[string]map[string][]string) error {
	p := cfg.Pipeline
	if p.StatusURL == "" {
		return nil
	}
	template, err := statusTemplate(runbooks)
	if err != nil {
		return &Error{Source: "Props.Runbooks", Problems: []stages.Problem{{Message: err.Error()}}}
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
			"inputTransformer": map[string]any{"inputPathsMap": statusReport.paths, "inputTemplate": template},
			"retryPolicy":      map[string]any{"maximumRetryAttempts": 20, "maximumEventAgeInSeconds": 3600},
		}},
	})
	return nil
}
