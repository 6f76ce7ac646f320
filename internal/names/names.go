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
