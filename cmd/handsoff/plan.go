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
func planCmd(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("handsoff plan", flag.ContinueOnError)
	fs.SetOutput(stderr)
	app := fs.String("app", "", "the app's main package; default: . in a team's module, ./examples/twoline in the handsoff repository")
	from := fs.String("from", "", "read the plan of an assembly already synthesized (a cdk.out directory) instead of synthesizing")
	format := fs.String("format", "text", "text (table and critical path), plan (the plan as synthesis prints it), svg, html, mermaid or json")
	fs.Usage = func() {
		fmt.Fprint(stderr, `Usage: handsoff plan [flags]

Prints the pipeline's plan: its stages and waves, environments, the gates
before each stage, bake times, freeze windows, and the estimated time from
a commit to every environment with the critical path to the last prod
environment. It synthesizes the app (go run, printed first) unless --from
names an assembly. Exit status: 0 ok, 1 the app does not synthesize, 2 misuse.

Flags:
`)
		fs.PrintDefaults()
	}
	if ok, code := parseFlags(fs, args, 0); !ok {
		return code
	}
	render, ok := planFormats[*format]
	if !ok {
		fmt.Fprintf(stderr, "handsoff plan: --format %q is not one of text, plan, svg, html, mermaid, json\n", *format)
		return 2
	}
	dir := *from
	if dir == "" {
		if *app == "" {
			*app = "."
			if _, module, err := moduleRoot(); err == nil && module == release.Module {
				*app = "./examples/twoline"
			}
		}
		tmp, err := os.MkdirTemp("", "handsoff-plan-")
		if err != nil {
			fmt.Fprintln(stderr, "handsoff plan:", err)
			return 1
		}
		defer os.RemoveAll(tmp)
		dir = tmp
		fmt.Fprintf(stderr, "$ CDK_OUTDIR=%s HANDSOFF_QUIET=1 go run %s\n", tmp, *app)
		cmd := exec.Command("go", "run", *app)
		cmd.Env = append(os.Environ(), "CDK_OUTDIR="+tmp, "HANDSOFF_QUIET=1")
		var out bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &out
		stop := progress(stderr, "synthesizing "+*app)
		err = cmd.Run()
		stop()
		if err != nil {
			stderr.Write(out.Bytes())
			if _, ok := err.(*exec.ExitError); !ok {
				fmt.Fprintf(stderr, "handsoff plan: cannot run go: %v\n", err)
			} else {
				fmt.Fprintf(stderr, "handsoff plan: %s does not synthesize (%v)\n", *app, err)
			}
			return 1
		}
	}
	pl, err := plan.Read(dir)
	if err != nil {
		if os.IsNotExist(err) {
			fmt.Fprintf(stderr, "handsoff plan: %s holds no %s: is it the output of a handsoff app (pipeline.New)?\n", dir, plan.File)
		} else {
			fmt.Fprintln(stderr, "handsoff plan:", err)
		}
		return 1
	}
	out := render(pl)
	if !strings.HasSuffix(out, "\n") {
		out += "\n"
	}
	fmt.Fprint(stdout, out)
	return 0
}
