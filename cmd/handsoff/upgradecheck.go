package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"github.com/handsoff-cdk/handsoff/cmd/handsoff/internal/upgrade"
	"github.com/handsoff-cdk/handsoff/internal/release"

	"github.com/spf13/cobra"
)

// upgradeCheck synthesizes an app with two versions of handsoff and fails
// when the newer one would delete or replace a stateful resource.
//
// In this repository it compares the last release (or --base) with the
// working tree, on the example app. In a team's module, --to VERSION
// compares the module as it is with a copy that requires that version of
// handsoff (go get), on the team's app.
func upgradeCheckCmd() *cobra.Command {
	fs := flag.NewFlagSet("handsoff upgrade-check", flag.ContinueOnError)
	to := fs.String("to", "", "in a team's module: the handsoff version to check before taking it (v0.2.0, a commit, latest)")
	base := fs.String("base", "", "in the handsoff repository: the commit to compare the working tree with; default: the last release")
	app := fs.String("app", "", "the app's main package; default: . in a team's module, ./examples/twoline in the handsoff repository")
	asJSON := fs.Bool("json", false, "print the verdict as one JSON object (from, to, errors, warnings, findings) and nothing else on stdout")
	return leaf(&cobra.Command{
		Use:   "upgrade-check [flags]",
		Short: "every resource a newer handsoff would delete or replace; fails when one holds data",
		Long: `Synthesizes the app with two versions of handsoff and reports every
resource the newer would delete or replace (its logical ID or stack is
gone, its type changes, or a property that requires replacement changes,
directly or through a reference to a replaced resource). One that holds
data (a bucket, table, database, file system, volume, stream, vault, key,
secret...; or any resource with a Retain or Snapshot policy) is an error
and fails the check; any other is a warning, shown for review. The
commands it runs go to stderr; stdout holds the verdict (with --json, only
JSON).

  handsoff upgrade-check --to v0.2.0     in a team's module, before taking v0.2.0
  handsoff upgrade-check                 in the handsoff repository, against the last release`,
		Args: argsBetween(0, 0, "no arguments"),
	}, fs, func(stdout, stderr io.Writer) int {
		return runUpgradeCheck(upgradeOpts{to: *to, base: *base, app: *app, json: *asJSON}, stdout, stderr)
	})
}

// upgradeOpts are upgrade-check's flags.
type upgradeOpts struct {
	to, base, app string
	json          bool
}

// runUpgradeCheck synthesizes both versions and reports. The commands it
// runs go to stderr, so that stdout holds only the verdict (only JSON with
// --json).
func runUpgradeCheck(o upgradeOpts, stdout, stderr io.Writer) int {
	root, module, err := moduleRoot()
	if err != nil {
		fmt.Fprintln(stderr, "handsoff upgrade-check:", err)
		return exitMisuse
	}
	work, err := os.MkdirTemp("", "handsoff-upgrade-")
	if err != nil {
		fmt.Fprintln(stderr, "handsoff upgrade-check:", err)
		return exitFailed
	}
	defer os.RemoveAll(work)
	oldDir, newDir := root, filepath.Join(work, "new")
	var oldName, newName string
	// Both syntheses build the module alone: a go.work around the team's
	// module would apply to one and not to the copy.
	var newEnv []string
	switch {
	case o.to != "":
		if module == release.Module {
			fmt.Fprintln(stderr, "handsoff upgrade-check: --to is for a team's module; in the handsoff repository, use --base")
			return exitMisuse
		}
		if o.app == "" {
			o.app = "."
		}
		oldName, newName = "the module as it is", "handsoff "+o.to
		if err := copyModule(root, newDir); err != nil {
			fmt.Fprintln(stderr, "handsoff upgrade-check:", err)
			return exitFailed
		}
		newEnv = []string{"GOFLAGS=-mod=mod"}
		if err := show(stderr, newDir, newEnv, "go", "get", release.Module+"@"+o.to); err != nil {
			fmt.Fprintf(stderr, "handsoff upgrade-check: cannot take handsoff %s: %v\n", o.to, err)
			return exitFailed
		}
	default:
		if module != release.Module {
			fmt.Fprintln(stderr, "handsoff upgrade-check: in a team's module, name the version to check: --to VERSION")
			return exitMisuse
		}
		if o.app == "" {
			o.app = "./examples/twoline"
		}
		rev := o.base
		if rev == "" {
			last, err := release.LastRelease(root)
			if err != nil {
				fmt.Fprintln(stderr, "handsoff upgrade-check:", err)
				return exitFailed
			}
			rev, oldName = last.Commit, last.Version
		} else {
			oldName = rev
		}
		newName = "the working tree"
		oldDir, newDir = filepath.Join(work, "old"), root
		os.MkdirAll(oldDir, 0o755)
		fmt.Fprintf(stderr, "$ git archive %s | tar -x -C %s\n", rev, oldDir)
		if err := release.Export(root, rev, oldDir); err != nil {
			fmt.Fprintln(stderr, "handsoff upgrade-check:", err)
			return exitFailed
		}
	}
	oldOut, newOut := filepath.Join(work, "old.out"), filepath.Join(work, "new.out")
	for _, s := range []struct {
		dir, out, name string
		env            []string
	}{{oldDir, oldOut, oldName, nil}, {newDir, newOut, newName, newEnv}} {
		fmt.Fprintf(stderr, "# synthesize with %s\n", s.name)
		env := append([]string{"CDK_OUTDIR=" + s.out, "HANDSOFF_QUIET=1"}, s.env...)
		if err := show(stderr, s.dir, env, "go", "run", o.app); err != nil {
			fmt.Fprintf(stderr, "handsoff upgrade-check: the app does not synthesize with %s: %v\n", s.name, err)
			return exitFailed
		}
	}
	oldT, err := upgrade.Templates(oldOut)
	if err == nil {
		var newT map[string]map[string]any
		if newT, err = upgrade.Templates(newOut); err == nil {
			return report(upgrade.Compare(oldT, newT), oldName, newName, o.json, stdout)
		}
	}
	fmt.Fprintln(stderr, "handsoff upgrade-check:", err)
	return exitFailed
}

// report prints the verdict: every finding, errors first counted; exit 1
// when any is an error (a resource known to hold data).
func report(findings []upgrade.Finding, oldName, newName string, asJSON bool, stdout io.Writer) int {
	errs, warns := upgrade.Counts(findings)
	if asJSON {
		if findings == nil {
			findings = []upgrade.Finding{}
		}
		raw, _ := json.MarshalIndent(struct {
			From     string            `json:"from"`
			To       string            `json:"to"`
			Errors   int               `json:"errors"`
			Warnings int               `json:"warnings"`
			Findings []upgrade.Finding `json:"findings"`
		}{oldName, newName, errs, warns, findings}, "", "  ")
		fmt.Fprintln(stdout, string(raw))
	} else if len(findings) == 0 {
		fmt.Fprintf(stdout, "upgrade-check: from %s to %s, no resource is deleted or replaced\n", oldName, newName)
	} else {
		fmt.Fprintf(stdout, "upgrade-check: from %s to %s, %d resources would be deleted or replaced: %d that hold data (errors), %d that are not known to (warnings):\n", oldName, newName, len(findings), errs, warns)
		for _, sev := range []string{upgrade.Error, upgrade.Warning} {
			for _, f := range findings {
				if f.Severity == sev {
					fmt.Fprintln(stdout, "  - "+f.String())
				}
			}
		}
	}
	if errs > 0 {
		return exitFailed
	}
	return exitOK
}

// show prints a command on w, then runs it in dir with more environment
// (and GOWORK=off: the module alone), writing its output to w when it
// fails.
func show(w io.Writer, dir string, env []string, name string, args ...string) error {
	fmt.Fprintf(w, "$ (cd %s && %s%s %s)\n", dir, strings.Join(env, " ")+map[bool]string{true: " ", false: ""}[len(env) > 0], name, strings.Join(args, " "))
	cmd := exec.Command(name, args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), append([]string{"GOWORK=off"}, env...)...)
	out, err := cmd.CombinedOutput()
	if err != nil {
		w.Write(out)
	}
	return err
}

// moduleRoot finds the enclosing module's directory and path. Outside a
// module, go list -m answers "command-line-arguments"; go env GOMOD is
// empty (or the null device) there.
func moduleRoot() (string, string, error) {
	gomod, err := exec.Command("go", "env", "GOMOD").Output()
	if err != nil {
		return "", "", fmt.Errorf("cannot run go env GOMOD: %v", err)
	}
	if p := strings.TrimSpace(string(gomod)); p == "" || p == os.DevNull {
		return "", "", fmt.Errorf("not in a Go module: run it in the module of the app (where go.mod is)")
	}
	out, err := exec.Command("go", "list", "-m", "-f", "{{.Dir}} {{.Path}}").Output()
	if err != nil {
		return "", "", fmt.Errorf("not in a Go module (go list -m): %v", err)
	}
	dir, path, _ := strings.Cut(strings.TrimSpace(string(out)), " ")
	return dir, path, nil
}

// copyModule copies a module for go get, leaving out what is not source
// (and vendor/, which go get would leave inconsistent), and points every
// relative replace directive of its go.mod at the directory it meant, so
// that the copy builds where the original does.
func copyModule(src, dst string) error {
	err := filepath.WalkDir(src, func(path string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, path)
		if d.IsDir() && rel != "." && (d.Name() == ".git" || d.Name() == "node_modules" || d.Name() == "cdk.out" || rel == "vendor") {
			return filepath.SkipDir
		}
		target := filepath.Join(dst, rel)
		if d.IsDir() {
			return os.MkdirAll(target, 0o755)
		}
		if !d.Type().IsRegular() {
			return nil
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		return os.WriteFile(target, data, 0o644)
	})
	if err != nil {
		return err
	}
	raw, err := exec.Command("go", "mod", "edit", "-json", filepath.Join(src, "go.mod")).Output()
	if err != nil {
		return fmt.Errorf("go mod edit -json %s: %v", filepath.Join(src, "go.mod"), err)
	}
	var mod struct {
		Replace []struct {
			Old, New struct{ Path, Version string }
		}
	}
	if err := json.Unmarshal(raw, &mod); err != nil {
		return err
	}
	for _, r := range mod.Replace {
		if r.New.Version != "" || !(strings.HasPrefix(r.New.Path, "./") || strings.HasPrefix(r.New.Path, "../") || r.New.Path == "." || r.New.Path == "..") {
			continue // a module version, or an absolute directory: the same from anywhere
		}
		old := r.Old.Path
		if r.Old.Version != "" {
			old += "@" + r.Old.Version
		}
		abs := filepath.Join(src, r.New.Path)
		if out, err := exec.Command("go", "mod", "edit", "-replace", old+"="+abs, filepath.Join(dst, "go.mod")).CombinedOutput(); err != nil {
			return fmt.Errorf("go mod edit -replace %s=%s: %v: %s", old, abs, err, out)
		}
	}
	return nil
}
