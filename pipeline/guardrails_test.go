package pipeline_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsec2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awss3"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssns"
	"github.com/aws/jsii-runtime-go"

	"github.com/handsoff-cdk/handsoff/constructs/guardrails"
	"github.com/handsoff-cdk/handsoff/examples/orders"
	"github.com/handsoff-cdk/handsoff/pipeline"
	"github.com/handsoff-cdk/handsoff/stages"
)

// careless adds, in alpha only, the mistakes the guardrails exist for; in
// beta it opens SSH with a reasoned suppression.
func careless(stage awscdk.Stage, env pipeline.Environment) {
	orders.Service(stage, env)
	if env.Stage != stages.Alpha && env.Stage != stages.Beta {
		return
	}
	stack := awscdk.NewStack(stage, jsii.String("Careless"), nil)
	vpc := awsec2.Vpc_FromVpcAttributes(stack, jsii.String("Vpc"), &awsec2.VpcAttributes{
		VpcId: jsii.String("vpc-12345678"), AvailabilityZones: jsii.Strings("us-east-1a"),
	})
	sg := awsec2.NewSecurityGroup(stack, jsii.String("Bastion"), &awsec2.SecurityGroupProps{Vpc: vpc})
	sg.AddIngressRule(awsec2.Peer_AnyIpv4(), awsec2.Port_Tcp(jsii.Number(22)), jsii.String("ssh"), nil)
	if env.Stage == stages.Beta {
		guardrails.Suppress(sg, "HS-EC2-1", "Break-glass bastion, opened only by runbook OPS-12.")
		return
	}
	bucket := awss3.NewBucket(stack, jsii.String("Public"), &awss3.BucketProps{BlockPublicAccess: awss3.BlockPublicAccess_BLOCK_ACLS()})
	awscdk.Tags_Of(bucket).Add(jsii.String("owner"), jsii.String(""), &awscdk.TagProps{Priority: jsii.Number(1000)})
	awsiam.NewPolicy(stack, jsii.String("Admin"), &awsiam.PolicyProps{
		Statements: &[]awsiam.PolicyStatement{awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{Actions: jsii.Strings("*"), Resources: jsii.Strings("*")})},
		Roles:      &[]awsiam.IRole{awsiam.NewRole(stack, jsii.String("Role"), &awsiam.RoleProps{AssumedBy: awsiam.NewServicePrincipal(jsii.String("ec2.amazonaws.com"), nil)})},
	})
	awssns.NewTopic(stack, jsii.String("Plain"), nil)
	// A suppression on something that is no resource (an imported VPC).
	guardrails.Suppress(vpc, "HS-EC2-1", "The imported VPC is the shared network of the platform.")
}

func TestGuardrailsFailSynthesis(t *testing.T) {
	app := awscdk.NewApp(&awscdk.AppProps{Outdir: jsii.String(t.TempDir())})
	_, err := pipeline.Build(app, pipeline.Props{Repo: "acme/orders", Service: careless, CheckSourceDir: "testdata/checksource",
		Load: stages.LoadOptions{Document: stages.ExampleDocument()}})
	if err == nil {
		t.Fatal("Build accepted a public bucket, open SSH, a star policy and a plain topic")
	}
	msg := err.Error()
	for _, want := range []string{
		"handsoff: configuration guardrails has 6 problems:",
		"alpha: orders-alpha/Careless/Vpc: guardrails.Suppress(HS-EC2-1) is on a construct that is no CloudFormation resource",
		"alpha: orders-alpha/Careless/Bastion/Resource SecurityGroupIngress[0].CidrIp [HS-EC2-1 no-open-admin-ports]: port 22 (SSH) is open to the internet (0.0.0.0/0)",
		"alpha: orders-alpha/Careless/Public/Resource PublicAccessBlockConfiguration [HS-S3-1 bucket-public-access-block]: public access is not blocked: BlockPublicPolicy, RestrictPublicBuckets not true",
		"alpha: orders-alpha/Careless/Public/Resource Tags [HS-TAG-1 required-tags]: lacks a value for owner",
		"alpha: orders-alpha/Careless/Admin/Resource PolicyDocument.Statement[0] [HS-IAM-1 no-admin-access]: allows every action on every resource",
		"alpha: orders-alpha/Careless/Plain/Resource KmsMasterKeyId [HS-SNS-1 topic-encrypted]: the topic has no KmsMasterKeyId",
	} {
		if !strings.Contains(msg, want) {
			t.Errorf("error lacks %q:\n%s", want, msg)
		}
	}
	if strings.Contains(msg, "orders-beta/") {
		t.Errorf("the suppressed finding in beta was reported:\n%s", msg)
	}
}

// onlyBeta is careless in beta only: its reasoned suppression, and no
// breach of alpha's.
func onlyBeta(stage awscdk.Stage, env pipeline.Environment) {
	if env.Stage == stages.Alpha {
		orders.Service(stage, env)
		return
	}
	careless(stage, env)
}

func TestSuppressedGuardrailShowsInPlan(t *testing.T) {
	app := awscdk.NewApp(&awscdk.AppProps{Outdir: jsii.String(t.TempDir())})
	p, err := pipeline.Build(app, pipeline.Props{Repo: "acme/orders", Service: onlyBeta, CheckSourceDir: "testdata/checksource",
		Load: stages.LoadOptions{Document: stages.ExampleDocument()}})
	if err != nil {
		t.Fatal(err)
	}
	want := "guardrail exception in beta: HS-EC2-1 no-open-admin-ports on orders-beta/Careless/Bastion/Resource SecurityGroupIngress[0].CidrIp: Break-glass bastion, opened only by runbook OPS-12."
	if plan := p.Plan().String(); !strings.Contains(plan, want) {
		t.Errorf("plan lacks %q:\n%s", want, plan)
	}
}

// TestCheckSourceExcludesTheAssembly: with the cloud assembly inside the
// check source under a name other than cdk.out (CDK_OUTDIR may say so),
// the source asset leaves the assembly out instead of copying it into
// itself until synthesis fails.
func TestCheckSourceExcludesTheAssembly(t *testing.T) {
	src := t.TempDir()
	os.WriteFile(filepath.Join(src, "integ_test.go"), []byte("package integ\n"), 0o644)
	out := filepath.Join(src, "build", "assembly")
	app := awscdk.NewApp(&awscdk.AppProps{Outdir: jsii.String(out)})
	if _, err := pipeline.Build(app, pipeline.Props{Repo: "acme/orders", Service: orders.Service, CheckSourceDir: src,
		Load: stages.LoadOptions{Document: stages.ExampleDocument()}}); err != nil {
		t.Fatal(err)
	}
	app.Synth(nil)
	assets, _ := filepath.Glob(filepath.Join(out, "assembly-orders-alpha", "asset.*"))
	if len(assets) == 0 {
		assets, _ = filepath.Glob(filepath.Join(out, "asset.*"))
	}
	found := false
	for _, a := range assets {
		if _, err := os.Stat(filepath.Join(a, "integ_test.go")); err == nil {
			found = true
			if _, err := os.Stat(filepath.Join(a, "build", "assembly")); err == nil {
				t.Errorf("the source asset %s holds the cloud assembly", a)
			}
		}
	}
	if !found {
		t.Fatalf("no source asset among %v", assets)
	}
}

// TestReasonPatternFromTheDocument: the platform's guardrails.reasonPatterns
// reach the check; a suppression without what they ask for fails synthesis.
func TestReasonPatternFromTheDocument(t *testing.T) {
	var d map[string]any
	if err := json.Unmarshal(stages.ExampleDocument(), &d); err != nil {
		t.Fatal(err)
	}
	d["guardrails"] = map[string]any{"reasonPatterns": []any{`\bSEC-[0-9]+\b`}}
	doc, _ := json.Marshal(d)
	app := awscdk.NewApp(&awscdk.AppProps{Outdir: jsii.String(t.TempDir())})
	_, err := pipeline.Build(app, pipeline.Props{Repo: "acme/orders", Service: onlyBeta, CheckSourceDir: "testdata/checksource",
		Load: stages.LoadOptions{Document: doc}})
	want := "which the platform's guardrails.reasonPatterns (`\\bSEC-[0-9]+\\b`) do not all match"
	if err == nil || !strings.Contains(err.Error(), want) {
		t.Fatalf("Build = %v, want an error with %q", err, want)
	}
}

// BenchmarkGuardrails is the guardrail pass over the example's nine
// environments, as the pipeline runs it beside synthesis (whose trace line
// shows only what synthesis waits for it):
//
//	go test ./pipeline -run '^$' -bench Guardrails
func BenchmarkGuardrails(b *testing.B) {
	out := b.TempDir()
	app := awscdk.NewApp(&awscdk.AppProps{Outdir: jsii.String(out)})
	if _, err := pipeline.Build(app, pipeline.Props{Repo: "acme/orders", Service: orders.Service, CheckSourceDir: "testdata/checksource",
		Load: stages.LoadOptions{Document: stages.ExampleDocument()}}); err != nil {
		b.Fatal(err)
	}
	app.Synth(nil)
	dirs, _ := filepath.Glob(filepath.Join(out, "assembly-*"))
	if len(dirs) == 0 {
		b.Fatal("no environment assemblies")
	}
	ctx := guardrails.Context{RequiredTags: stages.ReservedTags()}
	for b.Loop() {
		for _, d := range dirs {
			rep, err := guardrails.CheckAssembly(d, ctx)
			if err != nil || len(rep.Failures()) > 0 {
				b.Fatal(err, rep.Failures())
			}
		}
	}
	b.ReportMetric(float64(len(dirs)), "assemblies")
}
