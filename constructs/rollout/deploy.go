package rollout

import (
	"fmt"
	"time"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsautoscaling"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudwatch"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscodedeploy"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsecs"
	"github.com/aws/aws-cdk-go/awscdk/v2/awselasticloadbalancingv2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/handsoff-cdk/handsoff/internal/nag"
)

// rollbackEvents are what rolls a deployment back: it failed, or an alarm
// stopped it (https://docs.aws.amazon.com/codedeploy/latest/APIReference/API_AutoRollbackConfiguration.html).
var rollbackEvents = []string{"DEPLOYMENT_FAILURE", "DEPLOYMENT_STOP_ON_ALARM"}

// rollbackOnAlarms writes, once the alarms are known, the deployment
// group's alarm and rollback configuration: the alarms, enabled, with a
// failure to read them stopping the deployment (IgnorePollAlarmFailure
// false), and rollback on failure and on alarm.
func rollbackOnAlarms(c constructs.Construct, cfn awscodedeploy.CfnDeploymentGroup, alarms []awscloudwatch.IAlarm) {
	list := watchAlarms(c, alarms).list(func(n *string) any { return map[string]any{"Name": n} })
	cfn.AddPropertyOverride(jsii.String("AlarmConfiguration"), map[string]any{"Enabled": true, "IgnorePollAlarmFailure": false, "Alarms": list})
	cfn.AddPropertyOverride(jsii.String("AutoRollbackConfiguration"), map[string]any{"Enabled": true, "Events": rollbackEvents})
}

// ServerProps configure the CodeDeploy deployments of an application to
// an Auto Scaling group's instances.
type ServerProps struct {
	// Group is the group deployed to. Required.
	Group awsautoscaling.AutoScalingGroup
	// Strategy is how many instances a deployment takes at once: one at a
	// time, half at a time, all at once, Linear (its Percent of the fleet at
	// a time; CodeDeploy's EC2 deployments have no interval), or Zonal.
	// Canary is one at a time on EC2. Default: OneAtATime, CodeDeploy's own
	// default.
	Strategy Strategy
	// TargetGroup, when set, takes each instance out of the load balancer
	// while it is deployed to (WITH_TRAFFIC_CONTROL), which runs the
	// BeforeBlockTraffic/AfterAllowTraffic hooks. Default: none.
	TargetGroup awselasticloadbalancingv2.IApplicationTargetGroup
	// Alarms stop and roll back a deployment. Default: every alarm of the
	// stack (the pipeline's bake alarms). At most MaxAlarms.
	Alarms []awscloudwatch.IAlarm
}

// NewServerDeployment makes a CodeDeploy application and an in-place
// deployment group for an Auto Scaling group: the strategy, rollback on
// failure and on alarm, and lifecycle hooks (the AppSpec's validation
// scripts, ServerAppSpec). Blue/green is not offered for EC2: CodeDeploy's
// copy of the Auto Scaling group cannot be declared in CloudFormation
// (https://github.com/aws-cloudformation/cloudformation-coverage-roadmap/issues/2071),
// and when CodeDeploy makes the copy it deletes the original group from
// under its stack
// (https://github.com/hashicorp/terraform-provider-aws/issues/4678); a
// new server image goes out as the group's instance refresh instead
// (NewGroup), which is immutable too. Mistakes are error annotations, all
// at once; it then returns nil.
func NewServerDeployment(scope constructs.Construct, id string, props *ServerProps) awscodedeploy.ServerDeploymentGroup {
	c := constructs.NewConstruct(scope, jsii.String(id))
	if props == nil {
		props = &ServerProps{}
	}
	var problems []string
	if props.Group == nil {
		problems = append(problems, "Group is required: the Auto Scaling group deployed to")
	}
	problems = append(problems, props.Strategy.check("Strategy")...)
	problems = append(problems, checkAlarms(props.Alarms, "a deployment group")...)
	if len(problems) > 0 {
		for _, p := range problems {
			awscdk.Annotations_Of(c).AddError(jsii.String("handsoff rollout: " + p))
		}
		return nil
	}
	var lbs *[]awscodedeploy.LoadBalancer
	if props.TargetGroup != nil {
		lbs = &[]awscodedeploy.LoadBalancer{awscodedeploy.LoadBalancer_Application(props.TargetGroup)}
	}
	dg := awscodedeploy.NewServerDeploymentGroup(c, jsii.String("Group"), &awscodedeploy.ServerDeploymentGroupProps{
		AutoScalingGroups: &[]awsautoscaling.IAutoScalingGroup{props.Group},
		DeploymentConfig:  serverConfig(c, props.Strategy),
		LoadBalancers:     lbs,
		InstallAgent:      jsii.Bool(true),
	})
	rollbackOnAlarms(c, dg.Node().DefaultChild().(awscodedeploy.CfnDeploymentGroup), props.Alarms)
	suppressServiceRole(dg.Role(), "service-role/AWSCodeDeployRole")
	// The agent's installer: CodeDeploy's own bucket in the region, read
	// only (https://docs.aws.amazon.com/codedeploy/latest/userguide/resource-kit.html#resource-kit-bucket-names).
	if p, ok := props.Group.Role().Node().TryFindChild(jsii.String("DefaultPolicy")).(awsiam.Policy); ok && p != nil {
		bucket := "aws-codedeploy-" + *awscdk.Stack_Of(c).Region()
		nag.Suppress(p.Node().DefaultChild().(awsiam.CfnPolicy), nag.Suppression{
			ID:        "AwsSolutions-IAM5",
			Reason:    "CodeDeploy's agent is installed at boot from AWS's own bucket " + bucket + " (read only: Get and List on its latest/ objects), as CodeDeploy documents in its resource kit.",
			AppliesTo: []any{"Action::s3:GetBucket*", "Action::s3:GetObject*", "Action::s3:List*", "Resource::arn:<AWS::Partition>:s3:::" + bucket + "/latest/*"},
		})
	}
	return dg
}

// suppressServiceRole records why a deployment group's service role has
// CodeDeploy's managed policy: it is the policy CodeDeploy documents for
// its service role, which AWS keeps current as CodeDeploy gains features
// (https://docs.aws.amazon.com/codedeploy/latest/userguide/getting-started-create-service-role.html).
func suppressServiceRole(role awsiam.IRole, policy string) {
	if cfn, ok := role.Node().DefaultChild().(awsiam.CfnRole); ok && cfn != nil {
		nag.Suppress(cfn, nag.Suppression{
			ID:        "AwsSolutions-IAM4",
			Reason:    "CodeDeploy's service role takes the managed policy CodeDeploy documents for it (" + policy + "), which AWS keeps in step with what CodeDeploy does; it can only be assumed by codedeploy.amazonaws.com.",
			AppliesTo: []any{"Policy::arn:<AWS::Partition>:iam::aws:policy/" + policy},
		})
	}
}

// serverConfig is the deployment configuration of a strategy on EC2
// (https://docs.aws.amazon.com/codedeploy/latest/userguide/deployment-configurations.html).
func serverConfig(c constructs.Construct, s Strategy) awscodedeploy.IServerDeploymentConfig {
	switch s.Kind {
	case KindHalfAtATime:
		return awscodedeploy.ServerDeploymentConfig_HALF_AT_A_TIME()
	case KindAllAtOnce:
		return awscodedeploy.ServerDeploymentConfig_ALL_AT_ONCE()
	case KindLinear:
		// Percent of the fleet at a time: the rest stays healthy.
		return awscodedeploy.NewServerDeploymentConfig(c, jsii.String("Config"), &awscodedeploy.ServerDeploymentConfigProps{
			MinimumHealthyHosts: awscodedeploy.MinimumHealthyHosts_Percentage(jsii.Number(float64(100 - s.Percent))),
		})
	case KindZonal:
		// One zone at a time, each watched for Interval
		// (https://docs.aws.amazon.com/codedeploy/latest/APIReference/API_ZonalConfig.html).
		monitor := awscdk.Duration_Seconds(jsii.Number(float64(s.Interval / time.Second)))
		return awscodedeploy.NewServerDeploymentConfig(c, jsii.String("Config"), &awscodedeploy.ServerDeploymentConfigProps{
			MinimumHealthyHosts: awscodedeploy.MinimumHealthyHosts_Percentage(jsii.Number(float64(s.Percent))),
			ZonalConfig: &awscodedeploy.ZonalConfig{
				MonitorDuration: monitor, FirstZoneMonitorDuration: monitor,
				MinimumHealthyHostsPerZone: awscodedeploy.MinimumHealthyHostsPerZone_Percentage(jsii.Number(float64(s.Percent))),
			},
		})
	}
	// OneAtATime, Canary and the zero Strategy.
	return awscodedeploy.ServerDeploymentConfig_ONE_AT_A_TIME()
}

// ECSProps configure the blue/green deployments of an ECS service.
type ECSProps struct {
	// Service is the ECS service; its deployment controller must be
	// CODE_DEPLOY. Required.
	Service awsecs.BaseService
	// Listener is the production listener, TestListener the one test
	// traffic reaches the new tasks on first (the AfterAllowTestTraffic
	// hook's). Listener is required; TestListener is recommended.
	Listener, TestListener awselasticloadbalancingv2.IApplicationListener
	// Blue is the target group the service serves from now, Green the one
	// the replacement tasks register in. Required.
	Blue, Green awselasticloadbalancingv2.IApplicationTargetGroup
	// Strategy is how traffic shifts: Canary, Linear or AllAtOnce.
	// Default: DefaultCanary.
	Strategy Strategy
	// Alarms stop the shift and roll back. Default: every alarm of the
	// stack (the pipeline's bake alarms). At most MaxAlarms.
	Alarms []awscloudwatch.IAlarm
	// TerminationWait is how long the old tasks stay after a success,
	// ready for a rollback. Default: 10 minutes.
	TerminationWait time.Duration
}

// NewECSBlueGreen makes the CodeDeploy application and blue/green
// deployment group of an ECS service: traffic shifted by the strategy
// from the blue target group to the green, test traffic on the test
// listener first, rollback on failure and on alarm (CodeDeploy then
// reroutes all traffic to the original tasks). The pipeline deploys a
// revision with CodeDeploy's ECS action and an AppSpec (ECSAppSpec). Not
// the CloudFormation AWS::CodeDeployBlueGreen transform, which forbids
// outputs, imports and nested stacks in the template
// (https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/blue-green-considerations.html)
// and so the pipeline's alarm exports. Mistakes are error annotations, all
// at once; it then returns nil.
func NewECSBlueGreen(scope constructs.Construct, id string, props *ECSProps) awscodedeploy.EcsDeploymentGroup {
	c := constructs.NewConstruct(scope, jsii.String(id))
	if props == nil {
		props = &ECSProps{}
	}
	var problems []string
	for name, missing := range map[string]bool{"Service": props.Service == nil, "Listener": props.Listener == nil, "Blue": props.Blue == nil, "Green": props.Green == nil} {
		if missing {
			problems = append(problems, name+" is required")
		}
	}
	problems = append(problems, props.Strategy.check("Strategy")...)
	switch props.Strategy.Kind {
	case KindOneAtATime, KindHalfAtATime, KindZonal:
		problems = append(problems, fmt.Sprintf("Strategy: ECS shifts traffic, not instances: use Canary, Linear or AllAtOnce, not %s", props.Strategy))
	}
	problems = append(problems, checkAlarms(props.Alarms, "a deployment group")...)
	// Whole minutes, at most 2880 ("The maximum setting is 2880 minutes
	// (2 days)",
	// https://docs.aws.amazon.com/codedeploy/latest/APIReference/API_BlueInstanceTerminationOption.html).
	if props.TerminationWait < 0 || props.TerminationWait > 48*time.Hour || props.TerminationWait%time.Minute != 0 {
		problems = append(problems, fmt.Sprintf("TerminationWait %s: whole minutes, 0 to 48h", props.TerminationWait))
	}
	if props.Service != nil {
		// CODE_DEPLOY is set when the service is made; changing a
		// service's controller may replace it
		// (https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-properties-ecs-service-deploymentcontroller.html).
		var ctl any
		if cfn, ok := props.Service.Node().DefaultChild().(awsecs.CfnService); ok && cfn != nil && cfn.DeploymentController() != nil {
			raw := cfn.DeploymentController()
			ctl = awscdk.Stack_Of(cfn).Resolve(raw)
		}
		if t := controllerType(ctl); t != "CODE_DEPLOY" {
			problems = append(problems, fmt.Sprintf("Service: its deployment controller is %q; make the service with DeploymentController: &awsecs.DeploymentController{Type: awsecs.DeploymentControllerType_CODE_DEPLOY}", t))
		}
	}
	if len(problems) > 0 {
		for _, p := range sortStrings(problems) {
			awscdk.Annotations_Of(c).AddError(jsii.String("handsoff rollout: " + p))
		}
		return nil
	}
	wait := props.TerminationWait
	if wait == 0 {
		wait = 10 * time.Minute
	}
	strategy := props.Strategy
	if strategy.Kind == 0 {
		strategy = DefaultCanary
	}
	bg := &awscodedeploy.EcsBlueGreenDeploymentConfig{
		BlueTargetGroup: props.Blue, GreenTargetGroup: props.Green, Listener: props.Listener,
		TerminationWaitTime: awscdk.Duration_Minutes(jsii.Number(wait.Minutes())),
	}
	if props.TestListener != nil {
		bg.TestListener = props.TestListener
	}
	dg := awscodedeploy.NewEcsDeploymentGroup(c, jsii.String("Group"), &awscodedeploy.EcsDeploymentGroupProps{
		Service: props.Service, BlueGreenDeploymentConfig: bg, DeploymentConfig: ecsConfig(c, strategy),
	})
	rollbackOnAlarms(c, dg.Node().DefaultChild().(awscodedeploy.CfnDeploymentGroup), props.Alarms)
	suppressServiceRole(dg.Role(), "AWSCodeDeployRoleForECS")
	return dg
}

// ecsConfig is a strategy's traffic shifting: CodeDeploy's predefined
// configurations where one matches, else a custom one
// (https://docs.aws.amazon.com/codedeploy/latest/userguide/deployment-configurations.html).
func ecsConfig(c constructs.Construct, s Strategy) awscodedeploy.IEcsDeploymentConfig {
	switch {
	case s.Kind == KindAllAtOnce:
		return awscodedeploy.EcsDeploymentConfig_ALL_AT_ONCE()
	case s == Canary(10, 5*time.Minute):
		return awscodedeploy.EcsDeploymentConfig_CANARY_10PERCENT_5MINUTES()
	case s == Canary(10, 15*time.Minute):
		return awscodedeploy.EcsDeploymentConfig_CANARY_10PERCENT_15MINUTES()
	case s == Linear(10, time.Minute):
		return awscodedeploy.EcsDeploymentConfig_LINEAR_10PERCENT_EVERY_1MINUTES()
	case s == Linear(10, 3*time.Minute):
		return awscodedeploy.EcsDeploymentConfig_LINEAR_10PERCENT_EVERY_3MINUTES()
	}
	interval := awscdk.Duration_Minutes(jsii.Number(s.Interval.Minutes()))
	pct := jsii.Number(float64(s.Percent))
	routing := awscodedeploy.TrafficRouting_TimeBasedLinear(&awscodedeploy.TimeBasedLinearTrafficRoutingProps{Interval: interval, Percentage: pct})
	if s.Kind == KindCanary {
		routing = awscodedeploy.TrafficRouting_TimeBasedCanary(&awscodedeploy.TimeBasedCanaryTrafficRoutingProps{Interval: interval, Percentage: pct})
	}
	return awscodedeploy.NewEcsDeploymentConfig(c, jsii.String("Config"), &awscodedeploy.EcsDeploymentConfigProps{TrafficRouting: routing})
}

// controllerType reads a CfnService's DeploymentController type.
func controllerType(v any) string {
	switch ctl := v.(type) {
	case *awsecs.CfnService_DeploymentControllerProperty:
		if ctl != nil && ctl.Type != nil {
			return *ctl.Type
		}
	case map[string]any:
		for _, k := range []string{"type", "Type"} {
			if t, ok := ctl[k].(string); ok {
				return t
			}
		}
	}
	return "ECS"
}
