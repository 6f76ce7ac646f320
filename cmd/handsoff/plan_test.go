package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestPlanCommand synthesizes the example app once through the command
// (go run), then renders the same plan in every format from the assembly.
func TestPlanCommand(t *testing.T) {
	if testing.Short() {
		t.Skip("synthesizes the example app")
	}
	assembly := t.TempDir()
	out, errs, code := runCLI(t, "plan", "--app", "../../examples/twoline", "--format", "json", "--out", assembly)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	if !strings.HasPrefix(errs, "$ CDK_OUTDIR=") || !strings.Contains(errs, "go run ../../examples/twoline") {
		t.Errorf("the command run is not printed first: %q", errs)
	}
	var doc struct {
		Schema   string `json:"schema"`
		Arrivals []struct {
			Environment string `json:"environment"`
			AtSeconds   int64  `json:"atSeconds"`
		} `json:"arrivals"`
		EstimateSeconds int64 `json:"estimateSeconds"`
	}
	if err := json.Unmarshal([]byte(out), &doc); err != nil || doc.Schema != "handsoff.plan/v1" || len(doc.Arrivals) == 0 {
		t.Fatalf("not a JSON plan (%v):\n%s", err, out)
	}
	if last := doc.Arrivals[len(doc.Arrivals)-1]; last.AtSeconds != doc.EstimateSeconds {
		t.Errorf("the last environment %s arrives at %ds, the estimate is %ds", last.Environment, last.AtSeconds, doc.EstimateSeconds)
	}
	// resources after plan: it reads the plan plan wrote (and then needs
	// credentials, which this machine has none of).
	empty := filepath.Join(t.TempDir(), "empty")
	os.WriteFile(empty, nil, 0o644)
	t.Setenv("AWS_CONFIG_FILE", empty)
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", empty)
	t.Setenv("AWS_ACCESS_KEY_ID", "")
	t.Setenv("AWS_PROFILE", "")
	if _, errs, code := runCLI(t, "resources", "alpha", "--from", assembly); code != exitUnreachable || !strings.Contains(errs, "sign in first: aws sso login --profile orders-alpha") {
		t.Errorf("resources after plan: exit %d: %s", code, errs)
	}
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "handsoff-plan.json"), []byte(out), 0o644)
	text, _, code := runCLI(t, "plan", "--from", dir)
	golden(t, "plan.golden", text, code)
	for format, prefix := range map[string]string{"svg": "<svg", "html": "<!doctype html>", "mermaid": "flowchart LR", "plan": "handsoff plan: acme/orders"} {
		got, errs, code := runCLI(t, "plan", "--from", dir, "--format", format)
		if code != 0 || !strings.HasPrefix(got, prefix) || errs != "" {
			t.Errorf("--format %s: exit %d, stderr %q, output starts %q", format, code, errs, got[:min(len(got), 40)])
		}
	}
}

func TestPlanMistakes(t *testing.T) {
	dir := t.TempDir()
	broken := filepath.Join(dir, "broken")
	os.MkdirAll(broken, 0o755)
	os.WriteFile(filepath.Join(broken, "main.go"), []byte("package main\n\nfunc main() { undefined() }\n"), 0o644)
	os.WriteFile(filepath.Join(dir, "handsoff-plan.json"), []byte(`{"schema": "handsoff.plan/v0"}`), 0o644)
	checkCases(t, []cliCase{
		{"bad format", []string{"plan", "--format", "png"}, 2, `--format "png" is not one of text, plan, svg, html, mermaid, json`},
		{"stray argument", []string{"plan", "prod"}, 2, `unexpected argument "prod"`},
		{"no plan in the assembly", []string{"plan", "--from", t.TempDir()}, 1, "holds no handsoff-plan.json: is it the output of a handsoff app"},
		{"another schema", []string{"plan", "--from", dir}, 1, `schema "handsoff.plan/v0", this handsoff reads "handsoff.plan/v1"`},
		{"app that does not build", []string{"plan", "--app", broken, "--out", t.TempDir()}, 1, "does not synthesize"},
		{"help", []string{"plan", "--help"}, 0, "critical path"},
	})
}

// testdataDir is absolute: some tests change directory.
var testdataDir, _ = filepath.Abs("testdata")

// golden compares a command's output and exit status with testdata/name;
// -update rewrites it.
func golden(t *testing.T, name, out string, code int) {
	t.Helper()
	got := out + "exit status " + string(rune('0'+code)) + "\n"
	path := filepath.Join(testdataDir, name)
	if *update {
		os.WriteFile(path, []byte(got), 0o644)
		return
	}
	want, _ := os.ReadFile(path)
	if diff := cmp.Diff(string(want), got); diff != "" {
		t.Errorf("%s (-want +got); go test ./cmd/handsoff -update rewrites it:\n%s", name, diff)
	}
}
