package configsvc

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/handsoff-cdk/handsoff/internal/configapi"
	"github.com/handsoff-cdk/handsoff/stages"
)

// Location and ServiceLocations are the response's shapes, shared with
// the CLI.
type (
	Location         = configapi.Location
	ServiceLocations = configapi.ServiceLocations
)

// Locations finds the services whose repository or name is service (case
// insensitive) and lists their environments from the served documents.
func (s *Store) Locations(ctx context.Context, service string) ([]ServiceLocations, error) {
	repos, err := s.Repos(ctx)
	if err != nil {
		return nil, err
	}
	out := []ServiceLocations{}
	for _, repo := range repos {
		raw, err := s.Document(ctx, repo)
		if err != nil {
			return nil, err
		}
		cfg, err := stages.Parse(raw, repo)
		if err != nil {
			return nil, fmt.Errorf("the document of %s does not parse: %w", repo, err) // every change is validated: a bug
		}
		if !strings.EqualFold(cfg.Service.Repo, service) && !strings.EqualFold(cfg.Service.Name, service) {
			continue
		}
		sl := ServiceLocations{Repo: cfg.Service.Repo, Name: cfg.Service.Name, Owner: cfg.Service.Owner, Environments: []Location{}}
		for _, e := range cfg.Environments() {
			sl.Environments = append(sl.Environments, Location{Environment: e.Name, Stage: e.Stage, Wave: e.Wave, Account: e.Account, Region: e.Region, OneBox: e.OneBox})
		}
		out = append(out, sl)
	}
	return out, nil
}

// getLocations answers GET /v1/locations?service=NAME for any valid token:
// where a service runs is what every developer of the organization may ask.
func (s *Server) getLocations(w http.ResponseWriter, r *http.Request) {
	t := s.auth(r)
	if t == nil || t.Role == roleUnavailable {
		allow(w, t, "", "")
		return
	}
	name := r.URL.Query().Get("service")
	if name == "" {
		fail(w, http.StatusUnprocessableEntity, "the query is not valid", stages.Problem{Path: "service", Code: stages.CodeRequired, Message: "is required: a service's name or repository, such as orders or acme/orders"})
		return
	}
	found, err := s.Store.Locations(r.Context(), name)
	if err != nil {
		s.failErr(w, r, err)
		return
	}
	if len(found) == 0 {
		fail(w, http.StatusNotFound, fmt.Sprintf("no service is named %q or has that repository", name))
		return
	}
	writeJSON(w, http.StatusOK, configapi.Locations{Services: found})
}

// ManualDeploy is a deployment by hand that handsoff deploy forced past a
// refusal (prod, a freeze window, a blackout), recorded with its reason.
type ManualDeploy struct {
	Environment string   `json:"environment"`
	Reason      string   `json:"reason"`
	Command     string   `json:"command"`
	Refusals    []string `json:"refusals"`
}

// MinReasonLength is the shortest reason a forced deploy may give: a
// sentence, not "x".
const MinReasonLength = 12

// RecordManualDeploy writes a forced deploy into the audit log, after
// checking the environment is the service's.
func (s *Store) RecordManualDeploy(ctx context.Context, actor Actor, repo string, d ManualDeploy) error {
	var problems []stages.Problem
	if utf8.RuneCountInString(strings.TrimSpace(d.Reason)) < MinReasonLength {
		problems = append(problems, stages.Problem{Path: "reason", Code: stages.CodeRequired,
			Message: fmt.Sprintf("is required, as a sentence of at least %d characters: why this deploy cannot wait for the pipeline", MinReasonLength)})
	}
	raw, err := s.Document(ctx, repo)
	if err != nil {
		return err
	}
	cfg, err := stages.Parse(raw, repo)
	if err != nil {
		return err
	}
	var names []string
	for _, e := range cfg.Environments() {
		names = append(names, e.Name)
	}
	if !slices.Contains(names, d.Environment) {
		problems = append(problems, stages.Problem{Path: "environment", Code: stages.CodeInvalid,
			Message: fmt.Sprintf("%q is not an environment of %s; environments: %s", d.Environment, repo, strings.Join(names, ", "))})
	}
	problems = append(problems, textProblem("reason", d.Reason, 1000)...)
	problems = append(problems, textProblem("command", d.Command, 2000)...)
	if len(d.Refusals) > 20 {
		problems = append(problems, stages.Problem{Path: "refusals", Code: stages.CodeInvalid, Message: fmt.Sprintf("lists %d refusals; at most 20", len(d.Refusals))})
	}
	for i, r := range d.Refusals {
		problems = append(problems, textProblem(fmt.Sprintf("refusals[%d]", i), r, 200)...)
	}
	if len(problems) > 0 {
		return &ChangeError{Problems: problems}
	}
	return s.tx(ctx, func(tx *sql.Tx) error {
		return s.audit(ctx, tx, actor, "deploy.manual", repo, nil, d)
	})
}

// postDeployment answers POST /v1/services/{owner}/{repo}/deployments.
func (s *Server) postDeployment(w http.ResponseWriter, r *http.Request) {
	repo := repoOf(r)
	t := s.auth(r)
	if !allow(w, t, repo, RoleTeam) {
		return
	}
	if !s.deploys.allowAt(t.ID, time.Now(), 0.1, 10) { // 10 at once, then one in 10 s
		w.Header().Set("Retry-After", "10")
		fail(w, http.StatusTooManyRequests, "this token recorded too many forced deploys at once; nothing was recorded")
		return
	}
	var d ManualDeploy
	if !decode(w, r, &d) {
		return
	}
	if err := s.Store.RecordManualDeploy(r.Context(), actor(t), repo, d); err != nil {
		var ce *ChangeError
		if errors.As(err, &ce) {
			fail(w, http.StatusUnprocessableEntity, "the deployment is not recorded", ce.Problems...)
			return
		}
		s.failErr(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, d)
}
