package monorepo

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/handsoff-cdk/handsoff/stages"
)

// Folders nest whatever sorts between them: "a-b", "a.x" and "a+y" sort
// after "a" and before "a/b" ('+', '-' and '.' are below '/'), and must not
// hide that "a/b" is inside "a" (a/** would start on a/b's changes while
// Affected counts them for a/b alone).
func TestHostileNestedPastSortedSiblings(t *testing.T) {
	for _, sib := range []string{"a-b", "a.x", "a+y", "a=z", "a-b/c"} {
		doc := `{"folders":[{"path":"a","kind":"library"},{"path":"` + sib + `","kind":"library"},{"path":"a/b/c","kind":"service","service":"b"}]}`
		ps := problemsOf(t, doc)
		found := false
		for _, p := range ps {
			if p.Path == "folders[2].path" && strings.Contains(p.Message, `is inside "a"`) {
				found = true
			}
		}
		if !found {
			t.Errorf("with sibling %q: a/b/c inside a not reported: %v", sib, ps)
		}
	}
}

// A folder that is a symbolic link (or lies under one) holds no file git
// lists under its path: git records the link itself, and the files are
// changed under the target's path, so folder/** never matches and its
// pipeline never starts. os.Stat follows the link and saw a directory.
func TestHostileCheckFoldersSymlink(t *testing.T) {
	root := t.TempDir()
	for _, d := range []string{"real/orders", "libs/money"} {
		if err := os.MkdirAll(filepath.Join(root, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Symlink("real", filepath.Join(root, "services")); err != nil {
		t.Skip(err)
	}
	if err := os.Symlink("money", filepath.Join(root, "libs", "cash")); err != nil {
		t.Fatal(err)
	}
	d, err := Parse([]byte(`{"folders":[{"path":"libs/cash","kind":"library"},{"path":"services/orders","kind":"service","service":"orders","dependsOn":["libs/cash"]},{"path":"libs/money","kind":"library"}]}`), "test")
	if err != nil {
		t.Fatal(err)
	}
	err = d.CheckFolders(root, "test")
	var ve *stages.ValidationError
	if !errors.As(err, &ve) {
		t.Fatalf("CheckFolders = %v, want both links refused", err)
	}
	var got []string
	for _, p := range ve.Problems {
		got = append(got, p.Path)
		if !strings.Contains(p.Message, "symbolic link") {
			t.Errorf("%s: %s, want it to name the symbolic link", p.Path, p.Message)
		}
	}
	if want := []string{"folders[0].path", "folders[1].path"}; !slices.Equal(got, want) {
		t.Errorf("problems at %v, want %v", got, want)
	}
}

// A file of long folder names, each depending on a misspelt one, within
// the document's size limit: "did you mean" compared every unknown name
// with every folder by a full edit distance (240 × 240 cells), quadratic
// in the file, and a 600 KB file took minutes to refuse.
func TestHostileDidYouMeanIsBounded(t *testing.T) {
	var b strings.Builder
	b.WriteString(`{"folders":[`)
	long := strings.Repeat("x", 230)
	const n = 500
	for i := 0; i < n; i++ {
		if i > 0 {
			b.WriteString(",")
		}
		fmt.Fprintf(&b, `{"path":"%s%05d","kind":"library","dependsOn":["%s%05dy"]}`, long, i, long, i)
	}
	b.WriteString("]}")
	start := time.Now()
	ps := problemsOf(t, b.String())
	if took := time.Since(start); took > 3*time.Second {
		t.Errorf("Parse took %v", took)
	}
	if len(ps) != n {
		t.Errorf("%d problems, want %d", len(ps), n)
	}
	if !strings.Contains(ps[0].Message, "did you mean") {
		t.Errorf("the first unknown name has no suggestion: %s", ps[0].Message)
	}
}

// A folder that is a git submodule (or lies inside one): the mono-repo's
// history records the submodule as one entry, its commit, at the folder's
// own path; no change is ever listed under folder/, so its pipeline never
// starts and handsoff changed never counts it. A checked-out submodule has
// a .git file (a nested clone a .git folder).
func TestHostileCheckFoldersSubmodule(t *testing.T) {
	root := t.TempDir()
	for _, d := range []string{"libs/money", "vendor/sdk/core", "services/orders"} {
		if err := os.MkdirAll(filepath.Join(root, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	os.WriteFile(filepath.Join(root, "libs/money/.git"), []byte("gitdir: ../../.git/modules/libs/money\n"), 0o644)
	os.MkdirAll(filepath.Join(root, "vendor/sdk/.git"), 0o755)
	d, err := Parse([]byte(`{"folders":[{"path":"libs/money","kind":"library"},{"path":"vendor/sdk/core","kind":"library"},{"path":"services/orders","kind":"service","service":"orders","dependsOn":["libs/money","vendor/sdk/core"]}]}`), "test")
	if err != nil {
		t.Fatal(err)
	}
	err = d.CheckFolders(root, "test")
	var ve *stages.ValidationError
	if !errors.As(err, &ve) {
		t.Fatalf("CheckFolders = %v, want both submodules refused", err)
	}
	var got []string
	for _, p := range ve.Problems {
		got = append(got, p.Path)
		if !strings.Contains(p.Message, "submodule") {
			t.Errorf("%s: %s, want it to name the submodule", p.Path, p.Message)
		}
	}
	if want := []string{"folders[0].path", "folders[1].path"}; !slices.Equal(got, want) {
		t.Errorf("problems at %v, want %v", got, want)
	}
}
