package main

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/handsoff-cdk/handsoff/stages"
)

var update = flag.Bool("update", false, "rewrite testdata/")

// cliCase is one command line, its exit status, and text its output holds.
type cliCase struct {
	name string
	args []string
	code int
	want string
}

// checkCases runs each case as a subtest.
func checkCases(t *testing.T, cases []cliCase) {
	t.Helper()
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			out, errs, code := runCLI(t, c.args...)
			if code != c.code || !strings.Contains(out+errs, c.want) {
				t.Errorf("exit %d, want %d; output does not contain %q:\n%s%s", code, c.code, c.want, out, errs)
			}
		})
	}
}

func runCLI(t *testing.T, args ...string) (string, string, int) {
	t.Helper()
	var out, errb bytes.Buffer
	code := run(args, &out, &errb)
	return out.String(), errb.String(), code
}

// TestBootstrapGolden: the commands printed for the example document.
func TestBootstrapGolden(t *testing.T) {
	dir := t.TempDir()
	doc := filepath.Join(dir, "handsoff.json")
	os.WriteFile(doc, stages.ExampleDocument(), 0o644)
	out, errs, code := runCLI(t, "bootstrap", "--config", doc, "--out", filepath.Join(dir, "out"), "--trust", "999999999999")
	if code != 0 || errs != "" {
		t.Fatalf("exit %d: %s", code, errs)
	}
	got := strings.ReplaceAll(out, dir, "$DIR")
	golden := filepath.Join("testdata", "bootstrap.golden")
	if *update {
		os.WriteFile(golden, []byte(got), 0o644)
	}
	want, _ := os.ReadFile(golden)
	if diff := cmp.Diff(string(want), got); diff != "" {
		t.Errorf("output (-want +got), go test ./cmd/handsoff -update rewrites it:\n%s", diff)
	}
	if _, err := os.Stat(filepath.Join(dir, "out", templateFile("orders"))); err != nil {
		t.Error(err)
	}
}

func TestBootstrapMistakes(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.json")
	os.WriteFile(bad, []byte(strings.Replace(string(stages.ExampleDocument()), `"region": "us-west-2"`, `"region": "us-west-9"`, 1)), 0o644)
	checkCases(t, []cliCase{
		{"no command: the help", nil, 0, "Usage:"},
		{"unknown command", []string{"deploi"}, 2, `unknown command "deploi"`},
		{"unknown flag", []string{"bootstrap", "--frobnicate"}, 2, "unknown flag: --frobnicate"},
		{"unknown environment", []string{"bootstrap", "prod"}, 2, `"prod" is not an environment of acme/orders; environments: alpha,`},
		{"two arguments", []string{"bootstrap", "alpha", "beta"}, 2, `unexpected argument "beta"`},
		{"an environment and --all", []string{"bootstrap", "alpha", "--all"}, 2, "name an environment or --all, not both"},
		{"missing document", []string{"bootstrap", "--config", filepath.Join(dir, "none.json")}, 2, "--config: open"},
		{"invalid document", []string{"bootstrap", "--config", bad}, 1, `stages[1].environments[0].region: "us-west-9" is not an AWS region`},
		{"other repository", []string{"bootstrap", "--config", bad, "--repo", "acme/x"}, 1, "is not an AWS region"},
		{"bad trust", []string{"bootstrap", "--config", filepath.Join("..", "..", "stages", "example", "acme-orders.json"), "--out", dir, "--trust", "12345"}, 2, `--trust: "12345" is not a 12-digit account`},
		{"help", []string{"bootstrap", "--help"}, 0, "Prints the one-time setup"},
	})
}

// TestBootstrapExecute runs the commands with fake aws and cdk CLIs, which
// record their arguments; a failing one stops the setup with status 1.
func TestBootstrapExecute(t *testing.T) {
	dir := t.TempDir()
	bin := filepath.Join(dir, "bin")
	os.MkdirAll(bin, 0o755)
	log := filepath.Join(dir, "calls")
	// aws on PATH; cdk where deploy finds it too, the module's
	// node_modules/.bin (a cdk on PATH must not be the one that runs).
	moduleBin := filepath.Join(dir, "node_modules", ".bin")
	os.MkdirAll(moduleBin, 0o755)
	os.WriteFile(filepath.Join(dir, "go.mod"), []byte("module example.com/team\n"), 0o644)
	for name, where := range map[string]string{"aws": bin, "cdk": moduleBin} {
		os.WriteFile(filepath.Join(where, name), []byte("#!/bin/sh\necho \""+name+" $*\" >> "+log+"\n[ -z \"$FAIL\" ] || case \"$*\" in *$FAIL*) exit 3;; esac\n"), 0o755)
	}
	os.WriteFile(filepath.Join(bin, "cdk"), []byte("#!/bin/sh\necho not the module's cdk >&2; exit 9\n"), 0o755)
	t.Setenv("PATH", bin+string(os.PathListSeparator)+os.Getenv("PATH"))
	doc, _ := filepath.Abs(filepath.Join("..", "..", "stages", "example", "acme-orders.json"))
	t.Chdir(dir)
	if _, errs, code := runCLI(t, "bootstrap", "--config", doc, "--out", dir, "--execute"); code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	calls, _ := os.ReadFile(log)
	lines := strings.Split(strings.TrimSpace(string(calls)), "\n")
	// 5 pipeline regions; 4 accounts and regions of test and gamma
	// environments, two commands each; the 4 of prod stay a dry run.
	if len(lines) != 5+2*4 || strings.Contains(string(calls), "444444444444") {
		t.Errorf("%d calls:\n%s", len(lines), calls)
	}
	os.Remove(log)
	if _, errs, code := runCLI(t, "bootstrap", "--config", doc, "--out", dir, "--execute", "--prod"); code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	calls, _ = os.ReadFile(log)
	lines = strings.Split(strings.TrimSpace(string(calls)), "\n")
	if len(lines) != 5+2*8 || !strings.HasPrefix(lines[len(lines)-1], "aws cloudformation deploy --region ap-east-1 --stack-name handsoff-orders-bootstrap") {
		t.Errorf("with --prod, %d calls:\n%s", len(lines), calls)
	}
	// One environment: its account and region, and the pipeline account's
	// bootstrap in its region.
	out, _, code := runCLI(t, "bootstrap", "gamma-euw1", "--config", doc, "--out", dir)
	if code != 0 || strings.Count(out, "\ncdk bootstrap") != 2 || !strings.Contains(out, "cdk bootstrap aws://111111111111/eu-west-1 --profile orders-pipeline") ||
		!strings.Contains(out, "cdk bootstrap aws://333333333333/eu-west-1 --trust 111111111111") || strings.Contains(out, "aws://111111111111/us-east-1") {
		t.Errorf("exit %d:\n%s", code, out)
	}
	os.Remove(log)
	t.Setenv("FAIL", "333333333333")
	if _, errs, code := runCLI(t, "bootstrap", "--config", doc, "--out", dir, "--execute"); code != 1 || !strings.Contains(errs, "cdk bootstrap aws://333333333333/us-east-1") {
		t.Errorf("exit %d: %s", code, errs)
	}
}

// TestBootstrapTrustsExactlyTheDocuments: the service's gate role trusts
// the document's pipeline account and the accounts of --trust, and no
// other: nothing read from what is deployed can keep an account trusted
// that the document no longer names, and no failed read can drop one.
func TestBootstrapTrustsExactlyTheDocuments(t *testing.T) {
	dir := t.TempDir()
	bin := filepath.Join(dir, "bin")
	os.MkdirAll(bin, 0o755)
	log := filepath.Join(dir, "calls")
	// The deployed stack trusts another account; a read would say so.
	os.WriteFile(filepath.Join(bin, "aws"), []byte("#!/bin/sh\ncase \"$*\" in *describe-stacks*) echo '777777777777,111111111111'; exit 0;; esac\necho \"aws $*\" >> "+log+"\n"), 0o755)
	os.MkdirAll(filepath.Join(dir, "node_modules", ".bin"), 0o755)
	os.WriteFile(filepath.Join(dir, "node_modules", ".bin", "cdk"), []byte("#!/bin/sh\n"), 0o755)
	os.WriteFile(filepath.Join(dir, "go.mod"), []byte("module example.com/team\n"), 0o644)
	t.Setenv("PATH", bin+string(os.PathListSeparator)+os.Getenv("PATH"))
	doc, _ := filepath.Abs(filepath.Join("..", "..", "stages", "example", "acme-orders.json"))
	t.Chdir(dir)
	for _, c := range []struct {
		args []string
		want string
	}{
		{nil, "TrustedAccounts=111111111111 "},
		{[]string{"--trust", "888888888888"}, "TrustedAccounts=111111111111,888888888888 "},
	} {
		os.Remove(log)
		out, errs, code := runCLI(t, append([]string{"bootstrap", "alpha", "--config", doc, "--out", dir, "--execute"}, c.args...)...)
		if code != 0 {
			t.Fatalf("exit %d: %s", code, errs)
		}
		calls, _ := os.ReadFile(log)
		if !strings.Contains(string(calls), c.want) || strings.Contains(string(calls), "777777777777") || strings.Contains(string(calls), "describe-stacks") {
			t.Errorf("%v: the deploy does not trust exactly %q:\n%s", c.args, c.want, calls)
		}
		if !strings.Contains(out, c.want) {
			t.Errorf("%v: the printed command does not trust exactly %q:\n%s", c.args, c.want, out)
		}
	}
}
