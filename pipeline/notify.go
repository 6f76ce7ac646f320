package pipeline

import (
	"time"

	"github.com/aws/aws-cdk-go/awscdk/v2/awscodepipeline"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsevents"
	"github.com/aws/aws-cdk-go/awscdk/v2/awseventstargets"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssns"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/handsoff-cdk/handsoff/stages"
)

const hour = time.Hour

// addNotifications sends failures, approvals and rollbacks to the
// document's SNS topic. The topic is the platform's, and its policy is not
// the pipeline's to write (AWS::SNS::TopicPolicy would replace it whole):
//
//   - the rollback rule publishes with a role of its own (sns:Publish on
//     the topic), which EventBridge documents for SNS targets, so it does
//     not depend on the topic's policy naming events.amazonaws.com
//     (https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-use-resource-based.html#eb-sns-permissions);
//   - a CodeStar notification rule publishes only through the topic's
//     policy (codestar-notifications.amazonaws.com), which
//     `handsoff bootstrap` prints for the platform to add
//     (https://docs.aws.amazon.com/dtconsole/latest/userguide/set-up-sns.html).
//
// oracle.NotificationsDelivered holds both.
func addNotifications(scope constructs.Construct, p awscodepipeline.Pipeline, cfg *stages.Config) {
	if cfg.Pipeline.NotificationTopicArn == "" {
		return
	}
	topic := awssns.Topic_FromTopicArn(scope, jsii.String("NotificationTopic"), jsii.String(cfg.Pipeline.NotificationTopicArn))
	p.NotifyOn(jsii.String("Notify"), topic, &awscodepipeline.PipelineNotifyOnOptions{
		NotificationRuleName: jsii.String(cfg.Service.Name + "-pipeline-failures"),
		Events: &[]awscodepipeline.PipelineNotificationEvents{
			awscodepipeline.PipelineNotificationEvents_PIPELINE_EXECUTION_FAILED,
			awscodepipeline.PipelineNotificationEvents_STAGE_EXECUTION_FAILED,
			awscodepipeline.PipelineNotificationEvents_ACTION_EXECUTION_FAILED,
			awscodepipeline.PipelineNotificationEvents_MANUAL_APPROVAL_NEEDED,
		},
	})
	// A rollback runs as a new execution started by the pipeline itself.
	awsevents.NewRule(scope, jsii.String("Rollbacks"), &awsevents.RuleProps{
		Description: jsii.String("handsoff: tell the team when " + cfg.Service.Name + " rolls a stage back"),
		EventPattern: &awsevents.EventPattern{
			Source:     jsii.Strings("aws.codepipeline"),
			DetailType: jsii.Strings("CodePipeline Pipeline Execution State Change"),
			Detail: &map[string]interface{}{
				"pipeline":          []string{*p.PipelineName()},
				"execution-trigger": map[string]interface{}{"trigger-type": []string{"AutomatedRollback", "ManualRollback"}},
			},
		},
		Targets: &[]awsevents.IRuleTarget{awseventstargets.NewSnsTopic(topic, &awseventstargets.SnsTopicProps{AuthorizeUsingRole: jsii.Bool(true)})},
	})
}
