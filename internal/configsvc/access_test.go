package configsvc

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
)

// accessTable is who may call what: for each endpoint, the callers that
// get past the door (the rest get 401 without a token, 403 with one). The
// README's access table is this one. "team" and "pipeline" are tokens of
// the service named in the path; "other team" and "other pipeline" of
// another service. Inside the door, a team meets the fence: only its own
// test environments, in accounts open to it (TestAPI's developer cases).
var accessTable = []struct {
	method, path string
	allowed      []string
}{
	{"GET", "/v1/services/acme/orders", []string{"admin", "team", "pipeline"}},
	{"POST", "/v1/services/acme/orders/environments", []string{"admin", "team"}},
	{"DELETE", "/v1/services/acme/orders/environments/alpha-x", []string{"admin", "team"}},
	{"GET", "/v1/services/acme/orders/status", []string{"admin", "team", "pipeline"}},
	{"POST", "/v1/services/acme/orders/status", []string{"admin", "pipeline"}},
	{"POST", "/v1/services/acme/orders/deployments", []string{"admin", "team"}},
	{"GET", "/v1/locations?service=orders", []string{"admin", "team", "pipeline", "other team", "other pipeline"}},
	{"GET", "/v1/admin/services", []string{"admin"}},
	{"GET", "/v1/admin/services/acme/orders", []string{"admin"}},
	{"PUT", "/v1/admin/services/acme/orders", []string{"admin"}},
	{"DELETE", "/v1/admin/services/acme/orders", []string{"admin"}},
	{"GET", "/v1/admin/accounts", []string{"admin"}},
	{"GET", "/v1/admin/accounts/222222222222", []string{"admin"}},
	{"PUT", "/v1/admin/accounts/222222222222", []string{"admin"}},
	{"DELETE", "/v1/admin/accounts/222222222222", []string{"admin"}},
	{"GET", "/v1/admin/calendar", []string{"admin"}},
	{"GET", "/v1/admin/windows/w", []string{"admin"}},
	{"PUT", "/v1/admin/windows/w", []string{"admin"}},
	{"DELETE", "/v1/admin/windows/w", []string{"admin"}},
	{"GET", "/v1/admin/blackouts/b", []string{"admin"}},
	{"PUT", "/v1/admin/blackouts/b", []string{"admin"}},
	{"DELETE", "/v1/admin/blackouts/b", []string{"admin"}},
	{"GET", "/v1/admin/audit", []string{"admin"}},
	{"GET", "/healthz", []string{"none", "admin", "team", "pipeline", "other team", "other pipeline"}},
	{"GET", "/readyz", []string{"none", "admin", "team", "pipeline", "other team", "other pipeline"}},
}

// TestAccessTable walks every endpoint with every role: a caller the
// table allows gets past the door (whatever the body then makes of it), a
// caller it does not is refused with 401 or 403, and a refused write
// changes nothing.
func TestAccessTable(t *testing.T) {
	st := newSQLite(t)
	s := newService(t, st)
	_, otherPipeline, _ := st.CreateToken(ctx, "test", RolePipeline, "acme/payments", "other pipeline")
	tokens := map[string]string{"none": "", "admin": s.admin, "team": s.team, "pipeline": s.pipelineTk, "other team": s.other, "other pipeline": otherPipeline}
	for _, e := range accessTable {
		for _, who := range []string{"none", "admin", "team", "pipeline", "other team", "other pipeline"} {
			t.Run(fmt.Sprintf("%s %s as %s", e.method, e.path, who), func(t *testing.T) {
				before, _ := st.Audit(ctx, "", 1)
				// An empty JSON body: enough to get past the door, never a
				// valid change, so the walk changes nothing it needs.
				code, _, body := s.do(t, e.method, e.path, tokens[who], "{}")
				door := code == http.StatusUnauthorized || code == http.StatusForbidden && strings.Contains(body, "may not do this")
				allowed := false
				for _, a := range e.allowed {
					allowed = allowed || a == who
				}
				if allowed == door {
					t.Errorf("%d, allowed %v: %s", code, allowed, body)
				}
				if after, _ := st.Audit(ctx, "", 1); !allowed && len(after) > 0 && (len(before) == 0 || after[0].ID != before[0].ID) {
					t.Errorf("a refused caller changed something: %+v", after[0])
				}
			})
		}
	}
	// The pages show a team only what it may do: no removal of the
	// environments the platform defined, a removal of its own.
	s2 := newService(t, newSQLite(t))
	if code, _, body := s2.do(t, "POST", "/v1/services/acme/orders/environments", s2.team, `{"stage": "alpha", "name": "alpha-mine", "account": "222222222222", "region": "eu-west-1"}`); code != 201 {
		t.Fatalf("a team's own environment: %d %s", code, body)
	}
	_, _, page := s2.do(t, "GET", "/ui/services/acme/orders", "", "", "Cookie", cookieName+"="+s2.team)
	if strings.Contains(page, "/environments/alpha/remove") || !strings.Contains(page, "/environments/alpha-mine/remove") {
		t.Error("the team's page offers the wrong removals")
	}
	if _, _, page := s2.do(t, "GET", "/ui/services/acme/orders", "", "", "Cookie", cookieName+"="+s2.admin); !strings.Contains(page, "/environments/alpha/remove") {
		t.Error("the platform's page does not offer removing alpha")
	}
}
