package pipeline_test

import (
	"archive/tar"
	"compress/gzip"
	"encoding/json"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/handsoff-cdk/handsoff/internal/testenv"
	"github.com/handsoff-cdk/handsoff/pipeline"
)

// TestCDKJSONHasRecommendedFlags: cdk.json sets every feature flag the
// CDK recommends for new projects, at its recommended value, read from the
// aws-cdk-lib the Go module bundles (so a CDK upgrade that adds a flag fails
// here until cdk.json has it). `cdk synth` then reports none unconfigured.
func TestCDKJSONHasRecommendedFlags(t *testing.T) {
	node := testenv.NeedNode(t)
	modDir, err := exec.Command("go", "list", "-m", "-f", "{{.Dir}}", "github.com/aws/aws-cdk-go/awscdk/v2").Output()
	if err != nil {
		t.Fatal(err)
	}
	tgzs, _ := filepath.Glob(filepath.Join(strings.TrimSpace(string(modDir)), "jsii", "aws-cdk-lib-*.tgz"))
	if len(tgzs) != 1 {
		t.Fatalf("no aws-cdk-lib bundle in %s", modDir)
	}
	dir := t.TempDir()
	f, _ := os.Open(tgzs[0])
	defer f.Close()
	gz, err := gzip.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	tr := tar.NewReader(gz)
	for {
		h, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(h.Name, "package/cx-api/") || h.Typeflag != tar.TypeReg {
			continue
		}
		out := filepath.Join(dir, h.Name)
		os.MkdirAll(filepath.Dir(out), 0o755)
		data, _ := io.ReadAll(tr)
		os.WriteFile(out, data, 0o644)
	}
	raw, err := exec.Command(node, "-e", `process.stdout.write(JSON.stringify(require(process.argv[1]).CURRENTLY_RECOMMENDED_FLAGS))`,
		filepath.Join(dir, "package", "cx-api", "lib", "features.js")).Output()
	if err != nil {
		t.Fatal(err)
	}
	var recommended map[string]any
	if err := json.Unmarshal(raw, &recommended); err != nil {
		t.Fatal(err)
	}
	ctx := pipeline.CDKContext(testenv.Root())
	got := map[string]any{}
	for k := range recommended {
		got[k] = ctx[k]
	}
	if diff := cmp.Diff(recommended, got); diff != "" {
		t.Errorf("cdk.json's context differs from the CDK's %d recommended flags (-recommended +cdk.json):\n%s", len(recommended), diff)
	}
}
