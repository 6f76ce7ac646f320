package autoscale

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsapplicationautoscaling"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsec2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsecs"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
)

// ServiceProps configure a Fargate service with the baseline.
type ServiceProps struct {
	Options
	// Cluster runs the service. Required.
	Cluster awsecs.ICluster
	// TaskDefinition is what runs. Required.
	TaskDefinition awsecs.FargateTaskDefinition
	// Subnets are where tasks run. Default: the cluster VPC's private
	// subnets with egress, in every zone.
	Subnets *awsec2.SubnetSelection
	// SecurityGroups of the tasks. Default: a new one with no ingress.
	SecurityGroups []awsec2.ISecurityGroup
	// LoadBalanced sets the health-check grace period, which ECS allows only
	// for services behind a load balancer. Default: false.
	LoadBalanced bool
}

// NewFargateService makes a Fargate service with the baseline (see the
// package docs). props is required.
func NewFargateService(scope constructs.Construct, id string, props *ServiceProps) awsecs.FargateService {
	s, c, ok := begin(scope, id, props.Options, map[string]bool{"Cluster": props.Cluster == nil, "TaskDefinition": props.TaskDefinition == nil})
	if !ok {
		return nil
	}
	// Without a DesiredCount in the template a deployment does not reset a
	// service that scaled out; auto scaling holds the minimum.
	c.Node().SetContext(jsii.String("@aws-cdk/aws-ecs:removeDefaultDesiredCount"), true)
	subnets := props.Subnets
	if subnets == nil {
		subnets = &awsec2.SubnetSelection{SubnetType: awsec2.SubnetType_PRIVATE_WITH_EGRESS}
	}
	sp := &awsecs.FargateServiceProps{
		Cluster:        props.Cluster,
		TaskDefinition: props.TaskDefinition,
		VpcSubnets:     subnets,
		AssignPublicIp: jsii.Bool(false),
		// At least two thirds of the tasks keep serving during a deployment,
		// and a deployment that cannot get healthy rolls itself back.
		MinHealthyPercent:           jsii.Number(67),
		MaxHealthyPercent:           jsii.Number(200),
		CircuitBreaker:              &awsecs.DeploymentCircuitBreaker{Enable: jsii.Bool(true), Rollback: jsii.Bool(true)},
		AvailabilityZoneRebalancing: awsecs.AvailabilityZoneRebalancing_ENABLED,
	}
	if len(props.SecurityGroups) > 0 {
		sp.SecurityGroups = &props.SecurityGroups
	}
	if props.LoadBalanced {
		sp.HealthCheckGracePeriod = awscdk.Duration_Seconds(jsii.Number(s.Grace.Seconds()))
	}
	svc := awsecs.NewFargateService(c, jsii.String("Service"), sp)
	scaling := svc.AutoScaleTaskCount(&awsapplicationautoscaling.EnableScalingProps{
		MinCapacity: jsii.Number(float64(s.Min)),
		MaxCapacity: jsii.Number(float64(s.Max)),
	})
	cooldown := awscdk.Duration_Seconds(jsii.Number(s.Cooldown.Seconds()))
	scaling.ScaleOnCpuUtilization(jsii.String("Cpu"), &awsecs.CpuUtilizationScalingProps{
		TargetUtilizationPercent: jsii.Number(s.TargetCPU),
		ScaleInCooldown:          cooldown,
		ScaleOutCooldown:         cooldown,
	})
	return svc
}
