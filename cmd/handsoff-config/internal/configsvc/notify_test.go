package configsvc

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"
)

// TestBrokenPipelineNotice: a stage failed for longer than After is posted
// once; a younger failure, and a stage that recovered, are not.
func TestBrokenPipelineNotice(t *testing.T) {
	forEachStore(t, func(t *testing.T, s *Store) {
		seeded(t, s)
		var mu sync.Mutex
		var got []Notice
		hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			var n Notice
			json.NewDecoder(r.Body).Decode(&n)
			mu.Lock()
			got = append(got, n)
			mu.Unlock()
		}))
		defer hook.Close()
		s.ReportStatus(ctx, "acme/orders", Status{ExecutionID: "e-1", Stage: "orders-alpha", State: "FAILED"})
		s.ReportStatus(ctx, "acme/orders", Status{ExecutionID: "e-1", Stage: "Build", State: "SUCCEEDED"})
		clock := time.Now()
		n := &Notifier{Store: s, URL: hook.URL, After: time.Hour, Now: func() time.Time { return clock }}
		if sent, err := n.Check(ctx); err != nil || len(sent) != 0 {
			t.Fatalf("a fresh failure was noticed: %v %v", sent, err)
		}
		clock = clock.Add(61 * time.Minute)
		if sent, err := n.Check(ctx); err != nil || len(sent) != 1 || sent[0].Stage != "orders-alpha" || sent[0].Service != "acme/orders" {
			t.Fatalf("after an hour: %v %v", sent, err)
		}
		if sent, _ := n.Check(ctx); len(sent) != 0 {
			t.Error("the same failure was noticed twice")
		}
		s.ReportStatus(ctx, "acme/orders", Status{ExecutionID: "e-2", Stage: "orders-alpha", State: "SUCCEEDED"})
		clock = clock.Add(2 * time.Hour)
		if sent, _ := n.Check(ctx); len(sent) != 0 {
			t.Error("a recovered stage was noticed")
		}
		mu.Lock()
		defer mu.Unlock()
		if len(got) != 1 || got[0].ExecutionID != "e-1" {
			t.Errorf("the webhook got %+v", got)
		}
	})
}
