package autoscale

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsautoscaling"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsec2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssns"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
	"maps"
	"slices"
)

// GroupProps configure an Auto Scaling group with the baseline.
type GroupProps struct {
	Options
	// Vpc is where the group runs. Required.
	Vpc awsec2.IVpc
	// MachineImage is the AMI. Required.
	MachineImage awsec2.IMachineImage
	// InstanceTypes are the types the group may launch, in order of
	// preference; two or more let it ride out a shortage of one. Default:
	// m7i.large, m6i.large.
	InstanceTypes []string
	// Subnets are where instances run. Default: the VPC's private subnets
	// with egress, in every zone.
	Subnets *awsec2.SubnetSelection
	// LoadBalanced makes the group use the load balancer's health checks;
	// set it when the group joins a target group. Default: false (EC2
	// health checks).
	LoadBalanced bool
	// Notifications receives launch, termination and error events. Default:
	// none.
	Notifications awssns.ITopic
	// Role is the instances' role. Default: a role with no permissions.
	Role awsiam.IRole
	// SecurityGroup is the instances'. Default: a new one with no ingress.
	SecurityGroup awsec2.ISecurityGroup
	// UserData runs at boot. Default: none.
	UserData awsec2.UserData
	// VolumeSize is the root volume in GiB, always encrypted. Default: 30.
	VolumeSize int
}

// NewGroup makes an Auto Scaling group with the baseline (see the package
// docs). props is required.
func NewGroup(scope constructs.Construct, id string, props *GroupProps) awsautoscaling.AutoScalingGroup {
	s, c, ok := begin(scope, id, props.Options, map[string]bool{"Vpc": props.Vpc == nil, "MachineImage": props.MachineImage == nil})
	if !ok {
		return nil
	}
	if props.Stage == "prod" {
		// Zones are often unknown until deploy (a token); when known, prod
		// must span two.
		if azs := props.Vpc.AvailabilityZones(); azs != nil && len(*azs) < 2 && !*awscdk.Token_IsUnresolved((*azs)[0]) {
			report(c, []string{"the VPC has one availability zone: prod spreads over at least two"})
		}
	}
	types := props.InstanceTypes
	if len(types) == 0 {
		types = []string{"m7i.large", "m6i.large"}
	}
	size := props.VolumeSize
	if size == 0 {
		size = 30
	}
	sg := props.SecurityGroup
	if sg == nil {
		sg = awsec2.NewSecurityGroup(c, jsii.String("SecurityGroup"), &awsec2.SecurityGroupProps{
			Vpc: props.Vpc, Description: jsii.String("handsoff: instances of " + *c.Node().Path()), AllowAllOutbound: jsii.Bool(true),
		})
	}
	role := props.Role
	if role == nil {
		role = awsiam.NewRole(c, jsii.String("InstanceRole"), &awsiam.RoleProps{
			AssumedBy:   awsiam.NewServicePrincipal(jsii.String("ec2.amazonaws.com"), nil),
			Description: jsii.String("handsoff: instances of " + *c.Node().Path()),
		})
	}
	lt := awsec2.NewLaunchTemplate(c, jsii.String("LaunchTemplate"), &awsec2.LaunchTemplateProps{
		MachineImage:             props.MachineImage,
		InstanceType:             awsec2.NewInstanceType(jsii.String(types[0])),
		RequireImdsv2:            jsii.Bool(true),
		HttpPutResponseHopLimit:  jsii.Number(1),
		AssociatePublicIpAddress: jsii.Bool(false),
		SecurityGroup:            sg,
		Role:                     role,
		UserData:                 props.UserData,
		DetailedMonitoring:       jsii.Bool(true),
		BlockDevices: &[]*awsec2.BlockDevice{{
			DeviceName: jsii.String("/dev/xvda"),
			Volume: awsec2.BlockDeviceVolume_Ebs(jsii.Number(float64(size)), &awsec2.EbsDeviceOptions{
				Encrypted: jsii.Bool(true), VolumeType: awsec2.EbsDeviceVolumeType_GP3, DeleteOnTermination: jsii.Bool(true),
			}),
		}},
	})
	overrides := make([]*awsautoscaling.LaunchTemplateOverrides, len(types))
	for i, t := range types {
		overrides[i] = &awsautoscaling.LaunchTemplateOverrides{InstanceType: awsec2.NewInstanceType(jsii.String(t))}
	}
	subnets := props.Subnets
	if subnets == nil {
		subnets = &awsec2.SubnetSelection{SubnetType: awsec2.SubnetType_PRIVATE_WITH_EGRESS}
	}
	grace := awscdk.Duration_Seconds(jsii.Number(s.Grace.Seconds()))
	health := awsautoscaling.HealthChecks_Ec2(&awsautoscaling.Ec2HealthChecksOptions{GracePeriod: grace})
	if props.LoadBalanced {
		health = awsautoscaling.HealthChecks_WithAdditionalChecks(&awsautoscaling.AdditionalHealthChecksOptions{
			AdditionalTypes: &[]awsautoscaling.AdditionalHealthCheckType{awsautoscaling.AdditionalHealthCheckType_ELB},
			GracePeriod:     grace,
		})
	}
	gp := &awsautoscaling.AutoScalingGroupProps{
		Vpc:        props.Vpc,
		VpcSubnets: subnets,
		MixedInstancesPolicy: &awsautoscaling.MixedInstancesPolicy{
			LaunchTemplate:          lt,
			LaunchTemplateOverrides: &overrides,
			InstancesDistribution: &awsautoscaling.InstancesDistribution{
				OnDemandPercentageAboveBaseCapacity: jsii.Number(100),
			},
		},
		// DesiredCapacity stays out of the template: each deployment would
		// reset it, shrinking a group that scaled out under load.
		MinCapacity:       jsii.Number(float64(s.Min)),
		MaxCapacity:       jsii.Number(float64(s.Max)),
		Cooldown:          awscdk.Duration_Seconds(jsii.Number(s.Cooldown.Seconds())),
		HealthChecks:      health,
		CapacityRebalance: jsii.Bool(true),
		UpdatePolicy: awsautoscaling.UpdatePolicy_RollingUpdate(&awsautoscaling.RollingUpdateOptions{
			// The whole minimum stays in service while at most a third of
			// it is replaced: at least two thirds of capacity keep serving.
			MinInstancesInService: jsii.Number(float64(s.Min)),
			MaxBatchSize:          jsii.Number(float64(s.BatchSize)),
			PauseTime:             awscdk.Duration_Seconds(jsii.Number(s.Grace.Seconds())),
		}),
	}
	if props.Notifications != nil {
		gp.Notifications = &[]*awsautoscaling.NotificationConfiguration{{Topic: props.Notifications}}
	}
	group := awsautoscaling.NewAutoScalingGroup(c, jsii.String("Group"), gp)
	// Name the zones as well as the subnets: the spread is then explicit in
	// the template (AWS Control Tower CT.AUTOSCALING.PR.1).
	if azs := props.Vpc.SelectSubnets(subnets).AvailabilityZones; azs != nil && len(*azs) > 0 {
		group.Node().DefaultChild().(awsautoscaling.CfnAutoScalingGroup).SetAvailabilityZones(azs)
	}
	group.ScaleOnCpuUtilization(jsii.String("Cpu"), &awsautoscaling.CpuUtilizationScalingProps{
		TargetUtilizationPercent: jsii.Number(s.TargetCPU),
		EstimatedInstanceWarmup:  awscdk.Duration_Seconds(jsii.Number(s.Grace.Seconds())),
	})
	return group
}

// begin resolves the options and makes the construct; with missing props
// (name: missing) or bad options it reports every problem and returns false.
func begin(scope constructs.Construct, id string, o Options, missing map[string]bool) (Settings, constructs.Construct, bool) {
	s, problems := o.Resolve()
	c := constructs.NewConstruct(scope, jsii.String(id))
	for _, name := range slices.Sorted(maps.Keys(missing)) {
		if missing[name] {
			problems = append(problems, name+" is required")
		}
	}
	if len(problems) > 0 {
		report(c, problems)
		return s, c, false
	}
	return s, c, true
}

// report records each problem as an error annotation, which fails
// synthesis with the construct's path.
func report(c constructs.IConstruct, problems []string) {
	for _, p := range problems {
		awscdk.Annotations_Of(c).AddError(jsii.String("handsoff autoscale: " + p))
	}
}
