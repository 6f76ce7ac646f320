package main

import (
	"bytes"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"

	"github.com/handsoff-cdk/handsoff/internal/plan"
	"github.com/handsoff-cdk/handsoff/internal/release"

	"github.com/spf13/cobra"
)

// planFormats are the renderings of "handsoff plan --format".
var planFormats = map[string]func(*plan.Plan) string{
	"text":    (*plan.Plan).Table,
	"plan":    (*plan.Plan).String,
	"svg":     (*plan.Plan).SVG,
	"html":    (*plan.Plan).HTML,
	"mermaid": (*plan.Plan).Mermaid,
	"json":    func(pl *plan.Plan) string { return string(pl.JSON()) },
}

// planCmd synthesizes the app (or reads an assembly) and prints its plan.
func planCmd() *cobra.Command {
	fs := flag.NewFlagSet("handsoff plan", flag.ContinueOnError)
	app := fs.String("app", "", "the app's main package; default: . in a team's module, ./examples/twoline in the handsoff repository")
	from := fs.String("from", "", "read the plan of an assembly already synthesized (a cdk.out directory) instead of synthesizing")
	out := fs.String("out", "cdk.out", "where the synthesized assembly goes (handsoff resources reads its plan there)")
	format := fs.String("format", "text", "text (table and critical path), plan (the plan as synthesis prints it), svg, html, mermaid or json")
	return withValues(leaf(&cobra.Command{
		Use:   "plan [flags]",
		Short: "the pipeline's stages, gates and bakes, and the time from commit to each environment",
		Long: `Prints the pipeline's plan: its stages and waves, environments, the gates
before each stage, bake times, freeze windows, and the estimated time from
a commit to every environment with the critical path to the last prod
environment. It synthesizes the app (go run, printed first) into --out
(cdk.out, where handsoff resources reads the plan) unless --from names an
assembly. An app that does not synthesize exits 1.`,
		Args: argsBetween(0, 0, "no arguments"),
	}, fs, func(stdout, stderr io.Writer) int {
		render, ok := planFormats[*format]
		if !ok {
			fmt.Fprintf(stderr, "handsoff plan: --format %q is not one of text, plan, svg, html, mermaid, json\n", *format)
			return exitMisuse
		}
		dir := *from
		if dir == "" {
			if *app == "" {
				*app = "."
				if _, module, err := moduleRoot(); err == nil && module == release.Module {
					*app = "./examples/twoline"
				}
			}
			if err := os.MkdirAll(*out, 0o755); err != nil {
				fmt.Fprintln(stderr, "handsoff plan:", err)
				return exitFailed
			}
			dir = *out
			fmt.Fprintf(stderr, "$ CDK_OUTDIR=%s HANDSOFF_QUIET=1 go run %s\n", dir, *app)
			cmd := exec.Command("go", "run", *app)
			cmd.Env = append(os.Environ(), "CDK_OUTDIR="+dir, "HANDSOFF_QUIET=1")
			var log bytes.Buffer
			cmd.Stdout, cmd.Stderr = &log, &log
			stop := progress(stderr, "synthesizing "+*app)
			err := cmd.Run()
			stop()
			if err != nil {
				stderr.Write(log.Bytes())
				if _, ok := err.(*exec.ExitError); !ok {
					fmt.Fprintf(stderr, "handsoff plan: cannot run go: %v\n", err)
				} else {
					fmt.Fprintf(stderr, "handsoff plan: %s does not synthesize (%v)\n", *app, err)
				}
				return exitFailed
			}
		}
		pl, err := plan.Read(dir)
		if err != nil {
			return planError(stderr, "handsoff plan", dir, err)
		}
		text := render(pl)
		if !strings.HasSuffix(text, "\n") {
			text += "\n"
		}
		fmt.Fprint(stdout, text)
		return exitOK
	}), "format", "text", "plan", "svg", "html", "mermaid", "json")
}

// planError says why an assembly's plan cannot be read: a directory that
// does not exist is a wrong flag value (exit 2); one that holds no plan, or
// a plan this handsoff cannot read, is the answer no (exit 1).
func planError(stderr io.Writer, cmd, dir string, err error) int {
	if _, statErr := os.Stat(dir); statErr != nil {
		fmt.Fprintf(stderr, "%s: --from %s: %v\n", cmd, dir, statErr)
		return exitMisuse
	}
	if os.IsNotExist(err) {
		fmt.Fprintf(stderr, "%s: %s holds no %s: is it the output of a handsoff app (pipeline.New)? handsoff plan writes one to cdk.out\n", cmd, dir, plan.File)
	} else {
		fmt.Fprintf(stderr, "%s: %v\n", cmd, err)
	}
	return exitFailed
}
