package metrics

import (
	"slices"
	"sort"
	"time"
)

// Execution is one pipeline execution of the history.
type Execution struct {
	ID     string    `json:"pipelineExecutionId"`
	Status string    `json:"status"` // Succeeded, Failed, Stopped, Superseded, InProgress, ...
	Start  time.Time `json:"startTime"`
	End    time.Time `json:"lastUpdateTime"`
}

// Restore is one failure run and the success that ended it.
type Restore struct {
	FailedAt, RestoredAt time.Time
	Failures             int
}

// Duration is how long the restore took.
func (r Restore) Duration() time.Duration { return r.RestoredAt.Sub(r.FailedAt) }

// Summary is the delivery metrics of a history over a window.
type Summary struct {
	From, To     time.Time
	Deployments  int // Succeeded executions that ended in the window
	Failures     int // Failed executions that ended in the window
	LeadTimes    []time.Duration
	Restores     []Restore
	BrokenSince  time.Time // zero: not broken at To
	BrokenFailed int       // failures in the current run
}

// counted reports whether an execution ended as a deployment or a failure.
func counted(e Execution) bool { return e.Status == "Succeeded" || e.Status == "Failed" }

// Summarize computes the metrics of the executions that ended in [from, to).
// The history may come in any order (the API returns newest first).
func Summarize(history []Execution, from, to time.Time) Summary {
	es := slices.Clone(history)
	sort.SliceStable(es, func(i, j int) bool { return es[i].End.Before(es[j].End) })
	s := Summary{From: from, To: to}
	var runStart time.Time
	runFailures := 0
	for _, e := range es {
		if !counted(e) || !e.End.Before(to) {
			continue
		}
		in := !e.End.Before(from)
		switch e.Status {
		case "Succeeded":
			if in {
				s.Deployments++
				s.LeadTimes = append(s.LeadTimes, e.End.Sub(e.Start))
				if runFailures > 0 {
					s.Restores = append(s.Restores, Restore{FailedAt: runStart, RestoredAt: e.End, Failures: runFailures})
				}
			}
			runFailures = 0
		case "Failed":
			if in {
				s.Failures++
			}
			if runFailures == 0 {
				runStart = e.End
			}
			runFailures++
		}
	}
	if runFailures > 0 {
		s.BrokenSince, s.BrokenFailed = runStart, runFailures
	}
	return s
}

// FailureRate is failures over counted executions; 0 without any.
func (s Summary) FailureRate() float64 {
	if n := s.Deployments + s.Failures; n > 0 {
		return float64(s.Failures) / float64(n)
	}
	return 0
}

// PerDay is deployments per day over the window.
func (s Summary) PerDay() float64 {
	days := s.To.Sub(s.From).Hours() / 24
	if days <= 0 {
		return 0
	}
	return float64(s.Deployments) / days
}

// Median of durations; 0 for none.
func Median(ds []time.Duration) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	s := slices.Clone(ds)
	slices.Sort(s)
	if n := len(s); n%2 == 1 {
		return s[n/2]
	} else {
		return (s[n/2-1] + s[n/2]) / 2
	}
}

// RestoreDurations lists the restores' durations.
func (s Summary) RestoreDurations() []time.Duration {
	out := make([]time.Duration, len(s.Restores))
	for i, r := range s.Restores {
		out[i] = r.Duration()
	}
	return out
}
