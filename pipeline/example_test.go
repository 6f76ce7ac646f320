package pipeline_test

import (
	"fmt"

	"github.com/aws/aws-cdk-go/awscdk/v2"

	"github.com/handsoff-cdk/handsoff/examples/orders"
	"github.com/handsoff-cdk/handsoff/pipeline"
	"github.com/handsoff-cdk/handsoff/stages"
)

// Build is New for tests and tools: it returns the problems instead of
// printing them and exiting.
func ExampleBuild() {
	app := awscdk.NewApp(nil)
	p, err := pipeline.Build(app, pipeline.Props{Repo: "acme/orders", Service: orders.Service,
		Load: stages.LoadOptions{Document: stages.ExampleDocument()}})
	if err != nil {
		fmt.Println(err)
		return
	}
	plan := p.Plan()
	fmt.Println(plan.PipelineName, "deploys", plan.Environments(), "environments in", len(plan.Waves), "stages")
	_, err = pipeline.Build(awscdk.NewApp(nil), pipeline.Props{Repo: "acme/orders", Service: orders.Service,
		Load: stages.LoadOptions{Document: []byte(`{"apiVersion": "handsoff/v2"}`)}})
	fmt.Println(err != nil && pipeline.IsConfigError(err))
	// Output:
	// orders-pipeline deploys 9 environments in 6 stages
	// true
}
