package stages

import (
	"encoding/json"
	"regexp"
	"strconv"
	"testing"
)

// deleted, as a value for edit, removes the field.
var deleted = &struct{}{}

var reToken = regexp.MustCompile(`([^.\[\]]+)|\[(\d+)\]`)

// edited returns the example document with each path set to its value.
// Paths are the ones problems report: "stages[1].environments[0].region".
func edited(t testing.TB, edits ...any) []byte {
	t.Helper()
	var doc any
	if err := json.Unmarshal(ExampleDocument(), &doc); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < len(edits); i += 2 {
		set(t, &doc, edits[i].(string), edits[i+1])
	}
	out, err := json.Marshal(doc)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func set(t testing.TB, root *any, path string, value any) {
	t.Helper()
	toks := reToken.FindAllStringSubmatch(path, -1)
	cur := root
	for i, tok := range toks {
		last := i == len(toks)-1
		if tok[1] != "" {
			m, ok := (*cur).(map[string]any)
			if !ok {
				t.Fatalf("edit %s: %q is not in an object", path, tok[1])
			}
			if last {
				if value == deleted {
					delete(m, tok[1])
				} else {
					m[tok[1]] = value
				}
				return
			}
			next, ok := m[tok[1]]
			if !ok {
				next = map[string]any{}
			}
			cur = &next
			m[tok[1]] = next
			// Maps and slices are references; re-read after descent.
			v := m[tok[1]]
			cur = &v
			continue
		}
		n, _ := strconv.Atoi(tok[2])
		s, ok := (*cur).([]any)
		if !ok || n >= len(s) {
			t.Fatalf("edit %s: no element %d", path, n)
		}
		if last {
			s[n] = value
			return
		}
		cur = &s[n]
	}
}

func problemStrings(t testing.TB, err error) []string {
	t.Helper()
	ve, ok := err.(*ValidationError)
	if !ok {
		t.Fatalf("error is %T (%v), want *ValidationError", err, err)
	}
	var out []string
	for _, p := range ve.Problems {
		out = append(out, p.String())
	}
	return out
}
