package monorepo

import (
	"strings"
	"testing"
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
