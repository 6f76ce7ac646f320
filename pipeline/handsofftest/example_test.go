package handsofftest_test

import (
	"fmt"

	"github.com/handsoff-cdk/handsoff/pipeline/handsofftest"
)

// Diff reports changes by stack and resource, as Golden shows them.
func ExampleDiff() {
	want := map[string]map[string]any{"orders-alpha-Service.template.json": {"Resources": map[string]any{
		"Queue": map[string]any{"Type": "AWS::SQS::Queue"}}}}
	got := map[string]map[string]any{"orders-alpha-Service.template.json": {"Resources": map[string]any{
		"Queue2": map[string]any{"Type": "AWS::SQS::Queue"}}}}
	for _, d := range handsofftest.Diff(want, got) {
		fmt.Println(d)
	}
	// Output:
	// stack orders-alpha-Service.template.json, resource Queue: gone
	// stack orders-alpha-Service.template.json, resource Queue2: new (AWS::SQS::Queue)
}
