package gates

import (
	_ "embed"
	"encoding/json"
	"fmt"
	"math"
	"time"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudwatch"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsevents"
	"github.com/aws/jsii-runtime-go"

	"github.com/handsoff-cdk/handsoff/internal/nag"
	"github.com/handsoff-cdk/handsoff/internal/names"
	"github.com/handsoff-cdk/handsoff/stages"
)

//go:embed metrics.js
var metricsJS string

// MetricsNamespace is the CloudWatch namespace of delivery metrics.
const MetricsNamespace = "handsoff/Delivery"

// MetricsEventPattern is what the delivery-metrics rule matches: every
// execution, stage and action state change of the pipeline
// (https://docs.aws.amazon.com/codepipeline/latest/userguide/detect-state-changes-cloudwatch-events.html).
func MetricsEventPattern(pipeline string) map[string]any {
	return map[string]any{
		"source": []any{"aws.codepipeline"},
		"detail-type": []any{"CodePipeline Pipeline Execution State Change", "CodePipeline Stage Execution State Change",
			"CodePipeline Action Execution State Change"},
		"detail": map[string]any{"pipeline": []any{pipeline}},
	}
}

// MetricsFunctionName is the physical name of a service's metrics function.
func MetricsFunctionName(cfg *stages.Config) string {
	return names.Join(64, cfg.Service.Name, "delivery-metrics")
}

// BrokenAlarmName names the alarm of a pipeline broken too long.
func BrokenAlarmName(pipeline string) string { return names.Join(255, pipeline, "broken") }

// DashboardName names the delivery dashboard (255 letters, digits, - and _).
func DashboardName(pipeline string) string { return names.Join(255, pipeline, "delivery") }

// NewDeliveryMetrics makes, in the pipeline's stack, the function that
// publishes the pipeline's delivery metrics (metrics.js), the rule that
// sends it the pipeline's events, a 5-minute schedule for BrokenMinutes,
// the dashboard, and the alarm that fires when the pipeline has been broken
// for brokenAfter (to the notification topic when the document has one).
func NewDeliveryMetrics(stack awscdk.Stack, id string, cfg *stages.Config, pipeline string, brokenAfter time.Duration) awscloudwatch.CfnAlarm {
	part, region, account := stages.Partition(cfg.Pipeline.Region), cfg.Pipeline.Region, cfg.Pipeline.Account
	pipelineArn := fmt.Sprintf("arn:%s:codepipeline:%s:%s:%s", part, region, account, pipeline)
	fn := pipelineFunction{
		name:        MetricsFunctionName(cfg),
		description: "handsoff: publishes the delivery metrics of " + pipeline + " (lead time, deployments, failures, time to restore, durations, broken minutes)",
		role:        "handsoff: delivery metrics of " + pipeline + " (reads its executions, puts metrics in " + MetricsNamespace + ")",
		code:        metricsJS,
		timeout:     60,
		environment: map[string]string{"PIPELINE": pipeline},
		statements: []Statement{
			{Sid: "ReadExecutions", Effect: "Allow", Action: []string{"codepipeline:ListPipelineExecutions", "codepipeline:ListActionExecutions"}, Resource: []string{pipelineArn}},
			// PutMetricData accepts only Resource "*"; the condition keeps it
			// to the namespace
			// (https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/iam-cw-condition-keys-namespace.html).
			{Sid: "PutMetrics", Effect: "Allow", Action: []string{"cloudwatch:PutMetricData"}, Resource: []string{"*"},
				Condition: map[string]any{"StringEquals": map[string]any{"cloudwatch:namespace": MetricsNamespace}}},
		},
		suppressions: []nag.Suppression{
			{ID: "AwsSolutions-IAM5", Reason: "cloudwatch:PutMetricData accepts only Resource \"*\"; the cloudwatch:namespace condition limits it to handsoff/Delivery.", AppliesTo: []any{"Resource::*"}},
		},
		outsideVPC: "The delivery-metrics function calls AWS APIs only (CodePipeline, CloudWatch); a VPC would need endpoints for each and isolate nothing.",
	}.make(stack, id, cfg)
	rules := map[string]*awsevents.CfnRuleProps{
		"Events": {
			Description:  jsii.String("handsoff: sends the execution, stage and action events of " + pipeline + " to its delivery metrics"),
			EventPattern: MetricsEventPattern(pipeline),
		},
		"Schedule": {
			Description:        jsii.String("handsoff: every 5 minutes, publishes how long " + pipeline + " has been broken"),
			ScheduleExpression: jsii.String("rate(5 minutes)"),
		},
	}
	for _, kind := range []string{"Events", "Schedule"} {
		invokeOnRule(stack, id+kind, fn, "metrics", rules[kind])
	}
	minutes := math.Ceil(brokenAfter.Minutes())
	alarm := awscloudwatch.NewCfnAlarm(stack, jsii.String(id+"BrokenAlarm"), &awscloudwatch.CfnAlarmProps{
		AlarmName: jsii.String(BrokenAlarmName(pipeline)),
		AlarmDescription: jsii.String(fmt.Sprintf("handsoff: %s has been broken (its latest execution failed) for %s or more: fix forward or retry; every change waits behind it",
			pipeline, stages.FormatDuration(brokenAfter))),
		Namespace: jsii.String(MetricsNamespace), MetricName: jsii.String("BrokenMinutes"),
		Dimensions: []any{map[string]any{"name": "Pipeline", "value": pipeline}},
		Statistic:  jsii.String("Maximum"), Period: jsii.Number(300), EvaluationPeriods: jsii.Number(1),
		Threshold: jsii.Number(minutes), ComparisonOperator: jsii.String("GreaterThanOrEqualToThreshold"),
		// No data means the function did not run: not a broken pipeline.
		TreatMissingData: jsii.String("notBreaching"),
	})
	if topic := cfg.Pipeline.NotificationTopicArn; topic != "" {
		alarm.SetAlarmActions(jsii.Strings(topic))
		alarm.SetOkActions(jsii.Strings(topic))
	} else {
		suppressGuard(alarm, "The document names no notification topic (pipeline.notificationTopicArn): the alarm shows on the dashboard and in the console, and notifies once a topic is set.",
			"cloudwatch_alarm_action_check")
	}
	body, _ := json.Marshal(dashboardBody(pipeline, region, minutes))
	awscloudwatch.NewCfnDashboard(stack, jsii.String(id+"Dashboard"), &awscloudwatch.CfnDashboardProps{
		DashboardName: jsii.String(DashboardName(pipeline)),
		DashboardBody: jsii.String(string(body)),
	})
	return alarm
}

// dashboardBody is the CloudWatch dashboard of one pipeline's delivery
// (https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/CloudWatch-Dashboard-Body-Structure.html).
func dashboardBody(pipeline, region string, brokenMinutes float64) map[string]any {
	metric := func(name, stat, label string, extra ...any) []any {
		m := []any{MetricsNamespace, name, "Pipeline", pipeline}
		opts := map[string]any{"stat": stat, "label": label}
		for i := 0; i+1 < len(extra); i += 2 {
			opts[extra[i].(string)] = extra[i+1]
		}
		return append(m, opts)
	}
	widget := func(x, y int, title string, metrics []any, extra map[string]any) map[string]any {
		props := map[string]any{"title": title, "region": region, "view": "timeSeries", "metrics": metrics, "period": 86400}
		for k, v := range extra {
			props[k] = v
		}
		return map[string]any{"type": "metric", "x": x, "y": y, "width": 12, "height": 6, "properties": props}
	}
	return map[string]any{"widgets": []any{
		widget(0, 0, "Deployments per day", []any{metric("Deployments", "Sum", "deployments")}, nil),
		widget(12, 0, "Failure rate (%)", []any{
			metric("FailedExecutions", "Sum", "failed", "id", "failed", "visible", false),
			metric("Executions", "Sum", "executions", "id", "executions", "visible", false),
			[]any{map[string]any{"expression": "100 * failed / executions", "label": "failure rate", "id": "rate"}},
		}, nil),
		widget(0, 6, "Lead time from push to the last prod environment (hours)", []any{
			metric("LeadTime", "p50", "median", "id", "p50", "visible", false),
			[]any{map[string]any{"expression": "p50 / 3600", "label": "median hours", "id": "h"}},
		}, nil),
		widget(12, 6, "Time to restore (hours)", []any{
			metric("TimeToRestore", "Average", "mean", "id", "ttr", "visible", false),
			[]any{map[string]any{"expression": "ttr / 3600", "label": "mean hours", "id": "h"}},
		}, nil),
		widget(0, 12, "Build and deploy durations (minutes)", []any{
			metric("BuildDuration", "Average", "build", "id", "b", "visible", false),
			metric("DeployDuration", "Average", "deploy", "id", "d", "visible", false),
			[]any{map[string]any{"expression": "b / 60", "label": "build", "id": "bm"}},
			[]any{map[string]any{"expression": "d / 60", "label": "deploy", "id": "dm"}},
		}, map[string]any{"period": 3600}),
		widget(12, 12, "Broken for (minutes)", []any{metric("BrokenMinutes", "Maximum", "broken minutes")},
			map[string]any{"period": 300, "annotations": map[string]any{"horizontal": []any{map[string]any{"label": "alarm", "value": brokenMinutes}}}}),
	}}
}
