// Package orders is the example service of the handsoff quick start: what a
// service team writes to describe its stacks, once, for every environment.
package orders

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudwatch"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssqs"
	"github.com/aws/jsii-runtime-go"

	"github.com/handsoff-cdk/handsoff/constructs/guardrails"
	"github.com/handsoff-cdk/handsoff/constructs/privatebucket"
	"github.com/handsoff-cdk/handsoff/pipeline"
)

// Service is the orders team's service: a private bucket for order
// documents and a queue of orders with a dead-letter queue, watched by two
// alarms that the bake gates find on their own.
func Service(stage awscdk.Stage, env pipeline.Environment) {
	stack := awscdk.NewStack(stage, jsii.String("Service"), &awscdk.StackProps{
		StackName:   jsii.String("orders-" + env.Name),
		Description: jsii.String("orders service in " + env.Name),
	})
	privatebucket.New(stack, "Documents", &privatebucket.Props{Stage: env.Stage})
	dlq := awssqs.NewQueue(stack, jsii.String("DeadLetters"), &awssqs.QueueProps{
		Encryption:      awssqs.QueueEncryption_KMS_MANAGED,
		EnforceSSL:      jsii.Bool(true),
		RetentionPeriod: awscdk.Duration_Days(jsii.Number(14)),
	})
	guardrails.SuppressControlTower(dlq, "This is the dead-letter queue of the orders queue; a dead-letter queue of its own would only move the question.", "sqs_dlq_check")
	orders := awssqs.NewQueue(stack, jsii.String("Orders"), &awssqs.QueueProps{
		Encryption:      awssqs.QueueEncryption_KMS_MANAGED,
		EnforceSSL:      jsii.Bool(true),
		DeadLetterQueue: &awssqs.DeadLetterQueue{Queue: dlq, MaxReceiveCount: jsii.Number(5)},
	})
	dlq.MetricApproximateNumberOfMessagesVisible(nil).CreateAlarm(stack, jsii.String("FailedOrders"), &awscloudwatch.CreateAlarmOptions{
		AlarmDescription:   jsii.String("orders are failing into the dead-letter queue"),
		Threshold:          jsii.Number(1),
		EvaluationPeriods:  jsii.Number(1),
		ComparisonOperator: awscloudwatch.ComparisonOperator_GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
		TreatMissingData:   awscloudwatch.TreatMissingData_NOT_BREACHING,
	})
	orders.MetricApproximateAgeOfOldestMessage(nil).CreateAlarm(stack, jsii.String("SlowOrders"), &awscloudwatch.CreateAlarmOptions{
		AlarmDescription:   jsii.String("orders wait more than 5 minutes"),
		Threshold:          jsii.Number(300),
		EvaluationPeriods:  jsii.Number(3),
		ComparisonOperator: awscloudwatch.ComparisonOperator_GREATER_THAN_THRESHOLD,
		TreatMissingData:   awscloudwatch.TreatMissingData_NOT_BREACHING,
	})
}
