// Command app synthesizes the immutable-servers example
// (examples/immutable) into CDK_OUTDIR (cdk.out when unset).
package main

import (
	_ "github.com/handsoff-cdk/handsoff/internal/jsiinode" // this project's Node 22, before any jsii package

	"github.com/handsoff-cdk/handsoff/examples/immutable"
	"github.com/handsoff-cdk/handsoff/pipeline"
)

func main() {
	app := pipeline.NewApp()
	immutable.Stacks(app)
	app.Synth(nil)
}
