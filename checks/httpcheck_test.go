package checks

import (
	"encoding/json"
	"fmt"
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

// TestHTTPCheckFunction runs the http check's own code under Node against
// local servers: a pass, a wrong status, and no answer in time.
func TestHTTPCheckFunction(t *testing.T) {
	node := testenv.NeedNode(t)
	mux := http.NewServeMux()
	mux.HandleFunc("/ok", func(w http.ResponseWriter, r *http.Request) { fmt.Fprint(w, "fine") })
	mux.HandleFunc("/down", func(w http.ResponseWriter, r *http.Request) { http.Error(w, "database unreachable", 503) })
	mux.HandleFunc("/slow", func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-time.After(3 * time.Second):
		case <-r.Context().Done():
		}
	})
	srv := httptest.NewServer(mux)
	defer srv.Close()
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "index.js"), []byte(httpCheckJS), 0o644)
	run := func(path string, timeoutMs int) (string, error) {
		event, _ := json.Marshal(map[string]any{"check": "health", "url": srv.URL + path, "expectStatus": 200, "timeoutMs": timeoutMs})
		script := fmt.Sprintf(`require(%q).handler(%s).then(r => console.log(JSON.stringify(r)), e => { console.log(e.name + ": " + e.message); process.exit(1); })`,
			filepath.Join(dir, "index.js"), event)
		out, err := exec.Command(node, "-e", script).CombinedOutput()
		return strings.TrimSpace(string(out)), err
	}
	if out, err := run("/ok", 2000); err != nil || !strings.Contains(out, `"status":200`) {
		t.Errorf("ok: %v %s", err, out)
	}
	if out, err := run("/down", 2000); err == nil || !strings.Contains(out, "CheckFailed: health: "+srv.URL+"/down answered 503, want 200: database unreachable") {
		t.Errorf("down: %v %s", err, out)
	}
	if out, err := run("/slow", 300); err == nil || !strings.Contains(out, "CheckFailed: health: "+srv.URL+"/slow did not answer within 300 ms") {
		t.Errorf("slow: %v %s", err, out)
	}
}
