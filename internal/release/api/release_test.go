package api

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/handsoff-cdk/handsoff/internal/release"
	"github.com/handsoff-cdk/handsoff/internal/testenv"
)

// TestAPICompatibleWithLastRelease: the public API keeps every line of the
// last release's api/VERSION.txt, unless CHANGELOG.md announces the break.
// It needs no git history: a shallow clone checks it as a full one does.
func TestAPICompatibleWithLastRelease(t *testing.T) {
	root := testenv.Root()
	last, err := release.LastRelease(root)
	if err != nil {
		t.Fatal(err)
	}
	raw, err := os.ReadFile(filepath.Join(root, "api", last.Version+".txt"))
	if err != nil {
		t.Fatalf("the API of the last release, %s, is not recorded (%v): go run ./internal/release/apigen -commit %s %s", last.Version, err, last.Commit, last.Version)
	}
	cur, err := PublicPackages(root)
	if err != nil {
		t.Fatal(err)
	}
	old := strings.Split(strings.TrimSpace(string(raw)), "\n")
	removed := Removed(old, APILines(cur))
	changelog, _ := os.ReadFile(filepath.Join(root, "CHANGELOG.md"))
	if len(removed) > 0 && !BreakingAnnounced(changelog) {
		t.Errorf("%d lines of %s's API are gone; restore them, or announce the break under \"### Breaking\" in CHANGELOG.md's Unreleased section (a new major version):\n  %s",
			len(removed), last.Version, strings.Join(removed, "\n  "))
	}
	t.Logf("%d public packages, %d lines of %s's API, %d gone", len(cur), len(old), last.Version, len(removed))
}

// TestAPIFileIsTheRelease: api/VERSION.txt is what the release commit's
// API is, where the clone has the commit (apidiff also compares the two
// trees there, for what lines cannot say).
func TestAPIFileIsTheRelease(t *testing.T) {
	root := testenv.Root()
	last, err := release.LastRelease(root)
	if err != nil {
		t.Fatal(err)
	}
	base := t.TempDir()
	if err := release.Export(root, last.Commit, base); err != nil {
		t.Skipf("the release commit %s (%s) is not in this clone: api/%s.txt is what is compared", last.Commit, last.Version, last.Version)
	}
	old, err := PublicPackages(base)
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := os.ReadFile(filepath.Join(root, "api", last.Version+".txt"))
	if got, want := strings.Join(APILines(old), "\n")+"\n", string(raw); got != want {
		t.Errorf("api/%s.txt is not the API of %s: go run ./internal/release/apigen -commit %s %s", last.Version, last.Commit, last.Commit, last.Version)
	}
	cur, err := PublicPackages(root)
	if err != nil {
		t.Fatal(err)
	}
	changes := Incompatible(old, cur)
	changelog, _ := os.ReadFile(filepath.Join(root, "CHANGELOG.md"))
	if len(changes) > 0 && !BreakingAnnounced(changelog) {
		t.Errorf("%d incompatible changes since %s (apidiff):\n  %s", len(changes), last.Version, strings.Join(changes, "\n  "))
	}
}

// TestPlantedBreakIsCaught: a copy of the current tree with one public
// signature changed is caught as incompatible.
func TestPlantedBreakIsCaught(t *testing.T) {
	root := testenv.Root()
	cmd := exec.Command("git", "rev-parse", "HEAD")
	cmd.Dir = root
	head, err := cmd.Output()
	if err != nil {
		t.Skip("not a git checkout")
	}
	dir := t.TempDir()
	if err := release.Export(root, strings.TrimSpace(string(head)), dir); err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(dir, "stages", "http.go")
	src, _ := os.ReadFile(file)
	planted := strings.Replace(string(src), "func ValidRepo(repo string) error {", "func ValidRepo(repo string, strict ...bool) error {", 1)
	if planted == string(src) {
		t.Fatal("the planted change did not apply")
	}
	os.WriteFile(file, []byte(planted), 0o644)
	// Only the stages package: it is what changed, and it loads fast.
	old, err := loadOne(root, "./stages")
	if err != nil {
		t.Fatal(err)
	}
	// The planted tree's callers still compile (the parameter is variadic), but the signature is another: load
	// stages alone.
	cur, err := loadOne(dir, "./stages")
	if err != nil {
		t.Fatal(err)
	}
	changes := Incompatible(old, cur)
	if len(changes) == 0 || !strings.Contains(strings.Join(changes, "\n"), "ValidRepo") {
		t.Errorf("the planted change was not caught: %v", changes)
	}
	if removed := Removed(APILines(old), APILines(cur)); len(removed) != 1 || !strings.Contains(removed[0], "func ValidRepo(string) error") {
		t.Errorf("the planted change was not caught by the API lines: %v", removed)
	}
	if !BreakingAnnounced([]byte("# Changelog\n\n## Unreleased\n\n### Breaking\n- stages.ValidRepo takes strict\n\n## v0.1.0\n")) ||
		BreakingAnnounced([]byte("## Unreleased\n\n## v0.1.0\n### Breaking\n")) {
		t.Error("BreakingAnnounced reads the wrong section")
	}
}
