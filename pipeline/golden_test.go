package pipeline_test

import (
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

var reAssetHash = regexp.MustCompile(`[0-9a-f]{64}`)

// normalize drops what changes without the template changing meaning: the
// bootstrap version check and asset hashes.
func normalize(tmpl map[string]any) map[string]any {
	if p, ok := tmpl["Parameters"].(map[string]any); ok {
		delete(p, "BootstrapVersion")
		if len(p) == 0 {
			delete(tmpl, "Parameters")
		}
	}
	if r, ok := tmpl["Rules"].(map[string]any); ok {
		delete(r, "CheckBootstrapVersion")
		if len(r) == 0 {
			delete(tmpl, "Rules")
		}
	}
	raw, _ := json.Marshal(tmpl)
	raw = reAssetHash.ReplaceAll(raw, []byte("<asset-hash>"))
	var out map[string]any
	_ = json.Unmarshal(raw, &out)
	return out
}

func readTemplate(t *testing.T, path string) map[string]any {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(data, &m); err != nil {
		t.Fatal(err)
	}
	return m
}

// golden compares a normalized template with testdata/name; -update
// rewrites it.
func golden(t *testing.T, name string, got map[string]any) {
	t.Helper()
	got = normalize(got)
	path := filepath.Join("testdata", name)
	if *update {
		data, _ := json.MarshalIndent(got, "", "  ")
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, append(data, '\n'), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want := readTemplate(t, path)
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("%s differs from the golden file (-want +got); if the change is intended, run go test ./pipeline -run Golden -update:\n%s", name, diff)
	}
}

func TestGoldenPipelineTemplate(t *testing.T) {
	s := synthExample(t)
	golden(t, "orders-pipeline.template.json", readTemplate(t, filepath.Join(s.dir, "orders-pipeline.template.json")))
}

func TestGoldenGatesTemplate(t *testing.T) {
	s := synthExample(t)
	matches, _ := filepath.Glob(filepath.Join(s.dir, "assembly-orders-gamma-use1", "*-gates.template.json"))
	if len(matches) != 1 {
		t.Fatalf("gates templates: %v", matches)
	}
	golden(t, "orders-gamma-use1-gates.template.json", readTemplate(t, matches[0]))
}

// The CDK makes a support stack per deployment region outside the pipeline
// account's; handsoff hardens its replication bucket and key.
func TestGoldenCrossRegionSupportTemplate(t *testing.T) {
	s := synthExample(t)
	golden(t, "orders-support-eu-west-1.template.json", readTemplate(t, filepath.Join(s.dir, "cross-region-stack-111111111111_eu-west-1.template.json")))
}

// TestGoldenDeliveryMetrics: the delivery metrics' resources of the
// pipeline stack on their own (function, role, logs, rules, permissions,
// alarm, dashboard), so that a change to them reads as one.
func TestGoldenDeliveryMetrics(t *testing.T) {
	s := synthExample(t)
	tmpl := readTemplate(t, filepath.Join(s.dir, "orders-pipeline.template.json"))
	resources := map[string]any{}
	for id, r := range tmpl["Resources"].(map[string]any) {
		if strings.HasPrefix(id, "DeliveryMetrics") {
			resources[id] = r
		}
	}
	if len(resources) != 9 {
		t.Errorf("%d delivery-metrics resources, want 9 (function, role, log group, 2 rules, 2 permissions, alarm, dashboard)", len(resources))
	}
	golden(t, "orders-delivery-metrics.template.json", map[string]any{"Resources": resources})
}
