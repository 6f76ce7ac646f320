package configsvc

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

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
	for i := range 19000 {
		if i > 0 {
			b.WriteString(",")
		}
		fmt.Fprintf(&b, `"%x":[]`, i)
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
