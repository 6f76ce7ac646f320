// Command bench is the two-line handsoff app used to measure synthesis: the
// service is one bucket per environment, and the document has alpha, beta,
// two gamma environments, a prod one-box and N more prod environments
// (HANDSOFF_BENCH_N, default 30) that handsoff plans into waves.
//
// handwritten.go builds the same topology and content by hand with CDK
// Pipelines (HANDSOFF_BENCH_HANDWRITTEN=1 runs it instead); bench_test.go
// synthesizes both side by side, and scripts/bench times both as processes.
package main

import (
	_ "github.com/handsoff-cdk/handsoff/internal/jsiinode" // this project's Node 22, before any jsii package

	"os"
	"strconv"

	"github.com/handsoff-cdk/handsoff/pipeline"
	"github.com/handsoff-cdk/handsoff/stages"
)

func main() {
	n, err := strconv.Atoi(os.Getenv("HANDSOFF_BENCH_N"))
	if err != nil || n < 1 {
		n = 30
	}
	app := pipeline.NewApp()
	if os.Getenv("HANDSOFF_BENCH_HANDWRITTEN") != "" {
		handWritten(app, n) // the same topology without handsoff, to compare
	} else {
		pipeline.New(app, pipeline.Props{Repo: "acme/bench", Service: service, Load: stages.LoadOptions{Document: document(n)}})
	}
	app.Synth(nil)
}
