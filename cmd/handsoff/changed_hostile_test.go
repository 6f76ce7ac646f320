package main

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

func changedServices(t *testing.T, dir, since string) []string {
	t.Helper()
	out, errs, code := runCLI(t, "changed", "--repo", dir, "--since", since, "--json")
	if code != exitOK {
		t.Fatalf("changed --since %s: exit %d\n%s", since, code, errs)
	}
	var r changedReport
	if err := json.Unmarshal([]byte(out), &r); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	var got []string
	for _, a := range r.Affected {
		got = append(got, a.Service)
	}
	return got
}

// A --since that is not an ancestor of HEAD: prod runs a hotfix branch's
// commit, or the checkout is behind what prod runs. Deploying HEAD undoes
// what only the other side has, so those services are concerned too;
// since..HEAD alone does not list them.
func TestHostileChangedSinceNotAncestor(t *testing.T) {
	dir, c := monoRepo(t)
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
	// A hotfix to search only, off the tip; main then changes the README.
	git("checkout", "-q", "-b", "hotfix", c["deps"])
	os.WriteFile(filepath.Join(dir, "services/search/index.go"), []byte("hotfix\n"), 0o644)
	git("commit", "-qam", "hotfix")
	hot := git("rev-parse", "HEAD")
	git("checkout", "-q", "main")
	os.WriteFile(filepath.Join(dir, "README.md"), []byte("more\n"), 0o644)
	git("commit", "-qam", "readme again")
	if got := changedServices(t, dir, hot); !slices.Equal(got, []string{"search"}) {
		t.Errorf("since a diverged hotfix: %v, want [search] (deploying main undoes the hotfix)", got)
	}
	// HEAD behind prod: the checkout is at shop, prod runs deps, which
	// changed search's set; deploying shop's tree changes it back.
	git("checkout", "-q", c["shop"])
	if got := changedServices(t, dir, c["deps"]); !slices.Equal(got, []string{"search"}) {
		t.Errorf("HEAD behind --since: %v, want [search]", got)
	}
}
