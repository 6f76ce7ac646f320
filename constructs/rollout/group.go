package rollout

import (
	"fmt"
	"time"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsautoscaling"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudwatch"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsec2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsssm"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/handsoff-cdk/handsoff/constructs/autoscale"
	"github.com/handsoff-cdk/handsoff/constructs/goldenami"
)

// GroupProps configure an immutable Auto Scaling group.
type GroupProps struct {
	autoscale.GroupProps
	// Image is the golden image the group runs: its instances launch from
	// the AMI in the parameter /handsoff/ami/{Image}/latest
	// (goldenami.ParameterName). Required, unless MachineImage is set
	// (which then wins, for a group that does not follow a golden image).
	Image string
	// Strategy is how a new image replaces instances. Zero: ForEnvironment
	// of Environment when set, else AllAtOnce. Whatever the strategy, an
	// image rollout keeps at least two thirds of the group healthy
	// (MinHealthyPercentage 67 or more).
	Strategy Strategy
	// Alarms roll a new image back when one goes off during the refresh
	// or its bake. Default: every alarm of the group's stack, the ones the
	// pipeline's bake watches. At most MaxAlarms.
	Alarms []awscloudwatch.IAlarm
	// BakeTime is how long the alarms are watched after the last
	// instance is replaced, before the deployment succeeds (at most 48
	// hours). Default: 10 minutes.
	BakeTime time.Duration
}

// MinHealthyPercent is the least share of a group an image rollout keeps
// healthy: two thirds.
const MinHealthyPercent = 67

// Group is an immutable Auto Scaling group.
type Group interface {
	constructs.IConstruct
	// AutoScalingGroup is the group.
	AutoScalingGroup() awsautoscaling.AutoScalingGroup
	// Refresh are the preferences of its instance refresh.
	Refresh() map[string]any
}

type group struct {
	constructs.Construct
	asg     awsautoscaling.AutoScalingGroup
	refresh map[string]any
}

func (g *group) AutoScalingGroup() awsautoscaling.AutoScalingGroup { return g.asg }
func (g *group) Refresh() map[string]any                           { return g.refresh }

// NewGroup makes an immutable Auto Scaling group (see the package docs):
// the platform's baseline group (constructs/autoscale) whose launch
// template takes the golden image's AMI ID when the stack deploys, and
// whose instances a new image replaces by an instance refresh that keeps
// two thirds healthy, watches the alarms, and fails (so that
// CloudFormation rolls the stack, and the group, back) on an alarm.
// Mistakes in props are error annotations, all at once; it then returns
// nil.
func NewGroup(scope constructs.Construct, id string, props *GroupProps) Group {
	c := constructs.NewConstruct(scope, jsii.String(id))
	if props == nil {
		props = &GroupProps{}
	}
	var problems []string
	if props.Image == "" && props.MachineImage == nil {
		problems = append(problems, "Image is required: the golden image (constructs/goldenami) the group runs")
	}
	problems = append(problems, props.Strategy.check("Strategy")...)
	if props.Strategy.Kind == KindZonal {
		problems = append(problems, "Strategy: an instance refresh has no zonal strategy; use Zonal for the CodeDeploy deployment (NewServerDeployment) and another strategy here")
	}
	if props.BakeTime < 0 || props.BakeTime > 48*time.Hour {
		problems = append(problems, fmt.Sprintf("BakeTime %s: 0 to 48h (an instance refresh's bake time is at most 172800 seconds)", props.BakeTime))
	}
	problems = append(problems, checkAlarms(props.Alarms, "an instance refresh")...)
	if props.Image != "" && !goldenami.ValidName(props.Image) {
		problems = append(problems, fmt.Sprintf("Image %q is not a golden image's name (goldenami.Props.Name: 1 to 40 lowercase letters, digits and hyphens, starting with a letter)", props.Image))
	}
	if props.MachineImage == nil && *awscdk.Token_IsUnresolved(awscdk.Stack_Of(c).Region()) {
		problems = append(problems, "the stack has no region: give it one (StackProps.Env); a golden image's parameter is a region's")
	}
	if len(problems) > 0 {
		for _, p := range problems {
			awscdk.Annotations_Of(c).AddError(jsii.String("handsoff rollout: " + p))
		}
		return nil
	}
	gp := props.GroupProps
	if gp.MachineImage == nil {
		// A CloudFormation parameter of type
		// AWS::SSM::Parameter::Value<AWS::EC2::Image::Id>: CloudFormation
		// reads the parameter when it creates or updates the stack, so the
		// launch template holds a concrete AMI ID, a new one a new launch
		// template version
		// (https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/cloudformation-supplied-parameter-types.html).
		// Not resolve:ssm: in the launch template, with which an instance
		// refresh cannot roll back ("A rollback is not supported ... [when]
		// the Auto Scaling group has a launch template that uses an AWS
		// Systems Manager parameter instead of an AMI ID for the ImageId
		// property",
		// https://docs.aws.amazon.com/autoscaling/ec2/APIReference/API_RefreshPreferences.html).
		ami := awsssm.StringParameter_ValueForTypedStringParameterV2(c, jsii.String(goldenami.ParameterName(props.Image)), awsssm.ParameterValueType_AWS_EC2_IMAGE_ID, nil)
		gp.MachineImage = awsec2.MachineImage_GenericLinux(&map[string]*string{*awscdk.Stack_Of(c).Region(): ami}, nil)
	}
	if gp.UserData == nil {
		// An empty script the launch template exposes, so that CodeDeploy's
		// agent can be installed at boot (NewServerDeployment).
		gp.UserData = awsec2.UserData_ForLinux(nil)
	}
	asg := autoscale.NewGroup(c, "Group", &gp)
	if asg == nil {
		return nil
	}
	strategy := props.Strategy
	if strategy.Kind == 0 {
		strategy = AllAtOnce
	}
	bake := props.BakeTime
	if bake == 0 {
		bake = 10 * time.Minute
	}
	g := &group{Construct: c, asg: asg, refresh: refreshPreferences(strategy, bake)}
	cfn := asg.Node().DefaultChild().(awsautoscaling.CfnAutoScalingGroup)
	// AutoScalingInstanceRefresh "is mutually exclusive with
	// AutoScalingRollingUpdate"
	// (https://docs.aws.amazon.com/cdk/api/v2/docs/aws-cdk-lib.CfnAutoScalingInstanceRefresh.html;
	// typed in the CDK from v2.263.0, written here as an override).
	cfn.AddDeletionOverride(jsii.String("UpdatePolicy.AutoScalingRollingUpdate"))
	prefs := map[string]any{}
	for k, v := range g.refresh {
		prefs[k] = v
	}
	prefs["AlarmSpecification"] = map[string]any{"Alarms": watchAlarms(c, props.Alarms).list(func(n *string) any { return n })}
	cfn.AddOverride(jsii.String("UpdatePolicy.AutoScalingInstanceRefresh"), map[string]any{"Strategy": "Rolling", "Preferences": prefs})
	return g
}

// refreshPreferences are an image rollout's instance refresh preferences
// for a strategy (https://docs.aws.amazon.com/autoscaling/ec2/APIReference/API_RefreshPreferences.html):
// MinHealthyPercentage from the strategy (100 is one at a time, 0 all at
// once), never below MinHealthyPercent; a canary stops at its percentage
// for its wait (a checkpoint); SkipMatching leaves instances already on
// the image alone; BakeTime watches the alarms after the last one.
func refreshPreferences(s Strategy, bake time.Duration) map[string]any {
	min := 0
	switch s.Kind {
	case KindOneAtATime:
		min = 100
	case KindHalfAtATime:
		min = 50
	case KindLinear, KindCanary:
		min = 100 - s.Percent
	}
	min = max(min, MinHealthyPercent)
	p := map[string]any{
		"MinHealthyPercentage": min,
		"SkipMatching":         true,
		"BakeTime":             int(bake / time.Second),
	}
	if s.Kind == KindCanary {
		p["CheckpointPercentages"] = []int{s.Percent, 100}
		p["CheckpointDelay"] = int(s.Interval / time.Second)
	}
	return p
}
