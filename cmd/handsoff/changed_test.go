package main

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/handsoff-cdk/handsoff/internal/monorepo"
)

const monoDeps = `{
  "folders": [
    {"path": "libs/money", "kind": "library"},
    {"path": "libs/http", "kind": "library", "dependsOn": ["libs/money"]},
    {"path": "services/orders", "kind": "service", "service": "orders", "dependsOn": ["libs/http"]},
    {"path": "services/billing", "kind": "service", "service": "billing", "dependsOn": ["libs/money"]},
    {"path": "services/search", "kind": "service", "service": "search"},
    {"path": "web/shop", "kind": "frontend", "service": "shop", "dependsOn": ["services/orders"],
     "cloudfront": {"distributions": {"prod-use1": "E2QWRUHAPOMQZL"}, "paths": ["/index.html", "/assets/*"]}}
  ]
}
`

// monoRepo builds a mono-repo with a history and returns its directory
// and the commits by name.
func monoRepo(t *testing.T) (string, map[string]string) {
	t.Helper()
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("no git")
	}
	dir := t.TempDir()
	commits := map[string]string{}
	git := func(args ...string) string {
		t.Helper()
		cmd := exec.Command("git", append([]string{"-c", "user.name=t", "-c", "user.email=t@t", "-c", "commit.gpgsign=false"}, args...)...)
		cmd.Dir = dir
		cmd.Env = append(os.Environ(), "GIT_CONFIG_GLOBAL=/dev/null", "GIT_CONFIG_SYSTEM=/dev/null")
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("git %v: %v\n%s", args, err, out)
		}
		return strings.TrimSpace(string(out))
	}
	write := func(path, body string) {
		os.MkdirAll(filepath.Dir(filepath.Join(dir, path)), 0o755)
		if err := os.WriteFile(filepath.Join(dir, path), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	commit := func(name string) {
		git("add", "-A")
		git("commit", "-qm", name)
		commits[name] = git("rev-parse", "HEAD")
	}
	long := strings.Repeat("enough lines for git to see a rename\n", 20)
	git("init", "-q", "-b", "main")
	write(monorepo.File, monoDeps)
	for _, f := range []string{"libs/money/round.go", "libs/http/client.go", "services/orders/main.go", "services/billing/invoice.go", "services/search/index.go", "web/shop/index.html"} {
		write(f, long+f+"\n")
	}
	write("README.md", "mono\n")
	commit("base")
	write("README.md", "mono, documented\n")
	commit("readme")
	git("mv", "services/billing/invoice.go", "services/search/invoice.go") // a rename across folders
	commit("rename")
	git("rm", "-q", "libs/money/round.go") // a deletion in the deepest library
	commit("delete")
	write("web/shop/index.html", "<p>new</p>\n")
	commit("shop")
	write(monorepo.File, strings.Replace(monoDeps, `"service": "search"}`, `"service": "search", "dependsOn": ["libs/http"]}`, 1))
	commit("deps")
	return dir, commits
}

// TestChanged: handsoff changed --since on a real repository, against
// what each range of its history concerns.
func TestChanged(t *testing.T) {
	dir, c := monoRepo(t)
	for _, tc := range []struct {
		since string
		want  []string
	}{
		{c["deps"], nil},
		{c["shop"], []string{"search"}},                                     // only the dependency file: search's set changed
		{c["delete"], []string{"search", "shop"}},                           // a frontend alone, and the file
		{c["rename"], []string{"orders", "billing", "search", "shop"}},      // libs/money: all above it
		{c["readme"], []string{"orders", "billing", "search", "shop"}},      // both sides of the rename, and more
		{c["base"] + "~0", []string{"orders", "billing", "search", "shop"}}, // a revision, not only a hash
	} {
		out, errs, code := runCLI(t, "changed", "--repo", filepath.Join(dir, "services"), "--since", tc.since, "--json")
		if code != exitOK {
			t.Fatalf("changed --since %s: exit %d\n%s", tc.since, code, errs)
		}
		var r changedReport
		if err := json.Unmarshal([]byte(out), &r); err != nil {
			t.Fatalf("%v\n%s", err, out)
		}
		var got []string
		for _, a := range r.Affected {
			got = append(got, a.Service)
		}
		if diff := cmp.Diff(tc.want, got); diff != "" {
			t.Errorf("changed --since %s (-want +got):\n%s", tc.since, diff)
		}
		if r.Head != c["deps"] {
			t.Errorf("head %s, want %s", r.Head, c["deps"])
		}
	}
	// Only the rename: billing loses a file, search gains it.
	out, _, _ := runCLI(t, "changed", "--repo", dir, "--since", c["readme"]+"", "--json")
	if !strings.Contains(out, `"services/billing"`) {
		t.Errorf("the rename's old side is missing:\n%s", out)
	}
}

// TestChangedGolden: what a person sees, good and bad.
func TestChangedGolden(t *testing.T) {
	dir, c := monoRepo(t)
	notRepo := t.TempDir()
	bad := t.TempDir()
	exec.Command("git", "init", "-q", bad).Run()
	os.WriteFile(filepath.Join(bad, monorepo.File), []byte(`{"folders": [{"path": "a", "kind": "service", "dependsOn": ["b"]}, {"path": "b", "kind": "library", "dependsOn": ["a"]}, {"path": "c/../d", "kind": "libary"}]}`), 0o644)
	var session strings.Builder
	for _, args := range [][]string{
		{"changed", "--repo", dir, "--since", c["rename"]},
		{"changed", "--repo", dir, "--since", c["shop"], "--json"},
		{"changed", "--repo", dir, "--since", "no-such-ref"},
		{"changed", "--repo", notRepo, "--since", "HEAD"},
		{"changed", "--repo", bad, "--since", "HEAD"},
		{"changed", "--repo", dir, "extra"},
	} {
		out, errs, code := runCLI(t, args...)
		text := "$ handsoff " + strings.Join(args, " ") + "\n" + errs + out + fmt.Sprintf("exit status %d\n\n", code)
		for name, h := range c {
			text = strings.ReplaceAll(text, h, "<"+name+">")
			text = strings.ReplaceAll(text, h[:12], "<"+name+">")
		}
		text = strings.NewReplacer(dir, "$REPO", notRepo, "$NOTREPO", bad, "$BAD").Replace(text)
		session.WriteString(text)
	}
	golden(t, "changed.golden", session.String(), 0)
}
