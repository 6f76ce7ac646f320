// Package configtest runs the real configuration service (cmd/handsoff-config)
// on SQLite in a temporary directory, for the tests of the packages that
// talk to it: the CLI's and the pipeline's status reports. It is to the
// service what net/http/httptest is to a handler: the service's own code,
// not a fake, so that those tests break when the service changes its
// answers. Only tests import it.
package configtest

import (
	"context"
	"io"
	"log/slog"
	"net/http/httptest"
	"path/filepath"
	"testing"

	"github.com/handsoff-cdk/handsoff/cmd/handsoff-config/internal/configsvc"
	"github.com/handsoff-cdk/handsoff/stages"
)

// Roles of a token.
const (
	RoleTeam     = configsvc.RoleTeam
	RolePipeline = configsvc.RolePipeline
)

// Service is a running configuration service, seeded with the example
// document (acme/orders).
type Service struct {
	// URL is the service's base URL.
	URL   string
	store *configsvc.Store
}

// Start runs a service until the test ends.
func Start(t testing.TB) *Service {
	t.Helper()
	ctx := context.Background()
	st, err := configsvc.Open(ctx, filepath.Join(t.TempDir(), "config.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	if err := st.Seed(ctx, stages.ExampleDocument()); err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer((&configsvc.Server{Store: st, Log: slog.New(slog.NewTextHandler(io.Discard, nil))}).Handler())
	t.Cleanup(srv.Close)
	return &Service{URL: srv.URL, store: st}
}

// Token creates a token of role for repo and returns its secret.
func (s *Service) Token(t testing.TB, role, repo, name string) string {
	t.Helper()
	_, secret, err := s.store.CreateToken(context.Background(), "test", role, repo, name)
	if err != nil {
		t.Fatal(err)
	}
	return secret
}

// AddTestAccount registers a test account that team may put environments
// in.
func (s *Service) AddTestAccount(t testing.TB, id, name, team string) {
	t.Helper()
	if _, err := s.store.PutAccount(context.Background(), "test", configsvc.Account{ID: id, Name: name, Kind: configsvc.KindTest, Teams: []string{team}}, configsvc.Cond{}); err != nil {
		t.Fatal(err)
	}
}

// Document is repo's current document.
func (s *Service) Document(t testing.TB, repo string) []byte {
	t.Helper()
	doc, err := s.store.Document(context.Background(), repo)
	if err != nil {
		t.Fatal(err)
	}
	return doc
}

// Audited lists the state after each audited change of action on target,
// newest first (at most 100).
func (s *Service) Audited(t testing.TB, target, action string) []string {
	t.Helper()
	entries, err := s.store.Audit(context.Background(), target, 100)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range entries {
		if e.Action == action {
			out = append(out, string(e.After))
		}
	}
	return out
}

// PipelineStages lists, in order, the pipeline stages of a document the
// service takes status reports of.
func PipelineStages(cfg *stages.Config) []string { return configsvc.PipelineStages(cfg) }

// PipelineStage reports whether the service takes reports of a stage.
func PipelineStage(cfg *stages.Config, name string) bool { return configsvc.PipelineStage(cfg, name) }

// Status is what the service holds of repo's pipeline stages, as the
// pipeline reported them.
func (s *Service) Status(t testing.TB, repo string) []configsvc.Status {
	t.Helper()
	sts, err := s.store.StatusOf(context.Background(), repo)
	if err != nil {
		t.Fatal(err)
	}
	return sts
}

// Runbooks are the runbooks the service lists for repo, as its pipeline
// reported them, with their links.
func (s *Service) Runbooks(t testing.TB, repo string) []configsvc.Runbook {
	t.Helper()
	doc, err := s.store.Document(context.Background(), repo)
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := stages.Parse(doc, repo)
	if err != nil {
		t.Fatal(err)
	}
	rbs, err := s.store.Runbooks(context.Background(), repo, cfg)
	if err != nil {
		t.Fatal(err)
	}
	return rbs
}

// MaxRunbooksPerEnvironment is the most runbooks the service takes for
// one environment in a status report.
const MaxRunbooksPerEnvironment = configsvc.MaxRunbooksPerEnvironment
