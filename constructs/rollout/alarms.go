package rollout

import (
	"fmt"
	"sort"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudwatch"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
)

// MaxAlarms is how many alarms a CodeDeploy deployment group
// ("Alarms ... max 10",
// https://docs.aws.amazon.com/codedeploy/latest/APIReference/API_AlarmConfiguration.html)
// and an instance refresh ("You can specify up to 10 alarms",
// https://docs.aws.amazon.com/cdk/api/v2/docs/aws-cdk-lib.aws_autoscaling.InstanceRefreshOptions.html)
// watch.
const MaxAlarms = 10

// alarmWatch sets a rollout's rollback alarms when the app is synthesized,
// once every alarm of the stack exists: by default every
// AWS::CloudWatch::Alarm of the rollout's stack, which are the alarms the
// pipeline's bake watches for the environment (pipeline: "a bake action
// ... that watches every alarm of the environment's stacks"), so that the
// alarm that fails the bake is the one that rolls the deployment back.
// An aspect, since alarms made after the rollout count too; it refuses
// more than MaxAlarms, and none (a rollout that rolls back on alarms must
// watch one).
type alarmWatch struct {
	owner constructs.Construct
	// explicit are the alarms the props named; nil means the stack's.
	explicit []awscloudwatch.IAlarm
	// set writes the alarm names (tokens) into the resources.
	set  func(names []*string)
	done bool
}

// Visit runs once, on the rollout's own construct.
func (w *alarmWatch) Visit(node constructs.IConstruct) {
	if w.done || *node.Node().Path() != *w.owner.Node().Path() {
		return
	}
	w.done = true
	var names []*string
	if w.explicit != nil {
		for _, a := range w.explicit {
			names = append(names, a.AlarmName())
		}
	} else {
		stack := awscdk.Stack_Of(w.owner)
		type found struct {
			path string
			name *string
		}
		var all []found
		for _, c := range *stack.Node().FindAll(constructs.ConstructOrder_PREORDER) {
			if *awscloudwatch.CfnAlarm_IsCfnAlarm(c) && *awscdk.Stack_Of(c).Node().Path() == *stack.Node().Path() {
				all = append(all, found{*c.Node().Path(), c.(awscloudwatch.CfnAlarm).Ref()})
			}
		}
		sort.Slice(all, func(i, j int) bool { return all[i].path < all[j].path })
		for _, f := range all {
			names = append(names, f.name)
		}
	}
	switch {
	case len(names) == 0:
		awscdk.Annotations_Of(w.owner).AddError(jsii.String("handsoff rollout: no alarm to roll back on: the stack has none and Alarms names none; add the service's alarms to the stack (the pipeline's bake watches the same ones), or name them in Alarms"))
		return
	case len(names) > MaxAlarms:
		awscdk.Annotations_Of(w.owner).AddError(jsii.String(fmt.Sprintf("handsoff rollout: %d alarms to roll back on, over the %d a deployment watches: name at most %d in Alarms, or combine them in a composite alarm", len(names), MaxAlarms, MaxAlarms)))
		return
	}
	w.set(names)
}

// watchAlarms attaches the aspect to owner.
func watchAlarms(owner constructs.Construct, explicit []awscloudwatch.IAlarm, set func([]*string)) {
	awscdk.Aspects_Of(owner).Add(&alarmWatch{owner: owner, explicit: explicit, set: set}, nil)
}
