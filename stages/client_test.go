package stages

import (
	"context"
	"errors"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// recorder is a server that records the Authorization header it got.
func recorder(t *testing.T, tls bool, h http.HandlerFunc) (*httptest.Server, *atomic.Value, *atomic.Int32) {
	var auth atomic.Value
	var calls atomic.Int32
	auth.Store("")
	handler := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		auth.Store(r.Header.Get("Authorization"))
		h(w, r)
	})
	var s *httptest.Server
	if tls {
		s = httptest.NewUnstartedServer(handler)
		s.Config.ErrorLog = log.New(io.Discard, "", 0) // refused handshakes are the point of some tests
		s.StartTLS()
	} else {
		s = httptest.NewServer(handler)
	}
	t.Cleanup(s.Close)
	return s, &auth, &calls
}

func redirectTo(target string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) { http.Redirect(w, r, target+r.URL.Path, http.StatusFound) }
}

// TestTokenStaysAtItsOrigin: the bearer token is never sent anywhere but
// the configuration service's own origin, and never in the clear to
// another machine.
func TestTokenStaysAtItsOrigin(t *testing.T) {
	doc := ExampleDocument()
	other, otherAuth, otherCalls := recorder(t, false, serveDoc(doc))
	plainOK, _, _ := recorder(t, false, serveDoc(doc))
	tlsOther, tlsOtherAuth, _ := recorder(t, true, serveDoc(doc))

	t.Run("a redirect to another port of the same host, with a token", func(t *testing.T) {
		start, _, _ := recorder(t, false, redirectTo(other.URL))
		otherCalls.Store(0)
		_, err := Fetch(context.Background(), start.URL, "acme/orders", HTTPOptions{Token: "secret-token", NoRetries: true})
		if err == nil || !strings.Contains(err.Error(), "refusing a redirect to "+other.URL) {
			t.Errorf("err = %v", err)
		}
		if otherCalls.Load() != 0 || otherAuth.Load() != "" {
			t.Errorf("the other origin was called (%d) with %q", otherCalls.Load(), otherAuth.Load())
		}
	})
	t.Run("the same redirect without a token is followed", func(t *testing.T) {
		start, _, _ := recorder(t, false, redirectTo(other.URL))
		if _, err := Fetch(context.Background(), start.URL, "acme/orders", HTTPOptions{NoRetries: true}); err != nil {
			t.Errorf("err = %v", err)
		}
	})
	t.Run("https to http is refused, token or not", func(t *testing.T) {
		start, _, _ := recorder(t, true, redirectTo(plainOK.URL))
		_, err := Fetch(context.Background(), start.URL, "acme/orders", HTTPOptions{NoRetries: false, Retries: 3, Backoff: time.Hour, Client: start.Client()})
		var fe *FetchError
		if !errors.As(err, &fe) || !strings.Contains(err.Error(), "refusing a redirect from https to "+plainOK.URL) || fe.Attempts != 1 {
			t.Errorf("err = %v (a refused redirect must not be retried)", err)
		}
	})
	t.Run("https to https on another host, with a token", func(t *testing.T) {
		start, _, _ := recorder(t, true, redirectTo(tlsOther.URL))
		client := start.Client()
		_, err := Fetch(context.Background(), start.URL, "acme/orders", HTTPOptions{Token: "secret-token", NoRetries: true, Client: client})
		if err == nil || tlsOtherAuth.Load() != "" {
			t.Errorf("err = %v, other got %q", err, tlsOtherAuth.Load())
		}
	})
	t.Run("plain http to another machine with a token is refused before any request", func(t *testing.T) {
		_, err := Fetch(context.Background(), "http://config.example.com", "acme/orders", HTTPOptions{Token: "secret-token"})
		if err == nil || !strings.Contains(err.Error(), "refusing to send HANDSOFF_CONFIG_TOKEN over plain http to config.example.com") {
			t.Errorf("err = %v", err)
		}
	})
	t.Run("plain http on loopback with a token is fine", func(t *testing.T) {
		if _, err := Fetch(context.Background(), plainOK.URL, "acme/orders", HTTPOptions{Token: "secret-token", NoRetries: true}); err != nil {
			t.Errorf("err = %v", err)
		}
	})
	t.Run("a malformed token is refused before any request", func(t *testing.T) {
		s, _, calls := recorder(t, false, serveDoc(doc))
		_, err := Fetch(context.Background(), s.URL, "acme/orders", HTTPOptions{Token: "abc\ndef"})
		if err == nil || !strings.Contains(err.Error(), "holds a character a bearer token cannot have") || calls.Load() != 0 {
			t.Errorf("err = %v, %d calls", err, calls.Load())
		}
	})
}

// TestServiceURLs: the URL is built with net/url and the repository checked
// as GitHub spells names; credentials are refused and never printed.
func TestServiceURLs(t *testing.T) {
	cases := []struct{ base, repo, want, err string }{
		{"https://config.example.com", "acme/orders", "https://config.example.com/v1/services/acme/orders", ""},
		{"https://config.example.com/", "acme/orders", "https://config.example.com/v1/services/acme/orders", ""},
		{"https://config.example.com/base?tenant=7", "acme/orders", "https://config.example.com/base/v1/services/acme/orders?tenant=7", ""},
		{"https://config.example.com/v1/services/acme/orders", "acme/orders", "https://config.example.com/v1/services/acme/orders", ""},
		{"https://user:hunter2@config.example.com", "acme/orders", "", "holds credentials (user:password@)"},
		{"ftp://config.example.com", "acme/orders", "", "is not an absolute http(s) URL"},
		{"config.example.com", "acme/orders", "", "is not an absolute http(s) URL"},
		{"https://config.example.com", "acme/..", "", `the name ".." must be`},
		{"https://config.example.com", "acme/.", "", `the name "." must be`},
		{"https://config.example.com", "acme/orders/x", "", "is not owner/name"},
		{"https://config.example.com", "-acme/orders", "", `the owner "-acme"`},
		{"https://config.example.com", "ac--me/orders", "", `the owner "ac--me"`},
		{"https://config.example.com", "acme/ord ers", "", `the name "ord ers"`},
		{"https://config.example.com", "acme/" + strings.Repeat("x", 101), "", "1 to 100"},
	}
	for _, c := range cases {
		got, err := ServiceURL(c.base, c.repo)
		switch {
		case c.err == "" && (err != nil || got != c.want):
			t.Errorf("ServiceURL(%q, %q) = %q, %v; want %q", c.base, c.repo, got, err, c.want)
		case c.err != "" && (err == nil || !strings.Contains(err.Error(), c.err)):
			t.Errorf("ServiceURL(%q, %q) err = %v; want %q", c.base, c.repo, err, c.err)
		case err != nil && strings.Contains(err.Error(), "hunter2"):
			t.Errorf("the password is printed: %v", err)
		}
	}
	// Fetch validates too, before any request.
	if _, err := Fetch(context.Background(), "https://config.example.com", "acme/..", HTTPOptions{}); err == nil {
		t.Error("Fetch accepted acme/..")
	}
	// So does Load, and the lock file never holds credentials.
	dir := t.TempDir()
	_, err := Load(LoadOptions{Repo: "acme/orders", Dir: dir, Getenv: env(map[string]string{ConfigEnv: "https://ci:s3cret@config.example.com"})})
	if err == nil || strings.Contains(err.Error(), "s3cret") {
		t.Errorf("err = %v", err)
	}
	if _, err := os.Stat(filepath.Join(dir, LockFile)); err == nil {
		t.Error("a lock file was written")
	}
}

// TestPermanentFailuresAreNotRetried: a bad certificate, a redirect loop
// and an HTML page fail at once; 429 and 503 wait as Retry-After says.
func TestPermanentFailuresAreNotRetried(t *testing.T) {
	tlsSrv, _, tlsCalls := recorder(t, true, serveDoc(ExampleDocument()))
	var loop *httptest.Server
	loop, _, loopCalls := recorder(t, false, func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, loop.URL+r.URL.Path, http.StatusFound)
	})
	html, _, htmlCalls := recorder(t, false, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Write([]byte("<html><body>Please sign in</body></html>"))
	})
	slow := HTTPOptions{Retries: 3, Backoff: time.Hour} // a retry would outlast the test
	cases := []struct {
		name  string
		base  string
		calls *atomic.Int32
		want  string
	}{
		{"a certificate the client does not trust", tlsSrv.URL, tlsCalls, "certificate"},
		{"a redirect loop", loop.URL, loopCalls, "redirect loop"},
		{"an HTML page with 200", html.URL, htmlCalls, "with an HTML page (text/html; charset=utf-8), not a JSON document"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			_, err := Fetch(ctx, c.base, "acme/orders", slow)
			var fe *FetchError
			if !errors.As(err, &fe) || fe.Attempts != 1 || !strings.Contains(err.Error(), c.want) {
				t.Errorf("err = %v; want one attempt and %q", err, c.want)
			}
		})
	}
	t.Run("Retry-After on 503 is honoured instead of the back-off", func(t *testing.T) {
		first := true
		s, _, calls := recorder(t, false, func(w http.ResponseWriter, r *http.Request) {
			if first {
				first = false
				w.Header().Set("Retry-After", "1")
				http.Error(w, "busy", http.StatusServiceUnavailable)
				return
			}
			w.Write(ExampleDocument())
		})
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if _, err := Fetch(ctx, s.URL, "acme/orders", slow); err != nil || calls.Load() != 2 {
			t.Errorf("err = %v after %d calls (the hour of back-off was used?)", err, calls.Load())
		}
	})
	for h, want := range map[string]time.Duration{"": 0, "3": 3 * time.Second, "-1": 0, "soon": 0,
		time.Now().Add(time.Hour).UTC().Format(http.TimeFormat): time.Hour} {
		if got := retryAfter(h); got.Round(time.Minute) != want.Round(time.Minute) {
			t.Errorf("retryAfter(%q) = %s, want %s", h, got, want)
		}
	}
}

// TestAnotherRepositoryIsNeverPinned: a service that answers with the
// document of another repository leaves no lock file behind.
func TestAnotherRepositoryIsNeverPinned(t *testing.T) {
	other := edited(t, "service.repo", "acme/payments")
	s, _, _ := recorder(t, false, serveDoc(other))
	dir := t.TempDir()
	_, err := Load(LoadOptions{Repo: "acme/orders", Dir: dir, Getenv: env(map[string]string{ConfigEnv: s.URL})})
	if err == nil || !strings.Contains(err.Error(), "serves the document of acme/payments, not acme/orders: nothing was pinned") {
		t.Errorf("err = %v", err)
	}
	if _, err := os.Stat(filepath.Join(dir, LockFile)); err == nil {
		t.Error("a lock file was written")
	}
}

// TestLockFileSizeIsRead: a lock file is read through its limit.
func TestLockFileSizeIsRead(t *testing.T) {
	path := filepath.Join(t.TempDir(), LockFile)
	os.WriteFile(path, []byte(`{"version": 1, "document": "`+strings.Repeat("x", maxLockBytes)+`"}`), 0o644)
	if _, err := ReadLock(path); err == nil || !strings.Contains(err.Error(), "larger than the limit") {
		t.Errorf("err = %v", err)
	}
}

// TestNewRequest: the rules Fetch keeps for the token hold for the
// requests that change things too.
func TestNewRequest(t *testing.T) {
	ctx := context.Background()
	cases := []struct {
		base, token, want string
	}{
		{"https://config.example.com", "hso_x", ""},
		{"http://127.0.0.1:8080", "hso_x", ""},
		{"http://config.example.com", "", ""},
		{"http://config.example.com", "hso_x", "refusing to send HANDSOFF_CONFIG_TOKEN over plain http"},
		{"https://jane:pw@config.example.com", "hso_x", "holds credentials"},
		{"config.example.com", "", "is not an absolute http(s) URL"},
		{"https://config.example.com", "hso x", "a character a bearer token cannot have"},
	}
	for _, c := range cases {
		req, client, err := NewRequest(ctx, "POST", c.base, "/v1/locations?service=orders", nil, HTTPOptions{Token: c.token})
		if c.want != "" {
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Errorf("%s with %q: %v, want %q", c.base, c.token, err, c.want)
			}
			continue
		}
		if err != nil {
			t.Errorf("%s: %v", c.base, err)
			continue
		}
		if got := req.Header.Get("Authorization"); (c.token != "") != (got == "Bearer "+c.token) || req.URL.Query().Get("service") != "orders" || client.Timeout != 10*time.Second {
			t.Errorf("%s: header %q, url %s, timeout %v", c.base, got, req.URL, client.Timeout)
		}
	}
}
