package configsvc

import (
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"html/template"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/handsoff-cdk/handsoff/internal/linediff"
	"github.com/handsoff-cdk/handsoff/stages"
)

// The pages: server-rendered HTML, no JavaScript. A person logs in with a
// token, which is kept in an HttpOnly, SameSite=Strict cookie; forms post
// to the same origin only (the Origin header is checked), so another site
// cannot make a logged-in browser change anything.

//go:embed ui/*.html
var uiFiles embed.FS

var pages = template.Must(template.New("").Funcs(template.FuncMap{
	"kinds":  func() []string { return []string{KindProduction, KindTest, KindPipeline} },
	"words":  words,
	"days":   func() []string { return []string{"MON", "TUE", "WED", "THU", "FRI", "SAT", "SUN"} },
	"stages": func() []string { return []string{stages.Alpha, stages.Beta, stages.Gamma, stages.Prod} },
	"has":    func(list []string, v string) bool { return slices.Contains(list, v) },
}).ParseFS(uiFiles, "ui/*.html"))

type page struct {
	Title    string
	Token    *Token
	Message  string
	Refusal  string
	Problems []stages.Problem
	Repo     string
	CanEdit  bool

	IsAdmin  bool
	Document string
	// Version is the tag of the own part the editor shows and Base its
	// text; DocVersion the tag of the v1 document the environment forms
	// change. A save names them, and is refused when they are stale.
	Version, Base, DocVersion string
	Changed                   string // on a stale save: what changed meanwhile

	// The admin page: the version of every account and calendar entry
	// (by ID or name), and what its forms edit.
	Tags map[string]string
	Edit editForm

	Accounts     []Account
	Windows      []Window
	Blackouts    []Blackout
	Services     []serviceRow
	Environments []envRow
	Stages       []stageRow
	Executions   []executionRow
	Runbooks     []Runbook
	// Add is what the add-environment form holds (kept after a refusal).
	Add struct{ Stage, Name, Account, Region string }
	// Confirm is a removal waiting for a person's yes.
	Confirm *confirmation
}

// confirmation is the question a removal asks before it is made, and the
// form that makes it.
type confirmation struct {
	Question, Action, Version, Back string
}

// editForm is what the admin page's forms hold: an account or a calendar
// entry being edited (with the version it was read at), or nothing (a
// new one, created only if it does not exist).
type editForm struct {
	Version    string
	Account    Account
	Kind, Name string
	Window     Window
	Blackout   Blackout
	AppliesTo  []string
}

type serviceRow struct {
	Repo, Owner  string
	Environments int
	Broken       string // the failed pipeline stages, when any
	Reported     bool
}

type envRow struct {
	Stage, Name, Account, AccountName, Region string
	OneBox, Removable                         bool
}

func (s *Server) render(w http.ResponseWriter, status int, name string, p page) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	if err := pages.ExecuteTemplate(w, name, p); err != nil {
		s.Log.Error("page", "name", name, "err", err)
	}
}

// pageToken is the logged-in token of a page request.
func (s *Server) pageToken(r *http.Request) *Token {
	c, err := r.Cookie(sessionCookie)
	if err != nil {
		return nil
	}
	t, err := s.Store.SessionToken(r.Context(), c.Value)
	if err != nil {
		return nil
	}
	return &t
}

// sameOrigin refuses a form posted from another site.
func sameOrigin(r *http.Request) bool {
	o := r.Header.Get("Origin")
	if o == "" || o == "null" {
		return r.Header.Get("Sec-Fetch-Site") == "" || r.Header.Get("Sec-Fetch-Site") == "same-origin"
	}
	u, err := url.Parse(o)
	return err == nil && u.Host == r.Host
}

func (s *Server) routePages(mux *http.ServeMux) {
	mux.HandleFunc("GET /ui/login", func(w http.ResponseWriter, r *http.Request) {
		s.render(w, http.StatusOK, "login", page{Title: "Log in"})
	})
	mux.HandleFunc("POST /ui/login", func(w http.ResponseWriter, r *http.Request) {
		if !sameOrigin(r) {
			http.Error(w, "cross-site form refused", http.StatusForbidden)
			return
		}
		secret := strings.TrimSpace(r.PostFormValue("token"))
		id, _, err := s.Store.NewSession(r.Context(), secret)
		if errors.Is(err, ErrNotFound) {
			s.render(w, http.StatusUnauthorized, "login", page{Title: "Log in", Refusal: "That token is not known, or was revoked.",
				Problems: []stages.Problem{{Path: "token", Code: stages.CodeInvalid, Message: "not a live token"}}})
			return
		}
		if err != nil {
			s.failErr(w, r, err)
			return
		}
		http.SetCookie(w, s.sessionCookie(r, id, int(SessionTTL.Seconds())))
		http.Redirect(w, r, "/ui/", http.StatusSeeOther)
	})
	mux.HandleFunc("POST /ui/logout", func(w http.ResponseWriter, r *http.Request) {
		if !sameOrigin(r) {
			http.Error(w, "cross-site form refused", http.StatusForbidden)
			return
		}
		if c, err := r.Cookie(sessionCookie); err == nil {
			if err := s.Store.EndSession(r.Context(), c.Value); err != nil {
				s.failErr(w, r, err)
				return
			}
		}
		http.SetCookie(w, s.sessionCookie(r, "", -1))
		http.Redirect(w, r, "/ui/login", http.StatusSeeOther)
	})
	mux.HandleFunc("GET /ui/{$}", s.withPageToken(s.servicesPage))
	mux.HandleFunc("GET /ui/services/{owner}/{repo}", s.withPageToken(func(w http.ResponseWriter, r *http.Request, t *Token) {
		s.servicePage(w, r, t, http.StatusOK, page{})
	}))
	mux.HandleFunc("POST /ui/services/{owner}/{repo}/environments", s.withPageToken(s.addEnvironmentPage))
	mux.HandleFunc("POST /ui/services/{owner}/{repo}/document", s.withPageToken(s.saveDocumentPage))
	mux.HandleFunc("GET /ui/admin", s.withPageToken(func(w http.ResponseWriter, r *http.Request, t *Token) { s.adminPage(w, r, t, http.StatusOK, page{}) }))
	mux.HandleFunc("POST /ui/admin/accounts", s.withPageToken(s.saveAccountPage))
	mux.HandleFunc("POST /ui/admin/calendar", s.withPageToken(s.saveCalendarPage))
	mux.HandleFunc("POST /ui/admin/calendar/{kind}/{name}/remove", s.withPageToken(s.removeCalendarPage))
	mux.HandleFunc("POST /ui/services/{owner}/{repo}/environments/{name}/remove", s.withPageToken(s.removeEnvironmentPage))
}

func (s *Server) withPageToken(h func(http.ResponseWriter, *http.Request, *Token)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		t := s.pageToken(r)
		if t == nil {
			http.Redirect(w, r, "/ui/login", http.StatusSeeOther)
			return
		}
		if r.Method == http.MethodPost && !sameOrigin(r) {
			http.Error(w, "cross-site form refused", http.StatusForbidden)
			return
		}
		h(w, r, t)
	}
}

// visible reports whether t may see repo's pages.
func visible(t *Token, repo string) bool { return t.Role == RoleAdmin || t.Repo == repo }

func (s *Server) servicesPage(w http.ResponseWriter, r *http.Request, t *Token) {
	repos, err := s.Store.Repos(r.Context())
	if err != nil {
		s.failErr(w, r, err)
		return
	}
	p := page{Title: "Pipelines", Token: t}
	for _, repo := range repos {
		if !visible(t, repo) {
			continue
		}
		d, err := s.Store.Service(r.Context(), repo)
		if err != nil {
			continue
		}
		row := serviceRow{Repo: repo, Owner: d.Service.Owner, Environments: len(environmentsOf(d))}
		sts, _ := s.Store.StatusOf(r.Context(), repo)
		var broken []string
		for _, st := range sts {
			row.Reported = true
			if st.State == "FAILED" {
				broken = append(broken, st.Stage)
			}
		}
		if len(broken) > 0 {
			row.Broken = words(broken)
		}
		p.Services = append(p.Services, row)
	}
	s.render(w, http.StatusOK, "services", p)
}

func (s *Server) servicePage(w http.ResponseWriter, r *http.Request, t *Token, status int, p page) {
	repo := repoOf(r)
	if !visible(t, repo) {
		http.Error(w, "this token may not see "+repo, http.StatusForbidden)
		return
	}
	d, tag, err := s.Store.ServiceTag(r.Context(), repo)
	if err == nil {
		_, p.DocVersion, err = s.Store.DocumentTag(r.Context(), repo)
	}
	if err != nil {
		s.failErr(w, r, err)
		return
	}
	if p.Version == "" {
		p.Version, p.Base = tag, prettyJSON(d)
	}
	names := map[string]string{}
	if as, err := s.Store.Accounts(r.Context()); err == nil {
		for _, a := range as {
			names[a.ID] = "(" + a.Name + ")"
		}
	}
	p.Title, p.Token, p.Repo = repo, t, repo
	p.CanEdit = t.Role == RoleAdmin || t.Role == RoleTeam
	// A team is shown only what it may do: removing the test
	// environments it added.
	mine, err := s.Store.TeamEnvironments(r.Context(), repo)
	if err != nil {
		s.failErr(w, r, err)
		return
	}
	if p.IsAdmin = t.Role == RoleAdmin; p.IsAdmin && p.Document == "" {
		p.Document = prettyJSON(d)
	}
	for _, e := range environmentsOf(d) {
		p.Environments = append(p.Environments, envRow{Stage: e.Stage, Name: e.Name, Account: e.Account, AccountName: names[e.Account],
			Region: e.Region, OneBox: e.OneBox, Removable: slices.Contains(testStages, e.Stage) && (t.Role == RoleAdmin || t.Role == RoleTeam && mine[e.Name])})
	}
	// The pipeline: its stages in order, and its latest executions.
	if doc, _, err := s.Store.DocumentTag(r.Context(), repo); err == nil {
		if cfg, err := stages.Parse(doc, repo); err == nil {
			now := time.Now()
			sts, _ := s.Store.StatusOf(r.Context(), repo)
			order := PipelineStages(cfg)
			es, _ := s.Store.Executions(r.Context(), repo, order[len(order)-1], maxExecutions)
			p.Stages = stageRows(cfg, order, sts, es, now)
			p.Executions = executionRows(cfg, es[:min(10, len(es))], now)
			p.Runbooks, _ = s.Store.Runbooks(r.Context(), repo, cfg)
		}
	}
	s.render(w, status, "service", p)
}

func (s *Server) addEnvironmentPage(w http.ResponseWriter, r *http.Request, t *Token) {
	repo := repoOf(r)
	if !visible(t, repo) || t.Role == RolePipeline {
		http.Error(w, "this token may not change "+repo, http.StatusForbidden)
		return
	}
	stage := r.PostFormValue("stage")
	env := stages.DocEnvironment{Name: strings.TrimSpace(r.PostFormValue("name")), Account: strings.TrimSpace(r.PostFormValue("account")), Region: strings.TrimSpace(r.PostFormValue("region"))}
	_, err := s.addTestEnvironment(r, t, repo, stage, env, pageCond(r))
	var p page
	if err != nil { // what was typed stays in the form
		p.Add.Stage, p.Add.Name, p.Add.Account, p.Add.Region = stage, env.Name, env.Account, env.Region
	}
	s.environmentChanged(w, r, t, err, "Added "+env.Name+" to "+stage+".", p)
}

// environmentChanged answers an environment form: the page again, with
// what was done, or why nothing was.
func (s *Server) environmentChanged(w http.ResponseWriter, r *http.Request, t *Token, err error, done string, p page) {
	var ce *ChangeError
	var pe *PreconditionError
	var fe *ForbiddenError
	switch {
	case err == nil:
		s.servicePage(w, r, t, http.StatusOK, page{Message: done})
	case errors.As(err, &ce):
		p.Refusal, p.Problems = "The change is refused; nothing was changed:", ce.Problems
		s.servicePage(w, r, t, http.StatusUnprocessableEntity, p)
	case errors.As(err, &pe):
		p.Refusal = "The document changed since this page was shown, so nothing was changed. The page now shows it as it is: check it, and try again."
		s.servicePage(w, r, t, http.StatusConflict, p)
	case errors.As(err, &fe):
		p.Refusal = fe.Reason + "; nothing was changed."
		s.servicePage(w, r, t, http.StatusForbidden, p)
	default:
		s.failErr(w, r, err)
	}
}

// confirmed reports whether a removal form says yes; when it does not,
// it shows the question, with a form that does.
func (s *Server) confirmed(w http.ResponseWriter, r *http.Request, t *Token, question, back string) bool {
	if r.PostFormValue("confirm") == "yes" {
		return true
	}
	s.render(w, http.StatusOK, "confirm", page{Title: "Are you sure?", Token: t,
		Confirm: &confirmation{Question: question, Action: r.URL.Path, Version: r.PostFormValue("version"), Back: back}})
	return false
}

// editCond is the precondition of a form that edits or creates: the
// version it was shown (If-Match), or, with none, create only
// (If-None-Match: *). Neither ever saves over something unseen.
func editCond(r *http.Request) Cond {
	if v := r.PostFormValue("version"); v != "" {
		return Cond{IfMatch: v}
	}
	return Cond{IfNoneMatch: "*"}
}

// pageCond is the version a form was shown: a save names it, and a form
// without one is refused as stale (never saved unconditionally).
func pageCond(r *http.Request) Cond {
	v := r.PostFormValue("version")
	if v == "" {
		v = `"none"`
	}
	return Cond{IfMatch: v}
}

func prettyJSON(v any) string {
	raw, _ := json.MarshalIndent(v, "", "  ")
	return string(raw)
}

func (s *Server) removeEnvironmentPage(w http.ResponseWriter, r *http.Request, t *Token) {
	repo, name := repoOf(r), r.PathValue("name")
	if !visible(t, repo) || t.Role == RolePipeline {
		http.Error(w, "this token may not change "+repo, http.StatusForbidden)
		return
	}
	if !s.confirmed(w, r, t, "Remove the test environment "+name+" from "+repo+"? Its pipeline stops deploying to it at its next run; its stacks stay until you delete them.", "/ui/services/"+repo) {
		return
	}
	_, err := s.removeTestEnvironment(r, t, repo, name, pageCond(r))
	s.environmentChanged(w, r, t, err, "Removed "+name+".", page{})
}

// refusal is the page fields of a refused change.
func refusal(err error) (page, bool) {
	var ce *ChangeError
	var ve *stages.ValidationError
	switch {
	case errors.As(err, &ce):
		return page{Refusal: "The change is refused; nothing was changed:", Problems: ce.Problems}, true
	case errors.As(err, &ve):
		return page{Refusal: "The document is not valid; nothing was changed:", Problems: ve.Problems}, true
	}
	return page{}, false
}

// saveDocumentPage replaces a service's own part, as PUT
// /v1/admin/services/{owner}/{repo} does, with the same validation.
func (s *Server) saveDocumentPage(w http.ResponseWriter, r *http.Request, t *Token) {
	repo := repoOf(r)
	if t.Role != RoleAdmin {
		http.Error(w, "only the platform team edits a service's document", http.StatusForbidden)
		return
	}
	text := r.PostFormValue("document")
	own, err := parseDocument([]byte(text))
	if err == nil && own.Service.Repo != repo {
		err = &ChangeError{Problems: []stages.Problem{{Path: "service.repo", Code: stages.CodeInvalid, Message: fmt.Sprintf("%q, but this is %s", own.Service.Repo, repo)}}}
	}
	if err == nil {
		_, err = s.Store.PutService(r.Context(), actor(t), repo, own, pageCond(r))
	}
	var pe *PreconditionError
	if errors.As(err, &pe) {
		// Someone saved meanwhile: show what they changed, keep the text.
		current, tag, err := s.Store.ServiceTag(r.Context(), repo)
		if err != nil {
			s.failErr(w, r, err)
			return
		}
		now := prettyJSON(current)
		s.servicePage(w, r, t, http.StatusConflict, page{
			Refusal:  "Someone saved this document since you opened it, so nothing was saved. What they changed is below, and your text is kept: bring their change into it, and save again.",
			Changed:  linediff.Lines(strings.Split(strings.ReplaceAll(r.PostFormValue("base"), "\r\n", "\n"), "\n"), strings.Split(now, "\n")),
			Document: text, Version: tag, Base: now})
		return
	}
	if err != nil {
		p, ok := refusal(err)
		if !ok {
			s.failErr(w, r, err)
			return
		}
		p.Document = text // keep what the person typed
		s.servicePage(w, r, t, http.StatusUnprocessableEntity, p)
		return
	}
	s.servicePage(w, r, t, http.StatusOK, page{Message: "Saved the document of " + repo + "."})
}

func (s *Server) adminPage(w http.ResponseWriter, r *http.Request, t *Token, status int, p page) {
	if t.Role != RoleAdmin {
		http.Error(w, "the platform team's page", http.StatusForbidden)
		return
	}
	var err error
	if p.Accounts, err = s.Store.Accounts(r.Context()); err == nil {
		p.Windows, p.Blackouts, err = s.Store.Calendar(r.Context())
	}
	var entries []calendarEntry
	if err == nil {
		entries, err = s.Store.calendarEntries(r.Context())
	}
	if err != nil {
		s.failErr(w, r, err)
		return
	}
	p.Tags = map[string]string{}
	for _, a := range p.Accounts {
		p.Tags[a.ID] = accountTag(a)
	}
	for _, e := range entries {
		p.Tags[e.name] = tagOf([]byte(e.body))
	}
	// ?account=ID and ?edit=KIND/NAME fill the forms with what they edit.
	if id := r.URL.Query().Get("account"); id != "" && p.Edit.Version == "" {
		for _, a := range p.Accounts {
			if a.ID == id {
				p.Edit.Account, p.Edit.Version = a, p.Tags[a.ID]
			}
		}
	}
	if kn := r.URL.Query().Get("edit"); kn != "" && p.Edit.Name == "" {
		for _, e := range entries {
			if e.kind+"/"+e.name == kn {
				p.Edit.Kind, p.Edit.Name, p.Edit.Version = e.kind, e.name, p.Tags[e.name]
				if e.kind == "window" {
					json.Unmarshal([]byte(e.body), &p.Edit.Window)
					p.Edit.AppliesTo = p.Edit.Window.AppliesTo
				} else {
					json.Unmarshal([]byte(e.body), &p.Edit.Blackout)
					p.Edit.AppliesTo = p.Edit.Blackout.AppliesTo
				}
			}
		}
	}
	p.Title, p.Token = "Accounts and calendar", t
	s.render(w, status, "admin", p)
}

func (s *Server) saveAccountPage(w http.ResponseWriter, r *http.Request, t *Token) {
	if t.Role != RoleAdmin {
		http.Error(w, "the platform team's page", http.StatusForbidden)
		return
	}
	a := Account{ID: strings.TrimSpace(r.PostFormValue("id")), Name: strings.TrimSpace(r.PostFormValue("name")), Description: strings.TrimSpace(r.PostFormValue("description")),
		Kind: r.PostFormValue("kind")}
	for _, team := range strings.Split(r.PostFormValue("teams"), ",") {
		if team = strings.TrimSpace(team); team != "" {
			a.Teams = append(a.Teams, team)
		}
	}
	if _, err := s.Store.PutAccount(r.Context(), actor(t), a, editCond(r)); err != nil {
		var pe *PreconditionError
		if errors.As(err, &pe) {
			s.adminPage(w, r, t, http.StatusConflict, page{Refusal: "Account " + a.ID + " was changed since this page was shown, or is registered already: nothing was saved. The page shows it as it is now; edit it from its row."})
			return
		}
		p, ok := refusal(err)
		if !ok {
			s.failErr(w, r, err)
			return
		}
		s.adminPage(w, r, t, http.StatusUnprocessableEntity, p)
		return
	}
	s.adminPage(w, r, t, http.StatusOK, page{Message: "Registered " + a.ID + " (" + a.Name + ")."})
}

// saveCalendarPage creates or replaces a platform window or blackout from
// its fields, as PUT /v1/admin/windows/{name} does; a refused one keeps
// what was typed.
func (s *Server) saveCalendarPage(w http.ResponseWriter, r *http.Request, t *Token) {
	if t.Role != RoleAdmin {
		http.Error(w, "the platform team's page", http.StatusForbidden)
		return
	}
	r.ParseForm()
	field := func(k string) string { return strings.TrimSpace(r.PostFormValue(k)) }
	kind, name := field("kind"), field("name")
	edit := editForm{Kind: kind, Name: name, Version: field("version"), AppliesTo: r.PostForm["appliesTo"],
		Window:   Window{Name: name, Timezone: field("timezone"), Days: r.PostForm["days"], Start: field("start"), End: field("end"), AppliesTo: r.PostForm["appliesTo"]},
		Blackout: Blackout{Name: name, From: field("from"), To: field("to"), AppliesTo: r.PostForm["appliesTo"]}}
	var body any
	switch kind {
	case "window":
		body = edit.Window
	case "blackout":
		body = edit.Blackout
	default:
		s.adminPage(w, r, t, http.StatusUnprocessableEntity, page{Edit: edit, Refusal: "The change is refused; nothing was changed:",
			Problems: []stages.Problem{{Path: "kind", Code: stages.CodeInvalid, Message: fmt.Sprintf("%q is neither a window nor a blackout", kind)}}})
		return
	}
	if _, err := s.Store.PutCalendar(r.Context(), actor(t), kind, name, body, editCond(r)); err != nil {
		var pe *PreconditionError
		if errors.As(err, &pe) {
			s.adminPage(w, r, t, http.StatusConflict, page{Edit: edit,
				Refusal: "The platform " + kind + " " + name + " was changed since this page was shown, or exists already: nothing was saved, and what you typed is kept. Edit it from its row to see it as it is now."})
			return
		}
		p, ok := refusal(err)
		if !ok {
			s.failErr(w, r, err)
			return
		}
		p.Edit = edit
		s.adminPage(w, r, t, http.StatusUnprocessableEntity, p)
		return
	}
	s.adminPage(w, r, t, http.StatusOK, page{Message: "Saved the platform " + kind + " " + name + "."})
}

func (s *Server) removeCalendarPage(w http.ResponseWriter, r *http.Request, t *Token) {
	if t.Role != RoleAdmin {
		http.Error(w, "the platform team's page", http.StatusForbidden)
		return
	}
	kind, name := r.PathValue("kind"), r.PathValue("name")
	if !s.confirmed(w, r, t, "Remove the platform "+kind+" "+name+"? Every pipeline it names may deploy in it from its next run.", "/ui/admin") {
		return
	}
	if err := s.Store.DeleteCalendar(r.Context(), actor(t), kind, name, pageCond(r)); err != nil {
		var pe *PreconditionError
		if errors.As(err, &pe) {
			s.adminPage(w, r, t, http.StatusConflict, page{Refusal: "The platform " + kind + " " + name + " was changed since this page was shown: nothing was removed. The page shows it as it is now."})
			return
		}
		s.failErr(w, r, err)
		return
	}
	s.adminPage(w, r, t, http.StatusOK, page{Message: "Removed the platform " + kind + " " + name + "."})
}
