package main

import (
	"bytes"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/handsoff-cdk/handsoff/stages"
)

// TestValidateAndEnvsGolden: the output and exit status of validate and
// envs for good and bad input, as a person sees them
// (testdata/validate.golden; -update rewrites it).
func TestValidateAndEnvsGolden(t *testing.T) {
	dir := t.TempDir()
	good := filepath.Join(dir, "good.json")
	os.WriteFile(good, stages.ExampleDocument(), 0o644)
	bad := filepath.Join(dir, "bad.json")
	os.WriteFile(bad, []byte(strings.Replace(strings.Replace(string(stages.ExampleDocument()), `"us-east-1"`, `"us-east-7"`, 1), `"owner": "team-orders"`, `"ownr": "x"`, 1)), 0o644)
	served := stages.ExampleDocument()
	empty := filepath.Join(dir, "empty")
	os.MkdirAll(empty, 0o755)
	app := filepath.Join(dir, "app")
	os.MkdirAll(app, 0o755)
	os.WriteFile(filepath.Join(app, "cdk.json"), []byte(`{}`), 0o644)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/v1/services/acme/orders" {
			http.NotFound(w, r)
			return
		}
		w.Write(served)
	}))
	defer srv.Close()
	runs := [][]string{
		{"validate", good},
		{"validate", "--json", good},
		{"validate", bad},
		{"validate", "--json", bad},
		{"validate", filepath.Join(dir, "missing.json")},
		{"validate", srv.URL, "--repo", "acme/orders"},
		{"validate", "--repo", "acme/payments", srv.URL},
		{"validate", srv.URL},
		{"validate", good, "extra"},
		{"envs", "--config", good},
		{"envs", "--config", good, "--stage", "prod", "--region", "us-east-1"},
		{"envs", "--config", good, "--stage", "qa"},
		{"envs", "--config", good, "--region", "mars-1", "--json"},
		{"envs", "--config", good, "--stage", "gamma", "--json"},
		{"envs", "--config", bad},
		{"config", "diff", "--url", srv.URL, "--repo", "acme/orders", "--dir", app},
		{"config", "pull", "--url", srv.URL, "--repo", "acme/orders", "--dir", app},
		{"config", "diff", "--dir", app},
		{"-change the service-"},
		{"config", "diff", "--url", srv.URL, "--dir", app},
		{"config", "pull", "--repo", "acme/payments", "--url", srv.URL, "--dir", app},
		{"config"},
		{"config", "diff", "--dir", empty, "--repo", "acme/orders"},
	}
	var b strings.Builder
	for _, args := range runs {
		if args[0] == "-change the service-" {
			served = []byte(strings.Replace(string(served), `"owner": "team-orders"`, `"owner": "team-checkout"`, 1))
			b.WriteString("# the service's document changes: owner team-checkout\n\n")
			continue
		}
		var out, errb bytes.Buffer
		code := run(args, &out, &errb)
		fmt.Fprintf(&b, "$ handsoff %s\n%s%s[exit %d]\n\n", strings.Join(args, " "), out.String(), errb.String(), code)
	}
	got := strings.NewReplacer(dir, "$DIR", srv.URL, "$SERVICE").Replace(b.String())
	got = regexp.MustCompile(`pinned \d{4}-\d\d-\d\d \d\d:\d\d`).ReplaceAllString(got, "pinned $$TIME")
	golden := filepath.Join("testdata", "validate.golden")
	if *update {
		os.WriteFile(golden, []byte(got), 0o644)
	}
	want, _ := os.ReadFile(golden)
	if diff := cmp.Diff(string(want), got); diff != "" {
		t.Errorf("output (-want +got):\n%s", diff)
	}
}
