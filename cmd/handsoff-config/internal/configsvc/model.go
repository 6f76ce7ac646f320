package configsvc

import (
	"bytes"
	"cmp"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"

	"github.com/handsoff-cdk/handsoff/stages"
)

// Account is a registered AWS account.
type Account struct {
	ID          string `json:"id"`
	Name        string `json:"name"`
	Description string `json:"description,omitempty"`
	// Kind is what the account is for: "pipeline", "test" or
	// "production" (the default, so that nothing is opened to teams by
	// accident).
	Kind string `json:"kind,omitempty"`
	// Teams are the teams (a service's service.owner) that may add their
	// own test environments in it; "*" is every team. Only a test account
	// may name teams.
	Teams []string `json:"teams,omitempty"`
}

// Account kinds.
const (
	KindPipeline   = "pipeline"
	KindTest       = "test"
	KindProduction = "production"
)

// openTo reports whether a team may put its own test environments in a.
func (a Account) openTo(team string) bool {
	return a.Kind == KindTest && team != "" && (slices.Contains(a.Teams, team) || slices.Contains(a.Teams, "*"))
}

// normalize fills the defaults and lists every problem of an account.
func (a *Account) normalize() []stages.Problem {
	var problems []stages.Problem
	if !reAccountID.MatchString(a.ID) {
		problems = append(problems, stages.Problem{Path: "id", Code: stages.CodeInvalid, Message: fmt.Sprintf("%q is not a 12-digit AWS account ID", a.ID)})
	}
	if strings.TrimSpace(a.Name) == "" {
		problems = append(problems, stages.Problem{Path: "name", Code: stages.CodeRequired, Message: "is required: a name people know the account by"})
	}
	problems = append(problems, textProblem("name", a.Name, 100)...)
	problems = append(problems, textProblem("description", a.Description, 500)...)
	if a.Kind == "" {
		a.Kind = KindProduction
	}
	if !slices.Contains([]string{KindPipeline, KindTest, KindProduction}, a.Kind) {
		problems = append(problems, stages.Problem{Path: "kind", Code: stages.CodeInvalid, Message: fmt.Sprintf("%q is not pipeline, test or production", a.Kind)})
	}
	if len(a.Teams) > 0 && a.Kind != KindTest {
		problems = append(problems, stages.Problem{Path: "teams", Code: stages.CodeInvalid, Message: fmt.Sprintf("a %s account is not opened to teams: only a test account names the teams that may use it", a.Kind)})
	}
	for i, t := range a.Teams {
		if t != "*" && !reTeam.MatchString(t) {
			problems = append(problems, stages.Problem{Path: fmt.Sprintf("teams[%d]", i), Code: stages.CodeInvalid, Message: fmt.Sprintf("%q is not a team (a service's owner, such as \"team-orders\") or \"*\"", t)})
		}
	}
	slices.Sort(a.Teams)
	a.Teams = slices.Compact(a.Teams)
	return problems
}

// reEntryName is a platform window's or blackout's name: what the
// document's own windows may be named, within a URL path segment.
var reEntryName = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9-]{0,63}$`)

// textProblem checks a free text the service stores and shows (a name,
// a description): at most max characters, no control characters, and
// none of the bidirectional controls that make text read other than it
// is (https://www.unicode.org/reports/tr9/, CVE-2021-42574).
func textProblem(path, v string, max int) []stages.Problem {
	bad := func(format string, args ...any) []stages.Problem {
		return []stages.Problem{{Path: path, Code: stages.CodeInvalid, Message: fmt.Sprintf(format, args...)}}
	}
	if !utf8.ValidString(v) {
		return bad("is not valid UTF-8")
	}
	if n := utf8.RuneCountInString(v); n > max {
		return bad("is %d characters; at most %d", n, max)
	}
	for _, r := range v {
		switch {
		case unicode.IsControl(r), unicode.In(r, unicode.Zl, unicode.Zp):
			return bad("holds the control or line-break character %U: use plain text on one line", r)
		case r >= 0x202A && r <= 0x202E, r >= 0x2066 && r <= 0x2069, r == 0x200E, r == 0x200F, r == 0x061C:
			return bad("holds the bidirectional control %U, which makes text read other than it is: remove it", r)
		case unicode.Is(unicode.Cf, r):
			return bad("holds the invisible format character %U (a zero-width space, a soft hyphen...), which makes two names look alike: remove it", r)
		}
	}
	return nil
}

var reTeam = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$`)

// Window is a platform-wide freeze window; Blackout a platform-wide
// blackout. Each applies to every service that has a stage it names.
type (
	Window   = stages.DocFreezeWindow
	Blackout = stages.DocBlackout
)

// stageEnvironment is an environment of a document, the stage it is in,
// and its path in the document.
type stageEnvironment struct {
	Stage string
	stages.DocEnvironment
	Path string // stages[i].environments[j] or stages[i].waves[k].environments[j]
}

// environmentsOf lists every environment of d with its stage and path, in
// the document's order: a stage's plain list, then its waves'.
func environmentsOf(d *stages.Document) []stageEnvironment {
	var out []stageEnvironment
	for i, st := range d.Stages {
		for j, e := range st.Environments {
			out = append(out, stageEnvironment{st.Name, e, fmt.Sprintf("stages[%d].environments[%d]", i, j)})
		}
		for k, w := range st.Waves {
			for j, e := range w.Environments {
				out = append(out, stageEnvironment{st.Name, e, fmt.Sprintf("stages[%d].waves[%d].environments[%d]", i, k, j)})
			}
		}
	}
	return out
}

// ChangeError is a change refused because of what it would do to the
// documents; Problems are the library's, with paths prefixed by the
// document they are in ("acme/orders: stages[0]...").
type ChangeError struct {
	Problems []stages.Problem
}

func (e *ChangeError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "the change is refused: %d problems", len(e.Problems))
	for _, p := range e.Problems {
		b.WriteString("\n  - " + p.String())
	}
	return b.String()
}

var reAccountID = regexp.MustCompile(`^[0-9]{12}$`)

// Actor says who makes a change, for the audit log.
type Actor string

// q runs a query in a transaction or on the database.
type q interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
}

// serviceRaw reads a service's own part as stored.
func (s *Store) serviceRaw(ctx context.Context, db q, repo string) (string, error) {
	var body string
	err := db.QueryRowContext(ctx, s.rebind(`SELECT body FROM services WHERE repo = ?`), repo).Scan(&body)
	if errors.Is(err, sql.ErrNoRows) {
		return "", ErrNotFound
	}
	return body, err
}

// serviceBody reads a service's own part.
func (s *Store) serviceBody(ctx context.Context, db q, repo string) (*stages.Document, error) {
	body, err := s.serviceRaw(ctx, db, repo)
	if err != nil {
		return nil, err
	}
	return decodeBody(repo, body)
}

// decodeBody decodes a service's stored own part.
func decodeBody(repo, body string) (*stages.Document, error) {
	var d stages.Document
	if err := json.Unmarshal([]byte(body), &d); err != nil {
		return nil, fmt.Errorf("configsvc: the stored body of %s is damaged: %w", repo, err)
	}
	return &d, nil
}

// platform is what the platform adds to every document: windows,
// blackouts and the guardrails' reason patterns.
type platform struct {
	ws         []Window
	bs         []Blackout
	guardrails stages.DocGuardrails
}

// platformPart reads what the platform adds to every document.
func (s *Store) platformPart(ctx context.Context, db q) (platform, error) {
	ws, bs, err := s.calendar(ctx, db)
	if err != nil {
		return platform{}, err
	}
	g, _, err := s.guardrails(ctx, db)
	return platform{ws, bs, g}, err
}

// guardrailsSetting is the settings row of the platform's guardrails.
const guardrailsSetting = "guardrails"

// guardrails reads the platform's guardrails setting and its stored form
// ("" when never set).
func (s *Store) guardrails(ctx context.Context, db q) (stages.DocGuardrails, string, error) {
	var body string
	err := db.QueryRowContext(ctx, s.rebind(`SELECT body FROM settings WHERE name = ?`), guardrailsSetting).Scan(&body)
	if errors.Is(err, sql.ErrNoRows) {
		return stages.DocGuardrails{}, "", nil
	}
	if err != nil {
		return stages.DocGuardrails{}, "", err
	}
	var g stages.DocGuardrails
	if err := json.Unmarshal([]byte(body), &g); err != nil {
		return g, "", fmt.Errorf("configsvc: the stored guardrails setting is damaged: %w", err)
	}
	return g, body, nil
}

// Guardrails is the platform's guardrails setting and its entity tag
// ("" when never set).
func (s *Store) Guardrails(ctx context.Context) (stages.DocGuardrails, string, error) {
	g, raw, err := s.guardrails(ctx, s.db)
	return g, tagIfAny(raw), err
}

// PutGuardrails sets the platform's guardrails setting, when c holds for
// it, and returns its new tag: every document carries its reason patterns
// after its own, and every suppression in every pipeline must match them.
func (s *Store) PutGuardrails(ctx context.Context, actor Actor, g stages.DocGuardrails, c Cond) (string, error) {
	if err := validateGuardrails(g); err != nil {
		return "", err
	}
	raw, _ := json.Marshal(g)
	err := s.tx(ctx, func(tx *sql.Tx) error {
		_, prev, err := s.guardrails(ctx, tx)
		if err != nil {
			return err
		}
		if err := c.check("the platform's guardrails", tagIfAny(prev)); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, s.rebind(`INSERT INTO settings (name, body) VALUES (?, ?)
			ON CONFLICT (name) DO UPDATE SET body = excluded.body`), guardrailsSetting, string(raw)); err != nil {
			return err
		}
		return s.platformChanged(ctx, tx, actor, "guardrails.put", guardrailsSetting, prev, raw)
	})
	return tagOf(raw), err
}

// platformChanged ends a change to what every document carries (a window,
// a blackout, the guardrails setting): every service's document must stay
// valid, and the change is audited with what it replaced (prev, "" when
// nothing).
func (s *Store) platformChanged(ctx context.Context, tx *sql.Tx, actor Actor, action, target, prev string, raw []byte) error {
	repos, err := s.repos(ctx, tx)
	if err != nil {
		return err
	}
	if err := s.validateAll(ctx, tx, repos); err != nil {
		return err
	}
	var b any
	if prev != "" {
		b = []byte(prev)
	}
	return s.audit(ctx, tx, actor, action, target, b, raw)
}

// validateGuardrails checks a guardrails setting with the library's
// validation, in a document that is otherwise the example.
func validateGuardrails(g stages.DocGuardrails) error {
	return validateInExample("the guardrails setting", "guardrails", func(d *stages.Document) { d.Guardrails = &g })
}

// validateInExample checks one part of a document with the library's
// validation, in the example document with that part set; problems name
// their place within the part (field is its path in the document).
func validateInExample(source, field string, set func(*stages.Document)) error {
	example, err := parsedExample()
	if err != nil {
		return err
	}
	d := *example
	set(&d)
	raw, _ := json.Marshal(d)
	_, err = stages.Parse(raw, source)
	var ve *stages.ValidationError
	if !errors.As(err, &ve) {
		return err
	}
	var problems []stages.Problem
	for _, p := range ve.Problems {
		p.Path = strings.TrimPrefix(strings.TrimPrefix(p.Path, field), ".")
		problems = append(problems, p)
	}
	return &ChangeError{Problems: problems}
}

// calendar reads the platform windows and blackouts.
func (s *Store) calendar(ctx context.Context, db q) ([]Window, []Blackout, error) {
	rows, err := db.QueryContext(ctx, `SELECT kind, body FROM calendar ORDER BY name`)
	if err != nil {
		return nil, nil, err
	}
	defer rows.Close()
	var ws []Window
	var bs []Blackout
	for rows.Next() {
		var kind, body string
		if err := rows.Scan(&kind, &body); err != nil {
			return nil, nil, err
		}
		if kind == "window" {
			var w Window
			json.Unmarshal([]byte(body), &w)
			ws = append(ws, w)
		} else {
			var b Blackout
			json.Unmarshal([]byte(body), &b)
			bs = append(bs, b)
		}
	}
	return ws, bs, rows.Err()
}

// project is the v1 document of a service: its own part, the platform
// windows and blackouts that name one of its stages (narrowed to those),
// and the platform's reason patterns after its own.
func project(own *stages.Document, p platform) []byte {
	ws, bs := p.ws, p.bs
	d := *own
	if pats := p.guardrails.ReasonPatterns; len(pats) > 0 {
		g := stages.DocGuardrails{}
		if d.Guardrails != nil {
			g.ReasonPatterns = slices.Clone(d.Guardrails.ReasonPatterns)
		}
		for _, pat := range pats {
			if !slices.Contains(g.ReasonPatterns, pat) {
				g.ReasonPatterns = append(g.ReasonPatterns, pat)
			}
		}
		d.Guardrails = &g
	}
	d.APIVersion = stages.APIVersion
	has := map[string]bool{}
	for _, st := range d.Stages {
		has[st.Name] = true
	}
	narrow := func(applies []string) []string {
		var out []string
		for _, a := range applies {
			if has[a] {
				out = append(out, a)
			}
		}
		return out
	}
	d.FreezeWindows = slices.Clone(d.FreezeWindows)
	for _, w := range ws {
		if w.AppliesTo = narrow(w.AppliesTo); len(w.AppliesTo) > 0 {
			d.FreezeWindows = append(d.FreezeWindows, w)
		}
	}
	d.Blackouts = slices.Clone(d.Blackouts)
	for _, b := range bs {
		if b.AppliesTo = narrow(b.AppliesTo); len(b.AppliesTo) > 0 {
			d.Blackouts = append(d.Blackouts, b)
		}
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	enc.Encode(d)
	return buf.Bytes()
}

// Document is the v1 document of repo, byte for byte as it is served.
func (s *Store) Document(ctx context.Context, repo string) ([]byte, error) {
	doc, _, err := s.DocumentTag(ctx, repo)
	return doc, err
}

// DocumentTag is Document and its entity tag (a hash of its bytes), served
// from a cache while the generation is unchanged.
func (s *Store) DocumentTag(ctx context.Context, repo string) ([]byte, string, error) {
	gen, err := s.generation(ctx)
	if err != nil {
		return nil, "", err
	}
	if d, ok := cached(&s.cache, gen, docsOf, repo); ok {
		return d.body, d.etag, nil
	}
	// Readers that miss together (every change empties the cache) wait
	// for one of them to project the document.
	v, err := s.shared(ctx, fmt.Sprintf("%s@%d", repo, gen), func(ctx context.Context) (any, error) {
		// The generation, the service and the calendar from one snapshot:
		// the document is one that existed, and is kept under its own
		// generation.
		var doc []byte
		var at int64
		err := s.read(ctx, func(db q) error {
			if err := db.QueryRowContext(ctx, `SELECT n FROM generation WHERE id = 1`).Scan(&at); err != nil {
				return err
			}
			var err error
			doc, err = s.document(ctx, db, repo)
			return err
		})
		if err != nil {
			return nil, err
		}
		d := cachedDoc{doc, tagOf(doc)}
		keep(&s.cache, at, docsOf, repo, d)
		return d, nil
	})
	if err != nil {
		return nil, "", err
	}
	d := v.(cachedDoc)
	return d.body, d.etag, nil
}

// document is the v1 document of repo as db has it.
func (s *Store) document(ctx context.Context, db q, repo string) ([]byte, error) {
	own, err := s.serviceBody(ctx, db, repo)
	if err != nil {
		return nil, err
	}
	p, err := s.platformPart(ctx, db)
	if err != nil {
		return nil, err
	}
	return project(own, p), nil
}

// Repos lists the services, sorted.
func (s *Store) Repos(ctx context.Context) ([]string, error) {
	return s.repos(ctx, s.db)
}

func (s *Store) repos(ctx context.Context, db q) ([]string, error) {
	rows, err := db.QueryContext(ctx, `SELECT repo FROM services ORDER BY repo`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var r string
		if err := rows.Scan(&r); err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// validateAll projects the documents of repos inside tx and runs the
// library's validation on each; an environment or pipeline must be in a
// registered account.
func (s *Store) validateAll(ctx context.Context, tx *sql.Tx, repos []string) error {
	p, err := s.platformPart(ctx, tx)
	if err != nil {
		return err
	}
	accounts := map[string]bool{}
	rows, err := tx.QueryContext(ctx, `SELECT id FROM accounts`)
	if err != nil {
		return err
	}
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return err
		}
		accounts[id] = true
	}
	if err := rows.Err(); err != nil {
		rows.Close()
		return err
	}
	rows.Close()
	var problems []stages.Problem
	for _, repo := range repos {
		own, err := s.serviceBody(ctx, tx, repo)
		if err != nil {
			return err
		}
		doc := project(own, p)
		s.committing(tx).docs[repo] = doc
		if _, err := stages.Parse(doc, repo); err != nil {
			var ve *stages.ValidationError
			if !errors.As(err, &ve) {
				return err
			}
			for _, p := range ve.Problems {
				p.Path = repo + ": " + p.Path
				problems = append(problems, p)
			}
			continue
		}
		if own.Service.Repo != repo {
			problems = append(problems, stages.Problem{Path: repo + ": service.repo", Code: stages.CodeInvalid,
				Message: fmt.Sprintf("%q is stored under %s: the repository is the document's key", own.Service.Repo, repo)})
		}
		check := func(path, account string) {
			if !accounts[account] {
				problems = append(problems, stages.Problem{Path: repo + ": " + path, Code: stages.CodeInvalid,
					Message: fmt.Sprintf("account %s is not registered: register it first (PUT /v1/admin/accounts/%s)", account, account)})
			}
		}
		check("pipeline.account", own.Pipeline.Account)
		for _, e := range environmentsOf(own) {
			check(e.Path+".account", e.Account)
		}
	}
	if len(problems) == 0 {
		var err error
		if problems, err = s.namesClash(ctx, tx, repos); err != nil {
			return err
		}
	}
	if len(problems) > 0 {
		return &ChangeError{Problems: problems}
	}
	return nil
}

// namesClash finds the environments of repos whose AWS names would be
// another service's. handsoff names an environment's stacks, roles,
// functions and log groups {service}-{environment}-..., in its account; a
// hyphen joins them, so the service orders with an environment eu-prod and
// the service orders-eu with prod make the same names, and each pipeline
// would deploy over the other's stacks (CloudFormation updates a stack of
// that name). IAM compares role names regardless of case, and so does
// this. Every other service's document is read: a change costs a read of
// all, which the platform's write rate allows.
func (s *Store) namesClash(ctx context.Context, tx *sql.Tx, repos []string) ([]stages.Problem, error) {
	type use struct{ repo, path string }
	claims := map[string]use{}
	rows, err := tx.QueryContext(ctx, `SELECT repo, body FROM services`)
	if err != nil {
		return nil, err
	}
	docs := map[string]*stages.Document{}
	for rows.Next() {
		var repo, body string
		if err := rows.Scan(&repo, &body); err != nil {
			rows.Close()
			return nil, err
		}
		d, err := decodeBody(repo, body)
		if err != nil {
			rows.Close()
			return nil, err
		}
		docs[repo] = d
	}
	if err := rows.Err(); err != nil {
		rows.Close()
		return nil, err
	}
	rows.Close()
	changed := map[string]bool{}
	for _, r := range repos {
		changed[r] = true
	}
	// The unchanged services claim their names first, in a fixed order, so
	// that a change is refused for what it adds, never for what others
	// hold already.
	order := slices.Sorted(maps.Keys(docs))
	slices.SortStableFunc(order, func(a, b string) int { return cmp.Compare(boolInt(changed[a]), boolInt(changed[b])) })
	var problems []stages.Problem
	for _, repo := range order {
		d := docs[repo]
		for _, e := range environmentsOf(d) {
			path := e.Path + ".name"
			joined := strings.ToLower(d.Service.Name + "-" + e.Name)
			key := e.Account + "/" + joined
			prev, taken := claims[key]
			switch {
			case !taken:
				claims[key] = use{repo, path}
			case prev.repo != repo && changed[repo]:
				problems = append(problems, stages.Problem{Path: repo + ": " + path, Code: stages.CodeDuplicate, Message: fmt.Sprintf(
					"%q of service %q makes the names %s-... in account %s, which %s (%s) makes already: their stacks, roles and functions would be one; rename this environment or the service",
					e.Name, d.Service.Name, joined, e.Account, prev.repo, prev.path)})
			}
		}
	}
	return problems, nil
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// audit records a change in the same transaction as the change.
func (s *Store) audit(ctx context.Context, tx *sql.Tx, actor Actor, action, target string, before, after any) error {
	enc := func(v any) any {
		if v == nil {
			return nil
		}
		if b, ok := v.([]byte); ok {
			return string(b)
		}
		raw, _ := json.Marshal(v)
		return string(raw)
	}
	if _, err := tx.ExecContext(ctx, s.rebind(`INSERT INTO audit (at, actor, action, target, before, after) VALUES (?, ?, ?, ?, ?, ?)`),
		now(), string(actor), action, target, enc(before), enc(after)); err != nil {
		return err
	}
	// Every audited change is a new generation: read caches start again.
	var gen int64
	if err := tx.QueryRowContext(ctx, `UPDATE generation SET n = n + 1 WHERE id = 1 RETURNING n`).Scan(&gen); err != nil {
		return err
	}
	s.committing(tx).gen = gen
	return nil
}

// PutService creates or replaces a service's own part, when c holds for
// the own part as stored (tagged by ServiceTag), and returns its new tag.
// The document's apiVersion, freezeWindows and blackouts are its own;
// platform ones are added when it is served.
func (s *Store) PutService(ctx context.Context, actor Actor, repo string, own *stages.Document, c Cond) (string, error) {
	own.APIVersion = stages.APIVersion
	body, _ := json.Marshal(own)
	err := s.tx(ctx, func(tx *sql.Tx) error {
		raw, err := s.serviceRaw(ctx, tx, repo)
		if err != nil && !errors.Is(err, ErrNotFound) {
			return err
		}
		if err := c.check("the service "+repo, tagIfAny(raw)); err != nil {
			return err
		}
		if raw == "" {
			// GitHub's repository names are case-insensitive: one
			// repository, one service.
			var other string
			err := tx.QueryRowContext(ctx, s.rebind(`SELECT repo FROM services WHERE LOWER(repo) = ?`), strings.ToLower(repo)).Scan(&other)
			if err == nil {
				return &ChangeError{Problems: []stages.Problem{{Path: "service.repo", Code: stages.CodeDuplicate,
					Message: fmt.Sprintf("%s is %s in another case, which is registered already; GitHub names repositories regardless of case: change %s instead", repo, other, other)}}}
			}
			if !errors.Is(err, sql.ErrNoRows) {
				return err
			}
		}
		if _, err := tx.ExecContext(ctx, s.rebind(`INSERT INTO services (repo, body, updated_at) VALUES (?, ?, ?)
			ON CONFLICT (repo) DO UPDATE SET body = excluded.body, updated_at = excluded.updated_at`), repo, string(body), now()); err != nil {
			return err
		}
		if err := s.validateAll(ctx, tx, []string{repo}); err != nil {
			return err
		}
		if err := s.pruneTeamEnvironments(ctx, tx, repo, own); err != nil {
			return err
		}
		var b any
		if raw != "" {
			b = []byte(raw)
		}
		return s.audit(ctx, tx, actor, "service.put", repo, b, own)
	})
	return tagOf(body), err
}

// teamEnvironments are the environments of repo that its team added
// through the developer API: the only ones a team may remove.
func (s *Store) teamEnvironments(ctx context.Context, db q, repo string) (map[string]bool, error) {
	rows, err := db.QueryContext(ctx, s.rebind(`SELECT name FROM team_environments WHERE repo = ?`), repo)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string]bool{}
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			return nil, err
		}
		out[n] = true
	}
	return out, rows.Err()
}

// TeamEnvironments lists the environments of repo its team added.
func (s *Store) TeamEnvironments(ctx context.Context, repo string) (map[string]bool, error) {
	return s.teamEnvironments(ctx, s.db, repo)
}

// pruneTeamEnvironments forgets every team environment that d no longer
// holds as the team added it: gone, moved out of its test stage, or in
// another account or region. What the platform removes or changes is no
// longer the team's, and the same name defined later is the platform's.
func (s *Store) pruneTeamEnvironments(ctx context.Context, tx *sql.Tx, repo string, d *stages.Document) error {
	rows, err := tx.QueryContext(ctx, s.rebind(`SELECT name, stage, account, region FROM team_environments WHERE repo = ?`), repo)
	if err != nil {
		return err
	}
	type added struct{ name, stage, account, region string }
	var gone []string
	var recs []added
	for rows.Next() {
		var a added
		if err := rows.Scan(&a.name, &a.stage, &a.account, &a.region); err != nil {
			rows.Close()
			return err
		}
		recs = append(recs, a)
	}
	rows.Close()
	for _, a := range recs {
		held := slices.ContainsFunc(environmentsOf(d), func(e stageEnvironment) bool {
			return e.Stage == a.stage && e.Name == a.name && e.Account == a.account && e.Region == a.region && slices.Contains(testStages, e.Stage)
		})
		if !held {
			gone = append(gone, a.name)
		}
	}
	for _, name := range gone {
		if _, err := tx.ExecContext(ctx, s.rebind(`DELETE FROM team_environments WHERE repo = ? AND name = ?`), repo, name); err != nil {
			return err
		}
	}
	return nil
}

// tagIfAny is the tag of a stored form, "" when there is none.
func tagIfAny(raw string) string {
	if raw == "" {
		return ""
	}
	return tagOf([]byte(raw))
}

// ServiceTag is a service's own part and its entity tag.
func (s *Store) ServiceTag(ctx context.Context, repo string) (*stages.Document, string, error) {
	raw, err := s.serviceRaw(ctx, s.db, repo)
	if err != nil {
		return nil, "", err
	}
	var d stages.Document
	if err := json.Unmarshal([]byte(raw), &d); err != nil {
		return nil, "", fmt.Errorf("configsvc: the stored body of %s is damaged: %w", repo, err)
	}
	return &d, tagOf([]byte(raw)), nil
}

// Service is a service's own part.
func (s *Store) Service(ctx context.Context, repo string) (*stages.Document, error) {
	return s.serviceBody(ctx, s.db, repo)
}

// DeleteService removes a service, when c holds for its own part.
func (s *Store) DeleteService(ctx context.Context, actor Actor, repo string, c Cond) error {
	return s.tx(ctx, func(tx *sql.Tx) error {
		raw, err := s.serviceRaw(ctx, tx, repo)
		if err != nil {
			return err
		}
		if err := c.check("the service "+repo, tagOf([]byte(raw))); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, s.rebind(`DELETE FROM services WHERE repo = ?`), repo); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, s.rebind(`DELETE FROM runbooks WHERE repo = ?`), repo); err != nil {
			return err
		}
		if err := s.pruneTeamEnvironments(ctx, tx, repo, &stages.Document{}); err != nil {
			return err
		}
		return s.audit(ctx, tx, actor, "service.delete", repo, []byte(raw), nil)
	})
}

// EditService changes a service's own part with f, inside the
// transaction (which f may also read and write: what the change depends
// on beside the document), and validates the result: the developer API's
// test environments. c is held against the service's v1 document
// (DocumentTag), what the developers read; the document's new tag is
// returned.
func (s *Store) EditService(ctx context.Context, actor Actor, action, repo string, c Cond, f func(tx *sql.Tx, d *stages.Document) error) (string, error) {
	var tag string
	err := s.tx(ctx, func(tx *sql.Tx) error {
		doc, err := s.document(ctx, tx, repo)
		if err != nil {
			return err
		}
		if err := c.check("the document of "+repo, tagOf(doc)); err != nil {
			return err
		}
		d, err := s.serviceBody(ctx, tx, repo)
		if err != nil {
			return err
		}
		before, _ := json.Marshal(d)
		// A refusal from f is listed with the validation's problems.
		var refused *ChangeError
		if err := f(tx, d); err != nil && !errors.As(err, &refused) {
			return err
		}
		body, _ := json.Marshal(d)
		if _, err := tx.ExecContext(ctx, s.rebind(`UPDATE services SET body = ?, updated_at = ? WHERE repo = ?`), string(body), now(), repo); err != nil {
			return err
		}
		if err := s.pruneTeamEnvironments(ctx, tx, repo, d); err != nil {
			return err
		}
		if err := s.validateAll(ctx, tx, []string{repo}); err != nil || refused != nil {
			var ce *ChangeError
			if refused != nil && (err == nil || errors.As(err, &ce)) {
				if ce != nil {
					refused.Problems = append(refused.Problems, ce.Problems...)
				}
				return refused
			}
			return err
		}
		if doc, err = s.document(ctx, tx, repo); err != nil {
			return err
		}
		tag = tagOf(doc)
		return s.audit(ctx, tx, actor, action, repo, before, body)
	})
	return tag, err
}

// PutAccount registers or renames an account, when c holds for it
// (AccountTag), and returns its new tag.
func (s *Store) PutAccount(ctx context.Context, actor Actor, a Account, c Cond) (string, error) {
	if problems := a.normalize(); len(problems) > 0 {
		return "", &ChangeError{Problems: problems}
	}
	teams, _ := json.Marshal(nonNil(a.Teams))
	err := s.tx(ctx, func(tx *sql.Tx) error {
		before, tag, err := s.account(ctx, tx, a.ID)
		if err != nil && !errors.Is(err, ErrNotFound) {
			return err
		}
		if err := c.check("the account "+a.ID, tag); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, s.rebind(`INSERT INTO accounts (id, name, description, kind, teams) VALUES (?, ?, ?, ?, ?)
			ON CONFLICT (id) DO UPDATE SET name = excluded.name, description = excluded.description, kind = excluded.kind, teams = excluded.teams`), a.ID, a.Name, a.Description, a.Kind, string(teams)); err != nil {
			return err
		}
		var b any
		if tag != "" {
			b = before
		}
		return s.audit(ctx, tx, actor, "account.put", a.ID, b, a)
	})
	return accountTag(a), err
}

func accountTag(a Account) string {
	raw, _ := json.Marshal(a)
	return tagOf(raw)
}

// account reads one account and its tag.
func (s *Store) account(ctx context.Context, db q, id string) (Account, string, error) {
	a := Account{ID: id}
	var teams string
	err := db.QueryRowContext(ctx, s.rebind(`SELECT name, description, kind, teams FROM accounts WHERE id = ?`), id).Scan(&a.Name, &a.Description, &a.Kind, &teams)
	if errors.Is(err, sql.ErrNoRows) {
		return Account{}, "", ErrNotFound
	}
	if err != nil {
		return Account{}, "", err
	}
	json.Unmarshal([]byte(teams), &a.Teams)
	return a, accountTag(a), nil
}

// AccountTag is one account and its entity tag.
func (s *Store) AccountTag(ctx context.Context, id string) (Account, string, error) {
	return s.account(ctx, s.db, id)
}

// Accounts lists the registered accounts.
func (s *Store) Accounts(ctx context.Context) ([]Account, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT id, name, description, kind, teams FROM accounts ORDER BY id`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Account
	for rows.Next() {
		var a Account
		var teams string
		if err := rows.Scan(&a.ID, &a.Name, &a.Description, &a.Kind, &teams); err != nil {
			return nil, err
		}
		json.Unmarshal([]byte(teams), &a.Teams)
		out = append(out, a)
	}
	return out, rows.Err()
}

// DeleteAccount removes an account no document uses, when c holds for it.
func (s *Store) DeleteAccount(ctx context.Context, actor Actor, id string, c Cond) error {
	return s.tx(ctx, func(tx *sql.Tx) error {
		before, tag, err := s.account(ctx, tx, id)
		if err != nil {
			return err
		}
		if err := c.check("the account "+id, tag); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, s.rebind(`DELETE FROM accounts WHERE id = ?`), id); err != nil {
			return err
		}
		repos, err := s.repos(ctx, tx)
		if err != nil {
			return err
		}
		if err := s.validateAll(ctx, tx, repos); err != nil {
			return err
		}
		return s.audit(ctx, tx, actor, "account.delete", id, before, nil)
	})
}

// PutCalendar creates or replaces a platform window (kind "window") or
// blackout (kind "blackout"), when c holds for it (CalendarTag), and
// returns its new tag; every service's document must stay valid.
func (s *Store) PutCalendar(ctx context.Context, actor Actor, kind, name string, body any, c Cond) (string, error) {
	if !reEntryName.MatchString(name) {
		return "", &ChangeError{Problems: []stages.Problem{{Path: "name", Code: stages.CodeInvalid,
			Message: fmt.Sprintf("%.80q must start with a letter, hold only letters, digits and hyphens, and be at most 64 characters", name)}}}
	}
	if err := validateCalendarEntry(kind, body); err != nil {
		return "", err
	}
	raw, _ := json.Marshal(body)
	err := s.tx(ctx, func(tx *sql.Tx) error {
		prevKind, prev, err := s.calendarEntry(ctx, tx, name)
		if err != nil && !errors.Is(err, ErrNotFound) {
			return err
		}
		if prevKind != "" && prevKind != kind {
			return &ChangeError{Problems: []stages.Problem{{Path: "name", Code: stages.CodeDuplicate, Message: fmt.Sprintf("%q is already a platform %s: names are shared by windows and blackouts", name, prevKind)}}}
		}
		if err := c.check("the platform "+kind+" "+name, tagIfAny(prev)); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, s.rebind(`INSERT INTO calendar (name, kind, body) VALUES (?, ?, ?)
			ON CONFLICT (name) DO UPDATE SET body = excluded.body`), name, kind, string(raw)); err != nil {
			return err
		}
		return s.platformChanged(ctx, tx, actor, kind+".put", name, prev, raw)
	})
	return tagOf(raw), err
}

// calendarEntry reads a platform window or blackout as stored, and its kind.
func (s *Store) calendarEntry(ctx context.Context, db q, name string) (kind, body string, err error) {
	err = db.QueryRowContext(ctx, s.rebind(`SELECT kind, body FROM calendar WHERE name = ?`), name).Scan(&kind, &body)
	if errors.Is(err, sql.ErrNoRows) {
		return "", "", ErrNotFound
	}
	return kind, body, err
}

// calendarEntry is a platform window or blackout as stored.
type calendarEntry struct{ kind, name, body string }

// calendarEntries lists the platform windows and blackouts as stored.
func (s *Store) calendarEntries(ctx context.Context) ([]calendarEntry, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT kind, name, body FROM calendar ORDER BY name`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []calendarEntry
	for rows.Next() {
		var e calendarEntry
		if err := rows.Scan(&e.kind, &e.name, &e.body); err != nil {
			return nil, err
		}
		out = append(out, e)
	}
	return out, rows.Err()
}

// CalendarTag is a platform window or blackout of the kind, as stored (its
// JSON), and its entity tag.
func (s *Store) CalendarTag(ctx context.Context, kind, name string) (json.RawMessage, string, error) {
	k, body, err := s.calendarEntry(ctx, s.db, name)
	if err == nil && k != kind {
		err = ErrNotFound
	}
	if err != nil {
		return nil, "", err
	}
	return json.RawMessage(body), tagOf([]byte(body)), nil
}

// parsedExample is the example document, parsed once.
var parsedExample = sync.OnceValues(func() (*stages.Document, error) {
	cfg, err := stages.Parse(stages.ExampleDocument(), "example")
	if err != nil {
		return nil, err
	}
	return cfg.Document, nil
})

// validateCalendarEntry holds a platform window or blackout to the
// library's rules on its own, whatever services there are now: it is
// checked as the only window (or blackout) of the example document, which
// has every stage.
func validateCalendarEntry(kind string, body any) error {
	field := "freezeWindows[0]"
	if _, ok := body.(Blackout); ok {
		field = "blackouts[0]"
	}
	return validateInExample("the "+kind, field, func(d *stages.Document) {
		d.FreezeWindows, d.Blackouts = nil, nil
		switch b := body.(type) {
		case Window:
			d.FreezeWindows = []Window{b}
		case Blackout:
			d.Blackouts = []Blackout{b}
		}
	})
}

// Calendar lists the platform windows and blackouts.
func (s *Store) Calendar(ctx context.Context) ([]Window, []Blackout, error) {
	return s.calendar(ctx, s.db)
}

// DeleteCalendar removes a platform window or blackout, when c holds for it.
func (s *Store) DeleteCalendar(ctx context.Context, actor Actor, kind, name string, c Cond) error {
	return s.tx(ctx, func(tx *sql.Tx) error {
		k, body, err := s.calendarEntry(ctx, tx, name)
		if err == nil && k != kind {
			err = ErrNotFound
		}
		if err != nil {
			return err
		}
		if err := c.check("the platform "+kind+" "+name, tagOf([]byte(body))); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, s.rebind(`DELETE FROM calendar WHERE name = ? AND kind = ?`), name, kind); err != nil {
			return err
		}
		return s.audit(ctx, tx, actor, kind+".delete", name, []byte(body), nil)
	})
}

// AuditEntry is one change.
type AuditEntry struct {
	ID     int64           `json:"id"`
	At     string          `json:"at"`
	Actor  string          `json:"actor"`
	Action string          `json:"action"`
	Target string          `json:"target"`
	Before json.RawMessage `json:"before,omitempty"`
	After  json.RawMessage `json:"after,omitempty"`
}

// Audit lists the newest changes first, at most limit, of target when it
// is not empty.
func (s *Store) Audit(ctx context.Context, target string, limit int) ([]AuditEntry, error) {
	query := `SELECT id, at, actor, action, target, before, after FROM audit`
	var args []any
	if target != "" {
		query += ` WHERE target = ?`
		args = append(args, target)
	}
	query += ` ORDER BY id DESC LIMIT ?`
	args = append(args, limit)
	rows, err := s.db.QueryContext(ctx, s.rebind(query), args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []AuditEntry
	for rows.Next() {
		var e AuditEntry
		var before, after sql.NullString
		if err := rows.Scan(&e.ID, &e.At, &e.Actor, &e.Action, &e.Target, &before, &after); err != nil {
			return nil, err
		}
		if before.Valid {
			e.Before = json.RawMessage(before.String)
		}
		if after.Valid {
			e.After = json.RawMessage(after.String)
		}
		out = append(out, e)
	}
	return out, rows.Err()
}
