package handsofftest_test

import (
	"fmt"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/jsii-runtime-go"

	"github.com/handsoff-cdk/handsoff/pipeline/handsofftest"
)

// exampleT stands in for a test's t, which an example has not: it prints
// what a test would report.
type exampleT struct{ testing.TB }

func (exampleT) Name() string                      { return "Example" }
func (exampleT) Helper()                           {}
func (exampleT) Log(...any)                        {}
func (exampleT) Logf(string, ...any)               {}
func (exampleT) Errorf(format string, args ...any) { fmt.Printf("FAIL: "+format+"\n", args...) }
func (exampleT) Fatalf(format string, args ...any) { panic(fmt.Sprintf(format, args...)) }
func (e exampleT) Error(args ...any)               { e.Errorf("%s", fmt.Sprint(args...)) }
func (e exampleT) Fatal(args ...any)               { e.Fatalf("%s", fmt.Sprint(args...)) }

// The package's example, with the names it shows: environments by their
// names in the document, a stack by its construct id.
func Example() {
	var t testing.TB = exampleT{} // in a test, the test's t
	a := handsofftest.Synth(t, props)
	a.AssertGates(t)
	a.HasResourceProperties(t, "prod-use1", "Service", "AWS::SQS::Queue",
		map[string]any{"KmsMasterKeyId": "alias/aws/sqs"})
	a.Golden(t, "testdata/orders.golden.json", "alpha", "prod-use1")
	fmt.Println("ok")
	// Output: ok
}

// One property of one stack, without a golden file: the orders queue of
// prod-use1 is encrypted with SQS's own key and sends failed orders to a
// dead-letter queue after 5 tries, and the stack has two alarms.
func ExampleApp_HasResourceProperties() {
	var t testing.TB = exampleT{} // in a test, the test's t
	a := handsofftest.Synth(t, props)
	a.HasResourceProperties(t, "prod-use1", "Service", "AWS::SQS::Queue", map[string]any{
		"KmsMasterKeyId": "alias/aws/sqs",
		"RedrivePolicy":  assertions.Match_ObjectLike(&map[string]any{"maxReceiveCount": 5}),
	})
	a.ResourceCountIs(t, "prod-use1", "Service", "AWS::CloudWatch::Alarm", 2)

	// The CDK's Template, for every other check: in Assert, a failed
	// check fails the test instead of ending the test binary.
	q := a.Template(t, "prod-use1", "Service")
	handsofftest.Assert(t, func() {
		q.HasResource(jsii.String("AWS::SQS::Queue"), map[string]any{"UpdateReplacePolicy": "Delete"})
	})
	queues := q.FindResources(jsii.String("AWS::SQS::Queue"), nil)
	fmt.Println(len(*queues), "queues")
	// Output: 2 queues
}

// Diff reports changes by stack and resource, as Golden shows them.
func ExampleDiff() {
	const stack = "assembly-orders-alpha/ordersalphaService5EB51F1E.template.json"
	want := map[string]map[string]any{stack: {"Resources": map[string]any{
		"Queue": map[string]any{"Type": "AWS::SQS::Queue"}}}}
	got := map[string]map[string]any{stack: {"Resources": map[string]any{
		"Queue2": map[string]any{"Type": "AWS::SQS::Queue"}}}}
	for _, d := range handsofftest.Diff(want, got) {
		fmt.Println(d)
	}
	// Output:
	// stack assembly-orders-alpha/ordersalphaService5EB51F1E.template.json, resource Queue: gone
	// stack assembly-orders-alpha/ordersalphaService5EB51F1E.template.json, resource Queue2: new (AWS::SQS::Queue)
}
