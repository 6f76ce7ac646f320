package orders_test

import (
	"testing"

	"github.com/handsoff-cdk/handsoff/examples/orders"
	"github.com/handsoff-cdk/handsoff/pipeline/handsofftest"
	"github.com/handsoff-cdk/handsoff/stages"
)

// The example service tests itself as a service team would, with the test
// kit: one synthesis, the gates, every checker, golden templates.
var props = handsofftest.Props{Repo: "acme/orders", Service: orders.Service,
	Load: stages.LoadOptions{Document: stages.ExampleDocument()}}

func TestGates(t *testing.T) { handsofftest.Synth(t, props).AssertGates(t) }

func TestCheckers(t *testing.T) { handsofftest.Synth(t, props).Check(t) }

// TestGolden: HANDSOFF_UPDATE=1 go test ./examples/orders rewrites it.
func TestGolden(t *testing.T) {
	handsofftest.Synth(t, props).Golden(t, "testdata/orders.golden.json", "alpha", "prod-use1")
}
