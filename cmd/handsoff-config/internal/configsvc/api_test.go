package configsvc

import (
	"bytes"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/handsoff-cdk/handsoff/stages"
)

// service is a running service on a seeded store, with a token of each
// role.
type service struct {
	*httptest.Server
	store                          *Store
	admin, team, other, pipelineTk string
}

func newService(t *testing.T, s *Store) *service {
	t.Helper()
	seeded(t, s)
	srv := httptest.NewServer((&Server{Store: s, Log: slog.New(slog.NewTextHandler(io.Discard, nil))}).Handler())
	t.Cleanup(srv.Close)
	svc := &service{Server: srv, store: s}
	mk := func(role, repo string) string {
		_, secret, err := s.CreateToken(ctx, "test", role, repo, role+" "+repo)
		if err != nil {
			t.Fatal(err)
		}
		return secret
	}
	svc.admin, svc.team, svc.other, svc.pipelineTk = mk(RoleAdmin, ""), mk(RoleTeam, "acme/orders"), mk(RoleTeam, "acme/payments"), mk(RolePipeline, "acme/orders")
	return svc
}

// session logs in with a token's secret, as the login page does, and
// returns the Cookie header of its session.
func (s *service) session(t *testing.T, secret string) string {
	t.Helper()
	id, _, err := s.store.NewSession(ctx, secret)
	if err != nil {
		t.Fatal(err)
	}
	return sessionCookie + "=" + id
}

func (s *service) do(t *testing.T, method, path, token, body string, header ...string) (int, http.Header, string) {
	t.Helper()
	req, _ := http.NewRequest(method, s.URL+path, strings.NewReader(body))
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header, string(raw)
}

// TestAPI: each endpoint with good and bad requests, on both databases.
func TestAPI(t *testing.T) {
	forEachStore(t, func(t *testing.T, st *Store) {
		s := newService(t, st)
		const doc = "/v1/services/acme/orders"
		code, h, body := s.do(t, "GET", doc, s.pipelineTk, "")
		if code != 200 || h.Get("ETag") == "" || !strings.HasPrefix(body, "{\n  \"apiVersion\": \"handsoff/v1\"") {
			t.Fatalf("GET document: %d %s", code, body)
		}
		served, _ := st.Document(ctx, "acme/orders")
		if body != string(served) {
			t.Error("the served bytes are not the projection's")
		}
		edited := strings.Replace(body, `"owner": "team-orders"`, `"owner": "team-orders-2"`, 1)
		invalid := strings.Replace(body, `"region": "us-east-1"`, `"region": "us-east-7"`, 1)
		unknown := strings.Replace(body, `"owner": "team-orders"`, `"owner": "team-orders", "ownr": "x"`, 1)
		cases := []struct {
			name, method, path, token, body string
			header                          []string
			want                            int
			contains                        string
		}{
			{"a document, unchanged", "GET", doc, s.pipelineTk, "", []string{"If-None-Match", h.Get("ETag")}, 304, ""},
			{"a document without a token", "GET", doc, "", "", nil, 401, "a token is required"},
			{"a document with a bad token", "GET", doc, "hso_nope", "", nil, 401, "a token is required"},
			{"another team's document", "GET", doc, s.other, "", nil, 403, "may not do this"},
			{"an unknown service", "GET", "/v1/services/acme/payments", s.admin, "", nil, 404, "not found"},
			{"a repository GitHub would not name", "GET", "/v1/services/-acme/orders", s.admin, "", nil, 404, "the owner"},
			{"admin: services", "GET", "/v1/admin/services", s.admin, "", nil, 200, `"acme/orders"`},
			{"admin API with a team token", "GET", "/v1/admin/services", s.team, "", nil, 403, "may not do this"},
			{"admin: an invalid document", "PUT", "/v1/admin/services/acme/orders", s.admin, invalid, nil, 422, `"code": "invalid"`},
			{"admin: an unknown field", "PUT", "/v1/admin/services/acme/orders", s.admin, unknown, nil, 422, `"code": "unknown"`},
			{"admin: not JSON", "PUT", "/v1/admin/services/acme/orders", s.admin, "{", nil, 422, `"code": "syntax"`},
			{"admin: a body too large", "PUT", "/v1/admin/services/acme/orders", s.admin, strings.Repeat(" ", MaxBodyBytes+1), nil, 413, "larger than"},
			{"admin: another repository's document", "PUT", "/v1/admin/services/acme/payments", s.admin, body, nil, 422, "for another repository"},
			{"admin: a change", "PUT", "/v1/admin/services/acme/orders", s.admin, edited, nil, 200, `"owner": "team-orders-2"`},
			{"admin: an account", "PUT", "/v1/admin/accounts/999999999999", s.admin, `{"name": "sandbox", "kind": "test", "teams": ["*"]}`, nil, 200, `"sandbox"`},
			{"admin: a production account opened to a team", "PUT", "/v1/admin/accounts/999999999997", s.admin, `{"name": "x", "teams": ["team-orders"]}`, nil, 422, `"path": "teams"`},
			{"admin: an account of no kind", "PUT", "/v1/admin/accounts/999999999997", s.admin, `{"name": "x", "kind": "sandbox", "teams": ["<b>"]}`, nil, 422, `"path": "teams[0]"`},
			{"admin: a bad account", "PUT", "/v1/admin/accounts/12", s.admin, `{"name": "x"}`, nil, 422, "12-digit"},
			{"admin: an account with an unknown field", "PUT", "/v1/admin/accounts/999999999998", s.admin, `{"nmae": "x"}`, nil, 400, "unknown field"},
			{"admin: a key in another case", "PUT", "/v1/admin/accounts/999999999998", s.admin, `{"name": "x", "NAME": "y"}`, nil, 400, `"path": "NAME"`},
			{"admin: a key twice", "PUT", "/v1/admin/accounts/999999999998", s.admin, `{"name": "x", "kind": 1, "name": "y"}`, nil, 400, `"code": "duplicate"`},
			{"admin: both problems at once", "PUT", "/v1/admin/accounts/999999999998", s.admin, `{"name": "x", "kind": 1, "name": "y"}`, nil, 400, `"code": "type"`},
			{"admin: not JSON's content type", "PUT", "/v1/admin/accounts/999999999998", s.admin, `{"name": "x"}`, []string{"Content-Type", "text/plain"}, 415, "Content-Type: application/json"},
			{"admin: a document not JSON's content type", "PUT", "/v1/admin/services/acme/orders", s.admin, body, []string{"Content-Type", "application/x-www-form-urlencoded"}, 415, "Content-Type"},
			{"developer: a key twice", "POST", doc + "/environments", s.team, `{"stage": "alpha", "name": "alpha-a", "name": "alpha-b", "account": "999999999999", "region": "eu-west-1"}`, nil, 400, `"code": "duplicate"`},
			{"pipeline: a detail key twice", "POST", doc + "/status", s.pipelineTk, `{"executionId": "e-1", "stage": "Build", "state": "FAILED", "detail": {"a": 1, "a": 2}}`, nil, 400, `"path": "detail.a"`},
			{"admin: a window", "PUT", "/v1/admin/windows/platform-friday", s.admin, `{"timezone": "UTC", "days": ["FRI"], "start": "00:00", "end": "24:00", "appliesTo": ["prod"]}`, nil, 200, "platform-friday"},
			{"admin: a bad blackout", "PUT", "/v1/admin/blackouts/xmas", s.admin, `{"from": "2026-12-24", "to": "2026-12-26T00:00:00Z", "appliesTo": ["prod"]}`, nil, 422, "RFC 3339"},
			{"admin: the audit log", "GET", "/v1/admin/audit?target=999999999999", s.admin, "", nil, 200, `"account.put"`},
			{"admin: a bad limit", "GET", "/v1/admin/audit?limit=0", s.admin, "", nil, 400, "limit"},
			{"developer: a test environment", "POST", doc + "/environments", s.team, `{"stage": "alpha", "name": "alpha-jane", "account": "999999999999", "region": "eu-west-1"}`, nil, 201, "alpha-jane"},
			{"developer: in prod", "POST", doc + "/environments", s.team, `{"stage": "prod", "name": "prod-jane", "account": "999999999999", "region": "eu-west-1"}`, nil, 422, "gamma and prod are the platform team's"},
			{"developer: an unregistered account", "POST", doc + "/environments", s.team, `{"stage": "beta", "name": "beta-jane", "account": "123456789012", "region": "eu-west-1"}`, nil, 422, "is not registered"},
			{"developer: a name in use", "POST", doc + "/environments", s.team, `{"stage": "beta", "name": "alpha", "account": "999999999999", "region": "eu-west-1"}`, nil, 422, `"code": "duplicate"`},
			{"developer: another team's service", "POST", doc + "/environments", s.other, `{"stage": "alpha", "name": "alpha-x", "account": "999999999999", "region": "eu-west-1"}`, nil, 403, ""},
			{"developer: remove it", "DELETE", doc + "/environments/alpha-jane", s.team, "", nil, 204, ""},
			{"developer: remove a prod environment", "DELETE", doc + "/environments/prod-use1", s.team, "", nil, 403, "the platform defined"},
			{"developer: remove the platform's alpha", "DELETE", doc + "/environments/alpha", s.team, "", nil, 403, "the platform defined"},
			{"developer: remove what is not there", "DELETE", doc + "/environments/alpha-nobody", s.team, "", nil, 404, "no test environment"},
			{"developer: in the production account", "POST", doc + "/environments", s.team, `{"stage": "alpha", "name": "alpha-prod", "account": "444444444444", "region": "eu-west-1"}`, nil, 422, "is a production account that is not open to team-orders"},
			{"developer: in the pipeline account, a bad region too", "POST", doc + "/environments", s.team, `{"stage": "alpha", "name": "alpha-pipe", "account": "111111111111", "region": "eu-west-7"}`, nil, 422, `is not an AWS region`},
			{"pipeline: a report", "POST", doc + "/status", s.pipelineTk, `{"executionId": "e-1", "stage": "orders-alpha", "state": "FAILED", "detail": {"action": "Validate-alpha"}}`, nil, 204, ""},
			{"pipeline: a bad report", "POST", doc + "/status", s.pipelineTk, `{"executionId": "", "stage": "x", "state": "BROKEN"}`, nil, 422, `"path": "executionId"`},
			{"pipeline: a report by a team", "POST", doc + "/status", s.team, `{"executionId": "e-1", "stage": "x", "state": "FAILED"}`, nil, 403, ""},
			{"team: the status", "GET", doc + "/status", s.team, "", nil, 200, `"state": "FAILED"`},
			{"whereis: by name, with any token", "GET", "/v1/locations?service=orders", s.other, "", nil, 200, `"environment": "prod-use1-onebox"`},
			{"whereis: by repository, any case", "GET", "/v1/locations?service=ACME/Orders", s.pipelineTk, "", nil, 200, `"repo": "acme/orders"`},
			{"whereis: an unknown service", "GET", "/v1/locations?service=payroll", s.team, "", nil, 404, `no service is named \"payroll\"`},
			{"whereis: no service named", "GET", "/v1/locations", s.team, "", nil, 422, `"path": "service"`},
			{"whereis: without a token", "GET", "/v1/locations?service=orders", "", "", nil, 401, "a token is required"},
			{"deploy: a forced deploy recorded", "POST", doc + "/deployments", s.team, `{"environment": "prod-use1", "reason": "Hotfix for the checkout outage INC-42.", "command": "cdk deploy", "refusals": ["prod"]}`, nil, 201, "INC-42"},
			{"deploy: no reason, unknown environment", "POST", doc + "/deployments", s.team, `{"environment": "prod-x", "reason": "x"}`, nil, 422, `"path": "environment"`},
			{"deploy: by another team", "POST", doc + "/deployments", s.other, `{"environment": "prod-use1", "reason": "Hotfix for the checkout outage."}`, nil, 403, ""},
			{"deploy: by the pipeline's token", "POST", doc + "/deployments", s.pipelineTk, `{"environment": "prod-use1", "reason": "Hotfix for the checkout outage."}`, nil, 403, ""},
			{"deploy: in the audit log", "GET", "/v1/admin/audit?target=acme/orders", s.admin, "", nil, 200, `"deploy.manual"`},
			{"admin: a token", "POST", "/v1/admin/tokens", s.admin, `{"role": "team", "repo": "acme/orders", "name": "jane"}`, nil, 201, `"secret": "hso_`},
			{"admin: a token of no role", "POST", "/v1/admin/tokens", s.admin, `{"role": "root", "name": "x"}`, nil, 422, "is not one of admin, team, pipeline"},
			{"admin: the tokens, no secrets", "GET", "/v1/admin/tokens", s.admin, "", nil, 200, `"name": "jane"`},
			{"admin: revoke an unknown token", "DELETE", "/v1/admin/tokens/nope", s.admin, "", nil, 404, "not found"},
			{"healthz", "GET", "/healthz", "", "", nil, 200, "ok"},
			{"readyz", "GET", "/readyz", "", "", nil, 200, "ready"},
		}
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				code, _, body := s.do(t, c.method, c.path, c.token, c.body, c.header...)
				if code != c.want || !strings.Contains(body, c.contains) {
					t.Errorf("%s %s: %d, want %d with %q:\n%s", c.method, c.path, code, c.want, c.contains, body)
				}
				if code >= 400 && !json.Valid([]byte(body)) {
					t.Errorf("an error that is not JSON: %s", body)
				}
			})
		}
	})
}

// TestLibraryAgainstTheService: the library's HTTP source against this
// real server: fetch and pin, read offline from the lock, refresh, and the
// 401 and 404 the library explains.
func TestLibraryAgainstTheService(t *testing.T) {
	s := newService(t, newSQLite(t))
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "cdk.json"), []byte(`{}`), 0o644)
	env := func(vars map[string]string) func(string) string { return func(k string) string { return vars[k] } }
	vars := map[string]string{stages.ConfigEnv: s.URL, stages.TokenEnv: s.pipelineTk}
	cfg, err := stages.Load(stages.LoadOptions{Repo: "acme/orders", Dir: dir, Getenv: env(vars)})
	if err != nil || cfg.Service.Owner != "team-orders" || !strings.Contains(cfg.Origin, "fetched, pinned") {
		t.Fatalf("fetch: %v %+v", err, cfg)
	}
	// A change on the service is not seen until a refresh: the lock pins.
	own, _ := s.store.Service(ctx, "acme/orders")
	own.Service.Owner = "team-orders-2"
	if _, err := s.store.PutService(ctx, "test", "acme/orders", own, Cond{}); err != nil {
		t.Fatal(err)
	}
	s.Close() // offline
	cfg, err = stages.Load(stages.LoadOptions{Repo: "acme/orders", Dir: dir, Getenv: env(vars)})
	if err != nil || cfg.Service.Owner != "team-orders" || !strings.Contains(cfg.Origin, "pinned by") {
		t.Fatalf("offline from the lock: %v", err)
	}
	s2 := httptest.NewServer((&Server{Store: s.store, Log: slog.New(slog.NewTextHandler(io.Discard, nil))}).Handler())
	defer s2.Close()
	vars[stages.ConfigEnv], vars[stages.RefreshEnv] = s2.URL, "1"
	cfg, err = stages.Load(stages.LoadOptions{Repo: "acme/orders", Dir: dir, Getenv: env(vars)})
	if err != nil || cfg.Service.Owner != "team-orders-2" {
		t.Fatalf("refresh: %v", err)
	}
	vars[stages.TokenEnv] = "hso_wrong"
	if _, err := stages.Load(stages.LoadOptions{Repo: "acme/orders", Dir: t.TempDir(), Getenv: env(vars)}); err == nil || !strings.Contains(err.Error(), "401") || !strings.Contains(err.Error(), "was refused") {
		t.Errorf("401: %v", err)
	}
	vars[stages.TokenEnv] = s.admin
	if _, err := stages.Load(stages.LoadOptions{Repo: "acme/payments", Dir: t.TempDir(), Getenv: env(vars)}); err == nil || !strings.Contains(err.Error(), "404") || !strings.Contains(err.Error(), "is the repository registered") {
		t.Errorf("404: %v", err)
	}
	_ = bytes.NewReader
}

// TestPlatformReasonPatterns: the platform's guardrails reason patterns
// reach every document after the service's own, on both databases; a
// pattern that is not a regular expression is refused with its place; a
// stale If-Match changes nothing.
func TestPlatformReasonPatterns(t *testing.T) {
	for name, st := range map[string]*Store{"sqlite": newSQLite(t), "postgres": newPostgres(t)} {
		t.Run(name, func(t *testing.T) {
			s := newService(t, st)
			_, h, _ := s.do(t, "GET", "/v1/services/acme/orders", s.pipelineTk, "")
			before := h.Get("ETag")
			if code, _, body := s.do(t, "PUT", "/v1/admin/guardrails", s.admin, `{"reasonPatterns": ["OPS-[0-9+"]}`, "Content-Type", "application/json"); code != 422 || !strings.Contains(body, `reasonPatterns[0]`) || !strings.Contains(body, "not a Go regular expression") {
				t.Fatalf("a bad pattern: %d %s", code, body)
			}
			code, h, body := s.do(t, "PUT", "/v1/admin/guardrails", s.admin, `{"reasonPatterns": ["\\bSEC-[0-9]+\\b"]}`, "Content-Type", "application/json")
			if code != 200 {
				t.Fatalf("PUT: %d %s", code, body)
			}
			tag := h.Get("ETag")
			_, h, doc := s.do(t, "GET", "/v1/services/acme/orders", s.pipelineTk, "")
			var d stages.Document
			if err := json.Unmarshal([]byte(doc), &d); err != nil {
				t.Fatal(err)
			}
			if d.Guardrails == nil || !slices.Equal(d.Guardrails.ReasonPatterns, []string{`\bSEC-[0-9]+\b`}) || h.Get("ETag") == before {
				t.Errorf("the document's guardrails: %+v (ETag %s, before %s)", d.Guardrails, h.Get("ETag"), before)
			}
			if code, _, _ := s.do(t, "PUT", "/v1/admin/guardrails", s.admin, `{"reasonPatterns": []}`, "Content-Type", "application/json", "If-Match", `"stale"`); code != 412 {
				t.Errorf("a stale If-Match: %d, want 412", code)
			}
			if code, _, _ := s.do(t, "PUT", "/v1/admin/guardrails", s.admin, `{"reasonPatterns": []}`, "Content-Type", "application/json", "If-Match", tag); code != 200 {
				t.Errorf("the current If-Match: %d, want 200", code)
			}
			if _, _, doc := s.do(t, "GET", "/v1/services/acme/orders", s.pipelineTk, ""); strings.Contains(doc, "reasonPatterns") {
				t.Errorf("patterns removed, still served:\n%s", doc)
			}
		})
	}
}
