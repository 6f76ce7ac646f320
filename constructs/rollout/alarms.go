package rollout

import (
	"fmt"
	"reflect"
	"regexp"
	"sort"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsapplicationautoscaling"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsautoscaling"
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

// alarmWatch is a rollout's rollback alarms, found when the templates are
// written (alarmWatch.list, a lazy value that CloudFormation's references
// are resolved from), once every alarm of the app exists, those that
// aspects add included: by default every alarm of the rollout's stack
// (stackAlarms), which are the alarms the pipeline's bake watches for the
// environment (pipeline: "a bake action ... that watches every alarm of
// the environment's stacks"), so that the alarm that fails the bake is
// the one that rolls the deployment back. It refuses more than
// MaxAlarms, and none (a rollout that rolls back on alarms must watch
// one).
type alarmWatch struct {
	owner constructs.Construct
	// explicit are the alarms the props named; nil means the stack's.
	explicit []awscloudwatch.IAlarm
	found    bool
	names    []*string
}

// alarmNames are the alarms' names (tokens), found once: the first time
// the templates are resolved, after every aspect has run.
func (w *alarmWatch) alarmNames() []*string {
	if w.found {
		return w.names
	}
	w.found = true
	var names []*string
	if w.explicit != nil {
		for _, a := range w.explicit {
			names = append(names, a.AlarmName())
		}
	} else {
		names = stackAlarms(w.owner)
	}
	switch {
	case len(names) == 0:
		awscdk.Annotations_Of(w.owner).AddError(jsii.String("handsoff rollout: no alarm to roll back on: the stack has none and Alarms names none; add the service's alarms to the stack (the pipeline's bake watches the same ones), or name them in Alarms"))
		return nil
	case len(names) > MaxAlarms:
		awscdk.Annotations_Of(w.owner).AddError(jsii.String(fmt.Sprintf("handsoff rollout: %d alarms to roll back on, over the %d a deployment watches: name at most %d in Alarms, or combine them in a composite alarm", len(names), MaxAlarms, MaxAlarms)))
		return nil
	}
	w.names = names
	return names
}

// list is a lazy list of the alarms, each written by wrap. A list token
// (an array), since a template override merges an object's fields, a
// lazy value's too, where it takes an array as it is.
func (w *alarmWatch) list(wrap func(name *string) any) *[]*string {
	// An IAnyProducer, whose Produce declares its context: jsii passes the
	// context by reference then (an IStableAnyProducer's would be copied,
	// and it holds the construct tree). Found once all the same.
	return awscdk.Token_AsList(awscdk.Lazy_UncachedAny(&alarmList{w: w, wrap: wrap}, nil), nil)
}

type alarmList struct {
	w    *alarmWatch
	wrap func(name *string) any
}

func (l *alarmList) Produce(awscdk.IResolveContext) any {
	out := []any{}
	for _, n := range l.w.alarmNames() {
		out = append(out, l.wrap(n))
	}
	return out
}

// stackAlarms are the names (tokens) of the alarms the pipeline's bake
// watches for the stack of owner, in the order of their paths: every
// metric and composite alarm of its top-level stack and of the nested
// stacks under it (the bake lists each stack's resources and follows its
// nested stacks, pipeline/internal/gates/bakewatch.js), but the metric
// alarms whose actions are all scaling policies, which the bake leaves
// out too: a step-scaling policy's scale-in alarm is in ALARM whenever
// load is low, which says nothing about health.
func stackAlarms(owner constructs.Construct) []*string {
	root := awscdk.Stack_Of(owner)
	for *root.Nested() {
		root = root.NestedStackParent()
	}
	rootPath := *root.Node().Path()
	under := func(s awscdk.Stack) bool {
		for {
			if *s.Node().Path() == rootPath {
				return true
			}
			if !*s.Nested() {
				return false
			}
			s = s.NestedStackParent()
		}
	}
	// The scaling policies' logical IDs, by stack path.
	policies := map[string]bool{}
	all := *root.Node().FindAll(constructs.ConstructOrder_PREORDER)
	for _, c := range all {
		if *awsautoscaling.CfnScalingPolicy_IsCfnScalingPolicy(c) || *awsapplicationautoscaling.CfnScalingPolicy_IsCfnScalingPolicy(c) {
			s := awscdk.Stack_Of(c)
			if id, ok := s.Resolve(s.GetLogicalId(c.(awscdk.CfnElement))).(string); ok {
				policies[*s.Node().Path()+"\x00"+id] = true
			}
		}
	}
	type found struct {
		path string
		name *string
	}
	var alarms []found
	for _, c := range all {
		switch {
		case *awscloudwatch.CfnAlarm_IsCfnAlarm(c):
			a := c.(awscloudwatch.CfnAlarm)
			if under(awscdk.Stack_Of(c)) && !scalesOnly(a, policies) {
				alarms = append(alarms, found{*c.Node().Path(), a.Ref()})
			}
		case *awscloudwatch.CfnCompositeAlarm_IsCfnCompositeAlarm(c):
			if under(awscdk.Stack_Of(c)) {
				alarms = append(alarms, found{*c.Node().Path(), c.(awscloudwatch.CfnCompositeAlarm).Ref()})
			}
		}
	}
	sort.Slice(alarms, func(i, j int) bool { return alarms[i].path < alarms[j].path })
	var names []*string
	for _, f := range alarms {
		names = append(names, f.name)
	}
	return names
}

var reScalingArn = regexp.MustCompile(`^arn:[^:]+:autoscaling:`)

// scalesOnly reports whether every action of an alarm is a scaling
// policy: an EC2 or Application Auto Scaling policy's ARN, or a reference
// (Ref, Fn::GetAtt) to a scaling policy of the alarm's stack.
func scalesOnly(a awscloudwatch.CfnAlarm, policies map[string]bool) bool {
	stack := awscdk.Stack_Of(a)
	actions, _ := stack.Resolve(a.AlarmActions()).([]any)
	if len(actions) == 0 {
		return false
	}
	for _, act := range actions {
		switch v := act.(type) {
		case string:
			if !reScalingArn.MatchString(v) {
				return false
			}
		case map[string]any:
			id, _ := v["Ref"].(string)
			if att, ok := v["Fn::GetAtt"].([]any); ok && len(att) > 0 {
				id, _ = att[0].(string)
			}
			if !policies[*stack.Node().Path()+"\x00"+id] {
				return false
			}
		default:
			return false
		}
	}
	return true
}

// checkAlarms lists the problems of a rollout's Alarms: more than
// MaxAlarms, or a nil one.
func checkAlarms(alarms []awscloudwatch.IAlarm, watcher string) []string {
	var out []string
	if len(alarms) > MaxAlarms {
		out = append(out, fmt.Sprintf("Alarms: %d alarms, over the %d %s watches", len(alarms), MaxAlarms, watcher))
	}
	for i, a := range alarms {
		if a == nil || (reflect.ValueOf(a).Kind() == reflect.Pointer && reflect.ValueOf(a).IsNil()) {
			out = append(out, fmt.Sprintf("Alarms[%d] is nil: name an alarm (awscloudwatch.IAlarm), or leave Alarms out for every alarm of the stack", i))
		}
	}
	return out
}

// watchAlarms is the rollback alarms of owner's rollout.
func watchAlarms(owner constructs.Construct, explicit []awscloudwatch.IAlarm) *alarmWatch {
	return &alarmWatch{owner: owner, explicit: explicit}
}
