package gates

import (
	"encoding/json"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/handsoff-cdk/handsoff/internal/testenv"
)

// runRunner calls the check runner's handler under Node with event and
// returns what it returned (JSON) or threw ("name: message").
func runRunner(t *testing.T, node string, event any) (string, bool) {
	t.Helper()
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "index.js"), []byte(checkRunnerJS), 0o644)
	raw, _ := json.Marshal(event)
	script := fmt.Sprintf(`require(%q).handler(JSON.parse(process.argv[1])).then(r => console.log(JSON.stringify(r)), e => { console.log(e.name + ": " + e.message); process.exit(1); })`,
		filepath.Join(dir, "index.js"))
	out, err := exec.Command(node, "-e", script, string(raw)).CombinedOutput()
	return strings.TrimSpace(string(out)), err == nil
}

// TestCheckRunnerHTTP runs the http check under Node against local
// servers: each way an endpoint can fail says what happened, not only
// that it "did not answer".
func TestCheckRunnerHTTP(t *testing.T) {
	node := testenv.NeedNode(t)
	mux := http.NewServeMux()
	mux.HandleFunc("/ok", func(w http.ResponseWriter, r *http.Request) { fmt.Fprint(w, "fine") })
	mux.HandleFunc("/down", func(w http.ResponseWriter, r *http.Request) { http.Error(w, "database unreachable", 503) })
	mux.HandleFunc("/moved", func(w http.ResponseWriter, r *http.Request) { http.Redirect(w, r, "/login", http.StatusFound) })
	mux.HandleFunc("/slow", func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-time.After(3 * time.Second):
		case <-r.Context().Done():
		}
	})
	srv := httptest.NewServer(mux)
	defer srv.Close()
	tlsSrv := httptest.NewUnstartedServer(mux)          // a certificate Node does not trust
	tlsSrv.Config.ErrorLog = log.New(io.Discard, "", 0) // the refused handshake is the point
	tlsSrv.StartTLS()
	defer tlsSrv.Close()
	// A port nothing listens on.
	l, _ := net.Listen("tcp", "127.0.0.1:0")
	closed := "http://" + l.Addr().String()
	l.Close()

	cases := []struct {
		name, url string
		timeoutMs int
		ok        bool
		want      string
	}{
		{"pass", srv.URL + "/ok", 2000, true, `"status":200`},
		{"wrong status", srv.URL + "/down", 2000, false, "CheckFailed: health: " + srv.URL + "/down answered 503, want 200: database unreachable"},
		{"redirect", srv.URL + "/moved", 2000, false, "answered 302, want 200: a redirect to /login, which checks do not follow"},
		{"timeout", srv.URL + "/slow", 300, false, "CheckFailed: health: " + srv.URL + "/slow did not answer within 300 ms"},
		{"refused", closed + "/", 2000, false, "refused the connection"},
		{"dns", "http://handsoff-no-such-host.invalid/", 5000, false, "does not resolve (DNS)"},
		{"tls", tlsSrv.URL + "/ok", 2000, false, "TLS failed"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			out, ok := runRunner(t, node, map[string]any{"check": "health", "url": c.url, "expectStatus": 200, "timeoutMs": c.timeoutMs})
			if ok != c.ok || !strings.Contains(out, c.want) {
				t.Errorf("got ok=%v %s\nwant ok=%v and %q", ok, out, c.ok, c.want)
			}
			if !c.ok && c.name != "timeout" && strings.Contains(out, "did not answer within") {
				t.Errorf("%s reported as a timeout: %s", c.name, out)
			}
		})
	}
}

// TestCheckRunnerReport: the report reads every branch's result and fails
// once, naming every failed check, with a line of cause each.
func TestCheckRunnerReport(t *testing.T) {
	node := testenv.NeedNode(t)
	build := `{"Id":"orders-alpha-integration:1234","BuildStatus":"FAILED","Logs":{"DeepLink":"https://console.aws.amazon.com/cloudwatch/home#logEvent:group=/aws/codebuild/x"},` +
		`"Phases":[{"PhaseType":"BUILD","PhaseStatus":"FAILED","Contexts":[{"Message":"COMMAND_EXECUTION_ERROR: Error while executing command: make test. Reason: exit status 2"}]}]}`
	lambdaErr := `{"errorType":"CheckFailed","errorMessage":"smoke: https://x.example/ answered 500, want 200: oops","trace":[]}`
	cases := []struct {
		name       string
		results    []any
		passed     bool
		error      string
		causeParts []string
	}{
		{"all pass", []any{
			map[string]any{"check": "smoke", "type": "http", "result": map[string]any{"status": 200}},
			map[string]any{"check": "integration", "type": "codebuild", "build": "b:1", "status": "SUCCEEDED"},
			map[string]any{"check": "canary", "type": "lambda", "result": map[string]any{"ok": true}},
		}, true, "", []string{"smoke: passed", "integration: passed (build b:1)", "canary: passed"}},
		{"every failure reported", []any{
			map[string]any{"check": "smoke", "type": "http", "failure": map[string]any{"Error": "CheckFailed", "Cause": lambdaErr}},
			map[string]any{"check": "integration", "type": "codebuild", "failure": map[string]any{"Error": "States.TaskFailed", "Cause": build}},
			map[string]any{"check": "load", "type": "codebuild", "failure": map[string]any{"Error": "States.Timeout"}},
			map[string]any{"check": "canary", "type": "lambda", "result": map[string]any{"ok": false, "reason": "error rate 4%"}},
			map[string]any{"check": "fine", "type": "http", "result": map[string]any{"status": 200}},
		}, false, "CheckFailed: smoke, integration, load, canary", []string{
			"4 of 5 checks of alpha failed",
			"smoke: https://x.example/ answered 500, want 200: oops",
			"integration: build orders-alpha-integration:1234 FAILED in BUILD (COMMAND_EXECUTION_ERROR: Error while executing command: make test. Reason: exit status 2); logs: https://console.aws.amazon.com/cloudwatch/home#logEvent:group=/aws/codebuild/x",
			"load: timed out",
			"canary: the function returned ok: false: error rate 4%",
			"fine: passed",
		}},
		{"lambda throws", []any{
			map[string]any{"check": "canary", "type": "lambda", "failure": map[string]any{"Error": "Error", "Cause": `{"errorType":"Error","errorMessage":"p99 too high"}`}},
		}, false, "CheckFailed: canary", []string{"canary: Error: p99 too high"}},
		{"unknown error shape", []any{
			map[string]any{"check": "x", "type": "codebuild", "failure": map[string]any{"Error": "States.Runtime", "Cause": "not json"}},
		}, false, "CheckFailed: x", []string{"x: States.Runtime: not json"}},
		{"no results fail closed", []any{}, false, "CheckFailed: no results", nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			out, ok := runRunner(t, node, map[string]any{"report": c.results, "service": "orders", "environment": "alpha"})
			if !ok {
				t.Fatalf("report threw: %s", out)
			}
			var got struct {
				Passed       bool
				Error, Cause string
			}
			if err := json.Unmarshal([]byte(out), &got); err != nil {
				t.Fatalf("%v: %s", err, out)
			}
			if got.Passed != c.passed || got.Error != c.error {
				t.Errorf("passed=%v error=%q, want %v %q", got.Passed, got.Error, c.passed, c.error)
			}
			for _, p := range c.causeParts {
				if !strings.Contains(got.Cause, p) {
					t.Errorf("cause lacks %q:\n%s", p, got.Cause)
				}
			}
		})
	}
	// The error fits a Fail state's 256 characters however many fail.
	var many []any
	for i := range 40 {
		many = append(many, map[string]any{"check": fmt.Sprintf("check-number-%02d", i), "type": "http", "failure": map[string]any{"Error": "States.Timeout"}})
	}
	out, _ := runRunner(t, node, map[string]any{"report": many})
	var got struct{ Error string }
	json.Unmarshal([]byte(out), &got)
	if len(got.Error) > 256 || !strings.HasPrefix(got.Error, "CheckFailed: check-number-00, ") {
		t.Errorf("error of %d characters: %q", len(got.Error), got.Error)
	}
}
