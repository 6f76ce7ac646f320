package release

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/handsoff-cdk/handsoff/internal/testenv"
)

// TestAPICompatibleWithLastRelease: the public API keeps every promise of
// the last release, unless CHANGELOG.md announces the break.
func TestAPICompatibleWithLastRelease(t *testing.T) {
	root := testenv.Root()
	last, err := LastRelease(root)
	if err != nil {
		t.Fatal(err)
	}
	base := t.TempDir()
	if err := Export(root, last.Commit, base); err != nil {
		t.Skipf("the release commit %s (%s) is not in this clone: %v", last.Commit, last.Version, err)
	}
	old, err := PublicPackages(base)
	if err != nil {
		t.Fatal(err)
	}
	cur, err := PublicPackages(root)
	if err != nil {
		t.Fatal(err)
	}
	if len(old) == 0 || len(cur) == 0 {
		t.Fatalf("no public packages: %d in %s, %d now", len(old), last.Version, len(cur))
	}
	changes := Incompatible(old, cur)
	changelog, _ := os.ReadFile(filepath.Join(root, "CHANGELOG.md"))
	if len(changes) > 0 && !BreakingAnnounced(changelog) {
		t.Errorf("%d incompatible changes since %s; undo them, or announce them under \"### Breaking\" in CHANGELOG.md's Unreleased section (a new major version):\n  %s",
			len(changes), last.Version, strings.Join(changes, "\n  "))
	}
	t.Logf("%d public packages compared with %s (%s): %d incompatible changes", len(cur), last.Version, last.Commit[:12], len(changes))
}

// TestPlantedBreakIsCaught: a copy of the current tree with one public
// signature changed is caught as incompatible.
func TestPlantedBreakIsCaught(t *testing.T) {
	root := testenv.Root()
	head, err := git(root, "rev-parse", "HEAD")
	if err != nil {
		t.Skip("not a git checkout")
	}
	dir := t.TempDir()
	if err := Export(root, strings.TrimSpace(head), dir); err != nil {
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
	if !BreakingAnnounced([]byte("# Changelog\n\n## Unreleased\n\n### Breaking\n- stages.ValidRepo takes strict\n\n## v0.1.0\n")) ||
		BreakingAnnounced([]byte("## Unreleased\n\n## v0.1.0\n### Breaking\n")) {
		t.Error("BreakingAnnounced reads the wrong section")
	}
}
