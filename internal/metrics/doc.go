// Package metrics is the arithmetic of delivery metrics, over a pipeline's
// execution history as CodePipeline's ListPipelineExecutions returns it
// (https://docs.aws.amazon.com/codepipeline/latest/APIReference/API_ListPipelineExecutions.html):
// deployment frequency, failure rate, lead time, time to restore, and how
// long the pipeline has been broken. The delivery-metrics function of the
// pipeline (internal/gates/metrics.js) computes the same numbers on the
// same definitions; both are tested on the same recorded history
// (testdata/executions.json).
//
// Definitions:
//   - an execution counts when it ended Succeeded or Failed; Stopped,
//     Superseded and in-progress ones are neither a deployment nor a failure;
//   - lead time: from the execution's start (the push that triggered it) to
//     its end, for a Succeeded execution (it reached the last prod stage);
//   - time to restore: from the end of the first Failed execution of a run
//     of failures to the end of the Succeeded execution after it;
//   - broken: the latest counted execution Failed; broken since the end of
//     the first failure of that run.
package metrics
