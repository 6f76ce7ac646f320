// Command handsoff is the developer CLI of handsoff. Its first command,
// bootstrap, prints (and with --execute runs) the one-time setup that every
// account and region a pipeline deploys to needs before the pipeline is
// created.
//
//	handsoff bootstrap [--config FILE] [--repo OWNER/NAME] [--out DIR] [--trust ACCOUNTS] [--execute]
//	handsoff upgrade-check [--to VERSION | --base REV] [--app PKG] [--json]
//
// Exit status: 0 ok, 1 a command failed, 2 misuse (a bad flag or document).
package main

import (
	_ "github.com/handsoff-cdk/handsoff/internal/jsiinode" // this project's Node 22, before any jsii package

	"fmt"
	"io"
	"os"
)

func main() { os.Exit(run(os.Args[1:], os.Stdout, os.Stderr)) }

const usage = `handsoff: the developer CLI of handsoff

Usage:
  handsoff bootstrap [flags]       the one-time setup of every account and region a pipeline deploys to
  handsoff upgrade-check [flags]   fail when a newer handsoff would delete or replace a stateful resource
  handsoff validate [FILE|URL]     check a configuration document, with the same problems as synthesis
  handsoff plan [flags]            the pipeline's stages, gates and bakes, and the time from commit to each environment
  handsoff envs [flags]            where the service runs
  handsoff whereis SERVICE         where a service runs, from the configuration service
  handsoff env add|remove NAME     a test environment, through the configuration service
  handsoff diff|deploy ENV         cdk diff or deploy one environment's stacks (deploy refuses prod and freezes)
  handsoff resources ENV [--type T]  the physical resources of an environment's stacks
  handsoff metrics [flags]         delivery metrics from the pipeline's execution history
  handsoff profiles [flags]        write AWS CLI SSO profiles for every environment
  handsoff aws ENV -- ARGS...      run the AWS CLI with an environment's profile and region
  handsoff config pull|diff        refresh the lock file from the configuration service, or show what that would change
  handsoff completion bash|zsh|fish  a shell completion script

Run "handsoff COMMAND --help" for its flags.
`

func run(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return 2
	}
	switch args[0] {
	case "bootstrap":
		return bootstrap(args[1:], stdout, stderr)
	case "upgrade-check":
		return upgradeCheck(args[1:], stdout, stderr)
	case "validate":
		return validate(args[1:], stdout, stderr)
	case "plan":
		return planCmd(args[1:], stdout, stderr)
	case "profiles":
		return profilesCmd(args[1:], stdout, stderr)
	case "aws":
		return awsCmd(args[1:], stdout, stderr)
	case "whereis":
		return whereis(args[1:], stdout, stderr)
	case "env":
		return envCmd(args[1:], stdout, stderr)
	case "diff", "deploy":
		return deployCmd(args[0], args[1:], stdout, stderr)
	case "resources":
		return resourcesCmd(args[1:], stdout, stderr)
	case "metrics":
		return metricsCmd(args[1:], stdout, stderr)
	case "completion":
		return completion(args[1:], stdout, stderr)
	case "envs":
		return envs(args[1:], stdout, stderr)
	case "config":
		return configCmd(args[1:], stdout, stderr)
	case "-h", "--help", "help":
		fmt.Fprint(stdout, usage)
		return 0
	}
	fmt.Fprintf(stderr, "handsoff: unknown command %q\n\n%s", args[0], usage)
	return 2
}
