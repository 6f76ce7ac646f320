// Package names makes physical names for AWS resources that stay inside each
// service's length limit, stay unique, and read well.
package names

import (
	"crypto/sha256"
	"encoding/hex"
	"strings"
)

// Join joins parts with "-". When the result is longer than max, it is cut
// and ends in an 8-character hash of the whole, so two long names that share
// a prefix stay distinct.
func Join(max int, parts ...string) string {
	name := strings.Join(parts, "-")
	if len(name) <= max {
		return name
	}
	sum := sha256.Sum256([]byte(name))
	h := hex.EncodeToString(sum[:])[:8]
	return strings.TrimRight(name[:max-9], "-_.") + "-" + h
}

// Pipeline is the CodePipeline name of a service's pipeline.
func Pipeline(service string) string { return Join(100, service, "pipeline") }

// Stage is the construct id of an environment's CDK Stage, which also
// names its cloud assembly (assembly-{id}) and selects its stacks in the
// CDK CLI ("{id}/*").
func Stage(service, env string) string { return Join(100, service, env) }

// Prefix starts the names of the roles and state machines that the
// handsoff bootstrap gate roles are scoped by (checks.Prefix).
const Prefix = "handsoff"

// PipelineRole, BakeWatcherRole and StopperRole name the roles of a
// service's pipeline stack that use the gate roles; a service's bootstrap
// gate roles trust exactly these three. Each is at most 9 + 30 + 16 = 55
// characters, so never cut: the names of two services never coincide
// (the suffixes differ in their last word, and equal suffixes mean equal
// services).
func PipelineRole(service string) string    { return Join(64, Prefix, service, "pipeline") }
func BakeWatcherRole(service string) string { return Join(64, Prefix, service, "bake-watch") }
func StopperRole(service string) string     { return Join(64, Prefix, service, "validation-stop") }

// GateRole names a service's bootstrap gate role in a region (role names
// are global to an account, hence the region): at most 9 + 30 + 6 + 14 =
// 59 characters. A gate role name decomposes at its last "-gate-", since
// no region holds "gate".
func GateRole(service, region string) string {
	return Prefix + "-" + service + "-gate-" + region
}

// ValidationPrefix starts the name of every validation state machine of a
// service: "handsoff-{service}_". Service names hold no "_", so no other
// service's state machine starts with it, and a gate role scoped to
// ValidationPrefix(service)+"*" reaches this service's only.
func ValidationPrefix(service string) string { return Prefix + "-" + service + "_" }

// Validation names an environment's validation state machine (at most 80
// characters): ValidationPrefix, the environment, "-checks". The prefix
// (at most 40 characters) survives Join's cut.
func Validation(service, env string) string {
	return Join(80, ValidationPrefix(service)+env, "checks")
}

// DeployedParameter names the SSM parameter, in the pipeline's account
// and region, that holds the last commit the service's pipeline deployed
// to prod: the pipeline writes it when its last wave succeeds, and
// handsoff changed reads it.
func DeployedParameter(service string) string { return "/" + Prefix + "/" + service + "/deployed/prod" }
