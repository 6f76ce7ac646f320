package main

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// fakeCodePipeline answers ListPipelineExecutions (JSON 1.1, as the API
// does) with the recorded history of internal/metrics, two executions a
// page, times as epoch seconds.
func fakeCodePipeline(t *testing.T) (*httptest.Server, *int) {
	raw, err := os.ReadFile(filepath.Join("..", "..", "internal", "metrics", "testdata", "executions.json"))
	if err != nil {
		t.Fatal(err)
	}
	var fixture struct {
		Summaries []map[string]any `json:"pipelineExecutionSummaries"`
	}
	json.Unmarshal(raw, &fixture)
	for _, e := range fixture.Summaries {
		for _, k := range []string{"startTime", "lastUpdateTime"} {
			tm, _ := time.Parse(time.RFC3339, e[k].(string))
			e[k] = tm.Unix()
		}
	}
	pages := 0
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var in struct {
			PipelineName string `json:"pipelineName"`
			NextToken    string `json:"nextToken"`
		}
		json.NewDecoder(r.Body).Decode(&in)
		w.Header().Set("Content-Type", "application/x-amz-json-1.1")
		if r.Header.Get("X-Amz-Target") != "CodePipeline_20150709.ListPipelineExecutions" || in.PipelineName != "orders-pipeline" {
			w.WriteHeader(400)
			fmt.Fprintf(w, `{"__type": "PipelineNotFoundException", "message": "The account with id '111111111111' does not include a pipeline with the name '%s'"}`, in.PipelineName)
			return
		}
		pages++
		start := 0
		fmt.Sscan(in.NextToken, &start)
		end := min(start+2, len(fixture.Summaries))
		out := map[string]any{"pipelineExecutionSummaries": fixture.Summaries[start:end]}
		if end < len(fixture.Summaries) {
			out["nextToken"] = fmt.Sprint(end)
		}
		json.NewEncoder(w).Encode(out)
	}))
	t.Cleanup(srv.Close)
	return srv, &pages
}

// TestMetricsCommand: the recorded history's numbers, as text and JSON,
// and the mistakes.
func TestMetricsCommand(t *testing.T) {
	srv, pages := fakeCodePipeline(t)
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "config"), []byte("[profile orders-pipeline]\nregion = us-east-1\n"), 0o600)
	os.WriteFile(filepath.Join(dir, "credentials"), []byte("[orders-pipeline]\naws_access_key_id = AKIDEXAMPLE\naws_secret_access_key = secret\n"), 0o600)
	for k, v := range map[string]string{"AWS_CONFIG_FILE": filepath.Join(dir, "config"), "AWS_SHARED_CREDENTIALS_FILE": filepath.Join(dir, "credentials"),
		"AWS_ENDPOINT_URL_CODEPIPELINE": srv.URL, "AWS_EC2_METADATA_DISABLED": "true", "AWS_PROFILE": "", "AWS_ACCESS_KEY_ID": "", "AWS_SECRET_ACCESS_KEY": "", "AWS_ENDPOINT_URL": "",
		NowEnv: "2026-11-08T00:00:00Z"} {
		t.Setenv(k, v)
	}
	var session strings.Builder
	for _, args := range [][]string{
		{"metrics", "--days", "7"},
		{"metrics", "--days", "7", "--json"},
		{"metrics", "--days", "0"},
		{"metrics", "--pipeline", "payments-pipeline"},
		{"metrics", "--profile", "nobody"},
	} {
		out, errs, code := runCLI(t, args...)
		session.WriteString("$ HANDSOFF_NOW=2026-11-08T00:00:00Z handsoff " + strings.Join(args, " ") + "\n" + errs + out + fmt.Sprintf("exit status %d\n\n", code))
	}
	golden(t, "metrics.golden", session.String(), 0)
	// The window starts 2026-11-01; e-1 (Oct 30) is the success before
	// it, on the sixth page: reading stops there (plus the first command's
	// pages for the JSON run).
	if *pages != 12 {
		t.Errorf("%d pages read, want 6 per run", *pages)
	}
}
