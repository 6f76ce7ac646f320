package stages

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
)

// worstDocuments are documents just under the 1 MiB limit built to make
// validation slow: as many bad entries as fit, names that defeat the
// "did you mean" search, thousands of checks named and unknown.
func worstDocuments(tb testing.TB) map[string][]byte {
	fill := func(build func(i int) string, head, tail string) []byte {
		var b strings.Builder
		b.WriteString(head)
		for i := 0; ; i++ {
			s := build(i)
			if b.Len()+len(s)+len(tail)+1 > MaxDocumentBytes {
				break
			}
			if i > 0 {
				b.WriteString(",")
			}
			b.WriteString(s)
		}
		b.WriteString(tail)
		return []byte(b.String())
	}
	var base map[string]any
	json.Unmarshal(ExampleDocument(), &base)
	docs := map[string][]byte{}
	// Bad environments: every field of each wrong.
	docs["bad environments"] = fill(func(i int) string {
		return fmt.Sprintf(`{"name":"9e%d","account":"12","region":"mars-%d","onebox":"x"}`, i, i)
	}, `{"apiVersion":"handsoff/v1","stages":[{"name":"prod","environments":[`, `]}]}`)
	// Unknown fields, each close to a known one.
	docs["unknown fields"] = fill(func(i int) string { return fmt.Sprintf(`"regoin%d":1`, i) }, `{"apiVersion":"handsoff/v1",`, `}`)
	// Unknown check names against thousands of checks.
	var checks, names []string
	for i := 0; i < 2000; i++ {
		checks = append(checks, fmt.Sprintf(`"check-%04d":{"type":"http","url":"https://x.example/"}`, i))
		names = append(names, fmt.Sprintf(`"chekc-%04d"`, i))
	}
	docs["2,000 unknown check names"] = []byte(`{"apiVersion":"handsoff/v1","checks":{` + strings.Join(checks, ",") +
		`},"stages":[{"name":"gamma","checks":[` + strings.Join(names, ",") + `],"environments":[{"name":"g","account":"111111111111","region":"us-east-1"}]}]}`)
	// Long names: one unknown field of almost a megabyte, and many long keys.
	docs["a 1 MB key"] = []byte(`{"apiVersion":"handsoff/v1","` + strings.Repeat("regionx", (MaxDocumentBytes-100)/7) + `":1}`)
	docs["long keys"] = fill(func(i int) string { return fmt.Sprintf(`"%s%d":1`, strings.Repeat("environments", 100), i) }, `{"apiVersion":"handsoff/v1",`, `}`)
	// Type errors deep in a wide tree.
	docs["type errors"] = fill(func(i int) string { return fmt.Sprintf(`{"name":%d,"environments":"x"}`, i) }, `{"apiVersion":"handsoff/v1","stages":[`, `]}`)
	// Duplicate keys.
	docs["duplicate keys"] = fill(func(i int) string { return `"apiVersion":"handsoff/v1"` }, `{`, `}`)
	for name, d := range docs {
		if len(d) > MaxDocumentBytes {
			tb.Fatalf("%s: %d bytes", name, len(d))
		}
	}
	return docs
}

// BenchmarkValidateWorst validates each worst document. Goal: under 1 s
// and 100 MiB each on a 2-core machine (docs/configuration.md, "Where the
// document comes from"), measured with
// go test ./stages -run '^$' -bench ValidateWorst -benchmem
func BenchmarkValidateWorst(b *testing.B) {
	for name, doc := range worstDocuments(b) {
		b.Run(strings.ReplaceAll(name, " ", "_"), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := Parse(doc, "worst"); err == nil {
					b.Fatal("the worst document was accepted")
				}
			}
		})
	}
}

// TestWorstDocumentsAreRefusedClearly: every worst document is refused with
// at most MaxProblems listed (their speed is the benchmark's).
func TestWorstDocumentsAreRefusedClearly(t *testing.T) {
	for name, doc := range worstDocuments(t) {
		_, err := Parse(doc, "worst")
		ve, ok := err.(*ValidationError)
		if !ok || len(ve.Problems) > MaxProblems+1 {
			t.Errorf("%s: %T with %d problems", name, err, len(ve.Problems))
		}
	}
}
