package stages

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// service is a fake configuration service: each request is answered by the
// next handler in turn (the last one repeats).
type service struct {
	*httptest.Server
	calls    atomic.Int32
	auth     atomic.Value
	handlers []http.HandlerFunc
}

func newService(t *testing.T, handlers ...http.HandlerFunc) *service {
	s := &service{handlers: handlers}
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n := int(s.calls.Add(1)) - 1
		s.auth.Store(r.Header.Get("Authorization"))
		if r.URL.Path != "/v1/services/acme/orders" {
			http.NotFound(w, r)
			return
		}
		s.handlers[min(n, len(s.handlers)-1)](w, r)
	}))
	t.Cleanup(s.Close)
	return s
}

func serveDoc(doc []byte) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) { w.Write(doc) }
}

func status(code int) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) { http.Error(w, http.StatusText(code), code) }
}

var fast = HTTPOptions{Timeout: 200 * time.Millisecond, Backoff: time.Millisecond}

func TestFetch(t *testing.T) {
	doc := ExampleDocument()
	cases := []struct {
		name     string
		handlers []http.HandlerFunc
		opts     HTTPOptions
		wantErr  string // empty: success
		calls    int
	}{
		{"ok", []http.HandlerFunc{serveDoc(doc)}, fast, "", 1},
		{"500 then 200", []http.HandlerFunc{status(500), status(503), serveDoc(doc)}, fast, "", 3},
		{"429 then 200", []http.HandlerFunc{status(429), serveDoc(doc)}, fast, "", 2},
		{"500 until retries run out", []http.HandlerFunc{status(500)}, fast,
			"(4 attempts): the service answered 500 Internal Server Error", 4},
		{"404 fails at once", []http.HandlerFunc{status(404)}, fast,
			"the service answered 404 Not Found: is the repository registered with the configuration service, and spelled owner/name?", 1},
		{"401 names the token", []http.HandlerFunc{status(401)}, fast,
			"the service answered 401 Unauthorized: set HANDSOFF_CONFIG_TOKEN to a valid token", 1},
		{"slow, then fast", []http.HandlerFunc{func(w http.ResponseWriter, r *http.Request) {
			select {
			case <-time.After(2 * time.Second):
			case <-r.Context().Done():
			}
		}, serveDoc(doc)}, fast, "", 2},
		{"always slow", []http.HandlerFunc{func(w http.ResponseWriter, r *http.Request) {
			select {
			case <-time.After(2 * time.Second):
			case <-r.Context().Done():
			}
		}}, HTTPOptions{Timeout: 100 * time.Millisecond, Backoff: time.Millisecond, Retries: 1}, "(2 attempts): no answer within 100ms", 2},
		{"truncated body is retried", []http.HandlerFunc{func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Length", strconv.Itoa(len(doc)))
			w.Write(doc[:len(doc)/2])
		}, serveDoc(doc)}, fast, "", 2},
		{"truncated every time", []http.HandlerFunc{func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Length", strconv.Itoa(len(doc)))
			w.Write(doc[:10])
		}}, HTTPOptions{Timeout: time.Second, Backoff: time.Millisecond, NoRetries: true}, "the body was cut short: unexpected EOF", 1},
		{"oversized by header", []http.HandlerFunc{func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Length", "5000")
			w.Write([]byte(strings.Repeat(" ", 5000)))
		}}, HTTPOptions{MaxBodyBytes: 1000, Backoff: time.Millisecond}, "the document is 5000 bytes; the limit is 1000", 1},
		{"oversized streamed", []http.HandlerFunc{func(w http.ResponseWriter, r *http.Request) {
			w.(http.Flusher).Flush() // chunked: no Content-Length
			w.Write([]byte(strings.Repeat(" ", 5000)))
		}}, HTTPOptions{MaxBodyBytes: 1000, Backoff: time.Millisecond}, "the document is larger than the limit of 1000 bytes", 1},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s := newService(t, tc.handlers...)
			got, err := Fetch(context.Background(), s.URL, "acme/orders", tc.opts)
			if tc.wantErr == "" {
				if err != nil {
					t.Fatal(err)
				}
				if string(got) != string(doc) {
					t.Errorf("body differs")
				}
			} else {
				var fe *FetchError
				if !errors.As(err, &fe) || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("err = %v, want a FetchError containing %q", err, tc.wantErr)
				}
			}
			if n := int(s.calls.Load()); n != tc.calls {
				t.Errorf("%d requests, want %d", n, tc.calls)
			}
		})
	}
}

func env(vars map[string]string) func(string) string {
	return func(k string) string { return vars[k] }
}

func TestLoadFromServiceWritesAndUsesLock(t *testing.T) {
	dir := t.TempDir()
	sub := filepath.Join(dir, "app")
	os.MkdirAll(sub, 0o755)
	os.WriteFile(filepath.Join(dir, "cdk.json"), []byte(`{}`), 0o644)
	s := newService(t, serveDoc(ExampleDocument()))
	opts := LoadOptions{Repo: "acme/orders", Dir: sub, HTTP: fast,
		Getenv: env(map[string]string{ConfigEnv: s.URL, TokenEnv: "s3cret"})}

	cfg, err := Load(opts)
	if err != nil {
		t.Fatal(err)
	}
	if got := s.auth.Load(); got != "Bearer s3cret" {
		t.Errorf("Authorization = %q", got)
	}
	lockPath := filepath.Join(dir, LockFile) // next to cdk.json, not in Dir
	if !strings.Contains(cfg.Origin, "fetched, pinned in "+lockPath) {
		t.Errorf("Origin = %q", cfg.Origin)
	}
	lock, err := ReadLock(lockPath)
	if err != nil || lock.Repo != "acme/orders" || lock.URL != s.URL+"/v1/services/acme/orders" {
		t.Fatalf("lock = %+v, %v", lock, err)
	}

	// Offline: the lock answers, the service is not asked.
	s.Close()
	cfg, err = Load(opts)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(cfg.Origin, "pinned by "+lockPath) || s.calls.Load() != 1 {
		t.Errorf("Origin = %q after %d calls", cfg.Origin, s.calls.Load())
	}

	// Refreshing on purpose asks the (now closed) service and fails loudly.
	opts.Getenv = env(map[string]string{ConfigEnv: s.URL, RefreshEnv: "1"})
	opts.HTTP.NoRetries = true
	if _, err := Load(opts); err == nil {
		t.Error("refresh with the service down succeeded")
	}

	// A hand-edited lock is refused.
	data, _ := os.ReadFile(lockPath)
	os.WriteFile(lockPath, []byte(strings.Replace(string(data), "orders-canary", "orders-canarx", 1)), 0o644)
	opts.Getenv = env(map[string]string{ConfigEnv: s.URL})
	if _, err := Load(opts); err == nil || !strings.Contains(err.Error(), "was edited by hand") {
		t.Errorf("edited lock: err = %v", err)
	}
}

func TestLoadRefusesInvalidServiceDocument(t *testing.T) {
	dir := t.TempDir()
	bad := strings.Replace(string(ExampleDocument()), "handsoff/v1", "handsoff/v0", 1)
	s := newService(t, serveDoc([]byte(bad)))
	_, err := Load(LoadOptions{Repo: "acme/orders", Dir: dir, URL: s.URL, HTTP: fast, Getenv: env(nil)})
	want := `apiVersion: "handsoff/v0" is not supported; this library reads "handsoff/v1"`
	if err == nil || !strings.Contains(err.Error(), want) {
		t.Fatalf("err = %v, want %q", err, want)
	}
	if _, err := os.Stat(filepath.Join(dir, LockFile)); err == nil {
		t.Error("an invalid document was pinned")
	}
}

func TestLoadLockForOtherURL(t *testing.T) {
	dir := t.TempDir()
	if err := WriteLock(filepath.Join(dir, LockFile), Lock{Repo: "acme/orders", URL: "https://old.example/v1/services/acme/orders", Document: ExampleDocument()}); err != nil {
		t.Fatal(err)
	}
	_, err := Load(LoadOptions{Repo: "acme/orders", Dir: dir, URL: "https://new.example", Getenv: env(nil)})
	if err == nil || !strings.Contains(err.Error(), "set HANDSOFF_CONFIG_REFRESH=1 once") {
		t.Errorf("err = %v", err)
	}
}

func TestLoadSelectionOrder(t *testing.T) {
	dir := t.TempDir()
	write := func(name, service string) string {
		p := filepath.Join(dir, name)
		os.WriteFile(p, []byte(strings.Replace(string(ExampleDocument()), `"name": "orders"`, `"name": "`+service+`"`, 1)), 0o644)
		return p
	}
	explicit := write("explicit.json", "explicit")
	fromEnv := write("env.json", "env")
	cases := []struct {
		name string
		opts LoadOptions
		want string // service name, or error text
	}{
		{"embedded example", LoadOptions{}, "orders"},
		{"handsoff.json in Dir", LoadOptions{}, "local"},
		{"HANDSOFF_CONFIG beats handsoff.json", LoadOptions{Getenv: env(map[string]string{ConfigEnv: "env.json"})}, "env"},
		{"explicit Path beats HANDSOFF_CONFIG", LoadOptions{Path: explicit, Getenv: env(map[string]string{ConfigEnv: fromEnv})}, "explicit"},
		{"explicit Document beats all", LoadOptions{Document: ExampleDocument(), Path: explicit}, "orders"},
		{"missing file", LoadOptions{Path: "nope.json"}, "cannot read configuration"},
	}
	for i, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if i == 1 {
				write(LocalFile, "local")
			}
			tc.opts.Repo, tc.opts.Dir = "acme/orders", dir
			if tc.opts.Getenv == nil {
				tc.opts.Getenv = env(nil)
			}
			cfg, err := Load(tc.opts)
			switch {
			case err != nil && !strings.Contains(err.Error(), tc.want):
				t.Errorf("err = %v, want %q", err, tc.want)
			case err == nil && cfg.Service.Name != tc.want:
				t.Errorf("service = %q (from %s), want %q", cfg.Service.Name, cfg.Origin, tc.want)
			}
		})
	}
}

func TestLoadOtherRepoNeedsItsOwnDocument(t *testing.T) {
	_, err := Load(LoadOptions{Repo: "acme/payments", Dir: t.TempDir(), Getenv: env(nil)})
	want := "handsoff: configuration embedded example (acme/orders) describes acme/orders, not acme/payments; no document for acme/payments was found: set HANDSOFF_CONFIG"
	if err == nil || !strings.HasPrefix(err.Error(), want) {
		t.Errorf("err = %v", err)
	}
	if _, err := Load(LoadOptions{Repo: "payments"}); err == nil || !strings.Contains(err.Error(), `repository "payments" is not owner/name`) {
		t.Errorf("err = %v", err)
	}
}

// TestLoadOrderReadsLock: without HANDSOFF_CONFIG (as in the pipeline's own
// build), a committed lock wins over handsoff.json and the example; named
// sources still win over the lock.
func TestLoadOrderReadsLock(t *testing.T) {
	dir := t.TempDir()
	sub := filepath.Join(dir, "app")
	os.MkdirAll(sub, 0o755)
	os.WriteFile(filepath.Join(dir, "cdk.json"), []byte(`{}`), 0o644)
	pinned := strings.Replace(string(ExampleDocument()), `"owner": "`, `"owner": "pinned-`, 1)
	lockPath := filepath.Join(dir, LockFile)
	if err := WriteLock(lockPath, Lock{Repo: "acme/orders", URL: "https://config.example/v1/services/acme/orders", Document: []byte(pinned)}); err != nil {
		t.Fatal(err)
	}
	local := strings.Replace(string(ExampleDocument()), `"owner": "`, `"owner": "local-`, 1)
	os.WriteFile(filepath.Join(sub, LocalFile), []byte(local), 0o644)
	explicit := filepath.Join(dir, "explicit.json")
	os.WriteFile(explicit, []byte(strings.Replace(string(ExampleDocument()), `"owner": "`, `"owner": "explicit-`, 1)), 0o644)

	cases := []struct {
		name              string
		opts              LoadOptions
		vars              map[string]string
		owner, originPart string
	}{
		{"lock beats handsoff.json and the example", LoadOptions{}, nil, "pinned-", "pinned by " + lockPath},
		{"HANDSOFF_CONFIG beats the lock", LoadOptions{}, map[string]string{ConfigEnv: explicit}, "explicit-", explicit},
		{"Path in code beats the lock", LoadOptions{Path: explicit}, nil, "explicit-", explicit},
		{"Document in code beats the lock", LoadOptions{Document: []byte(local)}, nil, "local-", "given in code"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			o := c.opts
			o.Repo, o.Dir, o.Getenv = "acme/orders", sub, env(c.vars)
			cfg, err := Load(o)
			if err != nil {
				t.Fatal(err)
			}
			if !strings.HasPrefix(cfg.Service.Owner, c.owner) || !strings.Contains(cfg.Origin, c.originPart) {
				t.Errorf("owner %q from %q, want owner %q… from %q", cfg.Service.Owner, cfg.Origin, c.owner, c.originPart)
			}
		})
	}

	t.Run("lock of another repository", func(t *testing.T) {
		_, err := Load(LoadOptions{Repo: "acme/billing", Dir: sub, Getenv: env(nil)})
		if err == nil || !strings.Contains(err.Error(), "pins the document of acme/orders, but this app is acme/billing") {
			t.Errorf("err = %v", err)
		}
	})
	t.Run("damaged lock", func(t *testing.T) {
		d := t.TempDir()
		os.WriteFile(filepath.Join(d, LockFile), []byte(`{"version":1,`), 0o644)
		_, err := Load(LoadOptions{Repo: "acme/orders", Dir: d, Getenv: env(nil)})
		if err == nil || !strings.Contains(err.Error(), "is damaged") {
			t.Errorf("err = %v", err)
		}
	})
	t.Run("refresh without HANDSOFF_CONFIG asks no one, least of all the URL the lock records", func(t *testing.T) {
		s := newService(t, serveDoc(ExampleDocument()))
		d := t.TempDir()
		WriteLock(filepath.Join(d, LockFile), Lock{Repo: "acme/orders", URL: s.URL + "/v1/services/acme/orders", Document: []byte(pinned)})
		_, err := Load(LoadOptions{Repo: "acme/orders", Dir: d, HTTP: fast, Getenv: env(map[string]string{RefreshEnv: "1", TokenEnv: "tok"})})
		if err == nil || !strings.Contains(err.Error(), "set HANDSOFF_CONFIG to its URL") || s.calls.Load() != 0 {
			t.Errorf("err %v, calls %d", err, s.calls.Load())
		}
	})
}
