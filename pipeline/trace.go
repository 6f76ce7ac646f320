package pipeline

import (
	"fmt"
	"os"
	"time"
)

// tracing prints how long each phase of Build takes to standard error when
// HANDSOFF_TRACE is set, to find what makes a synth slow.
var tracing = os.Getenv("HANDSOFF_TRACE") != ""

// phase starts timing a phase; call the returned func when it ends.
func phase(name string) func() {
	if !tracing {
		return func() {}
	}
	start := time.Now()
	return func() {
		fmt.Fprintf(os.Stderr, "handsoff: %-24s %v\n", name, time.Since(start).Round(time.Millisecond))
	}
}
