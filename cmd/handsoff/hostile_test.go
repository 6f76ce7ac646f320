package main

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/spf13/cobra"

	"github.com/handsoff-cdk/handsoff/cmd/handsoff-config/configtest"
	"github.com/handsoff-cdk/handsoff/stages"
)

// teamModule is a new team's module with no document, as the working
// directory.
func teamModule(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "go.mod"), []byte("module example.com/team\n"), 0o644)
	t.Chdir(dir)
	t.Setenv(stages.ConfigEnv, "")
	return dir
}

// TestJSONAlways: every command with --json prints one JSON value on
// stdout, whatever happens: here, each fails (no document).
func TestJSONAlways(t *testing.T) {
	teamModule(t)
	var walk func(c *cobra.Command)
	n := 0
	walk = func(c *cobra.Command) {
		if f := c.Flags().Lookup("json"); f != nil {
			n++
			args := append(strings.Fields(c.CommandPath())[1:], "--json")
			if strings.Contains(c.Use, "SERVICE") || strings.Contains(c.Use, "ENV") {
				args = append(args, "alpha")
			}
			out, errs, code := runCLI(t, args...)
			var v any
			if err := json.Unmarshal([]byte(out), &v); err != nil {
				t.Errorf("%q: exit %d, stdout is not JSON (%v): %q; stderr %q", args, code, err, out, errs)
			}
		}
		for _, sub := range c.Commands() {
			walk(sub)
		}
	}
	walk(newRoot(nil, nil))
	if n < 6 {
		t.Errorf("only %d commands take --json", n)
	}
}

// TestNoExampleByName: naming the example's repository in a team's module
// does not reach the example either.
func TestNoExampleByName(t *testing.T) {
	teamModule(t)
	for _, args := range [][]string{{"validate", "--repo", "acme/orders"}, {"bootstrap", "--repo", "acme/orders"}} {
		out, errs, code := runCLI(t, args...)
		if code != exitFailed || strings.Contains(out+errs, "111111111111") || !strings.Contains(errs, "no configuration document here") {
			t.Errorf("%q: exit %d\n%s%s", args, code, out, errs)
		}
	}
}

// TestNoRecordButTheServices: a forced deploy starts only on the
// configuration service's record of it (201 with the deployment), not on
// any success of any URL.
func TestNoRecordButTheServices(t *testing.T) {
	_, calls, doc := cdkApp(t)
	signedIn := credentials
	credentials = func(string) error { return nil }
	t.Cleanup(func() { credentials = signedIn })
	for _, c := range []struct {
		status int
		body   string
	}{{200, `{}`}, {204, ``}, {201, `{}`}, {201, `{"environment":"prod-use1","reason":"another reason entirely, recorded"}`}} {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(c.status)
			w.Write([]byte(c.body))
		}))
		os.Remove(calls)
		_, errs, code := runCLI(t, "deploy", "prod-use1", "--config", doc, "--reason", "Hotfix for the checkout outage INC-46.", "--url", srv.URL)
		srv.Close()
		if ran, _ := os.ReadFile(calls); code == 0 || len(ran) > 0 || !strings.Contains(errs, "could not be recorded") {
			t.Errorf("%d %s: exit %d, cdk ran %q:\n%s", c.status, c.body, code, ran, errs)
		}
	}
}

// TestBootstrapProdEverywhere: a command in an account and region that
// holds a prod environment is a prod command, the pipeline account's too.
func TestBootstrapProdEverywhere(t *testing.T) {
	dir := t.TempDir()
	doc := strings.Replace(string(stages.ExampleDocument()), `"account": "111111111111"`, `"account": "444444444444"`, 1)
	doc = strings.ReplaceAll(doc, "us-east-1:111111111111:connection", "us-east-1:444444444444:connection")
	path := filepath.Join(dir, "doc.json")
	os.WriteFile(path, []byte(doc), 0o644)
	cfg, err := stages.Parse([]byte(doc), path)
	if err != nil || cfg.Pipeline.Account != "444444444444" {
		t.Fatalf("the pipeline is not in the prod account: %v", err)
	}
	for _, c := range Commands(cfg, []string{"444444444444"}, "t.json", "") {
		if strings.Contains(strings.Join(c.Args, " "), "444444444444/us-east-1") && !c.Prod {
			t.Errorf("runs without --prod in a prod account and region: %s", c.Shell())
		}
	}
}

// TestBadInputsBounded: a device as a document is an error, not a crash
// or a hang; a --url that is not http(s) is a wrong flag value; a
// completion changes nothing on disk.
func TestBadInputsBounded(t *testing.T) {
	for _, args := range [][]string{{"validate", "/dev/zero"}, {"envs", "--config", "/dev/zero"}} {
		done := make(chan int, 1)
		go func() { _, _, code := runCLI(t, args...); done <- code }()
		select {
		case code := <-done:
			if code == 0 {
				t.Errorf("%q: exit 0", args)
			}
		case <-time.After(30 * time.Second):
			t.Fatalf("%q did not return", args)
		}
	}
	for _, args := range [][]string{{"whereis", "orders", "--url", "ftp://x"}, {"env", "add", "a", "--stage", "alpha", "--account", "999999999999", "--region", "us-east-1", "--url", "ftp://x"}} {
		if _, errs, code := runCLI(t, args...); code != exitMisuse || !strings.Contains(errs, "is not an http(s) URL") {
			t.Errorf("%q: exit %d: %s", args, code, errs)
		}
	}
	svc := configtest.Start(t)
	dir := teamModule(t)
	os.WriteFile(filepath.Join(dir, "cdk.json"), []byte(`{}`), 0o644)
	os.WriteFile(filepath.Join(dir, stages.LocalFile), stages.ExampleDocument(), 0o644)
	t.Setenv(stages.ConfigEnv, svc.URL)
	t.Setenv(stages.TokenEnv, svc.Token(t, configtest.RoleTeam, "acme/orders", "jane"))
	got := complete(t, "deploy", "al")
	if len(got) == 0 || got[0] != "alpha" {
		t.Errorf("deploy al completes to %q: the document was not read from the service", got)
	}
	if _, err := os.Stat(filepath.Join(dir, stages.LockFile)); err == nil {
		t.Errorf("a completion wrote %s (completed %q)", stages.LockFile, got)
	}
}
