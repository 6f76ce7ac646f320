package handsofftest_test

import (
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/jsii-runtime-go"

	"github.com/handsoff-cdk/handsoff/pipeline/handsofftest"
)

// TestTemplate: one property of one stack, by environment and construct
// id, passes when the template has it and fails, naming the stack, when
// it does not; the CDK's own Template is handed through.
func TestTemplate(t *testing.T) {
	a := handsofftest.Synth(t, props)
	t.Run("matches", func(t *testing.T) {
		a.HasResourceProperties(t, "prod-use1", "Service", "AWS::SQS::Queue", map[string]any{
			"KmsMasterKeyId": "alias/aws/sqs",
			"RedrivePolicy":  assertions.Match_ObjectLike(&map[string]any{"maxReceiveCount": 5}),
		})
		a.ResourceCountIs(t, "prod-use1", "Service", "AWS::SQS::Queue", 2)
		q := a.Template(t, "alpha", "Service")
		handsofftest.Assert(t, func() {
			q.HasResource(jsii.String("AWS::SQS::Queue"), map[string]any{"DeletionPolicy": "Delete"})
		})
		if alarms := q.FindResources(jsii.String("AWS::CloudWatch::Alarm"), nil); len(*alarms) != 2 {
			t.Errorf("%d alarms, want 2", len(*alarms))
		}
	})
	t.Run("does not match", func(t *testing.T) {
		got := failures(t, func(tb testing.TB) {
			a.HasResourceProperties(tb, "prod-use1", "Service", "AWS::SQS::Queue", map[string]any{"KmsMasterKeyId": "alias/mine"})
			a.ResourceCountIs(tb, "prod-use1", "Service", "AWS::SQS::Queue", 3)
			q := a.Template(tb, "prod-use1", "Service")
			handsofftest.Assert(tb, func() { q.HasOutput(jsii.String("QueueUrl"), assertions.Match_AnyValue()) })
		})
		if len(got) != 3 || !strings.HasPrefix(got[0], "handsofftest: prod-use1/Service: ") || !strings.Contains(got[0], "alias/mine") ||
			!strings.Contains(got[1], "prod-use1/Service: ") || !strings.Contains(got[1], "3") || !strings.Contains(got[2], "QueueUrl") {
			t.Errorf("failures:\n%s", strings.Join(got, "\n"))
		}
	})
}

// TestTemplateNames: an unknown environment or stack fails the test with
// the name it was given and the valid ones.
func TestTemplateNames(t *testing.T) {
	a := handsofftest.Synth(t, props)
	for _, c := range []struct{ env, stack, want string }{
		{"prod-us1", "Service", `no environment "prod-us1" in the document of acme/orders; its environments: alpha, beta, gamma-use1, gamma-euw1, prod-use1-onebox, prod-use1, prod-euw1, prod-apse1, prod-ape1`},
		{"prod-use1", "orders-prod-use1", `environment prod-use1 has no stack "orders-prod-use1" (a stack is named by its construct id under the environment's Stage); its stacks: "Service" (stack orders-prod-use1)`},
	} {
		got := failures(t, func(tb testing.TB) { a.Template(tb, c.env, c.stack) })
		if len(got) != 1 || got[0] != "handsofftest: "+c.want {
			t.Errorf("Template(%q, %q) failures:\n%s\nwant\nhandsofftest: %s", c.env, c.stack, strings.Join(got, "\n"), c.want)
		}
	}
}

// TestDocumentedNames: the template key the documentation shows is one
// Templates returns (Example uses the environment and stack names).
func TestDocumentedNames(t *testing.T) {
	a := handsofftest.Synth(t, props)
	for _, key := range []string{"assembly-orders-alpha/ordersalphaService5EB51F1E.template.json", "orders-pipeline.template.json"} {
		if _, ok := a.Templates(t)[key]; !ok {
			t.Errorf("no template %s", key)
		}
	}
}

// TestGoldenNames: Golden names every unknown environment and lists the
// document's.
func TestGoldenNames(t *testing.T) {
	a := handsofftest.Synth(t, props)
	got := failures(t, func(tb testing.TB) { a.Golden(tb, "testdata/orders.golden.json", "alpha", "prod-us1", "gama") })
	want := `handsofftest: Golden testdata/orders.golden.json: no environments "prod-us1", "gama" in the document of acme/orders; its environments: alpha, beta, gamma-use1, gamma-euw1, prod-use1-onebox, prod-use1, prod-euw1, prod-apse1, prod-ape1`
	if len(got) != 1 || got[0] != want {
		t.Errorf("failures:\n%s\nwant\n%s", strings.Join(got, "\n"), want)
	}
}
