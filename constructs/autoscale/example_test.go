package autoscale_test

import (
	"fmt"

	"github.com/handsoff-cdk/handsoff/constructs/autoscale"
)

// ForStage is the baseline every group and service of a stage starts from:
// prod never runs on one instance.
func ExampleForStage() {
	for _, stage := range []string{"alpha", "gamma", "prod", "staging"} {
		c := autoscale.ForStage(stage)
		fmt.Printf("%s: %d to %d\n", stage, c.Min, c.Max)
	}
	// Output:
	// alpha: 1 to 2
	// gamma: 2 to 4
	// prod: 2 to 10
	// staging: 2 to 10
}
