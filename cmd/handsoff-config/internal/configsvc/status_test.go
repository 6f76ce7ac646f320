package configsvc

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"pgregory.net/rapid"

	"github.com/handsoff-cdk/handsoff/stages"
)

// TestStatusReports: the cases that misled the pages before: a late
// STARTED, a late report of an older execution, stages the pipeline does
// not have, a detail too large, a time in the future, a flood from one
// token, and the executions kept.
func TestStatusReports(t *testing.T) {
	forEachStore(t, func(t *testing.T, st *Store) {
		s := newService(t, st)
		const path = "/v1/services/acme/orders/status"
		report := func(body string) (int, string) {
			code, _, raw := s.do(t, "POST", path, s.pipelineTk, body)
			return code, raw
		}
		state := func(stage string) string {
			sts, err := st.StatusOf(ctx, "acme/orders")
			if err != nil {
				t.Fatal(err)
			}
			for _, x := range sts {
				if x.Stage == stage {
					return x.ExecutionID + " " + x.State
				}
			}
			return ""
		}
		at := func(minute int) string {
			return time.Date(2026, 12, 1, 10, minute, 0, 0, time.UTC).Format(time.RFC3339)
		}
		cases := []struct {
			name, body string
			want       int
			stage      string // then the state of this stage is
			state      string
		}{
			{"a failure", `{"executionId": "e-1", "stage": "orders-alpha", "state": "FAILED", "detail": {"time": "` + at(5) + `"}}`, 204, "orders-alpha", "e-1 FAILED"},
			{"its STARTED, late", `{"executionId": "e-1", "stage": "orders-alpha", "state": "STARTED", "detail": {"time": "` + at(1) + `"}}`, 204, "orders-alpha", "e-1 FAILED"},
			{"the next execution succeeds", `{"executionId": "e-2", "stage": "orders-alpha", "state": "SUCCEEDED", "at": "` + at(20) + `"}`, 204, "orders-alpha", "e-2 SUCCEEDED"},
			{"an older execution's failure, late", `{"executionId": "e-0", "stage": "orders-alpha", "state": "FAILED", "at": "` + at(0) + `"}`, 204, "orders-alpha", "e-2 SUCCEEDED"},
			{"e-1 goes on in a stage e-2 has not reached", `{"executionId": "e-1", "stage": "orders-beta", "state": "FAILED", "at": "` + at(6) + `"}`, 204, "orders-beta", "e-1 FAILED"},
			{"a stage the pipeline does not have", `{"executionId": "e-3", "stage": "orders-zeta", "state": "FAILED"}`, 422, "orders-zeta", ""},
			{"a fixed stage", `{"executionId": "e-3", "stage": "Build", "state": "SUCCEEDED"}`, 204, "Build", "e-3 SUCCEEDED"},
			{"an approval", `{"executionId": "e-3", "stage": "Approve-prod", "state": "STARTED"}`, 204, "Approve-prod", "e-3 STARTED"},
			{"a wave", `{"executionId": "e-3", "stage": "prod-wave-2", "state": "STARTED"}`, 204, "prod-wave-2", "e-3 STARTED"},
			{"a wave the plan does not have", `{"executionId": "e-3", "stage": "prod-wave-x", "state": "STARTED"}`, 422, "", ""},
			{"a planned wave of a stage with explicit waves", `{"executionId": "e-3", "stage": "prod-wave-99", "state": "FAILED"}`, 422, "", ""},
			{"a wave of a stage with none", `{"executionId": "e-3", "stage": "alpha-wave-1", "state": "FAILED"}`, 422, "", ""},
			{"the approval of a stage without one", `{"executionId": "e-3", "stage": "Approve-alpha", "state": "FAILED"}`, 422, "", ""},
			{"a failure and a late start in the same second", `{"executionId": "e-3", "stage": "gamma", "state": "FAILED", "at": "` + at(30) + `"}`, 204, "gamma", "e-3 FAILED"},
			{"the start, late", `{"executionId": "e-3", "stage": "gamma", "state": "STARTED", "at": "` + at(30) + `"}`, 204, "gamma", "e-3 FAILED"},
			{"a detail of null", `{"executionId": "e-3", "stage": "Build", "state": "FAILED", "detail": null}`, 422, "", ""},
			{"a detail time that is not a string", `{"executionId": "e-3", "stage": "Build", "state": "FAILED", "detail": {"time": 5}}`, 422, "", ""},
			{"a detail too large", `{"executionId": "e-3", "stage": "Build", "state": "FAILED", "detail": {"x": "` + strings.Repeat("x", MaxDetailBytes) + `"}}`, 422, "Build", "e-3 SUCCEEDED"},
			{"a detail that is not an object", `{"executionId": "e-3", "stage": "Build", "state": "FAILED", "detail": [1]}`, 422, "", ""},
			{"a time in the future", `{"executionId": "e-3", "stage": "Build", "state": "FAILED", "at": "2999-01-01T00:00:00Z"}`, 422, "Build", "e-3 SUCCEEDED"},
			{"a time that is not one", `{"executionId": "e-3", "stage": "Build", "state": "FAILED", "detail": {"time": "yesterday"}}`, 422, "", ""},
			{"an execution ID with a newline", `{"executionId": "e-3\n", "stage": "Build", "state": "FAILED"}`, 422, "", ""},
		}
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				if code, raw := report(c.body); code != c.want {
					t.Errorf("%d, want %d: %s", code, c.want, raw)
				}
				if c.stage != "" {
					if got := state(c.stage); got != c.state {
						t.Errorf("%s is %q, want %q", c.stage, got, c.state)
					}
				}
			})
		}
		// 3,000 reports with new stage names record nothing.
		for i := range 300 {
			report(fmt.Sprintf(`{"executionId": "x-%d", "stage": "s-%d", "state": "FAILED"}`, i, i))
		}
		var n int
		st.db.QueryRow(`SELECT COUNT(*) FROM pipeline_status`).Scan(&n)
		if n > 10 {
			t.Errorf("%d reports stored", n)
		}
		// The newest maxExecutions executions are kept, also when they
		// all began in the same second.
		tie := time.Now().Add(30 * time.Minute).UTC().Format(eventTime)
		for i := range maxExecutions + 30 {
			if err := st.ReportStatus(ctx, "acme/orders", Status{ExecutionID: fmt.Sprintf("tie-%03d", i), Stage: "Source", State: "SUCCEEDED", At: tie}); err != nil {
				t.Fatal(err)
			}
		}
		st.db.QueryRow(`SELECT COUNT(*) FROM executions`).Scan(&n)
		if n != maxExecutions {
			t.Errorf("%d executions kept when their times tie, want %d", n, maxExecutions)
		}
		base := time.Now().Add(time.Hour).Truncate(time.Second)
		for i := range maxExecutions + 20 {
			if err := st.ReportStatus(ctx, "acme/orders", Status{ExecutionID: fmt.Sprintf("k-%03d", i), Stage: "Build", State: "SUCCEEDED",
				At: base.Add(time.Duration(i) * time.Second).UTC().Format(eventTime)}); err != nil {
				t.Fatal(err)
			}
		}
		st.db.QueryRow(`SELECT COUNT(*) FROM executions`).Scan(&n)
		if n != maxExecutions {
			t.Errorf("%d executions kept, want %d", n, maxExecutions)
		}
		if got := state("Build"); got != fmt.Sprintf("k-%03d SUCCEEDED", maxExecutions+19) {
			t.Errorf("Build is %q after the flood of executions", got)
		}
		if err := st.PruneStatus(ctx, base.Add(60*time.Second)); err != nil {
			t.Fatal(err)
		}
		st.db.QueryRow(`SELECT COUNT(*) FROM executions`).Scan(&n)
		if n != 60 {
			t.Errorf("%d executions after pruning those before the 60th, want 60", n)
		}
	})
}

// TestReportRate: one token's flood is answered 429 with Retry-After
// once its burst is spent.
func TestReportRate(t *testing.T) {
	s := newService(t, newSQLite(t))
	limited := 0
	for range reportBurst + 30 {
		code, h, _ := s.do(t, "POST", "/v1/services/acme/orders/status", s.pipelineTk, `{"executionId": "e-1", "stage": "Build", "state": "STARTED"}`)
		if code == http.StatusTooManyRequests && h.Get("Retry-After") != "" {
			limited++
		}
	}
	if limited == 0 {
		t.Errorf("%d reports at once, none limited", reportBurst+30)
	}
}

// TestStatusIsOrderIndependent: whatever order reports arrive in, and
// however often each arrives (EventBridge delivers at least once, in no
// promised order), the status is what it is when they arrive once each
// in the order they happened.
func TestStatusIsOrderIndependent(t *testing.T) {
	st := newSQLite(t)
	cfg, err := stages.Parse(stages.ExampleDocument(), "example")
	if err != nil {
		t.Fatal(err)
	}
	stageNames := []string{"Build", "orders-alpha", "orders-beta", "gamma"}
	states := []string{"STARTED", "SUCCEEDED", "FAILED", "CANCELED"}
	run := 0
	rapid.Check(t, func(rt *rapid.T) {
		run++
		// Events, two to a second, each of an execution that began with
		// its first event.
		n := rapid.IntRange(1, 14).Draw(rt, "events")
		var events []Status
		for i := range n {
			events = append(events, Status{
				ExecutionID: fmt.Sprintf("e-%d", rapid.IntRange(0, 3).Draw(rt, "execution")),
				Stage:       rapid.SampledFrom(stageNames).Draw(rt, "stage"),
				State:       rapid.SampledFrom(states).Draw(rt, "state"),
				// Two events a second: EventBridge's times tie.
				At: time.Date(2026, 12, 1, 0, 0, i/2, 0, time.UTC).Format(eventTime),
			})
		}
		for _, e := range events {
			if !PipelineStage(cfg, e.Stage) {
				rt.Fatalf("the generator's stage %s is not the example's", e.Stage)
			}
		}
		inOrder, shuffled := fmt.Sprintf("order/in-%d", run), fmt.Sprintf("order/shuffled-%d", run)
		for _, e := range events {
			if err := st.ReportStatus(ctx, inOrder, e); err != nil {
				rt.Fatal(err)
			}
		}
		deliveries := rapid.SliceOfN(rapid.IntRange(0, n-1), n, 3*n).Draw(rt, "deliveries")
		seen := map[int]bool{}
		for _, i := range deliveries {
			seen[i] = true
		}
		for i := range n { // every event arrives at least once
			if !seen[i] {
				deliveries = append(deliveries, i)
			}
		}
		for _, i := range deliveries {
			if err := st.ReportStatus(ctx, shuffled, events[i]); err != nil {
				rt.Fatal(err)
			}
		}
		want, _ := st.StatusOf(ctx, inOrder)
		got, _ := st.StatusOf(ctx, shuffled)
		if fmt.Sprint(want) != fmt.Sprint(got) {
			rt.Fatalf("delivered in order:\n%v\ndelivered as %v:\n%v", want, deliveries, got)
		}
		// And it is what the definition says, computed here on its own:
		// per stage, the newest event of the execution whose first event
		// is newest among those that reported that stage.
		first := map[string]string{}
		for _, e := range events {
			if f, ok := first[e.ExecutionID]; !ok || e.At < f {
				first[e.ExecutionID] = e.At
			}
		}
		// Ties: executions by ID, a stage's states by stateRank.
		newer := func(a, b Status) bool { // a over b
			if fa, fb := first[a.ExecutionID], first[b.ExecutionID]; fa != fb || a.ExecutionID != b.ExecutionID {
				return fa > fb || fa == fb && a.ExecutionID > b.ExecutionID
			}
			return a.At > b.At || a.At == b.At && stateRank[a.State] > stateRank[b.State]
		}
		best := map[string]Status{}
		for _, e := range events {
			if b, ok := best[e.Stage]; !ok || newer(e, b) {
				best[e.Stage] = e
			}
		}
		for _, g := range got {
			if b := best[g.Stage]; b.ExecutionID != g.ExecutionID || b.State != g.State {
				rt.Fatalf("%s is %s %s, by definition %s %s", g.Stage, g.ExecutionID, g.State, b.ExecutionID, b.State)
			}
		}
		if len(got) != len(best) {
			rt.Fatalf("%d stages reported, %d by definition", len(got), len(best))
		}
	})
}

// TestPlannedWaveStages: the waves the library plans for a prod stage
// that lists its environments plainly are stages the service accepts.
func TestPlannedWaveStages(t *testing.T) {
	doc := strings.Replace(string(stages.ExampleDocument()), `"waves": [
        { "name": "onebox", "bake": "1h", "environments": [ { "name": "prod-use1-onebox", "account": "444444444444", "region": "us-east-1", "onebox": true } ] },
        { "name": "wave-1", "bake": "2h", "environments": [ { "name": "prod-use1", "account": "444444444444", "region": "us-east-1" } ] },
        { "name": "wave-2", "environments": [`, `"environments": [`, 1)
	doc = strings.Replace(doc, `{ "name": "prod-ape1", "account": "666666666666", "region": "ap-east-1" }
        ] }
      ]`, `{ "name": "prod-ape1", "account": "666666666666", "region": "ap-east-1" }
      ]`, 1)
	cfg, err := stages.Parse([]byte(doc), "planned")
	if err != nil {
		t.Fatal(err)
	}
	prod := cfg.Stages[len(cfg.Stages)-1]
	if !prod.PlannedWaves {
		t.Fatal("the test's document does not make the library plan prod's waves")
	}
	for _, w := range prod.Waves {
		if name := fmt.Sprintf("%s-%s", prod.Name, w.Name); !PipelineStage(cfg, name) {
			t.Errorf("planned wave %s refused", name)
		}
	}
}
