package configservice

import (
	"os"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdklabs/cdk-nag-go/cdknag/v2"

	"github.com/handsoff-cdk/handsoff/constructs/guardrails"
	"github.com/handsoff-cdk/handsoff/internal/testenv"
)

var example = Props{
	Account: "111111111111", Region: "us-east-1", VpcID: "vpc-0123456789abcdef0",
	AvailabilityZones: []string{"us-east-1a", "us-east-1b"},
	PrivateSubnets:    []string{"subnet-0aaaaaaaaaaaaaaa1", "subnet-0bbbbbbbbbbbbbbb2"},
	PublicSubnets:     []string{"subnet-0ccccccccccccccc3", "subnet-0ddddddddddddddd4"},
	CertificateArn:    "arn:aws:acm:us-east-1:111111111111:certificate/0d7b0d4e-1111-2222-3333-444455556666",
	Image:             "111111111111.dkr.ecr.us-east-1.amazonaws.com/handsoff-config:v0.1.0",
}

var (
	once sync.Once
	dir  string
)

func synth(t *testing.T) string {
	t.Helper()
	once.Do(func() {
		var err error
		if dir, err = os.MkdirTemp("", "handsoff-configservice-"); err != nil {
			t.Fatal(err)
		}
		app := awscdk.NewApp(&awscdk.AppProps{Outdir: jsii.String(dir)})
		awscdk.Aspects_Of(app).Add(cdknag.NewAwsSolutionsChecks(&cdknag.NagPackProps{Verbose: jsii.Bool(true)}), nil)
		NewStack(app, "HandsoffConfig", example)
		app.Synth(nil)
	})
	return dir
}

// TestNag: cdk-nag AwsSolutions finds nothing unsuppressed.
func TestNag(t *testing.T) {
	for _, f := range testenv.Annotations(t, synth(t)) {
		if f.Level == "error" {
			t.Error(f)
		}
	}
}

// TestControlTower: the AWS Control Tower rules find nothing unsuppressed.
func TestControlTower(t *testing.T) {
	res := testenv.Guard(t, testenv.TemplateFiles(t, synth(t)), "s3", "identityandaccessmanagement", "keymanagementservice")
	for _, f := range res.Failures {
		t.Error(f)
	}
}

// TestGuardrailsAndSchemas: handsoff's guardrails and the registry schemas.
func TestGuardrailsAndSchemas(t *testing.T) {
	rep, err := guardrails.CheckAssembly(synth(t), guardrails.Context{})
	if err != nil {
		t.Fatal(err)
	}
	if err := rep.Err(); err != nil {
		t.Error(err)
	}
	for _, tmpl := range testenv.Templates(t, synth(t)) {
		for _, p := range testenv.Schema(t).Validate(tmpl) {
			if !strings.Contains(p, "CDKMetadata") {
				t.Error(p)
			}
		}
	}
}
