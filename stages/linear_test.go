package stages

import (
	"bytes"
	"encoding/json"
	"fmt"
	"runtime"
	"strings"
	"testing"
)

// allocated is the bytes and allocations one Parse of data takes.
func allocated(data []byte) (bytes, count uint64) {
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	Parse(data, "doc.json")
	runtime.ReadMemStats(&after)
	return after.TotalAlloc - before.TotalAlloc, after.Mallocs - before.Mallocs
}

// shapes make documents of about n bytes that stress one dimension each:
// nesting (in known fields, unknown fields and free-form JSON), width
// (members, elements), length (keys, strings), and problems.
var shapes = map[string]func(n int) []byte{
	"deep in a known field": func(n int) []byte {
		// Many values nested to just under MaxNesting where a string
		// belongs, checked level by level, where a path is longest.
		one := strings.Repeat("[", MaxNesting-4) + strings.Repeat("]", MaxNesting-4)
		var b strings.Builder
		for i := 0; b.Len() < n; i++ {
			fmt.Fprintf(&b, `"k%d": %s, `, i, one)
		}
		return withService(`"tags": {` + strings.TrimSuffix(b.String(), ", ") + `}`)
	},
	"deep under an unknown field": func(n int) []byte {
		one := strings.Repeat(`{"a":`, MaxNesting-4) + "1" + strings.Repeat("}", MaxNesting-4)
		return withService(`"unknown": [` + repeatJoin(one, n/len(one)) + `]`)
	},
	"deep past the limit": func(n int) []byte {
		return withService(`"tags": ` + strings.Repeat("[", n/2) + strings.Repeat("]", n/2))
	},
	"wide object": func(n int) []byte {
		var b strings.Builder
		for i := 0; b.Len() < n; i++ {
			fmt.Fprintf(&b, `"k%d": %d, `, i, i)
		}
		return withService(`"tags": {` + strings.TrimSuffix(b.String(), ", ") + `}`)
	},
	"wide array of wrong types": func(n int) []byte {
		return bytes.Replace(ExampleDocument(), []byte(`"stages": [`), []byte(`"stages": [`+repeatJoin("1", n/2)+`,`), 1)
	},
	"long key": func(n int) []byte {
		return withService(`"` + strings.Repeat("k", n) + `": 1`)
	},
	"a long key of dots after type errors": func(n int) []byte {
		// Type errors fill the map the ancestors of every later path are
		// looked up in; a quoted key of dots has as many "ancestors" as a
		// reader that splits at dots would find.
		return []byte(`{"apiVersion":1,"service":{"name":1,"repo":1,"owner":1},"pipeline":{"account":1,"region":1,"connectionArn":1,"branch":1,"notificationTopicArn":1},"<` +
			strings.Repeat(`\".a`, n/4) + `[>":1}`)
	},
	"many http checks with placeholders": func(n int) []byte {
		var b strings.Builder
		for i := 0; b.Len() < n; i++ {
			fmt.Fprintf(&b, `"c%d": {"type": "http", "url": "https://{stage}.{region}.{account}.{env}.example.com/%d"}, `, i, i)
		}
		return bytes.Replace(ExampleDocument(), []byte(`"checks": {`), []byte(`"checks": {`+b.String()), 1)
	},
	"many freeze windows in a zone": func(n int) []byte {
		var b strings.Builder
		for i := 0; b.Len() < n; i++ {
			fmt.Fprintf(&b, `{"name": "w%d", "timezone": "America/St_Johns", "days": ["Sat"], "start": "00:00", "end": "23:59", "appliesTo": ["prod"]}, `, i)
		}
		return bytes.Replace(ExampleDocument(), []byte(`"freezeWindows": [`), []byte(`"freezeWindows": [`+b.String()), 1)
	},
	"many tags": func(n int) []byte {
		var b strings.Builder
		for i := 0; b.Len() < n; i++ {
			fmt.Fprintf(&b, `"tag-%d": "value-%d", `, i, i)
		}
		return withService(`"tags": {` + strings.TrimSuffix(b.String(), ", ") + `}`)
	},
	"free-form JSON deep under long keys": func(n int) []byte {
		// 62 levels of 100-character keys under a field of the wrong type,
		// then many values: a path built for each would be depth × key
		// length long.
		key := `"` + strings.Repeat(`\u0001`, 100) + `"`
		return []byte(`{"apiVersion": ` + strings.Repeat(`{`+key+`:`, 62) + `[` + repeatJoin("0", max(n-40_000, 2)/2) + `]` + strings.Repeat(`}`, 62) + `}`)
	},
	"long string": func(n int) []byte {
		return withService(`"name": "` + strings.Repeat("s", n) + `"`)
	},
	"many empty environments": func(n int) []byte {
		return bytes.Replace(ExampleDocument(), []byte(`"environments": [`), []byte(`"environments": [`+repeatJoin("{}", n/3)+`,`), 1)
	},
	"many empty stages": func(n int) []byte {
		return bytes.Replace(ExampleDocument(), []byte(`"stages": [`), []byte(`"stages": [`+repeatJoin("{}", n/3)+`,`), 1)
	},
	"many valid environments": func(n int) []byte {
		var b strings.Builder
		for i := 0; b.Len() < n; i++ {
			fmt.Fprintf(&b, `{"name": "e%d", "account": "111111111111", "region": "us-east-1"}, `, i)
		}
		return bytes.Replace(ExampleDocument(), []byte(`"environments": [`), []byte(`"environments": [`+b.String()), 1)
	},
	"duplicate keys": func(n int) []byte {
		return withService(`"tags": {` + repeatJoin(`"a": "b"`, n/9) + `}`)
	},
}

func repeatJoin(s string, n int) string {
	if n < 1 {
		n = 1
	}
	return strings.TrimSuffix(strings.Repeat(s+",", n), ",")
}

// withService puts members into the example document's service object.
func withService(members string) []byte {
	return bytes.Replace(ExampleDocument(), []byte(`"service": {`), []byte(`"service": {`+members+`, `), 1)
}

// TestValidationIsLinear: for every shape, four times the input costs at
// most about four times the allocations and bytes (a quadratic cost would
// be sixteen); counted, not timed. Sizes stay under MaxDocumentBytes.
func TestValidationIsLinear(t *testing.T) {
	for name, shape := range shapes {
		t.Run(name, func(t *testing.T) {
			small, large := shape(60_000), shape(240_000)
			if len(large) > MaxDocumentBytes {
				t.Fatalf("the large input is %d bytes, over the limit", len(large))
			}
			sb, sc := allocated(small)
			lb, lc := allocated(large)
			ratio := float64(len(large)) / float64(len(small))
			t.Logf("%d -> %d bytes of input: %d -> %d bytes allocated, %d -> %d allocations", len(small), len(large), sb, lb, sc, lc)
			if float64(lb) > 1.6*ratio*float64(sb) || float64(lc) > 1.6*ratio*float64(sc) {
				t.Errorf("not linear: %.1fx the input took %.1fx the bytes and %.1fx the allocations", ratio, float64(lb)/float64(sb), float64(lc)/float64(sc))
			}
			// At the largest size, a bound on the whole: the one
			// docs/configuration.md ("Where the document comes from") gives.
			full := shape(MaxDocumentBytes - 4096)
			if fb, _ := allocated(full); fb > 32<<20 {
				t.Errorf("%d bytes allocated for a document of %d bytes; the bound is 32 MiB", fb, len(full))
			} else {
				t.Logf("%d bytes: %d bytes allocated", len(full), fb)
			}
		})
	}
}

// TestWorstValidDocumentsBounded: the documents that cost the validator
// most are valid ones just under MaxValues, each of its values doing work
// (a check URL with placeholders, an environment): even these stay under
// 32 MiB.
func TestWorstValidDocumentsBounded(t *testing.T) {
	var checks strings.Builder
	for i := 0; i < 6000; i++ {
		fmt.Fprintf(&checks, `"c%d": {"type": "http", "url": "https://{stage}.{region}.{account}.{env}.example.com/%s"}, `, i, strings.Repeat("p", 60))
	}
	var d Document
	if err := json.Unmarshal(ExampleDocument(), &d); err != nil {
		t.Fatal(err)
	}
	prod := &d.Stages[len(d.Stages)-1]
	big := DocWave{Name: "big"}
	for i := 0; i < 4700; i++ {
		big.Environments = append(big.Environments, DocEnvironment{Name: fmt.Sprintf("p%d", i), Account: "444444444444", Region: "us-east-1"})
	}
	prod.Waves = append(prod.Waves, big)
	envs, _ := json.Marshal(d)
	docs := map[string][]byte{
		"6,000 http checks with placeholders": bytes.Replace(ExampleDocument(), []byte(`"checks": {`), []byte(`"checks": {`+checks.String()), 1),
		"4,700 prod environments in a wave":   envs,
	}
	for name, doc := range docs {
		b, _ := allocated(doc)
		_, err := Parse(doc, "doc.json")
		if ve, ok := err.(*ValidationError); ok && ve.Problems[0].Code == CodeTooLarge {
			t.Errorf("%s: refused as too large, so it measures nothing: %v", name, err)
		}
		t.Logf("%s: %d bytes, %d bytes allocated", name, len(doc), b)
		if b > 32<<20 {
			t.Errorf("%s: %d bytes allocated for %d bytes of input; the bound is 32 MiB", name, b, len(doc))
		}
	}
}
