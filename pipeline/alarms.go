package pipeline

import (
	"fmt"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudwatch"
	"github.com/aws/jsii-runtime-go"

	"github.com/handsoff-cdk/handsoff/internal/names"
	"github.com/handsoff-cdk/handsoff/stages"
)

// exportAlarms exports the ARN of each alarm of an environment's stacks,
// for the environment's bake alarm (in its gates stack) to import. Export
// names follow the alarm's logical id, so adding or removing one alarm
// leaves the others' exports alone.
func exportAlarms(env stages.Environment, alarms []awscloudwatch.CfnAlarm) ([]string, []stages.Problem) {
	var exports []string
	var problems []stages.Problem
	for _, a := range alarms {
		stack := awscdk.Stack_Of(a)
		name, id := *stack.StackName(), *stack.GetLogicalId(a)
		if account, region := *stack.Account(), *stack.Region(); account != env.Account || region != env.Region {
			problems = append(problems, stages.Problem{Path: env.Path, Message: fmt.Sprintf(
				"alarm %s of stack %s is in %s %s, not in %s's account and region (%s %s): the bake alarm can only watch alarms of its own account and region",
				id, name, account, region, env.Name, env.Account, env.Region)})
			continue
		}
		export := names.Join(255, name+":handsoff-alarm", id)
		awscdk.NewCfnOutput(stack, jsii.String("HandsoffAlarm"+id), &awscdk.CfnOutputProps{
			Description: jsii.String("handsoff: the ARN of alarm " + id + ", which the bake alarm of " + env.Name + " watches"),
			Value:       a.AttrArn(),
			ExportName:  jsii.String(export),
		})
		exports = append(exports, export)
	}
	return exports, problems
}
