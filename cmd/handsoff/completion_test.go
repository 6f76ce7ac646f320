package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
)

// complete asks the command tree what completes a command line, as the
// shell scripts do (handsoff __complete ARGS...).
func complete(t *testing.T, line ...string) []string {
	t.Helper()
	out, _, code := runCLI(t, append([]string{"__complete"}, line...)...)
	if code != 0 {
		t.Fatalf("__complete %q: exit %d", line, code)
	}
	var got []string
	for _, l := range strings.Split(strings.TrimSpace(out), "\n") {
		if strings.HasPrefix(l, ":") {
			break // the directive
		}
		got = append(got, strings.SplitN(l, "\t", 2)[0])
	}
	return got
}

// TestCompletion: commands, subcommands and flags complete from the
// command tree (so a new flag completes without a second list), and
// environment names from the document.
func TestCompletion(t *testing.T) {
	doc := filepath.Join("..", "..", "stages", "example", "acme-orders.json")
	for _, c := range []struct {
		line []string
		want string
		not  string
	}{
		{[]string{"dep"}, "deploy", ""},
		{[]string{"valdate"}, "", "validate"},
		{[]string{"deploy", "--rea"}, "--reason", ""},
		{[]string{"diff", "--"}, "--config", "--reason"}, // diff forces nothing
		{[]string{"deploy", "--config", doc, "prod-"}, "prod-use1", "alpha"},
		{[]string{"aws", "--config", doc, "pip"}, "pipeline", ""},
		{[]string{"plan", "--for"}, "--format", ""},
		{[]string{"config", "p"}, "pull", "diff"},
		{[]string{"env", ""}, "add", ""},
		{[]string{"completion", "fi"}, "fish", ""},
		{[]string{"help", "upg"}, "upgrade-check", ""},
		{[]string{"plan", "--format", "me"}, "mermaid", ""},
		{[]string{"envs", "--stage", ""}, "prod", ""},
		{[]string{"resources", ""}, "", ""},
	} {
		got := complete(t, c.line...)
		if (c.want != "" && !slices.Contains(got, c.want)) || (c.not != "" && slices.Contains(got, c.not)) {
			t.Errorf("%q completes to %q, want %q and not %q", c.line, got, c.want, c.not)
		}
	}
	for _, shell := range []string{"bash", "zsh", "fish", "powershell"} {
		out, errs, code := runCLI(t, "completion", shell)
		if code != 0 || errs != "" || !strings.Contains(out, "__complete") {
			t.Errorf("completion %s: exit %d %s: the script does not ask the command tree", shell, code, errs)
		}
	}
	if _, _, code := runCLI(t, "completion", "tcsh"); code != 2 {
		t.Errorf("an unknown shell: exit %d, want 2", code)
	}
}

// TestCompletionInBash: bash itself completes with the script and the
// built binary.
func TestCompletionInBash(t *testing.T) {
	bash, err := exec.LookPath("bash")
	if err != nil || testing.Short() {
		t.Skip("no bash, or -short (builds the binary)")
	}
	bin := builtBinary(t)
	dir := t.TempDir()
	script, _, _ := runCLI(t, "completion", "bash")
	os.WriteFile(filepath.Join(dir, "handsoff.bash"), []byte(script), 0o644)
	for line, want := range map[string]string{
		"handsoff upgrade-":  "upgrade-check",
		"handsoff plan --fo": "--format",
	} {
		words := strings.Fields(line)
		// bash-completion's _get_comp_words_by_ref, which the script
		// expects, reduced to the words as bash splits them.
		shim := `_get_comp_words_by_ref() { cur="${COMP_WORDS[COMP_CWORD]}"; prev="${COMP_WORDS[COMP_CWORD-1]}"; words=("${COMP_WORDS[@]}"); cword=$COMP_CWORD; }; `
		cmd := exec.Command(bash, "-c", shim+`source "$1"; COMP_WORDS=(`+strings.Join(words, " ")+`); COMP_CWORD=`+
			string(rune('0'+len(words)-1))+`; COMP_LINE="`+line+`"; COMP_POINT=${#COMP_LINE}; __start_handsoff; printf '%s\n' "${COMPREPLY[@]}"`, "bash", filepath.Join(dir, "handsoff.bash"))
		cmd.Env = append(os.Environ(), "PATH="+filepath.Dir(bin)+string(os.PathListSeparator)+os.Getenv("PATH"))
		out, err := cmd.CombinedOutput()
		if err != nil || !strings.Contains(string(out), want) {
			t.Errorf("%q completes to %q (%v), want %q", line, out, err, want)
		}
	}
}

var built struct {
	sync.Once
	path string
	err  error
	out  []byte
}

// builtBinary builds the CLI once per test binary.
func builtBinary(t *testing.T) string {
	t.Helper()
	built.Do(func() {
		dir, err := os.MkdirTemp("", "handsoff-bin-")
		if err != nil {
			built.err = err
			return
		}
		built.path = filepath.Join(dir, "handsoff")
		built.out, built.err = exec.Command("go", "build", "-o", built.path, ".").CombinedOutput()
	})
	if built.err != nil {
		t.Fatalf("go build: %v\n%s", built.err, built.out)
	}
	return built.path
}

// TestBinaryIsSmall: the CLI stays under 25 MB (it was 71 MB when it
// linked the CDK to read the plan; TestLinksNoJsii names what would bring
// that back).
func TestBinaryIsSmall(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	st, err := os.Stat(builtBinary(t))
	if err != nil {
		t.Fatal(err)
	}
	if st.Size() > 25<<20 {
		t.Errorf("the CLI is %.1f MB, more than 25 MB", float64(st.Size())/(1<<20))
	}
}
