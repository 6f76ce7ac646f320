// Package gates makes the gates that package checks describes: the
// validation state machine of each environment (its definition, IAM and
// CloudFormation template, computed in Go), the CodePipeline actions and
// stage conditions that run the gates, and the functions in the pipeline's
// stack (freeze gate, bake watcher, validation stopper). Its API is not
// the library's: the pipeline package is its one user.
package gates
