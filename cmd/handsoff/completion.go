package main

import (
	"bytes"
	"fmt"
	"io"
	"regexp"
	"slices"
	"sort"
	"strings"
)

// completionCommands are the commands completed, with sub-commands.
var completionCommands = map[string][]string{
	"bootstrap": nil, "upgrade-check": nil, "validate": nil, "plan": nil, "envs": nil, "whereis": nil,
	"env": {"add", "remove"}, "diff": nil, "deploy": nil, "resources": nil, "metrics": nil, "profiles": nil,
	"aws": nil, "config": {"pull", "diff"}, "completion": {"bash", "zsh", "fish"},
}

// envCommands take an environment name as their argument.
var envCommands = []string{"bootstrap", "diff", "deploy", "resources", "aws"}

var reFlagLine = regexp.MustCompile(`(?m)^\s+-([a-z][a-z0-9-]*)`)

// flagsOf reads a command's flags from its own --help, so that completion
// never disagrees with the command.
func flagsOf(cmd string, sub []string) []string {
	args := []string{cmd}
	if len(sub) > 0 && cmd != "completion" {
		args = append(args, sub[0])
	}
	var out bytes.Buffer
	run(append(args, "--help"), &out, &out)
	var flags []string
	for _, m := range reFlagLine.FindAllStringSubmatch(out.String(), -1) {
		flags = append(flags, "--"+m[1])
	}
	return flags
}

// completion prints a shell completion script.
func completion(args []string, stdout, stderr io.Writer) int {
	if len(args) != 1 || (args[0] != "bash" && args[0] != "zsh" && args[0] != "fish") {
		fmt.Fprint(stderr, `Usage: handsoff completion bash|zsh|fish

Prints a completion script: commands, their flags, and environment names
(read with handsoff envs, from the document the pipeline reads).

  bash:  source <(handsoff completion bash)     (or into /etc/bash_completion.d/handsoff)
  zsh:   source <(handsoff completion zsh)
  fish:  handsoff completion fish > ~/.config/fish/completions/handsoff.fish
`)
		if len(args) == 1 && (args[0] == "--help" || args[0] == "-h") {
			return 0
		}
		return 2
	}
	names := make([]string, 0, len(completionCommands))
	for n := range completionCommands {
		names = append(names, n)
	}
	sort.Strings(names)
	envList := `handsoff envs 2>/dev/null | awk 'NR>1 {print $1}'`
	switch args[0] {
	case "bash", "zsh":
		var b strings.Builder
		if args[0] == "zsh" {
			b.WriteString("autoload -U +X bashcompinit && bashcompinit\n")
		}
		b.WriteString("# handsoff completion (handsoff completion " + args[0] + ")\n_handsoff() {\n  local cur=${COMP_WORDS[COMP_CWORD]} cmd=${COMP_WORDS[1]}\n")
		fmt.Fprintf(&b, "  if [ \"$COMP_CWORD\" -eq 1 ]; then COMPREPLY=($(compgen -W %q -- \"$cur\")); return; fi\n", strings.Join(names, " "))
		b.WriteString("  case \"$cmd\" in\n")
		for _, n := range names {
			sub := completionCommands[n]
			words := strings.Join(append(append([]string{}, sub...), flagsOf(n, sub)...), " ")
			extra := ""
			if slices.Contains(envCommands, n) {
				extra = " $(" + envList + ")"
			}
			fmt.Fprintf(&b, "    %s) COMPREPLY=($(compgen -W \"%s%s\" -- \"$cur\")) ;;\n", n, words, extra)
		}
		b.WriteString("  esac\n}\ncomplete -F _handsoff handsoff\n")
		fmt.Fprint(stdout, b.String())
	case "fish":
		var b strings.Builder
		b.WriteString("# handsoff completion (handsoff completion fish)\ncomplete -c handsoff -f\n")
		fmt.Fprintf(&b, "complete -c handsoff -n __fish_use_subcommand -a %q\n", strings.Join(names, " "))
		for _, n := range names {
			sub := completionCommands[n]
			if len(sub) > 0 {
				fmt.Fprintf(&b, "complete -c handsoff -n '__fish_seen_subcommand_from %s' -a %q\n", n, strings.Join(sub, " "))
			}
			for _, f := range flagsOf(n, sub) {
				fmt.Fprintf(&b, "complete -c handsoff -n '__fish_seen_subcommand_from %s' -l %s\n", n, strings.TrimPrefix(f, "--"))
			}
			if slices.Contains(envCommands, n) {
				fmt.Fprintf(&b, "complete -c handsoff -n '__fish_seen_subcommand_from %s' -a '(%s)'\n", n, envList)
			}
		}
		fmt.Fprint(stdout, b.String())
	}
	return 0
}
