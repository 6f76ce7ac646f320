// Command handsoff is the developer CLI of handsoff: the one-time setup of
// accounts (bootstrap), the configuration document (validate, envs, env,
// whereis, config), the pipeline's plan, diff and deploy of one
// environment, its resources and delivery metrics, AWS CLI profiles, and
// the upgrade check.
//
//	handsoff COMMAND [flags] [ARGS]
//	handsoff help COMMAND
//
// Every command exits with the same statuses: 0 done, 1 the answer is no
// (an invalid document, a finding, a refusal), 2 a wrong command line, 3 a
// service that did not answer or refused (docs/cli.md, "Exit status").
//
// Commands that synthesize run the team's app with go run; the CLI itself
// links no jsii and no CDK.
package main

import (
	// Node 22 of the module the CLI runs in, for the apps it starts (go
	// run, cdk), which inherit JSII_NODE; the CLI itself links no jsii.
	_ "github.com/handsoff-cdk/handsoff/internal/jsiinode"

	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"runtime/debug"
	"strings"

	"github.com/spf13/cobra"
)

func main() { os.Exit(run(os.Args[1:], os.Stdout, os.Stderr)) }

// exitError carries a command's exit status out of cobra.
type exitError int

func (e exitError) Error() string { return fmt.Sprintf("exit status %d", int(e)) }

// run executes one command line and returns its exit status.
func run(args []string, stdout, stderr io.Writer) int {
	root := newRoot(stdout, stderr)
	root.SetArgs(args)
	cmd, err := root.ExecuteC()
	var code exitError
	switch {
	case err == nil:
		return exitOK
	case errors.As(err, &code):
		return int(code)
	}
	// Cobra's own errors are all misuse: an unknown command (with
	// suggestions), flag or argument.
	name := "handsoff"
	if cmd != nil {
		name = cmd.CommandPath()
	}
	fmt.Fprintf(stderr, "%s: %s\n", name, strings.TrimRight(err.Error(), "\n"))
	fmt.Fprintf(stderr, "Run '%s --help' for usage.\n", name)
	return exitMisuse
}

// version is the module's version as go install recorded it.
func version() string {
	if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" {
		return bi.Main.Version
	}
	return "(devel)"
}

// newRoot builds the command tree writing to stdout and stderr (set
// before cobra's completion command, which captures its writer).
func newRoot(stdout, stderr io.Writer) *cobra.Command {
	root := &cobra.Command{
		Use:   "handsoff",
		Short: "the developer CLI of handsoff",
		Long: `handsoff: the developer CLI of handsoff, the pipelines that deploy with
nobody's hands on them.

Exit status, the same for every command:
` + exitTextTable(),
		Version:       version(),
		SilenceErrors: true,
		SilenceUsage:  true,
		// No command: the help, on stdout, exit 0.
		Run: func(cmd *cobra.Command, args []string) { cmd.Help() },
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) > 0 {
				return fmt.Errorf("unknown command %q for %q%s", args[0], cmd.CommandPath(), suggest(cmd, args[0]))
			}
			return nil
		},
	}
	root.SetOut(stdout)
	root.SetErr(stderr)
	root.SuggestionsMinimumDistance = 2
	root.SetFlagErrorFunc(func(cmd *cobra.Command, err error) error { return err })
	root.AddGroup(&cobra.Group{ID: "setup", Title: "Setting up:"}, &cobra.Group{ID: "doc", Title: "The configuration document:"},
		&cobra.Group{ID: "ship", Title: "Shipping:"}, &cobra.Group{ID: "look", Title: "Looking around:"})
	for _, c := range []struct {
		group string
		cmd   *cobra.Command
	}{
		{"setup", bootstrapCmd()}, {"setup", profilesCmd()}, {"setup", upgradeCheckCmd()},
		{"doc", validateCmd()}, {"doc", envsCmd()}, {"doc", envCmd()}, {"doc", whereisCmd()}, {"doc", configCmd()},
		{"ship", planCmd()}, {"ship", deployCmd("diff")}, {"ship", deployCmd("deploy")},
		{"ship", changedCmd()}, {"ship", runbooksCmd()}, {"ship", runCmd()}, {"setup", calendarCmd()},
		{"look", resourcesCmd()}, {"look", metricsCmd()}, {"look", awsCmd()},
	} {
		c.cmd.GroupID = c.group
		root.AddCommand(c.cmd)
	}
	root.SetHelpCommandGroupID("look")
	root.SetCompletionCommandGroupID("setup")
	// The completion command, from cobra; a shell it does not know is
	// misuse, like any unknown subcommand.
	root.SetHelpCommand(&cobra.Command{
		Use:   "help [COMMAND]",
		Short: "help about any command: handsoff help COMMAND",
		Args: func(cmd *cobra.Command, args []string) error {
			if c, rest, err := root.Find(args); err != nil || c == nil || len(rest) > 0 {
				return fmt.Errorf("no help topic %q%s", strings.Join(args, " "), suggest(root, args[0]))
			}
			return nil
		},
		ValidArgsFunction: func(cmd *cobra.Command, args []string, toComplete string) ([]string, cobra.ShellCompDirective) {
			c, _, _ := root.Find(args)
			var out []string
			for _, sub := range c.Commands() {
				if sub.IsAvailableCommand() && strings.HasPrefix(sub.Name(), toComplete) {
					out = append(out, sub.Name()+"\t"+sub.Short)
				}
			}
			return out, cobra.ShellCompDirectiveNoFileComp
		},
		Run: func(cmd *cobra.Command, args []string) {
			c, _, _ := root.Find(args)
			c.InitDefaultHelpFlag() // as --help would show it
			c.InitDefaultVersionFlag()
			c.Help()
		},
	})
	root.InitDefaultCompletionCmd()
	for _, c := range root.Commands() {
		switch c.Name() {
		case "completion":
			c.Short = "a shell completion script (bash, zsh, fish, powershell)"
		}
	}
	if c, _, err := root.Find([]string{"completion"}); err == nil && c.Name() == "completion" {
		subs := c.Commands()
		group(c, nil...)
		c.Args = func(cmd *cobra.Command, args []string) error {
			if len(args) == 0 {
				return fmt.Errorf("name a shell: %s", strings.Join(commandNames(subs), ", "))
			}
			return fmt.Errorf("unknown shell %q; shells: %s", args[0], strings.Join(commandNames(subs), ", "))
		}
	}
	return root
}

// argsBetween accepts min to max arguments, named in the error as what.
func argsBetween(min, max int, what string) cobra.PositionalArgs {
	return func(cmd *cobra.Command, args []string) error {
		switch {
		case len(args) > max:
			return fmt.Errorf("unexpected argument %q (%s takes %s)", args[max], cmd.CommandPath(), what)
		case len(args) < min:
			return fmt.Errorf("missing %s", what)
		}
		return nil
	}
}

// suggest is cobra's "Did you mean this?" for a mistyped command.
func suggest(cmd *cobra.Command, typed string) string {
	s := cmd.SuggestionsFor(typed)
	if len(s) == 0 {
		return ""
	}
	return "\n\nDid you mean this?\n\t" + strings.Join(s, "\n\t")
}

// exitTextTable is the exit-status table for help.
func exitTextTable() string {
	var b strings.Builder
	for _, e := range exitCodes {
		fmt.Fprintf(&b, "  %d  %s\n", e.code, e.what)
	}
	return b.String()
}

// leaf makes a command from a Go flag set and a body. Cobra parses the
// command line into the flag set's variables (the flags show in help as
// --name) and checks the arguments; the body then reads the arguments
// through fs.Arg and fs.Args, and returns the exit status.
//
// Two rules hold for every command here rather than in each: a --url
// that is not an http(s) URL is a wrong flag value; and with --json, a
// command that fails without printing its answer prints one JSON object
// on stdout, {"error": "...", "exitStatus": N}, so that a program reading
// stdout always gets JSON.
func leaf(c *cobra.Command, fs *flag.FlagSet, body func(stdout, stderr io.Writer) int) *cobra.Command {
	c.Flags().AddGoFlagSet(fs)
	c.Flags().SortFlags = false
	c.RunE = func(cmd *cobra.Command, args []string) error {
		fs.Parse(append([]string{"--"}, args...))
		stdout, stderr := cmd.OutOrStdout(), cmd.ErrOrStderr()
		if u := fs.Lookup("url"); u != nil && u.Value.String() != "" && !isURL(u.Value.String()) {
			fmt.Fprintf(stderr, "%s: --url %q is not an http(s) URL of the configuration service\n", cmd.CommandPath(), u.Value.String())
			return exitError(exitMisuse)
		}
		asJSON := false
		if j := fs.Lookup("json"); j != nil {
			asJSON = j.Value.String() == "true"
		}
		out := &countingWriter{w: stdout}
		var said bytes.Buffer
		code := body(out, io.MultiWriter(stderr, &said))
		if asJSON && code != exitOK && out.n == 0 {
			raw, _ := json.MarshalIndent(struct {
				Error      string `json:"error"`
				ExitStatus int    `json:"exitStatus"`
			}{strings.TrimSpace(said.String()), code}, "", "  ")
			fmt.Fprintln(stdout, string(raw))
		}
		if code != exitOK {
			return exitError(code)
		}
		return nil
	}
	return c
}

// countingWriter counts what is written through it.
type countingWriter struct {
	w io.Writer
	n int
}

func (c *countingWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n += n
	return n, err
}

// group makes a command whose subcommands do the work: alone, or with an
// unknown subcommand, it is misuse.
func group(c *cobra.Command, subs ...*cobra.Command) *cobra.Command {
	c.Args = func(cmd *cobra.Command, args []string) error {
		if len(args) == 0 {
			return fmt.Errorf("name a subcommand: %s", strings.Join(commandNames(subs), ", "))
		}
		return fmt.Errorf("unknown subcommand %q; subcommands: %s%s", args[0], strings.Join(commandNames(subs), ", "), suggest(cmd, args[0]))
	}
	c.RunE = func(cmd *cobra.Command, args []string) error { return nil }
	c.AddCommand(subs...)
	return c
}

func commandNames(cs []*cobra.Command) []string {
	var out []string
	for _, c := range cs {
		out = append(out, c.Name())
	}
	return out
}
