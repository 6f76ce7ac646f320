// Command twoline is the two-line handsoff pipeline of the example service
// acme/orders: it synthesizes the pipeline from the configuration document
// (HANDSOFF_CONFIG, else handsoff.json, else the embedded example) into
// cdk.out, prints the plan and writes a picture of the pipeline beside it.
package main

import (
	_ "github.com/handsoff-cdk/handsoff/internal/jsiinode" // this project's Node 22, before any jsii package

	"github.com/handsoff-cdk/handsoff/examples/orders"
	"github.com/handsoff-cdk/handsoff/pipeline"
)

func main() {
	app := pipeline.NewApp()
	pipeline.New(app, pipeline.Props{Repo: "acme/orders", Service: orders.Service})
	app.Synth(nil)
}
