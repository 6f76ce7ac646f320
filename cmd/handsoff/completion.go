package main

import (
	"strings"

	"github.com/spf13/cobra"
)

// withValues completes a flag's value from a fixed list.
func withValues(c *cobra.Command, flag string, values ...string) *cobra.Command {
	c.RegisterFlagCompletionFunc(flag, cobra.FixedCompletions(values, cobra.ShellCompDirectiveNoFileComp))
	return c
}

// completeEnvironments completes an environment name from the document the
// pipeline reads (and "pipeline" for aws), quietly: a shell completing a
// word shows no errors. Commands, subcommands and flags complete from the
// command tree itself (cobra's "completion" command writes the scripts).
func completeEnvironments(cmd *cobra.Command, args []string, toComplete string) ([]string, cobra.ShellCompDirective) {
	if len(args) > 0 {
		return nil, cobra.ShellCompDirectiveNoFileComp
	}
	config, _ := cmd.Flags().GetString("config")
	cfg, err := loadConfig(config, "")
	if err != nil {
		return nil, cobra.ShellCompDirectiveNoFileComp
	}
	var out []string
	for _, e := range cfg.Environments() {
		if strings.HasPrefix(e.Name, toComplete) {
			out = append(out, e.Name+"\t"+e.Stage+" "+e.Account+" "+e.Region)
		}
	}
	if cmd.Name() == "aws" && strings.HasPrefix("pipeline", toComplete) {
		out = append(out, "pipeline\tthe pipeline's account "+cfg.Pipeline.Account)
	}
	return out, cobra.ShellCompDirectiveNoFileComp
}
