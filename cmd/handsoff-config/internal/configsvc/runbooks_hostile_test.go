package configsvc

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/handsoff-cdk/handsoff/internal/names"
	"github.com/handsoff-cdk/handsoff/stages"
)

// TestRunbooksRefusalIsBounded: a report with thousands of wrong keys in
// its runbooks map is refused with at most stages.MaxProblems problems
// and a count of the rest (as every other refusal), not one problem a key
// (a 190 KB body made a 3 MB answer); and the report's other problems
// (its time) are still listed.
func TestRunbooksRefusalIsBounded(t *testing.T) {
	st := newSQLite(t)
	s := newService(t, st)
	var b strings.Builder
	b.WriteString(`{"executionId": "e-9", "stage": "orders-alpha", "state": "SUCCEEDED", "at": "yesterday", "runbooks": {"gamma": {`)
	for i := range 9000 {
		if i > 0 {
			b.WriteString(",")
		}
		fmt.Fprintf(&b, `"%x":["x"]`, i)
	}
	b.WriteString("}}}")
	code, _, raw := s.do(t, "POST", "/v1/services/acme/orders/status", s.pipelineTk, b.String())
	if code != http.StatusUnprocessableEntity {
		t.Fatalf("%d %.300s", code, raw)
	}
	var got errorBody
	if err := json.Unmarshal([]byte(raw), &got); err != nil {
		t.Fatal(err)
	}
	if n := len(got.Problems); n > stages.MaxProblems+1 {
		t.Errorf("the refusal lists %d problems (%d bytes); at most %d and a count", n, len(raw), stages.MaxProblems)
	}
	if last := got.Problems[len(got.Problems)-1]; last.Code != stages.CodeTooMany || !strings.Contains(last.Message, "more problems") {
		t.Errorf("the refusal does not count what it leaves out: %+v", last)
	}
	if !strings.Contains(raw, `"path": "at"`) {
		t.Errorf("the refusal drops the report's bad time for the runbooks' problems")
	}
}

// TestRunbooksNullStage: a stage's entry that is null is refused, as an
// environment's null list is: the pipeline sends {} for a stage without
// environments.
func TestRunbooksNullStage(t *testing.T) {
	st := newSQLite(t)
	s := newService(t, st)
	code, _, raw := s.do(t, "POST", "/v1/services/acme/orders/status", s.pipelineTk,
		`{"executionId": "e-1", "stage": "orders-alpha", "state": "SUCCEEDED", "at": "2026-12-01T10:00:00Z", "runbooks": {"orders-alpha": null}}`)
	if code != http.StatusUnprocessableEntity || !strings.Contains(raw, `runbooks[\"orders-alpha\"]`) {
		t.Errorf("a null stage entry: %d %s", code, raw)
	}
}

// TestRunbooksReportRacingDeletion: a report checked against the
// service's document, recorded after the service was deleted (the
// request read the document, then the deletion committed), records
// nothing: re-creating a service of that name does not bring back the
// deleted one's runbooks.
func TestRunbooksReportRacingDeletion(t *testing.T) {
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
		own, err := st.Service(ctx, "acme/orders")
		if err != nil {
			t.Fatal(err)
		}
		rep := Status{ExecutionID: "e-1", Stage: "orders-alpha", State: "SUCCEEDED", At: "2026-12-01T10:00:00Z",
			Runbooks: map[string]map[string][]string{"orders-alpha": {"alpha": {"orders-alpha-old"}}}}
		if problems := checkReport(&rep, cfg, mustTime(t, "2026-12-01T11:00:00Z")); len(problems) > 0 {
			t.Fatal(problems)
		}
		if err := st.DeleteService(ctx, "t", "acme/orders", Cond{}); err != nil {
			t.Fatal(err)
		}
		st.RecordReport(ctx, "acme/orders", cfg, rep) // may refuse: the service is gone
		if _, err := st.PutService(ctx, "t", "acme/orders", own, Cond{}); err != nil {
			t.Fatal(err)
		}
		if rb, err := st.Runbooks(ctx, "acme/orders", cfg); err != nil || len(rb) != 0 {
			t.Errorf("the re-created service lists the deleted one's runbooks: %v (%v)", rb, err)
		}
	})
}

func mustTime(t *testing.T, v string) time.Time {
	t.Helper()
	at, err := time.Parse(time.RFC3339, v)
	if err != nil {
		t.Fatal(err)
	}
	return at
}

// TestPlannedWavesOfTheRealCapacity: the pipeline plans a prod stage that
// lists its environments plainly again once it knows how many stacks an
// environment has (stages.Config.Plan), so its waves may be smaller than
// those the service's own parse plans: a wave of one environment (named
// for the environment), more onebox waves. The service takes reports of
// those stages, and their runbooks for their environments: every report
// carries every stage's entry, so one stage refused refuses them all.
func TestPlannedWavesOfTheRealCapacity(t *testing.T) {
	doc := strings.Replace(string(stages.ExampleDocument()), `"waves": [
        { "name": "onebox", "bake": "1h", "environments": [ { "name": "prod-use1-onebox", "account": "444444444444", "region": "us-east-1", "onebox": true } ] },
        { "name": "wave-1", "bake": "2h", "environments": [ { "name": "prod-use1", "account": "444444444444", "region": "us-east-1" } ] },
        { "name": "wave-2", "environments": [`, `"environments": [
            { "name": "prod-use1-onebox", "account": "444444444444", "region": "us-east-1", "onebox": true },
            { "name": "prod-usw2-onebox", "account": "444444444444", "region": "us-west-2", "onebox": true },
            { "name": "prod-use1", "account": "444444444444", "region": "us-east-1" },`, 1)
	doc = strings.Replace(doc, `{ "name": "prod-ape1", "account": "666666666666", "region": "ap-east-1" }
        ] }
      ]`, `{ "name": "prod-ape1", "account": "666666666666", "region": "ap-east-1" }
      ]`, 1)
	// gamma deploys one environment, so that a wave of prod may be held
	// to one.
	doc = strings.Replace(doc, `,
        { "name": "gamma-euw1", "account": "333333333333", "region": "eu-west-1" }`, "", 1)
	cfg, err := stages.Parse([]byte(doc), "acme/orders")
	if err != nil {
		t.Fatal(err)
	}
	for _, stacks := range []int{1, 6, 12, 13, 20} {
		real, err := stages.Parse([]byte(doc), "acme/orders")
		if err != nil {
			t.Fatal(err)
		}
		if err := real.Plan(stages.Capacity{DeployActionsPerEnvironment: 2 * stacks}); err != nil {
			t.Fatalf("%d stacks: %v", stacks, err)
		}
		for _, s := range real.Stages {
			for _, w := range s.Waves {
				// pipeline.waveStageName
				var name string
				switch {
				case len(w.Environments) == 1:
					name = names.Stage(real.Service.Name, w.Environments[0].Name)
				case len(s.Waves) == 1 && w.Name == s.Name:
					name = s.Name
				default:
					name = names.Join(100, s.Name, w.Name)
				}
				if !PipelineStage(cfg, name) {
					t.Errorf("%d stacks: the service refuses reports of stage %s", stacks, name)
					continue
				}
				mine := stageEnvironments(cfg, name)
				for _, e := range w.Environments {
					if !mine[e.Name] {
						t.Errorf("%d stacks: the service refuses runbooks of %s from stage %s", stacks, e.Name, name)
					}
				}
			}
		}
	}
}
