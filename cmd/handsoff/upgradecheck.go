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

	"github.com/handsoff-cdk/handsoff/internal/release"
	"github.com/handsoff-cdk/handsoff/internal/upgrade"
)

// upgradeCheck synthesizes an app with two versions of handsoff and fails
// when the newer one would delete or replace a stateful resource.
//
// In this repository it compares the last release (or --base) with the
// working tree, on the example app. In a team's module, --to VERSION
// compares the module as it is with a copy that requires that version of
// handsoff (go get), on the team's app.
func upgradeCheck(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("handsoff upgrade-check", flag.ContinueOnError)
	fs.SetOutput(stderr)
	to := fs.String("to", "", "in a team's module: the handsoff version to check before taking it (v0.2.0, a commit, latest)")
	base := fs.String("base", "", "in the handsoff repository: the commit to compare the working tree with; default: the last release")
	app := fs.String("app", "", "the app's main package; default: . in a team's module, ./examples/twoline in the handsoff repository")
	asJSON := fs.Bool("json", false, "print the findings as JSON")
	fs.Usage = func() {
		fmt.Fprint(stderr, `Usage: handsoff upgrade-check [flags]

Synthesizes the app with two versions of handsoff and fails, naming each
resource and why, when the newer would delete or replace a stateful
resource (bucket, table, key, log group, queue, topic, database, file
system, parameter, secret, user pool, stream, repository): its logical ID
is gone, or a property that requires replacement changed.

  handsoff upgrade-check --to v0.2.0     in a team's module, before taking v0.2.0
  handsoff upgrade-check                 in the handsoff repository, against the last release

Flags:
`)
		fs.PrintDefaults()
	}
	if ok, code := parseFlags(fs, args, 0); !ok {
		return code
	}
	root, module, err := moduleRoot()
	if err != nil {
		fmt.Fprintln(stderr, "handsoff upgrade-check:", err)
		return 2
	}
	work, err := os.MkdirTemp("", "handsoff-upgrade-")
	if err != nil {
		fmt.Fprintln(stderr, "handsoff upgrade-check:", err)
		return 1
	}
	defer os.RemoveAll(work)
	oldDir, newDir := root, filepath.Join(work, "new")
	var oldName, newName string
	switch {
	case *to != "":
		if module == release.Module {
			fmt.Fprintln(stderr, "handsoff upgrade-check: --to is for a team's module; in the handsoff repository, use --base")
			return 2
		}
		if *app == "" {
			*app = "."
		}
		oldName, newName = "the module as it is", "handsoff "+*to
		if err := copyTree(root, newDir); err != nil {
			fmt.Fprintln(stderr, "handsoff upgrade-check:", err)
			return 1
		}
		if err := show(stdout, stderr, newDir, nil, "go", "get", release.Module+"@"+*to); err != nil {
			fmt.Fprintf(stderr, "handsoff upgrade-check: cannot take handsoff %s: %v\n", *to, err)
			return 1
		}
	default:
		if module != release.Module {
			fmt.Fprintln(stderr, "handsoff upgrade-check: in a team's module, name the version to check: --to VERSION")
			return 2
		}
		if *app == "" {
			*app = "./examples/twoline"
		}
		rev := *base
		if rev == "" {
			last, err := release.LastRelease(root)
			if err != nil {
				fmt.Fprintln(stderr, "handsoff upgrade-check:", err)
				return 1
			}
			rev, oldName = last.Commit, last.Version
		} else {
			oldName = rev
		}
		newName = "the working tree"
		oldDir, newDir = filepath.Join(work, "old"), root
		os.MkdirAll(oldDir, 0o755)
		fmt.Fprintf(stdout, "$ git archive %s | tar -x -C %s\n", rev, oldDir)
		if err := release.Export(root, rev, oldDir); err != nil {
			fmt.Fprintln(stderr, "handsoff upgrade-check:", err)
			return 1
		}
	}
	oldOut, newOut := filepath.Join(work, "old.out"), filepath.Join(work, "new.out")
	for _, s := range []struct{ dir, out, name string }{{oldDir, oldOut, oldName}, {newDir, newOut, newName}} {
		fmt.Fprintf(stdout, "# synthesize with %s\n", s.name)
		env := []string{"CDK_OUTDIR=" + s.out, "HANDSOFF_QUIET=1"}
		if err := show(stdout, stderr, s.dir, env, "go", "run", *app); err != nil {
			fmt.Fprintf(stderr, "handsoff upgrade-check: the app does not synthesize with %s: %v\n", s.name, err)
			return 1
		}
	}
	oldT, err := templates(oldOut)
	if err == nil {
		var newT map[string]map[string]any
		if newT, err = templates(newOut); err == nil {
			return report(upgrade.Compare(oldT, newT), oldName, newName, *asJSON, stdout)
		}
	}
	fmt.Fprintln(stderr, "handsoff upgrade-check:", err)
	return 1
}

func report(findings []upgrade.Finding, oldName, newName string, asJSON bool, stdout io.Writer) int {
	if asJSON {
		if findings == nil {
			findings = []upgrade.Finding{}
		}
		raw, _ := json.MarshalIndent(findings, "", "  ")
		fmt.Fprintln(stdout, string(raw))
	} else if len(findings) == 0 {
		fmt.Fprintf(stdout, "upgrade-check: from %s to %s, no stateful resource is deleted or replaced\n", oldName, newName)
	} else {
		fmt.Fprintf(stdout, "upgrade-check: from %s to %s, %d stateful resources would be deleted or replaced:\n", oldName, newName, len(findings))
		for _, f := range findings {
			fmt.Fprintln(stdout, "  - "+f.String())
		}
	}
	if len(findings) > 0 {
		return 1
	}
	return 0
}

// show prints a command, then runs it in dir with more environment.
func show(stdout, stderr io.Writer, dir string, env []string, name string, args ...string) error {
	fmt.Fprintf(stdout, "$ (cd %s && %s%s %s)\n", dir, strings.Join(env, " ")+map[bool]string{true: " ", false: ""}[len(env) > 0], name, strings.Join(args, " "))
	cmd := exec.Command(name, args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), env...)
	out, err := cmd.CombinedOutput()
	if err != nil {
		stderr.Write(out)
	}
	return err
}

// moduleRoot finds the enclosing module's directory and path.
func moduleRoot() (string, string, error) {
	out, err := exec.Command("go", "list", "-m", "-f", "{{.Dir}} {{.Path}}").Output()
	if err != nil {
		return "", "", fmt.Errorf("not in a Go module (go list -m): %v", err)
	}
	dir, path, _ := strings.Cut(strings.TrimSpace(string(out)), " ")
	return dir, path, nil
}

// copyTree copies a module for go get, leaving out what is not source.
func copyTree(src, dst string) error {
	return filepath.WalkDir(src, func(path string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, path)
		if d.IsDir() && (d.Name() == ".git" || d.Name() == "node_modules" || d.Name() == "cdk.out") && rel != "." {
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
}

// templates reads every template of an assembly, by relative path.
func templates(dir string) (map[string]map[string]any, error) {
	out := map[string]map[string]any{}
	err := filepath.WalkDir(dir, func(path string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && strings.HasPrefix(d.Name(), "asset.") {
			return filepath.SkipDir
		}
		if !strings.HasSuffix(path, ".template.json") {
			return nil
		}
		raw, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		var t map[string]any
		if err := json.Unmarshal(raw, &t); err != nil {
			return fmt.Errorf("%s: %w", path, err)
		}
		rel, _ := filepath.Rel(dir, path)
		out[upgrade.StackOf(rel)] = t
		return nil
	})
	if len(out) == 0 && err == nil {
		err = fmt.Errorf("no templates in %s", dir)
	}
	return out, err
}
