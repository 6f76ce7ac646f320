package main

import (
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/handsoff-cdk/handsoff/checks"
	"github.com/handsoff-cdk/handsoff/internal/names"
	"github.com/handsoff-cdk/handsoff/stages"
)

// minReason is the shortest --reason: a sentence, not "x" (the
// configuration service holds the same rule).
const minReason = 12

// NowEnv overrides the clock of the freeze calendar (RFC 3339), for tests
// and for asking "would this be refused at that time?".
const NowEnv = "HANDSOFF_NOW"

// deployCmd is "handsoff diff ENV" and "handsoff deploy ENV": cdk diff or
// cdk deploy of one environment's stacks, with its profile. A deploy by
// hand to prod, or to a stage inside a freeze window or blackout, is
// refused unless forced with --reason, which the configuration service
// records in its audit log before anything is deployed.
func deployCmd(verb string, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("handsoff "+verb, flag.ContinueOnError)
	fs.SetOutput(stderr)
	config := fs.String("config", "", "the configuration document (a file); default: as the pipeline finds it")
	app := fs.String("app", "", "the app's main package, run as cdk --app \"go run PKG\"; default: cdk.json's app")
	reason := fs.String("reason", "", "why this deploy cannot wait for the pipeline: forces a deploy to prod or into a freeze, and is recorded")
	base := fs.String("url", "", "the configuration service that records a forced deploy; default: $HANDSOFF_CONFIG, else the lock file's")
	fs.Usage = func() {
		fmt.Fprintf(stderr, `Usage: handsoff %s [flags] ENV

Runs cdk %s for the stacks of one environment (SERVICE-ENV/*) with the
environment's AWS CLI profile (handsoff profiles writes them), printing the
command first.%s

Flags:
`, verb, verb, map[bool]string{true: `

Deploying by hand bypasses the pipeline's gates. To prod, or to any stage
inside a freeze window or blackout of the document's calendar (the one the
pipeline obeys), it is refused unless forced with --reason "...", which is
recorded in the configuration service's audit log first (the deploy does
not start when recording fails). Exit status: 0 deployed, 1 refused or
failed, 2 misuse.`, false: ""}[verb == "deploy"])
		fs.PrintDefaults()
	}
	if ok, code := parseFlags(fs, args, 1); !ok {
		return code
	}
	if fs.NArg() != 1 {
		fs.Usage()
		return 2
	}
	cfg, err := loadConfig(*config, "")
	if err != nil {
		fmt.Fprintln(stderr, err)
		return 2
	}
	env, ok := findEnvironment(cfg, fs.Arg(0))
	if !ok {
		fmt.Fprintf(stderr, "handsoff %s: %s\n", verb, unknownEnv(cfg, fs.Arg(0), false))
		return 2
	}
	if *reason != "" && utf8.RuneCountInString(strings.TrimSpace(*reason)) < minReason {
		fmt.Fprintf(stderr, "handsoff %s: --reason %q is too short: say in a sentence (at least %d characters) why this cannot wait for the pipeline\n", verb, *reason, minReason)
		return 2
	}
	now := time.Now()
	if v, ok := nowOverride(stderr, verb); !ok {
		return 2
	} else if !v.IsZero() {
		now = v
	}
	var refusals []string
	if verb == "deploy" {
		if env.Stage == stages.Prod {
			refusals = append(refusals, fmt.Sprintf("%s is in prod, which changes only through the pipeline's gates", env.Name))
		}
		for _, b := range checks.NewCalendar(cfg).Blocked(env.Stage, now) {
			refusals = append(refusals, fmt.Sprintf("%s: %s applies to %s", env.Name, b, env.Stage))
		}
		if len(refusals) > 0 && *reason == "" {
			fmt.Fprintf(stderr, "handsoff deploy: refused, nothing was deployed:\n  - %s\n", strings.Join(refusals, "\n  - "))
			fmt.Fprintf(stderr, "  let the pipeline deploy it, or force it with --reason \"why it cannot wait\" (recorded in the configuration service's audit log)\n")
			return 1
		}
	}
	cdk, err := cdkCommand()
	if err != nil {
		fmt.Fprintf(stderr, "handsoff %s: %v\n", verb, err)
		return 1
	}
	if *app == "" {
		if _, err := os.Stat("cdk.json"); err != nil {
			fmt.Fprintf(stderr, "handsoff %s: no cdk.json here to say what the app is: run in the app's directory, or pass --app PKG\n", verb)
			return 2
		}
	}
	if len(refusals) > 0 {
		if code := recordForced(stderr, cfg, env, *base, *reason, refusals); code != 0 {
			return code
		}
	}
	argv := []string{verb, names.Stage(cfg.Service.Name, env.Name) + "/*", "--profile", profileName(cfg.Service.Name, env.Name)}
	if *app != "" {
		argv = append(argv, "--app", "go run "+*app)
	}
	fmt.Fprintf(stderr, "$ %s %s\n", cdk.display, strings.Join(quoteArgs(argv), " "))
	return runTool(stdout, stderr, cdk.path, "the AWS CDK CLI (npm install aws-cdk)", argv...)
}

// recordForced records a forced deploy with the configuration service
// when one is configured; it must succeed before the deploy starts.
func recordForced(stderr io.Writer, cfg *stages.Config, env stages.Environment, flagURL, reason string, refusals []string) int {
	b := serviceBase(flagURL, ".")
	if b == "" {
		fmt.Fprintf(stderr, "handsoff deploy: forced past %d refusal(s) without a configuration service (%s is not a URL): not recorded anywhere but here\n", len(refusals), stages.ConfigEnv)
		return 0
	}
	path := "/v1/services/" + cfg.Service.Repo + "/deployments"
	body := map[string]any{"environment": env.Name, "reason": reason, "command": "handsoff deploy " + env.Name, "refusals": refusals}
	if err := callService(stderr, "POST", b, path, body, nil); err != nil {
		fmt.Fprintf(stderr, "handsoff deploy: the forced deploy could not be recorded, so it does not start: %v\n", err)
		return 1
	}
	fmt.Fprintf(stderr, "recorded: a forced deploy of %s (%s)\n", env.Name, strings.Join(refusals, "; "))
	return 0
}

type tool struct {
	path    string // what runs
	display string // how the printed command names it
}

// cdkCommand finds the AWS CDK CLI: the module's node_modules/.bin/cdk
// (package.json installs it), else cdk on PATH.
func cdkCommand() (tool, error) {
	for dir := "."; ; {
		abs, _ := filepath.Abs(dir)
		bin := filepath.Join(abs, "node_modules", ".bin", "cdk")
		if st, err := os.Stat(bin); err == nil && !st.IsDir() {
			display := bin
			if wd, err := os.Getwd(); err == nil {
				if rel, err := filepath.Rel(wd, bin); err == nil {
					display = rel
				}
			}
			return tool{path: bin, display: display}, nil
		}
		if _, err := os.Stat(filepath.Join(abs, "go.mod")); err == nil || filepath.Dir(abs) == abs {
			break
		}
		dir = filepath.Join(dir, "..")
	}
	if p, err := exec.LookPath("cdk"); err == nil {
		return tool{path: p, display: "cdk"}, nil
	}
	return tool{}, fmt.Errorf("the AWS CDK CLI is not installed (no node_modules/.bin/cdk in the module, no cdk on PATH): npm install aws-cdk, or add it to package.json")
}

// quoteArgs quotes what a shell would split or expand, for printing.
func quoteArgs(args []string) []string {
	out := make([]string, len(args))
	for i, a := range args {
		if strings.ContainsAny(a, " *?'\"$") {
			a = "'" + strings.ReplaceAll(a, "'", `'\''`) + "'"
		}
		out[i] = a
	}
	return out
}
