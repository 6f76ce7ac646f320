package main

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"testing"
)

// TestJsiiCalls counts the jsii calls of the handsoff app against the
// hand-written one, the cause of most of handsoff's synth time: each is a
// round trip through two Node.js processes, about 0.3 ms however little it
// does (internal/cdkbatch). Counts, unlike seconds, are the same on every
// run. Before internal/cdkbatch the N=30 app made 1,202 calls to the
// hand-written app's 189; it makes 341.
func TestJsiiCalls(t *testing.T) {
	if os.Getenv("HANDSOFF_BENCH_CHILD") != "" {
		main() // the child: synthesize as the bench binary does
		return
	}
	if testing.Short() {
		t.Skip("synthesizes four apps")
	}
	count := func(n int, handWritten bool) int {
		t.Helper()
		cmd := exec.Command(os.Args[0], "-test.run=^TestJsiiCalls$")
		cmd.Env = append(os.Environ(), "HANDSOFF_BENCH_CHILD=1", "JSII_DEBUG=1", "HANDSOFF_QUIET=1",
			fmt.Sprintf("HANDSOFF_BENCH_N=%d", n), "CDK_OUTDIR="+t.TempDir())
		if handWritten {
			cmd.Env = append(cmd.Env, "HANDSOFF_BENCH_HANDWRITTEN=1")
		}
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		if err := cmd.Run(); err != nil {
			t.Fatalf("synth N=%d: %v\n%s", n, err, stderr.String()[max(0, stderr.Len()-2000):])
		}
		calls := 0
		for _, line := range strings.Split(stderr.String(), "\n") {
			if strings.HasPrefix(line, "> {") { // the kernel's log of each request
				calls++
			}
		}
		return calls
	}
	h3, w3, h30, w30 := count(3, false), count(3, true), count(30, false), count(30, true)
	t.Logf("jsii calls: N=3 handsoff %d, hand-written %d; N=30 handsoff %d, hand-written %d", h3, w3, h30, w30)
	if w30 == 0 {
		t.Fatal("no jsii calls counted: has the kernel's JSII_DEBUG log changed?")
	}
	// What handsoff adds: its pipeline stack's own resources once, and one
	// call an environment (cdkbatch.DescribeStage) over the hand-written
	// app's.
	if extra := h30 - w30; extra > 200 {
		t.Errorf("handsoff makes %d jsii calls more than the hand-written app at N=30 (at most 200): batch them (internal/cdkbatch)", extra)
	}
	if perEnv := float64((h30-w30)-(h3-w3)) / 27; perEnv > 2 {
		t.Errorf("handsoff adds %.1f jsii calls an environment over the hand-written app (at most 2): batch them (internal/cdkbatch)", perEnv)
	}
}
