package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestCompletion: the scripts are golden, and bash itself completes with
// the bash one (a command, a flag, an environment from a fake handsoff).
func TestCompletion(t *testing.T) {
	for _, shell := range []string{"bash", "zsh", "fish"} {
		out, errs, code := runCLI(t, "completion", shell)
		if code != 0 || errs != "" {
			t.Fatalf("%s: exit %d: %s", shell, code, errs)
		}
		golden(t, "completion."+shell+".golden", out, code)
	}
	if _, _, code := runCLI(t, "completion", "powershell"); code != 2 {
		t.Errorf("an unknown shell: exit %d, want 2", code)
	}
	bash, err := exec.LookPath("bash")
	if err != nil {
		t.Skip("no bash")
	}
	script, _, _ := runCLI(t, "completion", "bash")
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "handsoff.bash"), []byte(script), 0o644)
	fakeTools(t, map[string]string{"handsoff": `printf 'ENVIRONMENT STAGE\nalpha alpha\nprod-use1 prod\n'`})
	for line, want := range map[string]string{
		"handsoff dep":           "deploy",
		"handsoff deploy --rea":  "--reason",
		"handsoff deploy prod-":  "prod-use1",
		"handsoff plan --for":    "--format",
		"handsoff config p":      "pull",
		"handsoff completion fi": "fish",
	} {
		words := strings.Fields(line)
		cmd := exec.Command(bash, "-c", `source "$1"; COMP_WORDS=(`+strings.Join(words, " ")+`); COMP_CWORD=`+
			string(rune('0'+len(words)-1))+`; _handsoff; printf '%s\n' "${COMPREPLY[@]}"`, "bash", filepath.Join(dir, "handsoff.bash"))
		out, err := cmd.CombinedOutput()
		if err != nil || strings.TrimSpace(string(out)) != want {
			t.Errorf("%q completes to %q (%v), want %q", line, out, err, want)
		}
	}
}
