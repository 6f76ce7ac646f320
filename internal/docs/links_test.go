package docs

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestLinksResolve: every relative link in README.md and docs/*.md names a
// file that exists and, for page.md#anchor, a heading of that page.
func TestLinksResolve(t *testing.T) {
	root := filepath.Join("..", "..")
	pages, err := Pages(root)
	if err != nil {
		t.Fatal(err)
	}
	problems, err := Check(root, pages)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range problems {
		t.Errorf("%s", p)
	}
	if len(problems) == 0 {
		t.Logf("%d pages, every relative link resolves", len(pages))
	}
}

// TestAnchor: GitHub's anchors for headings of this repository's kind.
func TestAnchor(t *testing.T) {
	for heading, want := range map[string]string{
		"The configuration document (`handsoff/v1`)":                     "the-configuration-document-handsoffv1",
		"Before the first deploy: one-time setup per account and region": "before-the-first-deploy-one-time-setup-per-account-and-region",
		"What rolls back, and what cannot":                               "what-rolls-back-and-what-cannot",
		"Checks: what each type promises, and what a person sees":        "checks-what-each-type-promises-and-what-a-person-sees",
		"The configuration service (`cmd/handsoff-config`)":              "the-configuration-service-cmdhandsoff-config",
		"Exit status":                       "exit-status",
		"snake_case and  two spaces":        "snake_case-and--two-spaces",
		"A [linked](other.md#x) *emphasis*": "a-linked-emphasis",
		"Größe 3 × 4":                       "größe-3--4",
	} {
		if got := Anchor(heading); got != want {
			t.Errorf("Anchor(%q) = %q, want %q", heading, got, want)
		}
	}
}

// TestCheckCatches: the mistakes the check exists for are each reported,
// and what is no link (code, other schemes) is not.
func TestCheckCatches(t *testing.T) {
	root := t.TempDir()
	write := func(name, text string) {
		p := filepath.Join(root, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("go.mod", "module x\n")
	write("docs/screenshots/a.png", "")
	write("README.md", strings.Join([]string{
		"# Title",
		"## Quick start",
		"[ok](docs/cli.md#exit-status) [ok](docs/cli.md) [ok](#quick-start) [ok](go.mod) [ok](docs/screenshots)",
		`<img src="docs/screenshots/a.png" alt="x"> [ok](https://example.com/nowhere.md#x) [ok](mailto:a@b)`,
		"[gone](docs/gone.md)",                          // 5: no such file
		"[anchor](docs/cli.md#exit-codes)",              // 6: no such heading
		"[self](#quick-stat)",                           // 7: no such heading here
		`<img src="screenshots/a.png">`,                 // 8: the path from docs/, used in README
		"[moved](#where-the-document-comes-from)",       // 9: a section that moved to another page
		"`[code](nowhere.md)` [ok](go.mod \"a title\")", // code span: no link
		"```",
		"[fenced](nowhere.md)",
		"```",
		"[ref]: docs/nothing.md", // 14: a reference definition
	}, "\n"))
	write("docs/cli.md", strings.Join([]string{
		"# The CLI",
		"## Exit status",
		"### Exit status",
		"[ok](cli.md#exit-status-1) [ok](../README.md#quick-start) [ok](screenshots/a.png)",
		"[up](../go.mod#anything) [out](../../elsewhere.md)", // 5: outside the repository
		"[wrong](docs/screenshots/a.png)",                    // 6: the path from the root, used in docs/
		"[wrong](README.md)",                                 // 7: the README is one up
	}, "\n"))
	pages, err := Pages(root)
	if err != nil {
		t.Fatal(err)
	}
	problems, err := Check(root, pages)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, p := range problems {
		got = append(got, p.String())
	}
	want := []string{
		"README.md:5: docs/gone.md: docs/gone.md does not exist",
		"README.md:6: docs/cli.md#exit-codes: docs/cli.md has no heading with the anchor #exit-codes (did you mean #exit-status?)",
		"README.md:7: #quick-stat: README.md has no heading with the anchor #quick-stat (did you mean #quick-start?)",
		"README.md:8: screenshots/a.png: screenshots/a.png does not exist",
		"README.md:9: #where-the-document-comes-from: README.md has no heading with the anchor #where-the-document-comes-from",
		"README.md:14: docs/nothing.md: docs/nothing.md does not exist",
		"docs/cli.md:5: ../../elsewhere.md: points outside the repository",
		"docs/cli.md:6: docs/screenshots/a.png: docs/docs/screenshots/a.png does not exist",
		"docs/cli.md:7: README.md: docs/README.md does not exist",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("problems (-want +got):\n-%s\n+%s", strings.Join(want, "\n-"), strings.Join(got, "\n+"))
	}
}
