package configsvc

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
)

// TestPreconditions: every write answers with the new ETag and honours
// If-Match and If-None-Match; GETs answer 304 to a matching If-None-Match,
// weak or in a list; with RequireIfMatch, a write without them is 428.
func TestPreconditions(t *testing.T) {
	forEachStore(t, func(t *testing.T, st *Store) {
		s := newService(t, st)
		const doc = "/v1/services/acme/orders"
		const window = `{"timezone": "UTC", "days": ["SUN"], "start": "01:00", "end": "02:00", "appliesTo": ["prod"]}`
		const window2 = `{"timezone": "UTC", "days": ["SUN"], "start": "03:00", "end": "04:00", "appliesTo": ["prod"]}`
		code, h, _ := s.do(t, "PUT", "/v1/admin/windows/pre", s.admin, window, "If-None-Match", "*")
		w1 := h.Get("ETag")
		if code != 200 || w1 == "" {
			t.Fatalf("create with If-None-Match: *: %d %q", code, w1)
		}
		_, dh, _ := s.do(t, "GET", doc, s.admin, "")
		d1 := dh.Get("ETag")
		_, ah, _ := s.do(t, "GET", "/v1/admin/accounts/222222222222", s.admin, "")
		_, sh, own := s.do(t, "GET", "/v1/admin/services/acme/orders", s.admin, "")
		type tcase struct {
			name, method, path, body string
			header                   []string
			want                     int
			wantTag                  string // the ETag header the answer must carry, when not ""
		}
		run := func(cases []tcase) {
			t.Helper()
			for _, c := range cases {
				t.Run(c.name, func(t *testing.T) {
					code, h, body := s.do(t, c.method, c.path, s.admin, c.body, c.header...)
					if code != c.want {
						t.Errorf("%s %s: %d, want %d: %s", c.method, c.path, code, c.want, body)
					}
					if c.wantTag != "" && h.Get("ETag") != c.wantTag {
						t.Errorf("ETag %q, want %q", h.Get("ETag"), c.wantTag)
					}
					if code < 300 && c.method != "DELETE" && h.Get("ETag") == "" {
						t.Error("a success without an ETag")
					}
				})
			}
		}
		cases := []tcase{
			{"read the window", "GET", "/v1/admin/windows/pre", "", nil, 200, w1},
			{"unchanged", "GET", "/v1/admin/windows/pre", "", []string{"If-None-Match", w1}, 304, w1},
			{"unchanged, weak", "GET", "/v1/admin/windows/pre", "", []string{"If-None-Match", "W/" + w1}, 304, w1},
			{"unchanged, in a list", "GET", doc, "", []string{"If-None-Match", `"x", ` + d1}, 304, d1},
			{"unchanged, weak, the document", "GET", doc, "", []string{"If-None-Match", "W/" + d1}, 304, d1},
			{"create again", "PUT", "/v1/admin/windows/pre", window, []string{"If-None-Match", "*"}, 412, w1},
			{"a version that never was", "PUT", "/v1/admin/windows/pre", window2, []string{"If-Match", `"nope"`}, 412, w1},
			{"a weak If-Match never matches", "PUT", "/v1/admin/windows/pre", window2, []string{"If-Match", "W/" + w1}, 412, w1},
			{"the current version", "PUT", "/v1/admin/windows/pre", window2, []string{"If-Match", w1}, 200, ""},
			{"the same version again: stale", "PUT", "/v1/admin/windows/pre", window, []string{"If-Match", w1}, 412, ""},
			{"delete a stale version", "DELETE", "/v1/admin/windows/pre", "", []string{"If-Match", w1}, 412, ""},
			{"delete any version", "DELETE", "/v1/admin/windows/pre", "", []string{"If-Match", "*"}, 204, ""},
			{"If-Match: * on nothing", "PUT", "/v1/admin/windows/pre", window, []string{"If-Match", "*"}, 412, ""},
		}
		run(cases)
		// A platform window is part of the document: read its tag again.
		_, dh, _ = s.do(t, "GET", doc, s.admin, "")
		d1 = dh.Get("ETag")
		run([]tcase{
			{"an environment on the version read", "POST", doc + "/environments", `{"stage": "alpha", "name": "alpha-pre", "account": "222222222222", "region": "eu-west-1"}`, []string{"If-Match", d1}, 201, ""},
			{"an environment on a stale version", "POST", doc + "/environments", `{"stage": "alpha", "name": "alpha-pre2", "account": "222222222222", "region": "eu-west-1"}`, []string{"If-Match", d1}, 412, ""},
			{"remove on a stale version", "DELETE", doc + "/environments/alpha-pre", "", []string{"If-Match", d1}, 412, ""},
			{"an account on its version", "PUT", "/v1/admin/accounts/222222222222", `{"name": "test"}`, []string{"If-Match", ah.Get("ETag")}, 200, ""},
			{"an account on a stale version", "DELETE", "/v1/admin/accounts/222222222222", "", []string{"If-Match", ah.Get("ETag")}, 412, ""},
		})
		_, sh, own = s.do(t, "GET", "/v1/admin/services/acme/orders", s.admin, "")
		run([]tcase{
			{"the own part on its version", "PUT", "/v1/admin/services/acme/orders", strings.Replace(own, `"team-orders"`, `"team-pre"`, 1), []string{"If-Match", sh.Get("ETag")}, 200, ""},
			{"the own part on a stale version", "PUT", "/v1/admin/services/acme/orders", own, []string{"If-Match", sh.Get("ETag")}, 412, ""},
		})
		// The tag a write answers is the tag the next read serves.
		code, h, _ = s.do(t, "POST", doc+"/environments", s.admin, `{"stage": "alpha", "name": "alpha-tag", "account": "222222222222", "region": "eu-west-1"}`)
		_, h2, _ := s.do(t, "GET", doc, s.admin, "")
		if code != 201 || h.Get("ETag") != h2.Get("ETag") {
			t.Errorf("the add answered %d with %q; the document's tag is %q", code, h.Get("ETag"), h2.Get("ETag"))
		}
		// A platform that requires If-Match.
		strict := httptest.NewServer((&Server{Store: st, Log: discardLog(), RequireIfMatch: true}).Handler())
		defer strict.Close()
		for _, c := range []struct {
			method, path, body string
			header             []string
			want               int
		}{
			{"PUT", "/v1/admin/windows/strict", window, nil, 428},
			{"PUT", "/v1/admin/windows/strict", window, []string{"If-None-Match", "*"}, 200},
			{"DELETE", "/v1/admin/windows/strict", "", nil, 428},
			{"POST", doc + "/environments", `{"stage": "alpha", "name": "alpha-strict", "account": "222222222222", "region": "eu-west-1"}`, nil, 428},
			{"GET", doc, "", nil, 200},
		} {
			req, _ := http.NewRequest(c.method, strict.URL+c.path, strings.NewReader(c.body))
			req.Header.Set("Authorization", "Bearer "+s.admin)
			req.Header.Set("Content-Type", "application/json")
			for i := 0; i+1 < len(c.header); i += 2 {
				req.Header.Set(c.header[i], c.header[i+1])
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			raw, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != c.want {
				t.Errorf("required If-Match: %s %s %v: %d, want %d: %s", c.method, c.path, c.header, resp.StatusCode, c.want, raw)
			}
		}
	})
}

// TestReadModifyWriteLosesNothing: clients that read a document, change it
// and write it back with If-Match, trying again on 412, each make their
// change exactly once, whatever the interleaving: the counter they all
// increment ends at the number of successful writes.
func TestReadModifyWriteLosesNothing(t *testing.T) {
	forEachStore(t, func(t *testing.T, st *Store) {
		s := newService(t, st)
		const path = "/v1/admin/services/acme/orders"
		const clients = 20
		var wg sync.WaitGroup
		var mu sync.Mutex
		ok, stale := 0, 0
		for range clients {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for try := 0; try < 200; try++ {
					code, h, body := s.do(t, "GET", path, s.admin, "")
					d, err := parseDocument([]byte(body))
					if code != 200 || err != nil {
						t.Errorf("read: %d %v", code, err)
						return
					}
					n := 0
					fmt.Sscanf(d.Service.Tags["count"], "%d", &n)
					if d.Service.Tags == nil {
						d.Service.Tags = map[string]string{}
					}
					d.Service.Tags["count"] = fmt.Sprint(n + 1)
					code, _, raw := s.do(t, "PUT", path, s.admin, prettyJSON(d), "If-Match", h.Get("ETag"))
					mu.Lock()
					switch code {
					case 200:
						ok++
						mu.Unlock()
						return
					case 412, 503:
						stale++
					default:
						t.Errorf("write: %d %s", code, raw)
						mu.Unlock()
						return
					}
					mu.Unlock()
				}
				t.Error("200 tries and no write went through")
			}()
		}
		wg.Wait()
		d, _ := st.Service(ctx, "acme/orders")
		t.Logf("%d writes, %d refused as stale and tried again", ok, stale)
		if d.Service.Tags["count"] != fmt.Sprint(ok) || ok != clients {
			t.Errorf("the counter is %s after %d acknowledged increments by %d clients", d.Service.Tags["count"], ok, clients)
		}
	})
}

// TestPreconditionHeaders: a precondition header is read whole (every
// line of it, as one list) and strictly (a malformed one is 400, never
// ignored); a HEAD answers 304 like a GET.
func TestPreconditionHeaders(t *testing.T) {
	st := newSQLite(t)
	s := newService(t, st)
	strict := httptest.NewServer((&Server{Store: st, Log: discardLog(), RequireIfMatch: true}).Handler())
	defer strict.Close()
	const path = "/v1/admin/accounts/222222222222"
	current := func() string { // the account's tag now, in place of CURRENT
		_, h, _ := s.do(t, "GET", path, s.admin, "")
		return h.Get("ETag")
	}
	send := func(base, method string, header [][2]string) int {
		req, _ := http.NewRequest(method, base+path, strings.NewReader(`{"name": "test", "kind": "test", "teams": ["*"]}`))
		req.Header.Set("Authorization", "Bearer "+s.admin)
		req.Header.Set("Content-Type", "application/json")
		for _, h := range header {
			req.Header.Add(h[0], strings.ReplaceAll(h[1], "CURRENT", current()))
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	cases := []struct {
		name   string
		base   string
		method string
		header [][2]string
		want   int
	}{
		{"If-None-Match on two lines, the second current", s.URL, "PUT", [][2]string{{"If-None-Match", `"x"`}, {"If-None-Match", "CURRENT"}}, 412},
		{"If-Match on two lines, the second current", s.URL, "PUT", [][2]string{{"If-Match", `"stale"`}, {"If-Match", "CURRENT"}}, 200},
		{"an empty If-Match", s.URL, "PUT", [][2]string{{"If-Match", ""}}, 400},
		{"an If-Match of blanks and commas", s.URL, "PUT", [][2]string{{"If-Match", " , "}}, 400},
		{"* among tags", s.URL, "PUT", [][2]string{{"If-None-Match", `"abc", *`}}, 400},
		{"* on a second line", s.URL, "PUT", [][2]string{{"If-None-Match", `"abc"`}, {"If-None-Match", "*"}}, 400},
		{"a bare word", s.URL, "PUT", [][2]string{{"If-Match", "393dbbd0b8de31ff04d7418869240e85"}}, 400},
		{"an unclosed tag", s.URL, "DELETE", [][2]string{{"If-Match", `"abc`}}, 400},
		{"required: a weak If-None-Match names no version", strict.URL, "PUT", [][2]string{{"If-None-Match", `W/"junk"`}}, 428},
		{"required: If-Match on its second line", strict.URL, "PUT", [][2]string{{"If-Match", `"old"`}, {"If-Match", "CURRENT"}}, 200},
		{"HEAD of the current version", s.URL, "HEAD", [][2]string{{"If-None-Match", `"x"`}, {"If-None-Match", "CURRENT"}}, 304},
		{"GET of the current version, on a second line", s.URL, "GET", [][2]string{{"If-None-Match", `"x"`}, {"If-None-Match", "CURRENT"}}, 304},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := send(c.base, c.method, c.header); got != c.want {
				t.Errorf("%d, want %d", got, c.want)
			}
		})
	}
}
