package configsvc

import (
	"context"
	"database/sql"
	sqldriver "database/sql/driver"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"net"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5/pgconn"

	"github.com/handsoff-cdk/handsoff/stages"
)

// MaxBodyBytes bounds a request body: a document's own limit.
const MaxBodyBytes = stages.MaxDocumentBytes

// Server serves the API of a Store.
type Server struct {
	Store *Store
	Log   *slog.Logger
	// RequireIfMatch refuses, with 428, a write that names no version of
	// what it changes (If-Match, or If-None-Match: * to create); off, a
	// write without them is unconditional.
	RequireIfMatch bool
	// TrustProxy says the service is behind a TLS-terminating proxy (the
	// load balancer) whose X-Forwarded-Proto may be believed: page
	// cookies are then Secure when it says https.
	TrustProxy bool

	reports limiter // status reports per token
	deploys limiter // forced deploys recorded per token (deployRate)
}

// errorBody is every error's JSON: a message, and the library's problems
// (path, code, message) when there are some.
type errorBody struct {
	Error    string           `json:"error"`
	Problems []stages.Problem `json:"problems,omitempty"`
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.Encode(v)
}

func fail(w http.ResponseWriter, status int, msg string, problems ...stages.Problem) {
	writeJSON(w, status, errorBody{Error: msg, Problems: problems})
}

// failErr answers a store error: refused changes with their problems,
// absent things with 404, the rest as 500 (logged, not shown).
func (s *Server) failErr(w http.ResponseWriter, r *http.Request, err error) {
	var ce *ChangeError
	var pe *PreconditionError
	var fe *ForbiddenError
	switch {
	case errors.As(err, &ce):
		fail(w, http.StatusUnprocessableEntity, "the change is refused: it would make a document invalid; nothing was changed", ce.Problems...)
	case errors.Is(err, ErrNotFound):
		fail(w, http.StatusNotFound, "not found: "+r.URL.Path)
	case errors.As(err, &fe):
		fail(w, http.StatusForbidden, fe.Reason+"; nothing was changed")
	case errors.As(err, &pe):
		if pe.Current != "" {
			w.Header().Set("ETag", pe.Current)
		}
		fail(w, http.StatusPreconditionFailed, pe.Error())
	case unavailable(err):
		s.Log.Warn("the database does not answer", "method", r.Method, "path", r.URL.Path, "err", err)
		w.Header().Set("Retry-After", "5")
		fail(w, http.StatusServiceUnavailable, "the database does not answer; try again")
	case errors.Is(err, ErrBusy):
		w.Header().Set("Retry-After", "1")
		fail(w, http.StatusServiceUnavailable, "the service is busy with other changes; nothing was changed: send the same request again")
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		fail(w, http.StatusServiceUnavailable, "the request took too long; nothing was changed")
	default:
		s.Log.Error("request failed", "method", r.Method, "path", r.URL.Path, "err", err)
		fail(w, http.StatusInternalServerError, "internal error; nothing was changed")
	}
}

// decode reads a JSON body strictly: Content-Type application/json, at
// most MaxBodyBytes, read by the library's rules (stages.DecodeStrict: no
// key twice, no unknown or case-variant field, no wrong type), every
// problem at once.
func decode(w http.ResponseWriter, r *http.Request, v any) bool {
	body, ok := readBody(w, r)
	if !ok {
		return false
	}
	if err := stages.DecodeStrict(body, "the body", v); err != nil {
		var ve *stages.ValidationError
		if errors.As(err, &ve) {
			fail(w, http.StatusBadRequest, "the body is not the JSON this endpoint takes; nothing was changed", ve.Problems...)
			return false
		}
		fail(w, http.StatusBadRequest, "the body is not the JSON this endpoint takes: "+err.Error())
		return false
	}
	return true
}

// readBody reads a request's JSON body: Content-Type application/json,
// at most MaxBodyBytes.
func readBody(w http.ResponseWriter, r *http.Request) ([]byte, bool) {
	if mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type")); err != nil || mt != "application/json" {
		fail(w, http.StatusUnsupportedMediaType, fmt.Sprintf("the body must be JSON, sent with Content-Type: application/json (this request says %q)", r.Header.Get("Content-Type")))
		return nil, false
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, MaxBodyBytes))
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			fail(w, http.StatusRequestEntityTooLarge, fmt.Sprintf("the body is larger than %d bytes", MaxBodyBytes))
			return nil, false
		}
		fail(w, http.StatusBadRequest, "cannot read the body: "+err.Error())
		return nil, false
	}
	return body, true
}

// parseDocument reads a service's own part: a handsoff/v1 document, held
// to the library's rules on its own.
func parseDocument(raw []byte) (*stages.Document, error) {
	cfg, err := stages.Parse(raw, "the request")
	if err != nil {
		return nil, err
	}
	return cfg.Document, nil
}

// unavailable reports an error that says the database could not be
// reached (a refused or broken connection), not that the request was
// wrong: answered 503. A change cut off by a broken connection may or may
// not have committed; the client sees 503 and reads again.
func unavailable(err error) bool {
	var ne net.Error
	var ce *pgconn.ConnectError
	return errors.Is(err, sqldriver.ErrBadConn) || errors.As(err, &ne) || errors.As(err, &ce) || errors.Is(err, io.ErrUnexpectedEOF) || pgconn.Timeout(err)
}

// auth finds the caller's token; nil when there is none or it is not live.
func (s *Server) auth(r *http.Request) *Token {
	h := r.Header.Get("Authorization")
	secret, ok := strings.CutPrefix(h, "Bearer ")
	if !ok {
		// Pipelines report through an EventBridge API destination, whose
		// connection sends the token alone in this header.
		secret = r.Header.Get("X-Handsoff-Token")
	}
	if secret == "" {
		return nil
	}
	t, err := s.Store.Authenticate(r.Context(), strings.TrimSpace(secret))
	if errors.Is(err, ErrNotFound) {
		return nil
	}
	if err != nil {
		// The database did not answer: the token may well be good.
		s.Log.Warn("authentication failed", "err", err)
		return &Token{Role: roleUnavailable}
	}
	return &t
}

// roleUnavailable marks a caller whose token could not be checked
// because the database did not answer: allow answers 503, not 401.
const roleUnavailable = "unavailable"

// allow reports whether t may act on repo with one of the roles; it
// answers 401 or 403 itself when not.
func allow(w http.ResponseWriter, t *Token, repo string, roles ...string) bool {
	if t == nil {
		w.Header().Set("WWW-Authenticate", `Bearer realm="handsoff-config"`)
		fail(w, http.StatusUnauthorized, "a token is required: Authorization: Bearer TOKEN (handsoff-config token create)")
		return false
	}
	if t.Role == roleUnavailable {
		w.Header().Set("Retry-After", "5")
		fail(w, http.StatusServiceUnavailable, "the database does not answer, so the token cannot be checked; nothing was changed: try again")
		return false
	}
	if t.Role == RoleAdmin {
		return true
	}
	if slices.Contains(roles, t.Role) && t.Repo == repo {
		return true
	}
	fail(w, http.StatusForbidden, fmt.Sprintf("the %s token %s may not do this (for %s)", t.Role, t.ID, repoOr(t.Repo)))
	return false
}

func repoOr(r string) string {
	if r == "" {
		return "every service"
	}
	return r
}

func actor(t *Token) Actor { return Actor(fmt.Sprintf("%s:%s (%s)", t.Role, t.ID, t.Name)) }

// Handler is the service's HTTP API.
//
//	GET    /healthz, /readyz
//	GET    /v1/services/{owner}/{repo}                      the v1 document (ETag, If-None-Match)
//	POST   /v1/services/{owner}/{repo}/environments         add a test environment (alpha or beta)
//	DELETE /v1/services/{owner}/{repo}/environments/{name}  remove one
//	GET    /v1/services/{owner}/{repo}/status               the pipeline's stages
//	POST   /v1/services/{owner}/{repo}/status               report one
//	GET    /v1/admin/services                               the repositories
//	GET|PUT|DELETE /v1/admin/services/{owner}/{repo}        a service's own part
//	GET    /v1/admin/accounts; GET|PUT|DELETE /v1/admin/accounts/{id}
//	GET    /v1/admin/calendar; GET|PUT|DELETE /v1/admin/windows/{name}, /v1/admin/blackouts/{name}
//
// Every write answers with the new ETag of what it changed and honours
// If-Match (412 with the current ETag when it does not match) and
// If-None-Match: * (create only); with RequireIfMatch, a write without
// either is refused with 428. The environment endpoints compare against
// the v1 document's ETag, what GET /v1/services/{owner}/{repo} serves.
//
//	GET    /v1/admin/audit[?target=...&limit=N]
//	GET|POST /v1/admin/tokens; DELETE /v1/admin/tokens/{id}  list, make (the secret shown once), revoke
func (s *Server) Handler() http.Handler {
	mux := http.NewServeMux()
	s.routePages(mux)
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) { http.Redirect(w, r, "/ui/", http.StatusSeeOther) })
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) { w.Write([]byte("ok\n")) })
	mux.HandleFunc("GET /readyz", func(w http.ResponseWriter, r *http.Request) {
		if err := s.Store.Ping(r.Context()); err != nil {
			fail(w, http.StatusServiceUnavailable, "the database does not answer")
			return
		}
		w.Write([]byte("ready\n"))
	})
	mux.HandleFunc("GET /v1/services/{owner}/{repo}", s.getDocument)
	mux.HandleFunc("POST /v1/services/{owner}/{repo}/environments", s.addEnvironment)
	mux.HandleFunc("DELETE /v1/services/{owner}/{repo}/environments/{name}", s.removeEnvironment)
	mux.HandleFunc("GET /v1/services/{owner}/{repo}/status", s.getStatus)
	mux.HandleFunc("GET /v1/services/{owner}/{repo}/runbooks", s.getRunbooks)
	mux.HandleFunc("POST /v1/services/{owner}/{repo}/deployments", s.postDeployment)
	mux.HandleFunc("GET /v1/locations", s.getLocations)
	mux.HandleFunc("POST /v1/services/{owner}/{repo}/status", s.postStatus)
	mux.HandleFunc("GET /v1/admin/services", s.admin(func(w http.ResponseWriter, r *http.Request, _ *Token) {
		repos, err := s.Store.Repos(r.Context())
		if err != nil {
			s.failErr(w, r, err)
			return
		}
		writeJSON(w, http.StatusOK, map[string]any{"services": nonNil(repos)})
	}))
	mux.HandleFunc("GET /v1/admin/services/{owner}/{repo}", s.admin(func(w http.ResponseWriter, r *http.Request, _ *Token) {
		d, etag, err := s.Store.ServiceTag(r.Context(), repoOf(r))
		if err != nil {
			s.failErr(w, r, err)
			return
		}
		writeTagged(w, r, http.StatusOK, etag, d)
	}))
	mux.HandleFunc("PUT /v1/admin/services/{owner}/{repo}", s.admin(s.putService))
	mux.HandleFunc("DELETE /v1/admin/services/{owner}/{repo}", s.admin(func(w http.ResponseWriter, r *http.Request, t *Token) {
		c, ok := s.cond(w, r)
		if !ok {
			return
		}
		if err := s.Store.DeleteService(r.Context(), actor(t), repoOf(r), c); err != nil {
			s.failErr(w, r, err)
			return
		}
		w.WriteHeader(http.StatusNoContent)
	}))
	mux.HandleFunc("GET /v1/admin/accounts", s.admin(func(w http.ResponseWriter, r *http.Request, _ *Token) {
		as, err := s.Store.Accounts(r.Context())
		if err != nil {
			s.failErr(w, r, err)
			return
		}
		writeJSON(w, http.StatusOK, map[string]any{"accounts": nonNil(as)})
	}))
	mux.HandleFunc("GET /v1/admin/accounts/{id}", s.admin(func(w http.ResponseWriter, r *http.Request, _ *Token) {
		a, etag, err := s.Store.AccountTag(r.Context(), r.PathValue("id"))
		if err != nil {
			s.failErr(w, r, err)
			return
		}
		writeTagged(w, r, http.StatusOK, etag, a)
	}))
	mux.HandleFunc("PUT /v1/admin/accounts/{id}", s.admin(func(w http.ResponseWriter, r *http.Request, t *Token) {
		c, ok := s.cond(w, r)
		if !ok {
			return
		}
		var a Account
		if !decode(w, r, &a) {
			return
		}
		if a.ID == "" {
			a.ID = r.PathValue("id")
		}
		if a.ID != r.PathValue("id") {
			fail(w, http.StatusBadRequest, fmt.Sprintf("the body's id %s is not the path's %s", a.ID, r.PathValue("id")))
			return
		}
		etag, err := s.Store.PutAccount(r.Context(), actor(t), a, c)
		if err != nil {
			s.failErr(w, r, err)
			return
		}
		writeTagged(w, r, http.StatusOK, etag, a)
	}))
	mux.HandleFunc("DELETE /v1/admin/accounts/{id}", s.admin(func(w http.ResponseWriter, r *http.Request, t *Token) {
		c, ok := s.cond(w, r)
		if !ok {
			return
		}
		if err := s.Store.DeleteAccount(r.Context(), actor(t), r.PathValue("id"), c); err != nil {
			s.failErr(w, r, err)
			return
		}
		w.WriteHeader(http.StatusNoContent)
	}))
	mux.HandleFunc("GET /v1/admin/calendar", s.admin(func(w http.ResponseWriter, r *http.Request, _ *Token) {
		ws, bs, err := s.Store.Calendar(r.Context())
		if err != nil {
			s.failErr(w, r, err)
			return
		}
		writeJSON(w, http.StatusOK, map[string]any{"freezeWindows": nonNil(ws), "blackouts": nonNil(bs)})
	}))
	for _, kind := range []string{"window", "blackout"} {
		mux.HandleFunc("GET /v1/admin/"+kind+"s/{name}", s.admin(func(w http.ResponseWriter, r *http.Request, _ *Token) {
			body, etag, err := s.Store.CalendarTag(r.Context(), kind, r.PathValue("name"))
			if err != nil {
				s.failErr(w, r, err)
				return
			}
			writeTagged(w, r, http.StatusOK, etag, body)
		}))
		mux.HandleFunc("PUT /v1/admin/"+kind+"s/{name}", s.admin(func(w http.ResponseWriter, r *http.Request, t *Token) { s.putCalendar(w, r, t, kind) }))
		mux.HandleFunc("DELETE /v1/admin/"+kind+"s/{name}", s.admin(func(w http.ResponseWriter, r *http.Request, t *Token) {
			c, ok := s.cond(w, r)
			if !ok {
				return
			}
			if err := s.Store.DeleteCalendar(r.Context(), actor(t), kind, r.PathValue("name"), c); err != nil {
				s.failErr(w, r, err)
				return
			}
			w.WriteHeader(http.StatusNoContent)
		}))
	}
	// The guardrails' reason patterns, which every document carries.
	mux.HandleFunc("GET /v1/admin/guardrails", s.admin(func(w http.ResponseWriter, r *http.Request, _ *Token) {
		g, etag, err := s.Store.Guardrails(r.Context())
		if err != nil {
			s.failErr(w, r, err)
			return
		}
		if etag == "" {
			writeJSON(w, http.StatusOK, g)
			return
		}
		writeTagged(w, r, http.StatusOK, etag, g)
	}))
	mux.HandleFunc("PUT /v1/admin/guardrails", s.admin(func(w http.ResponseWriter, r *http.Request, t *Token) {
		c, ok := s.cond(w, r)
		if !ok {
			return
		}
		var g stages.DocGuardrails
		if !decode(w, r, &g) {
			return
		}
		etag, err := s.Store.PutGuardrails(r.Context(), actor(t), g, c)
		if err != nil {
			s.failErr(w, r, err)
			return
		}
		writeTagged(w, r, http.StatusOK, etag, g)
	}))
	// Tokens, for a platform whose service runs where no one has a shell
	// (Fargate): the first admin token makes the others.
	mux.HandleFunc("GET /v1/admin/tokens", s.admin(func(w http.ResponseWriter, r *http.Request, _ *Token) {
		ts, err := s.Store.Tokens(r.Context())
		if err != nil {
			s.failErr(w, r, err)
			return
		}
		writeJSON(w, http.StatusOK, map[string]any{"tokens": nonNil(ts)})
	}))
	mux.HandleFunc("POST /v1/admin/tokens", s.admin(func(w http.ResponseWriter, r *http.Request, t *Token) {
		var req struct {
			Role string `json:"role"`
			Repo string `json:"repo,omitempty"`
			Name string `json:"name"`
		}
		if !decode(w, r, &req) {
			return
		}
		tk, secret, err := s.Store.CreateToken(r.Context(), actor(t), req.Role, req.Repo, req.Name)
		if err != nil {
			var ce *ChangeError
			if errors.As(err, &ce) {
				s.failErr(w, r, err)
				return
			}
			if errors.Is(err, ErrBusy) || errors.Is(err, context.Canceled) {
				s.failErr(w, r, err)
				return
			}
			fail(w, http.StatusUnprocessableEntity, err.Error()+"; no token was made")
			return
		}
		writeJSON(w, http.StatusCreated, map[string]any{"token": tk, "secret": secret, "note": "the secret is shown once: keep it now"})
	}))
	mux.HandleFunc("DELETE /v1/admin/tokens/{id}", s.admin(func(w http.ResponseWriter, r *http.Request, t *Token) {
		if err := s.Store.RevokeToken(r.Context(), actor(t), r.PathValue("id")); err != nil {
			s.failErr(w, r, err)
			return
		}
		w.WriteHeader(http.StatusNoContent)
	}))
	mux.HandleFunc("GET /v1/admin/audit", s.admin(func(w http.ResponseWriter, r *http.Request, _ *Token) {
		limit := 100
		if l := r.URL.Query().Get("limit"); l != "" {
			n, err := strconv.Atoi(l)
			if err != nil || n < 1 || n > 1000 {
				fail(w, http.StatusBadRequest, "limit must be a whole number from 1 to 1000")
				return
			}
			limit = n
		}
		es, err := s.Store.Audit(r.Context(), r.URL.Query().Get("target"), limit)
		if err != nil {
			s.failErr(w, r, err)
			return
		}
		writeJSON(w, http.StatusOK, map[string]any{"entries": nonNil(es)})
	}))
	return s.logged(forms(mux))
}

// maxFormBytes bounds a page form's body: a document and the text it was
// edited from.
const maxFormBytes = 2*MaxBodyBytes + 64<<10

// forms holds the pages' POSTs to what their forms send: URL-encoded, at
// most maxFormBytes, read here (multipart is refused: net/http would spool
// its parts to temporary files).
func forms(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodPost && strings.HasPrefix(r.URL.Path, "/ui/") {
			ct := r.Header.Get("Content-Type")
			if mt, _, err := mime.ParseMediaType(ct); (ct != "" || r.ContentLength != 0) && (err != nil || mt != "application/x-www-form-urlencoded") {
				http.Error(w, "a form is sent URL-encoded (application/x-www-form-urlencoded)", http.StatusUnsupportedMediaType)
				return
			}
			r.Body = http.MaxBytesReader(w, r.Body, maxFormBytes)
			if err := r.ParseForm(); err != nil {
				http.Error(w, fmt.Sprintf("the form is larger than %d bytes, or not a form", maxFormBytes), http.StatusRequestEntityTooLarge)
				return
			}
		}
		next.ServeHTTP(w, r)
	})
}

func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

func repoOf(r *http.Request) string { return r.PathValue("owner") + "/" + r.PathValue("repo") }

// cond is a write's precondition from its headers; false when the server
// requires one and there is none (answered 428 here).
func (s *Server) cond(w http.ResponseWriter, r *http.Request) (Cond, bool) {
	c, err := condOf(r.Header)
	if err != nil {
		fail(w, http.StatusBadRequest, err.Error()+"; nothing was changed")
		return c, false
	}
	if s.RequireIfMatch && !c.Given() {
		fail(w, http.StatusPreconditionRequired, "this service requires every change to name the version it changes: read it, and send the change with If-Match: ETAG (or If-None-Match: * to create)")
		return c, false
	}
	return c, true
}

// writeTagged answers v with its entity tag; a GET whose If-None-Match
// names the tag is answered 304.
func writeTagged(w http.ResponseWriter, r *http.Request, status int, etag string, v any) {
	w.Header().Set("ETag", etag)
	w.Header().Set("Cache-Control", "no-cache")
	if (r.Method == http.MethodGet || r.Method == http.MethodHead) && notModified(r.Header, etag) {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	writeJSON(w, status, v)
}

func (s *Server) admin(h func(http.ResponseWriter, *http.Request, *Token)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		t := s.auth(r)
		if !allow(w, t, "", RoleAdmin) {
			return
		}
		h(w, r, t)
	}
}

// logged logs every request, as structured fields: changes and failures
// at Info, successful reads (what pipelines do all day) at Debug.
func (s *Server) logged(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		rec := &statusRecorder{ResponseWriter: w, status: 200}
		next.ServeHTTP(rec, r.WithContext(WithRequest(r.Context())))
		level := slog.LevelInfo
		if (r.Method == http.MethodGet || r.Method == http.MethodHead) && rec.status < 400 {
			level = slog.LevelDebug
		}
		if s.Log.Enabled(r.Context(), level) {
			s.Log.Log(r.Context(), level, "request", "method", r.Method, "path", r.URL.Path, "status", rec.status, "ms", float64(time.Since(start).Microseconds())/1000)
		}
	})
}

type statusRecorder struct {
	http.ResponseWriter
	status int
}

func (r *statusRecorder) WriteHeader(code int) { r.status = code; r.ResponseWriter.WriteHeader(code) }

func (s *Server) getDocument(w http.ResponseWriter, r *http.Request) {
	repo := repoOf(r)
	if err := stages.ValidRepo(repo); err != nil {
		fail(w, http.StatusNotFound, err.Error())
		return
	}
	if !allow(w, s.auth(r), repo, RoleTeam, RolePipeline) {
		return
	}
	doc, etag, err := s.Store.DocumentTag(r.Context(), repo)
	if err != nil {
		s.failErr(w, r, err)
		return
	}
	w.Header().Set("ETag", etag)
	w.Header().Set("Cache-Control", "no-cache")
	if notModified(r.Header, etag) {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.Write(doc)
}

func (s *Server) putService(w http.ResponseWriter, r *http.Request, t *Token) {
	repo := repoOf(r)
	c, ok := s.cond(w, r)
	if !ok {
		return
	}
	body, ok := readBody(w, r)
	if !ok {
		return
	}
	own, err := parseDocument(body)
	if err != nil {
		var ve *stages.ValidationError
		if errors.As(err, &ve) {
			fail(w, http.StatusUnprocessableEntity, "the document is not valid; nothing was changed", ve.Problems...)
			return
		}
		s.failErr(w, r, err)
		return
	}
	if own.Service.Repo != repo {
		fail(w, http.StatusUnprocessableEntity, "the document is for another repository; nothing was changed",
			stages.Problem{Path: "service.repo", Code: stages.CodeInvalid, Message: fmt.Sprintf("%q, but the path is %s", own.Service.Repo, repo)})
		return
	}
	etag, err := s.Store.PutService(r.Context(), actor(t), repo, own, c)
	if err != nil {
		s.failErr(w, r, err)
		return
	}
	writeTagged(w, r, http.StatusOK, etag, own)
}

func (s *Server) putCalendar(w http.ResponseWriter, r *http.Request, t *Token, kind string) {
	name := r.PathValue("name")
	c, ok := s.cond(w, r)
	if !ok {
		return
	}
	var body any
	var gotName string
	if kind == "window" {
		var win Window
		if !decode(w, r, &win) {
			return
		}
		if win.Name == "" {
			win.Name = name
		}
		gotName, body = win.Name, win
	} else {
		var b Blackout
		if !decode(w, r, &b) {
			return
		}
		if b.Name == "" {
			b.Name = name
		}
		gotName, body = b.Name, b
	}
	if gotName != name {
		fail(w, http.StatusBadRequest, fmt.Sprintf("the body's name %q is not the path's %q", gotName, name))
		return
	}
	etag, err := s.Store.PutCalendar(r.Context(), actor(t), kind, name, body, c)
	if err != nil {
		s.failErr(w, r, err)
		return
	}
	writeTagged(w, r, http.StatusOK, etag, body)
}

// testStages are the stages developers may add environments to.
var testStages = []string{stages.Alpha, stages.Beta}

func (s *Server) addEnvironment(w http.ResponseWriter, r *http.Request) {
	repo := repoOf(r)
	t := s.auth(r)
	if !allow(w, t, repo, RoleTeam) {
		return
	}
	c, ok := s.cond(w, r)
	if !ok {
		return
	}
	var req struct {
		Stage   string   `json:"stage"`
		Name    string   `json:"name"`
		Account string   `json:"account"`
		Region  string   `json:"region"`
		OneBox  bool     `json:"onebox,omitempty"`
		Alarms  []string `json:"alarms,omitempty"`
	}
	if !decode(w, r, &req) {
		return
	}
	env := stages.DocEnvironment{Name: req.Name, Account: req.Account, Region: req.Region, OneBox: req.OneBox, Alarms: req.Alarms}
	etag, err := s.addTestEnvironment(r, t, repo, req.Stage, env, c)
	if err != nil {
		s.failErr(w, r, err)
		return
	}
	w.Header().Set("ETag", etag) // the document's new tag
	writeJSON(w, http.StatusCreated, req)
}

// addTestEnvironment adds env to the test stage (alpha or beta) of repo,
// when c holds for its document, and returns the document's new tag.
func (s *Server) addTestEnvironment(r *http.Request, t *Token, repo, stage string, env stages.DocEnvironment, c Cond) (string, error) {
	if !slices.Contains(testStages, stage) {
		return "", &ChangeError{Problems: []stages.Problem{{Path: "stage", Code: stages.CodeInvalid,
			Message: fmt.Sprintf("%q is not alpha or beta: test environments go there; gamma and prod are the platform team's", stage)}}}
	}
	return s.Store.EditService(r.Context(), actor(t), "environment.add", repo, c, func(tx *sql.Tx, d *stages.Document) error {
		// A refusal of the fence is returned after the change is made, so
		// that the validation's problems are listed with it.
		var fence error
		if t.Role != RoleAdmin {
			// A team's own test environment, in an account open to it.
			a, _, err := s.Store.account(r.Context(), tx, env.Account)
			if err != nil && !errors.Is(err, ErrNotFound) {
				return err
			}
			if err == nil && !a.openTo(d.Service.Owner) {
				fence = &ChangeError{Problems: []stages.Problem{{Path: "account", Code: stages.CodeInvalid,
					Message: fmt.Sprintf("account %s (%s) is a %s account that is not open to %s for test environments: use a test account the platform opened to your team, or ask the platform team to open one (kind test, teams [%q])", a.ID, a.Name, a.Kind, d.Service.Owner, d.Service.Owner)}}}
			}
			if _, err := tx.ExecContext(r.Context(), s.Store.rebind(`INSERT INTO team_environments (repo, name, stage, account, region) VALUES (?, ?, ?, ?, ?)
				ON CONFLICT (repo, name) DO UPDATE SET stage = excluded.stage, account = excluded.account, region = excluded.region`), repo, env.Name, stage, env.Account, env.Region); err != nil {
				return err
			}
		}
		for i := range d.Stages {
			if d.Stages[i].Name == stage {
				d.Stages[i].Environments = append(d.Stages[i].Environments, env)
				return fence
			}
		}
		// A stage the service does not have yet goes in its place.
		st := stages.DocStage{Name: stage, Environments: []stages.DocEnvironment{env}}
		if stage == stages.Alpha || len(d.Stages) == 0 || d.Stages[0].Name != stages.Alpha {
			d.Stages = append([]stages.DocStage{st}, d.Stages...)
		} else {
			d.Stages = append(d.Stages[:1], append([]stages.DocStage{st}, d.Stages[1:]...)...)
		}
		return fence
	})
}

func (s *Server) removeEnvironment(w http.ResponseWriter, r *http.Request) {
	repo, name := repoOf(r), r.PathValue("name")
	t := s.auth(r)
	if !allow(w, t, repo, RoleTeam) {
		return
	}
	c, ok := s.cond(w, r)
	if !ok {
		return
	}
	etag, err := s.removeTestEnvironment(r, t, repo, name, c)
	if errors.Is(err, errNoTestEnvironment) {
		fail(w, http.StatusNotFound, fmt.Sprintf("%s has no test environment %s (alpha or beta)", repo, name))
		return
	}
	if err != nil {
		s.failErr(w, r, err)
		return
	}
	w.Header().Set("ETag", etag) // the document's new tag
	w.WriteHeader(http.StatusNoContent)
}

var errNoTestEnvironment = errors.New("no such test environment")

// ForbiddenError is a change the caller's token may not make (403).
type ForbiddenError struct{ Reason string }

func (e *ForbiddenError) Error() string { return e.Reason }

// removeTestEnvironment removes a test environment (alpha or beta) of repo,
// when c holds for its document, and returns the document's new tag.
func (s *Server) removeTestEnvironment(r *http.Request, t *Token, repo, name string, c Cond) (string, error) {
	return s.Store.EditService(r.Context(), actor(t), "environment.remove", repo, c, func(tx *sql.Tx, d *stages.Document) error {
		if t.Role != RoleAdmin {
			mine, err := s.Store.teamEnvironments(r.Context(), tx, repo)
			if err != nil {
				return err
			}
			if !mine[name] {
				if slices.ContainsFunc(environmentsOf(d), func(e stageEnvironment) bool { return e.Name == name }) {
					return &ForbiddenError{Reason: fmt.Sprintf("%s is an environment the platform defined for %s: a team removes only the test environments it added itself", name, repo)}
				}
				return errNoTestEnvironment
			}
			// Its claim goes with it: EditService drops the claims the
			// document no longer holds.
		}
		for i, st := range d.Stages {
			if !slices.Contains(testStages, st.Name) {
				continue
			}
			for j, e := range st.Environments {
				if e.Name == name {
					d.Stages[i].Environments = slices.Delete(d.Stages[i].Environments, j, j+1)
					if len(d.Stages[i].Environments) == 0 {
						d.Stages = slices.Delete(d.Stages, i, i+1)
					}
					return nil
				}
			}
		}
		return errNoTestEnvironment
	})
}

func (s *Server) getStatus(w http.ResponseWriter, r *http.Request) {
	repo := repoOf(r)
	if !allow(w, s.auth(r), repo, RoleTeam, RolePipeline) {
		return
	}
	sts, err := s.Store.StatusOf(r.Context(), repo)
	if err != nil {
		s.failErr(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"stages": nonNil(sts)})
}

// getRunbooks lists the service's runbooks with their one-click links.
func (s *Server) getRunbooks(w http.ResponseWriter, r *http.Request) {
	repo := repoOf(r)
	if !allow(w, s.auth(r), repo, RoleTeam, RolePipeline) {
		return
	}
	rbs, err := s.serviceRunbooks(r.Context(), repo)
	if err != nil {
		s.failErr(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"runbooks": rbs})
}

// serviceRunbooks are repo's runbooks, linked from its document now.
func (s *Server) serviceRunbooks(ctx context.Context, repo string) ([]Runbook, error) {
	doc, err := s.Store.Document(ctx, repo)
	if err != nil {
		return nil, err
	}
	cfg, err := stages.Parse(doc, repo)
	if err != nil {
		return nil, err
	}
	return s.Store.Runbooks(ctx, repo, cfg)
}

// pipelineStates are the states CodePipeline reports for a stage
// (https://docs.aws.amazon.com/codepipeline/latest/userguide/detect-state-changes-cloudwatch-events.html).
var pipelineStates = []string{"STARTED", "SUCCEEDED", "RESUMED", "FAILED", "CANCELED", "STOPPED", "STOPPING"}

func (s *Server) postStatus(w http.ResponseWriter, r *http.Request) {
	repo := repoOf(r)
	t := s.auth(r)
	if !allow(w, t, repo, RolePipeline) {
		return
	}
	if !s.reports.allow(t.ID, time.Now()) {
		w.Header().Set("Retry-After", "1")
		fail(w, http.StatusTooManyRequests, fmt.Sprintf("this token sent more than %d reports at once (%d a second): nothing was recorded; send it again", reportBurst, reportRate))
		return
	}
	var st Status
	if !decode(w, r, &st) {
		return
	}
	doc, err := s.Store.Document(r.Context(), repo)
	if err != nil {
		s.failErr(w, r, err)
		return
	}
	cfg, err := stages.Parse(doc, repo)
	if err != nil {
		s.failErr(w, r, err)
		return
	}
	if problems := checkReport(&st, cfg, time.Now()); len(problems) > 0 {
		fail(w, http.StatusUnprocessableEntity, "the report is not valid; nothing was recorded", problems...)
		return
	}
	if err := s.Store.RecordReport(r.Context(), repo, cfg, st); err != nil {
		s.failErr(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}
