package metrics

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// Recorded is the shared fixture: a history and the numbers it must give.
type Recorded struct {
	From      time.Time   `json:"from"`
	To        time.Time   `json:"to"`
	Summaries []Execution `json:"pipelineExecutionSummaries"`
	Want      struct {
		Deployments    int       `json:"deployments"`
		Failures       int       `json:"failures"`
		LeadTime       []int64   `json:"leadTimeSeconds"`
		Restore        []int64   `json:"restoreSeconds"`
		BrokenSince    time.Time `json:"brokenSince"`
		BrokenFailures int       `json:"brokenFailures"`
	} `json:"want"`
}

func seconds(ds []time.Duration) []int64 {
	out := []int64{}
	for _, d := range ds {
		out = append(out, int64(d/time.Second))
	}
	return out
}

// TestRecordedHistory: the arithmetic on the recorded history.
func TestRecordedHistory(t *testing.T) {
	raw, err := os.ReadFile(filepath.Join("testdata", "executions.json"))
	if err != nil {
		t.Fatal(err)
	}
	var r Recorded
	if err := json.Unmarshal(raw, &r); err != nil {
		t.Fatal(err)
	}
	s := Summarize(r.Summaries, r.From, r.To)
	got := map[string]any{"deployments": s.Deployments, "failures": s.Failures, "lead": seconds(s.LeadTimes), "restore": seconds(s.RestoreDurations()),
		"brokenSince": s.BrokenSince, "brokenFailures": s.BrokenFailed}
	want := map[string]any{"deployments": r.Want.Deployments, "failures": r.Want.Failures, "lead": r.Want.LeadTime, "restore": r.Want.Restore,
		"brokenSince": r.Want.BrokenSince, "brokenFailures": r.Want.BrokenFailures}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
	if got, want := s.FailureRate(), 4.0/7; got != want {
		t.Errorf("failure rate %v, want %v", got, want)
	}
	if got := s.PerDay(); got != 3.0/7 {
		t.Errorf("per day %v", got)
	}
}

// TestSequences: table cases of event sequences, each one rule.
func TestSequences(t *testing.T) {
	at := func(h int) time.Time {
		return time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC).Add(time.Duration(h) * time.Hour)
	}
	ex := func(status string, start, end int) Execution {
		return Execution{Status: status, Start: at(start), End: at(end)}
	}
	cases := []struct {
		name                string
		history             []Execution
		deployments, failed int
		restores            []int64
		broken              time.Time
	}{
		{"empty", nil, 0, 0, []int64{}, time.Time{}},
		{"success only", []Execution{ex("Succeeded", 0, 2)}, 1, 0, []int64{}, time.Time{}},
		{"failure then fix", []Execution{ex("Failed", 0, 1), ex("Succeeded", 2, 5)}, 1, 1, []int64{4 * 3600}, time.Time{}},
		{"stopped does not restore", []Execution{ex("Failed", 0, 1), ex("Stopped", 2, 3)}, 0, 1, []int64{}, at(1)},
		{"superseded does not restore", []Execution{ex("Failed", 0, 1), ex("Superseded", 2, 3)}, 0, 1, []int64{}, at(1)},
		{"broken from the first failure", []Execution{ex("Succeeded", 0, 1), ex("Failed", 2, 3), ex("Failed", 4, 6)}, 1, 2, []int64{}, at(3)},
		{"order of the input does not matter", []Execution{ex("Succeeded", 2, 5), ex("Failed", 0, 1)}, 1, 1, []int64{4 * 3600}, time.Time{}},
		{"after the window is left out", []Execution{ex("Succeeded", 0, 1), ex("Failed", 30, 100)}, 1, 0, []int64{}, time.Time{}},
		{"in progress is left out", []Execution{ex("Failed", 0, 1), ex("InProgress", 2, 3)}, 0, 1, []int64{}, at(1)},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s := Summarize(c.history, at(0), at(24))
			if s.Deployments != c.deployments || s.Failures != c.failed || !s.BrokenSince.Equal(c.broken) {
				t.Errorf("deployments %d failures %d broken %v; want %d %d %v", s.Deployments, s.Failures, s.BrokenSince, c.deployments, c.failed, c.broken)
			}
			if diff := cmp.Diff(c.restores, seconds(s.RestoreDurations())); diff != "" {
				t.Errorf("restores (-want +got):\n%s", diff)
			}
		})
	}
	if Median([]time.Duration{3, 1, 2}) != 2 || Median([]time.Duration{4, 1, 2, 3}) != 2 || Median(nil) != 0 {
		t.Error("median")
	}
}
