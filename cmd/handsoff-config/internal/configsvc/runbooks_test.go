package configsvc

import (
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"pgregory.net/rapid"

	"github.com/handsoff-cdk/handsoff/internal/names"
	"github.com/handsoff-cdk/handsoff/internal/signin"
	"github.com/handsoff-cdk/handsoff/stages"
)

// runbookReport is a status report of the example pipeline whose
// runbooks map gives each environment of each single-environment stage
// the runbooks of lists.
type modelRunbooks struct {
	at    string
	names []string
}

// TestRunbooksFollowTheLastSuccess: whatever reports arrive, in whatever
// order, an environment lists the runbooks of the latest SUCCEEDED (by
// event time; on a tie, the later to arrive) of a stage that deploys it,
// and nothing that a failure, a start, or another stage's success
// carried; a report the service refuses changes nothing. The model is a
// map kept by the test.
func TestRunbooksFollowTheLastSuccess(t *testing.T) {
	forEachStore(t, func(t *testing.T, st *Store) {
		seeded(t, st)
		doc, err := st.Document(ctx, "acme/orders")
		if err != nil {
			t.Fatal(err)
		}
		cfg, err := stages.Parse(doc, "acme/orders")
		if err != nil {
			t.Fatal(err)
		}
		// The stages that deploy one environment, as the pipeline names
		// them (pipeline.waveStageName), and the environment.
		single := map[string]string{}
		var stageNames, envNames []string
		for _, s := range cfg.Stages {
			for _, w := range s.Waves {
				for _, e := range w.Environments {
					envNames = append(envNames, e.Name)
				}
				if len(w.Environments) == 1 {
					n := names.Stage(cfg.Service.Name, w.Environments[0].Name)
					single[n] = w.Environments[0].Name
					stageNames = append(stageNames, n)
				}
			}
		}
		slices.Sort(stageNames)
		run := 0
		rapid.Check(t, func(rt *rapid.T) {
			run++
			repo := "acme/orders"
			// Each run starts from no runbooks.
			if _, err := st.db.ExecContext(ctx, `DELETE FROM runbooks`); err != nil {
				rt.Fatal(err)
			}
			model := map[string]modelRunbooks{}
			n := rapid.IntRange(1, 12).Draw(rt, "reports")
			for i := range n {
				stage := rapid.SampledFrom(stageNames).Draw(rt, "stage")
				state := rapid.SampledFrom([]string{"SUCCEEDED", "SUCCEEDED", "FAILED", "STARTED"}).Draw(rt, "state")
				minute := rapid.IntRange(0, 5).Draw(rt, "minute")
				at := time.Date(2026, 12, 1, 10, minute, 0, 0, time.UTC)
				rbs := map[string]map[string][]string{}
				for _, s := range stageNames {
					list := []string{}
					for k := range rapid.IntRange(0, 2).Draw(rt, "n") {
						list = append(list, fmt.Sprintf("orders-%s-rb%d-%d", single[s], i, k))
					}
					rbs[s] = map[string][]string{single[s]: list}
				}
				bad := false
				if rapid.IntRange(0, 5).Draw(rt, "hostile") == 0 {
					// One hostile or stale entry: another stage's
					// environment or a stage the pipeline does not have
					// (accepted, never recorded: a pipeline built from an
					// older document sends them), a name SSM refuses or a
					// duplicate (refused).
					other := rapid.SampledFrom(envNames).Draw(rt, "other")
					how := rapid.IntRange(0, 3).Draw(rt, "how")
					bad = how == 1 || how == 2
					switch how {
					case 0:
						if other == single[stage] {
							other = "nowhere"
						}
						rbs[stage][other] = []string{"orders-x"}
					case 1:
						rbs[stage][single[stage]] = []string{"javascript:alert(1)"}
					case 2:
						rbs[stage][single[stage]] = []string{"orders-dup", "orders-dup"}
					case 3:
						rbs["not-a-stage"] = map[string][]string{}
					}
				}
				rep := Status{ExecutionID: fmt.Sprintf("e-%d-%d", run, i), Stage: stage, State: state, At: at.Format(time.RFC3339), Runbooks: rbs}
				problems := checkReport(&rep, cfg, at.Add(time.Hour))
				if bad != (len(problems) > 0) {
					rt.Fatalf("report %d (hostile %v): problems %v", i, bad, problems)
				}
				if len(problems) > 0 {
					continue
				}
				if err := st.RecordReport(ctx, repo, cfg, rep); err != nil {
					rt.Fatal(err)
				}
				key := rep.At
				if state == "SUCCEEDED" {
					env := single[stage]
					if old, ok := model[env]; !ok || key >= old.at {
						model[env] = modelRunbooks{at: key, names: rbs[stage][env]}
					}
				}
			}
			got, err := st.Runbooks(ctx, repo, cfg)
			if err != nil {
				rt.Fatal(err)
			}
			want := []string{}
			for _, e := range cfg.Environments() {
				list := slices.Clone(model[e.Name].names)
				slices.Sort(list)
				for _, name := range list {
					want = append(want, e.Name+" "+name+" "+signin.RunbookLink(cfg.Access.SSOStartURL, cfg.Access.SSORoleName, e.Account, e.Region, name))
				}
			}
			var have []string
			for _, r := range got {
				have = append(have, r.Environment+" "+r.Name+" "+r.Link)
			}
			if strings.Join(have, "\n") != strings.Join(want, "\n") {
				rt.Fatalf("listed:\n%s\nwant:\n%s", strings.Join(have, "\n"), strings.Join(want, "\n"))
			}
		})
	})
}

// TestRunbooksOverHTTP: the pipeline's report lists a stage's runbooks;
// the API and the service page show them with links the service builds;
// an environment moved to another account shows none until its stage
// succeeds there; and a hostile report is refused with every problem.
func TestRunbooksOverHTTP(t *testing.T) {
	st := newSQLite(t)
	s := newService(t, st)
	const path = "/v1/services/acme/orders/status"
	rbs := map[string]map[string][]string{"orders-alpha": {"alpha": {"orders-alpha-refresh", "orders-alpha-snapshot"}}}
	body, _ := json.Marshal(Status{ExecutionID: "e-1", Stage: "orders-alpha", State: "SUCCEEDED", At: "2026-12-01T10:00:00Z", Runbooks: rbs})
	if code, _, raw := s.do(t, "POST", path, s.pipelineTk, string(body)); code != http.StatusNoContent {
		t.Fatalf("%d %s", code, raw)
	}
	code, _, raw := s.do(t, "GET", "/v1/services/acme/orders/runbooks", s.team, "")
	var got struct{ Runbooks []Runbook }
	json.Unmarshal([]byte(raw), &got)
	if code != 200 || len(got.Runbooks) != 2 || got.Runbooks[0].Name != "orders-alpha-refresh" || !strings.Contains(got.Runbooks[0].Link, "orders-alpha-refresh") {
		t.Fatalf("%d %s", code, raw)
	}
	if code, _, _ := s.do(t, "GET", "/v1/services/acme/orders/runbooks", s.other, ""); code != http.StatusForbidden {
		t.Errorf("another team's token reads the runbooks: %d", code)
	}
	// The page.
	code, _, page := s.do(t, "GET", "/ui/services/acme/orders", "", "", "Cookie", s.session(t, s.team))
	if code != 200 || !strings.Contains(page, `id="runbooks"`) || !strings.Contains(page, ">orders-alpha-snapshot</a>") {
		t.Errorf("the service page does not list the runbooks: %d", code)
	}
	// The document moves alpha to another account: its runbooks there
	// are not deployed yet, so none are listed.
	doc, _ := st.Document(ctx, "acme/orders")
	moved, _ := stages.Parse(doc, "acme/orders")
	for si := range moved.Stages {
		for wi := range moved.Stages[si].Waves {
			for ei, e := range moved.Stages[si].Waves[wi].Environments {
				if e.Name == "alpha" {
					moved.Stages[si].Waves[wi].Environments[ei].Account = "999999999999"
				}
			}
		}
	}
	if rb, err := st.Runbooks(ctx, "acme/orders", moved); err != nil || len(rb) != 0 {
		t.Errorf("alpha moved to another account still lists %v (%v)", rb, err)
	}
	// Hostile: every problem, nothing recorded.
	bad := `{"executionId": "e-2", "stage": "orders-alpha", "state": "SUCCEEDED", "at": "2026-12-01T11:00:00Z", "runbooks": {"orders-alpha": {"alpha": ["x"], "prod-us": []}, "orders-nowhere": {}}}`
	code, _, raw = s.do(t, "POST", path, s.pipelineTk, bad)
	for _, want := range []string{`runbooks[\"orders-alpha\"][\"alpha\"][0]`} {
		if !strings.Contains(raw, want) {
			t.Errorf("the refusal does not name %s: %s", want, raw)
		}
	}
	if code != http.StatusUnprocessableEntity {
		t.Errorf("a hostile report: %d", code)
	}
	if rb, _ := s.serviceRunbooksFor(t); len(rb) != 2 {
		t.Errorf("a refused report changed the runbooks: %v", rb)
	}
	// Stale entries (a stage the pipeline no longer has, an environment
	// another stage deploys), as a pipeline built from an older document
	// sends them: the report is taken, its state recorded, and they are not.
	stale := `{"executionId": "e-3", "stage": "orders-alpha", "state": "SUCCEEDED", "at": "2026-12-01T12:00:00Z", "runbooks": {"orders-alpha": {"alpha": ["orders-alpha-refresh"], "prod-use1": ["orders-prod-x"]}, "orders-nowhere": {"zeta": ["orders-zeta-x"]}}}`
	if code, _, raw := s.do(t, "POST", path, s.pipelineTk, stale); code != http.StatusNoContent {
		t.Fatalf("a report with stale entries: %d %s", code, raw)
	}
	if rb, _ := s.serviceRunbooksFor(t); len(rb) != 1 || rb[0].Name != "orders-alpha-refresh" {
		t.Errorf("after a report with stale entries: %v", rb)
	}
}

func (s *service) serviceRunbooksFor(t *testing.T) ([]Runbook, error) {
	doc, err := s.store.Document(ctx, "acme/orders")
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := stages.Parse(doc, "acme/orders")
	if err != nil {
		t.Fatal(err)
	}
	return s.store.Runbooks(ctx, "acme/orders", cfg)
}
