package guardrails

import (
	"encoding/json"
	"flag"
	"maps"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/handsoff-cdk/handsoff/internal/testenv"
)

var update = flag.Bool("update", false, "rewrite taggable.json from the registry schemas")

// TestTaggableMatchesRegistry: HS-TAG-1 judges exactly the types the
// CloudFormation registry says take tags, where they take them.
func TestTaggableMatchesRegistry(t *testing.T) {
	want := map[string]tagInfo{}
	for typ, info := range testenv.Schema(t).Taggable() {
		want[typ] = tagInfo{Property: info.Property, Variant: info.Variant}
	}
	if *update {
		// One type a line, sorted: a registry change is a readable diff.
		var b strings.Builder
		b.WriteString("{\n")
		for i, typ := range slices.Sorted(maps.Keys(want)) {
			line, _ := json.Marshal(map[string]tagInfo{typ: want[typ]})
			if i > 0 {
				b.WriteString(",\n")
			}
			b.Write(line[1 : len(line)-1])
		}
		b.WriteString("\n}\n")
		if err := os.WriteFile("taggable.json", []byte(b.String()), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	if diff := cmp.Diff(want, taggable()); diff != "" {
		t.Errorf("taggable.json differs from the registry (-registry +file); run go test ./constructs/guardrails -run Taggable -update:\n%s", diff)
	}
	for _, typ := range []string{"AWS::SSM::Parameter", "AWS::S3::Bucket", "AWS::AutoScaling::AutoScalingGroup"} {
		if !Taggable(typ) {
			t.Errorf("%s is not taggable", typ)
		}
	}
}
