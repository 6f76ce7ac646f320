package configsvc

import (
	"fmt"
	"html"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"
)

// accessTable is who may call what: for each endpoint, the callers that
// get past the door (the rest get 401 without a token, 403 with one). The
// access table in docs/config-service.md is this one. "team" and
// "pipeline" are tokens of the service named in the path; "other team" and
// "other pipeline" of another service. Inside the door, a team meets the fence: only its own
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
	{"GET", "/v1/admin/guardrails", []string{"admin"}},
	{"PUT", "/v1/admin/guardrails", []string{"admin"}},
	{"GET", "/v1/admin/audit", []string{"admin"}},
	{"GET", "/v1/admin/tokens", []string{"admin"}},
	{"POST", "/v1/admin/tokens", []string{"admin"}},
	{"DELETE", "/v1/admin/tokens/0000000000000000", []string{"admin"}},
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
	_, _, page := s2.do(t, "GET", "/ui/services/acme/orders", "", "", "Cookie", s2.session(t, s2.team))
	if strings.Contains(page, "/environments/alpha/remove") || !strings.Contains(page, "/environments/alpha-mine/remove") {
		t.Error("the team's page offers the wrong removals")
	}
	if _, _, page := s2.do(t, "GET", "/ui/services/acme/orders", "", "", "Cookie", s2.session(t, s2.admin)); !strings.Contains(page, "/environments/alpha/remove") {
		t.Error("the platform's page does not offer removing alpha")
	}
}

// TestStoredNames: every name the service stores and shows is held to a
// rule, whatever endpoint it comes through; the database is owner-only.
func TestStoredNames(t *testing.T) {
	st := newSQLite(t)
	s := newService(t, st)
	window := `{"timezone": "UTC", "days": ["SUN"], "start": "01:00", "end": "02:00", "appliesTo": ["prod"]}`
	own, _ := st.Service(ctx, "acme/orders")
	upper := strings.ReplaceAll(prettyJSON(own), `"repo": "acme/orders"`, `"repo": "ACME/Orders"`)
	cases := []struct {
		name, method, path, body string
		want                     int
		contains                 string
	}{
		{"a window named a/b", "PUT", "/v1/admin/windows/a%2Fb", window, 422, "must start with a letter"},
		{"a window name with a newline", "PUT", "/v1/admin/windows/a%0Ab", window, 422, "must start with a letter"},
		{"a window name of 5,000 characters", "PUT", "/v1/admin/windows/" + strings.Repeat("a", 5000), window, 422, "at most 64"},
		{"a window named <b>", "PUT", "/v1/admin/windows/%3Cb%3E", window, 422, "must start with a letter"},
		{"a blackout named with a space", "PUT", "/v1/admin/blackouts/a%20b", `{"from": "2026-12-24T00:00:00Z", "to": "2026-12-26T00:00:00Z", "appliesTo": ["prod"]}`, 422, "must start with a letter"},
		{"an account name of 900 KB", "PUT", "/v1/admin/accounts/999999999996", `{"name": "` + strings.Repeat("x", 900<<10) + `"}`, 422, "at most 100"},
		{"an account name reversed by a bidi override", "PUT", "/v1/admin/accounts/999999999996", `{"name": "prod \u202Edorp"}`, 422, "U+202E"},
		{"an account description with a newline", "PUT", "/v1/admin/accounts/999999999996", `{"name": "x", "description": "a\nb"}`, 422, "control or line-break character"},
		{"a repository in another case", "PUT", "/v1/admin/services/ACME/Orders", upper, 422, "in another case"},
		{"an account name with a line separator", "PUT", "/v1/admin/accounts/999999999996", `{"name": "a\u2028b"}`, 422, "U+2028"},
		{"an account name with a zero-width space", "PUT", "/v1/admin/accounts/999999999996", `{"name": "account 2222\u200b22222222"}`, 422, "U+200B"},
		{"a description with a soft hyphen", "PUT", "/v1/admin/accounts/999999999996", `{"name": "x", "description": "pro\u00adduction"}`, 422, "U+00AD"},
		{"a token for a repository in another case", "POST", "/v1/admin/tokens", `{"role": "team", "repo": "ACME/Orders", "name": "x"}`, 422, "in another case"},
		{"a token named across two lines", "POST", "/v1/admin/tokens", `{"role": "team", "repo": "acme/orders", "name": "a\u2028b"}`, 422, "one line"},
		{"a forced deploy with a bidi override and an escape", "POST", "/v1/services/acme/orders/deployments", `{"environment": "gamma-use1", "reason": "urgent fix \u202eLIVE\u202c \u001b[31m now", "command": "cdk deploy\r\nrm -rf /", "refusals": ["x"]}`, 422, `"path": "command"`},
		{"a forced deploy with a reason of 900 KB", "POST", "/v1/services/acme/orders/deployments", `{"environment": "gamma-use1", "reason": "` + strings.Repeat("A", 900<<10) + `", "command": "cdk deploy", "refusals": ["prod"]}`, 422, "at most 1000"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			code, _, body := s.do(t, c.method, c.path, s.admin, c.body)
			if code != c.want || !strings.Contains(body, c.contains) {
				t.Errorf("%d, want %d with %q: %.300s", code, c.want, c.contains, body)
			}
		})
	}
	// Forced deploys recorded: ten at once, then one in ten seconds.
	limited := 0
	for range 12 {
		code, _, _ := s.do(t, "POST", "/v1/services/acme/orders/deployments", s.team, `{"environment": "gamma-use1", "reason": "Hotfix for the checkout outage INC-42.", "command": "cdk deploy", "refusals": ["gamma"]}`)
		if code == http.StatusTooManyRequests {
			limited++
		}
	}
	if limited == 0 {
		t.Error("12 forced deploys recorded at once, none refused")
	}
	if _, _, err := st.CreateToken(ctx, "test", RoleAdmin, "", "ops\u2066x"); err == nil {
		t.Error("a token named with a bidi isolate")
	}
	info, err := os.Stat(st.path)
	if err != nil || info.Mode().Perm() != 0o600 {
		t.Errorf("the database file: %v %v", info.Mode(), err)
	}
}

// TestSessions: the page cookie is a session, never the token; it is
// Secure over TLS or behind a trusted proxy that says https; it ends at
// its expiry, at logout (from the same site only) and with its token.
func TestSessions(t *testing.T) {
	st := newSQLite(t)
	s := newService(t, st)
	login := func(srv *httptest.Server, header ...string) *http.Response {
		req, _ := http.NewRequest("POST", srv.URL+"/ui/login", strings.NewReader("token="+s.team))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		for i := 0; i+1 < len(header); i += 2 {
			req.Header.Set(header[i], header[i+1])
		}
		client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
		resp, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp
	}
	cookie := func(resp *http.Response) *http.Cookie {
		for _, c := range resp.Cookies() {
			if c.Name == sessionCookie {
				return c
			}
		}
		t.Fatalf("no session cookie: %v", resp.Header)
		return nil
	}
	c := cookie(login(s.Server))
	if c.Value == s.team || strings.Contains(c.Value, "hso_") || !c.HttpOnly || c.SameSite != http.SameSiteStrictMode || c.Secure || c.MaxAge <= 0 {
		t.Errorf("the session cookie over plain http: %+v", c)
	}
	proxied := httptest.NewServer((&Server{Store: st, Log: discardLog(), TrustProxy: true}).Handler())
	defer proxied.Close()
	if c := cookie(login(proxied, "X-Forwarded-Proto", "https")); !c.Secure {
		t.Error("behind a trusted proxy that says https, the cookie is not Secure")
	}
	if c := cookie(login(s.Server, "X-Forwarded-Proto", "https")); c.Secure {
		t.Error("X-Forwarded-Proto from anyone made the cookie Secure") // harmless, but the header was not to be believed
	}
	page := func(cookie string) int { // 200 when the pipelines page opens (else the login page)
		code, _, body := s.do(t, "GET", "/ui/", "", "", "Cookie", cookie)
		if !strings.Contains(body, `id="pipelines"`) {
			return 401
		}
		return code
	}
	live := sessionCookie + "=" + c.Value
	if page(live) != 200 || page(sessionCookie+"="+s.team) == 200 {
		t.Error("a session opens the pages and a token in its place does not: not so")
	}
	// Logout from another site is refused; from the page it ends the session.
	if code, _, _ := s.do(t, "POST", "/ui/logout", "", "", "Cookie", live, "Origin", "https://evil.example"); code != 403 || page(live) != 200 {
		t.Errorf("a cross-site logout: %d", code)
	}
	s.do(t, "POST", "/ui/logout", "", "", "Cookie", live, "Origin", s.URL)
	if page(live) == 200 {
		t.Error("the session outlived its logout")
	}
	// Expiry, and revocation of the token.
	defer func(d time.Duration) { SessionTTL = d }(SessionTTL)
	SessionTTL = -time.Second
	if page(s.session(t, s.team)) == 200 {
		t.Error("an expired session opens the pages")
	}
	SessionTTL = time.Hour
	other := s.session(t, s.admin)
	tokens, _ := st.Tokens(ctx)
	for _, tk := range tokens {
		if tk.Role == RoleAdmin {
			st.RevokeToken(ctx, "test", tk.ID)
		}
	}
	if page(other) == 200 {
		t.Error("a session outlived its revoked token")
	}
}

// TestAdminFormsNeverSaveUnseen: the admin page's forms carry the version
// they showed: registering an account that exists, saving an edit of one
// changed meanwhile, and removing a window changed meanwhile are refused
// and change nothing; an edit from the current page goes through.
func TestAdminFormsNeverSaveUnseen(t *testing.T) {
	st := newSQLite(t)
	s := newService(t, st)
	cookie := s.session(t, s.admin)
	post := func(path, form string) (int, string) {
		code, _, body := s.do(t, "POST", path, "", form, "Content-Type", "application/x-www-form-urlencoded", "Cookie", cookie, "Origin", s.URL)
		return code, body
	}
	page := func(query string) string {
		_, _, body := s.do(t, "GET", "/ui/admin"+query, "", "", "Cookie", cookie)
		return body
	}
	versionIn := func(body, form string) string {
		i := strings.Index(body, `id="`+form+`"`)
		j := strings.Index(body[i:], `name="version" value="`)
		rest := body[i+j+len(`name="version" value="`):]
		return html.UnescapeString(rest[:strings.Index(rest, `"`)])
	}
	if code, _ := post("/ui/admin/accounts", "id=222222222222&name=taken&kind=test"); code != 409 {
		t.Errorf("registering an account that exists: %d", code)
	}
	edit := page("?account=222222222222")
	v := versionIn(edit, "add-account")
	if v == "" || !strings.Contains(edit, `value="account 222222222222"`) {
		t.Fatalf("the edit form is not filled: version %q", v)
	}
	st.PutAccount(ctx, "test", Account{ID: "222222222222", Name: "renamed meanwhile", Kind: KindTest, Teams: []string{"team-orders"}}, Cond{})
	if code, _ := post("/ui/admin/accounts", "version="+url.QueryEscape(v)+"&id=222222222222&name=mine&kind=test&teams=team-orders"); code != 409 {
		t.Errorf("a stale account edit: %d", code)
	}
	if a, _, _ := st.AccountTag(ctx, "222222222222"); a.Name != "renamed meanwhile" {
		t.Errorf("the stale edit saved: %+v", a)
	}
	v = versionIn(page("?account=222222222222"), "add-account")
	if code, _ := post("/ui/admin/accounts", "version="+url.QueryEscape(v)+"&id=222222222222&name=mine&kind=test&teams=team-orders"); code != 200 {
		t.Errorf("a current account edit: %d", code)
	}
	window := Window{Name: "pw", Timezone: "UTC", Days: []string{"SUN"}, Start: "01:00", End: "02:00", AppliesTo: []string{"prod"}}
	st.PutCalendar(ctx, "test", "window", "pw", window, Cond{})
	shown := page("")
	i := strings.Index(shown, `action="/ui/admin/calendar/window/pw/remove"`)
	rest := shown[i+strings.Index(shown[i:], `value="`)+len(`value="`):]
	stale := html.UnescapeString(rest[:strings.Index(rest, `"`)])
	window.Start = "03:00"
	st.PutCalendar(ctx, "test", "window", "pw", window, Cond{})
	if code, body := post("/ui/admin/calendar/window/pw/remove", "version="+url.QueryEscape(stale)); code != 200 || !strings.Contains(body, `id="question"`) {
		t.Errorf("a removal without a yes: %d", code)
	}
	if code, _ := post("/ui/admin/calendar/window/pw/remove", "confirm=yes&version="+url.QueryEscape(stale)); code != 409 {
		t.Errorf("removing a window changed meanwhile: %d", code)
	}
	if _, _, err := st.CalendarTag(ctx, "window", "pw"); err != nil {
		t.Error("the stale remove removed it")
	}
	if code, _ := post("/ui/admin/calendar", "kind=window&name=pw&timezone=UTC&days=SUN&start=05:00&end=06:00&appliesTo=prod"); code != 409 {
		t.Errorf("a new window over an existing one: %d", code)
	}
}

// TestTeamOwnsOnlyWhatItAdded: a team's claim to an environment ends when
// the platform removes or changes it, so the same name defined later by
// the platform is the platform's; a platform save that keeps it as it
// was keeps the claim.
func TestTeamOwnsOnlyWhatItAdded(t *testing.T) {
	forEachStore(t, func(t *testing.T, st *Store) {
		s := newService(t, st)
		const envs = "/v1/services/acme/orders/environments"
		add := func(token string) int {
			code, _, _ := s.do(t, "POST", envs, token, `{"stage": "alpha", "name": "t1", "account": "222222222222", "region": "us-east-1"}`)
			return code
		}
		remove := func(token string) int {
			code, _, _ := s.do(t, "DELETE", envs+"/t1", token, "")
			return code
		}
		if add(s.team) != 201 || remove(s.admin) != 204 || add(s.admin) != 201 {
			t.Fatal("setup")
		}
		if code := remove(s.team); code != 403 {
			t.Errorf("the team removed the platform's t1 after the platform removed its own: %d", code)
		}
		remove(s.admin)
		// The platform changes the team's environment: it is the platform's.
		add(s.team)
		own, _ := st.Service(ctx, "acme/orders")
		for i := range own.Stages[0].Environments {
			if own.Stages[0].Environments[i].Name == "t1" {
				own.Stages[0].Environments[i].Region = "us-west-2"
			}
		}
		st.PutService(ctx, "test", "acme/orders", own, Cond{})
		if code := remove(s.team); code != 403 {
			t.Errorf("the team removed t1 after the platform changed it: %d", code)
		}
		remove(s.admin)
		// A platform save that keeps it as it was keeps the team's claim.
		add(s.team)
		own, _ = st.Service(ctx, "acme/orders")
		own.Service.Owner = "team-orders"
		st.PutService(ctx, "test", "acme/orders", own, Cond{})
		if code := remove(s.team); code != 204 {
			t.Errorf("the team may not remove its own t1 after a platform save that kept it: %d", code)
		}
	})
}

// TestFormBodies: the pages take URL-encoded forms of bounded size only;
// a multipart body, which net/http would spool to temporary files, is
// refused before it is read.
func TestFormBodies(t *testing.T) {
	s := newService(t, newSQLite(t))
	cases := []struct {
		name, contentType, body string
		want                    int
	}{
		{"multipart", "multipart/form-data; boundary=x", "--x\r\nContent-Disposition: form-data; name=\"token\"\r\n\r\nx\r\n--x--\r\n", 415},
		{"JSON", "application/json", `{"token": "x"}`, 415},
		{"too large", "application/x-www-form-urlencoded", "token=" + strings.Repeat("x", maxFormBytes), 413},
		{"a form", "application/x-www-form-urlencoded", "token=hso_nope", 401},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			code, _, body := s.do(t, "POST", "/ui/login", "", c.body, "Content-Type", c.contentType)
			if code != c.want {
				t.Errorf("%d, want %d: %.200s", code, c.want, body)
			}
		})
	}
}
