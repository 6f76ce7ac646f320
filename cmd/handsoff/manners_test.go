package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
)

// TestManners: the CLI behaves as the tools its users know (kubectl, gh,
// hugo): a mistyped command gets a suggestion, --version prints the
// version, and the session of typos and help is golden.
func TestManners(t *testing.T) {
	var session strings.Builder
	for _, args := range [][]string{
		{"valdate"},
		{"deplyo", "alpha"},
		{"config", "pul"},
		{"env", "ad"},
		{"plan", "--fromm", "x"},
		{"--version"},
		{"help", "nosuch"},
		{"completion", "tcsh"},
	} {
		out, errs, code := runCLI(t, args...)
		session.WriteString("$ handsoff " + strings.Join(args, " ") + "\n" + out + errs + "exit status " + string(rune('0'+code)) + "\n\n")
	}
	golden(t, "manners.golden", session.String(), 0)
	if _, errs, code := runCLI(t, "valdate"); code != exitMisuse || !strings.Contains(errs, "Did you mean this?\n\tvalidate") {
		t.Errorf("a typo: exit %d, %q", code, errs)
	}
	if out, _, code := runCLI(t, "--version"); code != 0 || !strings.HasPrefix(out, "handsoff version ") {
		t.Errorf("--version: exit %d, %q", code, out)
	}
}

// TestHelpEverywhere: every command of the tree prints its help on
// stdout with exit 0, by --help, -h and "help CMD" alike, and names every
// flag as --flag.
func TestHelpEverywhere(t *testing.T) {
	var walk func(c *cobra.Command)
	n := 0
	walk = func(c *cobra.Command) {
		path := strings.Fields(c.CommandPath())[1:]
		if c.Hidden || c.Name() == "__complete" || c.Name() == "__completeNoDesc" {
			return
		}
		n++
		var first string
		for _, args := range [][]string{append(append([]string{}, path...), "--help"), append(append([]string{}, path...), "-h"), append([]string{"help"}, path...)} {
			out, errs, code := runCLI(t, args...)
			if code != 0 || errs != "" || !strings.Contains(out, "Usage:") {
				t.Errorf("%q: exit %d, stderr %q, stdout %.80q", args, code, errs, out)
				continue
			}
			if first == "" {
				first = out
			} else if out != first {
				t.Errorf("%q differs from %q --help", args, path)
			}
			c.LocalFlags().VisitAll(func(f *pflag.Flag) {
				if !strings.Contains(out, "--"+f.Name) {
					t.Errorf("%q does not show --%s", args, f.Name)
				}
			})
		}
		for _, sub := range c.Commands() {
			walk(sub)
		}
	}
	walk(newRoot(nil, nil))
	if n < 18 {
		t.Errorf("walked %d commands", n)
	}
}

// TestExitStatusTable: the table in docs/cli.md is the one the CLI's help
// prints, and the statuses are distinct.
func TestExitStatusTable(t *testing.T) {
	page, err := os.ReadFile(filepath.Join("..", "..", "docs", "cli.md"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(page), exitTable()) {
		t.Errorf("docs/cli.md does not hold the exit status table; put this under \"Exit status\":\n%s", exitTable())
	}
	seen := map[int]bool{}
	for _, e := range exitCodes {
		if seen[e.code] {
			t.Errorf("status %d twice", e.code)
		}
		seen[e.code] = true
	}
	out, _, _ := runCLI(t, "--help")
	for _, e := range exitCodes {
		if !strings.Contains(out, e.what) {
			t.Errorf("help does not explain status %d", e.code)
		}
	}
}

// TestNoSilentExample: in a team's module with no document, every command
// that reads one says where a document may come from, and none uses the
// embedded example.
func TestNoSilentExample(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "go.mod"), []byte("module example.com/team\n"), 0o644)
	t.Chdir(dir)
	t.Setenv("HANDSOFF_CONFIG", "")
	for _, args := range [][]string{{"validate"}, {"validate", "--json"}, {"bootstrap"}, {"envs"}, {"profiles", "--dry-run"}, {"deploy", "alpha"}, {"metrics"}} {
		out, errs, code := runCLI(t, args...)
		if code != exitFailed || strings.Contains(out+errs, "111111111111") || strings.Contains(out+errs, "embedded example") ||
			!strings.Contains(out+errs, "no configuration document here") || !strings.Contains(out+errs, "HANDSOFF_CONFIG") {
			t.Errorf("%q: exit %d\n%s%s", args, code, out, errs)
		}
	}
}
