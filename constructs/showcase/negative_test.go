package showcase

import (
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsec2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awss3"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdklabs/cdk-nag-go/cdknag/v2"

	"github.com/handsoff-cdk/handsoff/constructs/autoscale"
	"github.com/handsoff-cdk/handsoff/constructs/guardrails"
	"github.com/handsoff-cdk/handsoff/internal/testenv"
)

// TestCheckersCatchTheMistakes builds what the guardrails exist to stop and
// asserts that every checker the positive tests rely on does stop it, so
// that those tests could fail.
func TestCheckersCatchTheMistakes(t *testing.T) {
	dir := t.TempDir()
	app := awscdk.NewApp(&awscdk.AppProps{Outdir: jsii.String(dir)})
	awscdk.Aspects_Of(app).Add(cdknag.NewAwsSolutionsChecks(nil), nil)
	stack := awscdk.NewStack(app, jsii.String("Bad"), &awscdk.StackProps{
		Env: &awscdk.Environment{Account: jsii.String("444444444444"), Region: jsii.String("us-east-1")},
	})
	awss3.NewBucket(stack, jsii.String("Public"), &awss3.BucketProps{BlockPublicAccess: awss3.BlockPublicAccess_BLOCK_ACLS()})
	vpc := awsec2.Vpc_FromVpcAttributes(stack, jsii.String("Vpc"), &awsec2.VpcAttributes{
		VpcId: jsii.String("vpc-0123456789abcdef0"), AvailabilityZones: jsii.Strings("us-east-1a", "us-east-1b"),
		PrivateSubnetIds: jsii.Strings("subnet-0aaaaaaaaaaaaaaa1", "subnet-0bbbbbbbbbbbbbbb2"),
	})
	sg := awsec2.NewSecurityGroup(stack, jsii.String("Open"), &awsec2.SecurityGroupProps{Vpc: vpc})
	sg.AddIngressRule(awsec2.Peer_AnyIpv4(), awsec2.Port_Tcp(jsii.Number(3389)), jsii.String("rdp"), nil)
	awsiam.NewRole(stack, jsii.String("Admin"), &awsiam.RoleProps{
		AssumedBy: awsiam.NewServicePrincipal(jsii.String("ec2.amazonaws.com"), nil),
		InlinePolicies: &map[string]awsiam.PolicyDocument{"all": awsiam.NewPolicyDocument(&awsiam.PolicyDocumentProps{
			Statements: &[]awsiam.PolicyStatement{awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{Actions: jsii.Strings("*"), Resources: jsii.Strings("*")})},
		})},
	})
	autoscale.NewGroup(stack, "TooSmall", &autoscale.GroupProps{
		Options: autoscale.Options{Stage: "prod", Capacity: autoscale.Capacity{Min: 1, Max: 3}},
		Vpc:     vpc, MachineImage: awsec2.MachineImage_LatestAmazonLinux2023(nil),
	})
	app.Synth(nil)

	rep, err := guardrails.CheckAssembly(dir, guardrails.Context{})
	if err != nil {
		t.Fatal(err)
	}
	var rules []string
	for _, f := range rep.Failures() {
		rules = append(rules, f.Rule.ID)
	}
	if got := strings.Join(rules, " "); !strings.Contains(got, "HS-S3-1") || !strings.Contains(got, "HS-EC2-1") || !strings.Contains(got, "HS-IAM-1") {
		t.Errorf("guardrails found %q; want the public bucket, the open port and the star policy", got)
	}

	var nagErrors, autoscaleErrors []string
	for _, f := range testenv.Annotations(t, dir) {
		switch {
		case f.Level == "error" && strings.HasPrefix(f.Message, "AwsSolutions-"):
			nagErrors = append(nagErrors, f.Message[:strings.Index(f.Message, ":")])
		case f.Level == "error" && strings.HasPrefix(f.Message, "handsoff autoscale:"):
			autoscaleErrors = append(autoscaleErrors, f.Path+": "+f.Message)
		}
	}
	if got := strings.Join(nagErrors, " "); !strings.Contains(got, "AwsSolutions-S1") || !strings.Contains(got, "AwsSolutions-EC23") {
		t.Errorf("cdk-nag found %q; want at least S1 (no access logs) and EC23 (open ingress)", got)
	}
	want := "/Bad/TooSmall: handsoff autoscale: Capacity.Min is 1 in prod: prod never runs below 2, so that one failure is not an outage"
	if len(autoscaleErrors) != 1 || autoscaleErrors[0] != want {
		t.Errorf("autoscale errors = %q, want [%q]", autoscaleErrors, want)
	}

	res := testenv.Guard(t, testenv.TemplateFiles(t, dir), "s3", "identityandaccessmanagement")
	if len(res.Failures) == 0 {
		t.Error("cfn-guard passed a public, unlogged, unencrypted bucket and an inline Allow *:*")
	}
}
