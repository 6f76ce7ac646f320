package goldenami

import (
	"fmt"
	"maps"
	"slices"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsevents"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsimagebuilder"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/handsoff-cdk/handsoff/internal/nag"
)

// DefaultHardening is the hardening component's AWSTOE document: build
// steps before the snapshot, validate steps on the build instance, test
// steps on an instance launched from the new image
// (https://docs.aws.amazon.com/imagebuilder/latest/userguide/image-builder-application-documents.html).
const DefaultHardening = `name: handsoff-hardening
description: SSH without passwords or root, auditd on, security updates applied.
schemaVersion: 1.0
phases:
  - name: build
    steps:
      - name: SecurityUpdates
        action: ExecuteBash
        inputs:
          commands:
            - dnf -y upgrade --security --refresh
      - name: Ssh
        action: ExecuteBash
        inputs:
          commands:
            - install -d -m 0755 /etc/ssh/sshd_config.d
            - printf 'PasswordAuthentication no\nPermitRootLogin no\nX11Forwarding no\nMaxAuthTries 3\n' > /etc/ssh/sshd_config.d/10-handsoff.conf
      - name: Audit
        action: ExecuteBash
        inputs:
          commands:
            - dnf -y install audit
            - systemctl enable auditd
  - name: validate
    steps:
      - name: SshConfig
        action: ExecuteBash
        inputs:
          commands:
            - sshd -T | grep -qx 'passwordauthentication no'
            - sshd -T | grep -qx 'permitrootlogin no'
  - name: test
    steps:
      - name: AuditRuns
        action: ExecuteBash
        inputs:
          commands:
            - systemctl is-active --quiet auditd
            - sshd -T | grep -qx 'passwordauthentication no'
`

// GoldenAMI is a golden image's pipeline.
type GoldenAMI interface {
	constructs.IConstruct
	// Pipeline is the AWS::ImageBuilder::ImagePipeline; start a build on
	// demand with `aws imagebuilder start-image-pipeline-execution
	// --image-pipeline-arn ARN` (its ARN is the stack's output).
	Pipeline() awsimagebuilder.CfnImagePipeline
	// ParameterName is the parameter each target holds the newest image's
	// ID in.
	ParameterName() string
}

type golden struct {
	constructs.Construct
	pipeline awsimagebuilder.CfnImagePipeline
	name     string
}

func (g *golden) Pipeline() awsimagebuilder.CfnImagePipeline { return g.pipeline }
func (g *golden) ParameterName() string                      { return ParameterName(g.name) }

// New makes a golden image's EC2 Image Builder pipeline (see the package
// docs). Mistakes in props are error annotations on the construct, which
// fail synthesis, all at once; New then returns nil.
func New(scope constructs.Construct, id string, props *Props) GoldenAMI {
	c := constructs.NewConstruct(scope, jsii.String(id))
	if props == nil {
		props = &Props{}
	}
	stack := awscdk.Stack_Of(c)
	home, region := "", ""
	if a := stack.Account(); !*awscdk.Token_IsUnresolved(a) {
		home = *a
	}
	if r := stack.Region(); !*awscdk.Token_IsUnresolved(r) {
		region = *r
	}
	problems := props.check(home)
	if region == "" {
		problems = append(problems, "the stack has no region: give it one (StackProps.Env), since the image is built and its components named in that region")
	} else {
		problems = append(problems, props.checkPartitions(region)...)
	}
	if len(problems) > 0 {
		for _, p := range problems {
			awscdk.Annotations_Of(c).AddError(jsii.String("handsoff goldenami: " + p))
		}
		return nil
	}
	p := *props
	if p.BaseImageParameter == "" {
		p.BaseImageParameter = DefaultBaseImage
	}
	if p.Hardening == "" {
		p.Hardening = DefaultHardening
	}
	if len(p.InstanceTypes) == 0 {
		p.InstanceTypes = []string{"m7i.large", "m6i.large"}
	}
	if p.Schedule == "" {
		p.Schedule = DefaultSchedule
	}
	g := &golden{Construct: c, name: p.Name}
	tags := &map[string]*string{"handsoff:image": jsii.String(p.Name)}

	hardening := awsimagebuilder.NewCfnComponent(c, jsii.String("Hardening"), &awsimagebuilder.CfnComponentProps{
		Name:        jsii.String(p.Name + "-hardening"),
		Platform:    jsii.String("Linux"),
		Version:     jsii.String(version(p.Hardening)),
		Data:        jsii.String(p.Hardening),
		Description: jsii.String("handsoff: the hardening of " + p.Name),
		Tags:        tags,
	})
	// AWS-managed components: "x.x.x" follows their newest version, which
	// is what lets a scheduled build see an update
	// (EXPRESSION_MATCH_AND_DEPENDENCY_UPDATES_AVAILABLE builds "only when
	// a newer base image or component matches the recipe's semantic-version
	// filters",
	// https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-properties-imagebuilder-imagepipeline-schedule.html).
	// The ARN is of the build region's partition (arn:aws-cn:... in China).
	components := []string{*hardening.AttrArn(), fmt.Sprintf("arn:%s:imagebuilder:%s:aws:component/amazon-cloudwatch-agent-linux/x.x.x", Partition(region), region)}
	components = append(components, p.Components...)
	var recipeComponents []any
	for _, arn := range components {
		recipeComponents = append(recipeComponents, &awsimagebuilder.CfnImageRecipe_ComponentConfigurationProperty{ComponentArn: jsii.String(arn)})
	}
	parent := "ssm:" + p.BaseImageParameter
	recipe := awsimagebuilder.NewCfnImageRecipe(c, jsii.String("Recipe"), &awsimagebuilder.CfnImageRecipeProps{
		Name: jsii.String(p.Name),
		// The hardening's own version is in its ARN, so a new hardening
		// makes a new recipe too; so is everything else of the recipe, its
		// volumes' key included (recipeContent).
		Version:     jsii.String(version(recipeContent(parent, p.Hardening, components[1:], p.KmsKeyArns[region])...)),
		ParentImage: jsii.String(parent),
		Components:  recipeComponents,
		Description: jsii.String("handsoff: " + p.Name + " from " + p.BaseImageParameter),
		BlockDeviceMappings: []any{&awsimagebuilder.CfnImageRecipe_InstanceBlockDeviceMappingProperty{
			DeviceName: jsii.String("/dev/xvda"),
			Ebs: &awsimagebuilder.CfnImageRecipe_EbsInstanceBlockDeviceSpecificationProperty{
				Encrypted: jsii.Bool(true), VolumeType: jsii.String("gp3"), VolumeSize: jsii.Number(30), DeleteOnTermination: jsii.Bool(true),
				KmsKeyId: stringOrNil(p.KmsKeyArns[region]),
			},
		}},
		Tags: tags,
	})

	role := awsiam.NewRole(c, jsii.String("BuildRole"), &awsiam.RoleProps{
		AssumedBy:   awsiam.NewServicePrincipal(jsii.String("ec2.amazonaws.com"), nil),
		Description: jsii.String("handsoff: the build instances of " + p.Name),
		// The policies Image Builder's instances need: its agent and SSM's
		// (https://docs.aws.amazon.com/imagebuilder/latest/userguide/image-builder-setting-up.html).
		ManagedPolicies: &[]awsiam.IManagedPolicy{
			awsiam.ManagedPolicy_FromAwsManagedPolicyName(jsii.String("EC2InstanceProfileForImageBuilder")),
			awsiam.ManagedPolicy_FromAwsManagedPolicyName(jsii.String("AmazonSSMManagedInstanceCore")),
		},
	})
	nag.Suppress(role.Node().DefaultChild().(awsiam.CfnRole), nag.Suppression{
		ID:        "AwsSolutions-IAM4",
		Reason:    "Image Builder documents these two managed policies for its build instances: its agent's (EC2InstanceProfileForImageBuilder) and Systems Manager's, which runs the components.",
		AppliesTo: []any{"Policy::arn:<AWS::Partition>:iam::aws:policy/EC2InstanceProfileForImageBuilder", "Policy::arn:<AWS::Partition>:iam::aws:policy/AmazonSSMManagedInstanceCore"},
	})
	profile := awsiam.NewCfnInstanceProfile(c, jsii.String("BuildProfile"), &awsiam.CfnInstanceProfileProps{Roles: &[]any{role.RoleName()}})
	infra := awsimagebuilder.NewCfnInfrastructureConfiguration(c, jsii.String("Infrastructure"), &awsimagebuilder.CfnInfrastructureConfigurationProps{
		Name:                       jsii.String(p.Name),
		Description:                jsii.String("handsoff: where " + p.Name + " is built"),
		InstanceProfileName:        profile.Ref(),
		InstanceTypes:              jsii.Strings(p.InstanceTypes...),
		TerminateInstanceOnFailure: jsii.Bool(true),
		SubnetId:                   stringOrNil(p.SubnetID),
		SecurityGroupIds:           stringsOrNil(p.SecurityGroupIDs),
		SnsTopicArn:                stringOrNil(p.NotificationTopicArn),
		// IMDSv2 only on the build instance, as on the fleet.
		InstanceMetadataOptions: &awsimagebuilder.CfnInfrastructureConfiguration_InstanceMetadataOptionsProperty{
			HttpTokens: jsii.String("required"), HttpPutResponseHopLimit: jsii.Number(2),
		},
		Tags: tags,
	})
	dist := awsimagebuilder.NewCfnDistributionConfiguration(c, jsii.String("Distribution"), &awsimagebuilder.CfnDistributionConfigurationProps{
		Name:          jsii.String(p.Name),
		Description:   jsii.String("handsoff: where each image of " + p.Name + " goes"),
		Distributions: distributions(p, home),
		Tags:          tags,
	})
	exec := executionRole(c, p, stack)
	g.pipeline = awsimagebuilder.NewCfnImagePipeline(c, jsii.String("Pipeline"), &awsimagebuilder.CfnImagePipelineProps{
		Name:                           jsii.String(p.Name),
		Description:                    jsii.String("handsoff: builds " + p.Name + " on a schedule and on demand"),
		ImageRecipeArn:                 recipe.AttrArn(),
		InfrastructureConfigurationArn: infra.AttrArn(),
		DistributionConfigurationArn:   dist.AttrArn(),
		ExecutionRole:                  exec.RoleArn(),
		Status:                         jsii.String("ENABLED"),
		EnhancedImageMetadataEnabled:   jsii.Bool(true),
		Schedule: &awsimagebuilder.CfnImagePipeline_ScheduleProperty{
			ScheduleExpression:              jsii.String(p.Schedule),
			PipelineExecutionStartCondition: jsii.String("EXPRESSION_MATCH_AND_DEPENDENCY_UPDATES_AVAILABLE"),
		},
		// Tests run on an instance launched from the new image; an image
		// that fails them is not distributed.
		ImageTestsConfiguration: &awsimagebuilder.CfnImagePipeline_ImageTestsConfigurationProperty{ImageTestsEnabled: jsii.Bool(true)},
		ImageScanningConfiguration: &awsimagebuilder.CfnImagePipeline_ImageScanningConfigurationProperty{
			ImageScanningEnabled: jsii.Bool(true),
		},
		Tags: tags,
	})
	events(c, p, stack)
	awscdk.NewCfnOutput(c, jsii.String("PipelineArn"), &awscdk.CfnOutputProps{
		Description: jsii.String("handsoff: build " + p.Name + " now with: aws imagebuilder start-image-pipeline-execution --image-pipeline-arn <this>"),
		Value:       g.pipeline.AttrArn(),
	})
	return g
}

// recipeContent is what a recipe's version hashes: all it holds besides
// its name (the parent, the hardening, the other components in order, the
// volumes' key), so that any change is a new version. Without a key, the
// parts are the ones versions were first hashed from.
func recipeContent(parent, hardening string, components []string, key string) []string {
	parts := append([]string{parent, hardening}, components...)
	if key != "" {
		parts = append(parts, "volumes-kms-key="+key)
	}
	return parts
}

// distributions are the image's copies and parameters, region by region.
// Accounts other than the build's get a copy (targetAccountIds, which
// "copies the AMI into each target account, which owns and pays for its
// copy") and each target its parameter: with AmiAccountId for another
// account, which "must also be a target account for that Region"; for the
// build's own account without it, so that it holds under either reading of
// whether the owner must be listed
// (https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-properties-imagebuilder-distributionconfiguration-ssmparameterconfiguration.html).
// DataType aws:ec2:image makes Parameter Store check that the value is an
// image (https://docs.aws.amazon.com/systems-manager/latest/userguide/parameter-store-ec2-aliases.html).
func distributions(p Props, home string) []any {
	byRegion := map[string][]string{}
	for _, t := range p.Targets {
		byRegion[t.Region] = append(byRegion[t.Region], t.Account)
	}
	var out []any
	for _, region := range slices.Sorted(maps.Keys(byRegion)) {
		accounts := slices.Clone(byRegion[region])
		slices.Sort(accounts)
		var copies []*string
		var params []any
		for _, a := range accounts {
			pc := &awsimagebuilder.CfnDistributionConfiguration_SsmParameterConfigurationProperty{
				ParameterName: jsii.String(ParameterName(p.Name)), DataType: jsii.String("aws:ec2:image"),
			}
			if a != home {
				copies = append(copies, jsii.String(a))
				pc.AmiAccountId = jsii.String(a)
			}
			params = append(params, pc)
		}
		// This version of the CDK types AmiDistributionConfiguration as
		// JSON, which it writes as given: CloudFormation's own names.
		ami := map[string]any{
			"Name":        p.Name + "-{{ imagebuilder:buildDate }}",
			"Description": "handsoff golden image " + p.Name,
			"AmiTags":     map[string]any{"handsoff:image": p.Name},
		}
		if k := p.KmsKeyArns[region]; k != "" {
			ami["KmsKeyId"] = k
		}
		if len(copies) > 0 {
			ami["TargetAccountIds"] = copies
		}
		out = append(out, &awsimagebuilder.CfnDistributionConfiguration_DistributionProperty{
			Region: jsii.String(region), AmiDistributionConfiguration: ami, SsmParameterConfigurations: params,
		})
	}
	return out
}

// executionRole is the pipeline's execution role, which holds the
// permissions of the features beyond what Image Builder's service-linked
// role does: writing SSM output parameters needs ssm:PutParameter on them
// and, for DataType aws:ec2:image, ec2:DescribeImages ("Prerequisites for
// SSM output parameters",
// https://docs.aws.amazon.com/imagebuilder/latest/userguide/cr-upd-ami-distribution-settings.html).
func executionRole(c constructs.Construct, p Props, stack awscdk.Stack) awsiam.Role {
	role := awsiam.NewRole(c, jsii.String("ExecutionRole"), &awsiam.RoleProps{
		AssumedBy:   awsiam.NewServicePrincipal(jsii.String("imagebuilder.amazonaws.com"), nil),
		Description: jsii.String("handsoff: Image Builder writes " + p.Name + "'s parameters with this role"),
	})
	var params []*string
	regions := map[string]bool{}
	for _, t := range p.Targets {
		regions[t.Region] = true
	}
	for _, r := range slices.Sorted(maps.Keys(regions)) {
		params = append(params, jsii.String(fmt.Sprintf("arn:%s:ssm:%s:%s:parameter%s", *stack.Partition(), r, *stack.Account(), ParameterName(p.Name))))
	}
	role.AddToPolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Actions: jsii.Strings("ssm:PutParameter", "ssm:GetParameter"), Resources: &params,
	}))
	role.AddToPolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		// DescribeImages supports no resource-level permission.
		Actions: jsii.Strings("ec2:DescribeImages"), Resources: jsii.Strings("*"),
	}))
	nag.Suppress(role.Node().FindChild(jsii.String("DefaultPolicy")).Node().DefaultChild().(awsiam.CfnPolicy), nag.Suppression{
		ID:        "AwsSolutions-IAM5",
		Reason:    "ec2:DescribeImages supports no resource-level permission, and Parameter Store calls it to check an aws:ec2:image parameter's value.",
		AppliesTo: []any{"Resource::*"},
	})
	return role
}

// events notifies the topic of every failed build and forwards every new
// image's AVAILABLE event to the pipelines' buses. Image Builder sends
// "EC2 Image Builder Image State Change" events to the default bus
// (https://docs.aws.amazon.com/imagebuilder/latest/userguide/integ-eventbridge.html);
// the image's ARN, arn:...:image/{name}/{version}/{build}, is the event's
// resource.
func events(c constructs.Construct, p Props, stack awscdk.Stack) {
	image := fmt.Sprintf("arn:%s:imagebuilder:%s:%s:image/%s/", *stack.Partition(), *stack.Region(), *stack.Account(), p.Name)
	pattern := func(state string) map[string]any {
		return map[string]any{
			"source":      []any{"aws.imagebuilder"},
			"detail-type": []any{"EC2 Image Builder Image State Change"},
			"resources":   []any{map[string]any{"prefix": image}},
			"detail":      map[string]any{"state": map[string]any{"status": []any{state}}},
		}
	}
	if p.NotificationTopicArn != "" {
		awsevents.NewCfnRule(c, jsii.String("Failed"), &awsevents.CfnRuleProps{
			Description:  jsii.String("handsoff: a build of " + p.Name + " failed"),
			EventPattern: pattern("FAILED"),
			Targets:      &[]any{map[string]any{"id": "topic", "arn": p.NotificationTopicArn}},
		})
	}
	if len(p.ForwardTo) == 0 {
		return
	}
	// Sending to another account's bus needs a role with
	// events:PutEvents on it
	// (https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-cross-account.html).
	role := awsiam.NewRole(c, jsii.String("ForwardRole"), &awsiam.RoleProps{
		AssumedBy:   awsiam.NewServicePrincipal(jsii.String("events.amazonaws.com"), nil),
		Description: jsii.String("handsoff: forwards " + p.Name + "'s new images to the pipelines' buses"),
	})
	role.AddToPolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Actions: jsii.Strings("events:PutEvents"), Resources: jsii.Strings(p.ForwardTo...),
	}))
	// A rule takes at most five targets ("Each rule can have up to five
	// (5) targets associated with it at one time",
	// https://docs.aws.amazon.com/eventbridge/latest/APIReference/API_PutTargets.html):
	// one rule for each five buses, the first keeping its ID.
	for start := 0; start < len(p.ForwardTo); start += maxRuleTargets {
		var targets []any
		for i := start; i < min(start+maxRuleTargets, len(p.ForwardTo)); i++ {
			targets = append(targets, map[string]any{"id": fmt.Sprintf("bus%d", i), "arn": p.ForwardTo[i], "roleArn": role.RoleArn()})
		}
		id := "Available"
		if start > 0 {
			id = fmt.Sprintf("Available%d", start/maxRuleTargets+1)
		}
		awsevents.NewCfnRule(c, jsii.String(id), &awsevents.CfnRuleProps{
			Description:  jsii.String("handsoff: a new image of " + p.Name + " is available"),
			EventPattern: pattern("AVAILABLE"),
			Targets:      &targets,
		})
	}
}

// maxRuleTargets is how many targets an EventBridge rule takes.
const maxRuleTargets = 5

func stringOrNil(s string) *string {
	if s == "" {
		return nil
	}
	return jsii.String(s)
}

func stringsOrNil(s []string) *[]*string {
	if len(s) == 0 {
		return nil
	}
	return jsii.Strings(s...)
}
