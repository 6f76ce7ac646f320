package checks

import (
	"testing"
	"time"

	"pgregory.net/rapid"

	"github.com/handsoff-cdk/handsoff/stages"
)

// TestBlockedAlwaysAnswers: Blocked returns for every window and instant,
// whole minutes or not. A window that ends in a DST gap, asked about off a
// whole minute, once made the bisection of its end loop forever (and
// handsoff deploy with it, which asks at time.Now()).
func TestBlockedAlwaysAnswers(t *testing.T) {
	zones := []string{"America/New_York", "Europe/London", "Australia/Lord_Howe", "Asia/Kolkata", "UTC"}
	rapid.Check(t, func(t *rapid.T) {
		loc, err := time.LoadLocation(rapid.SampledFrom(zones).Draw(t, "zone"))
		if err != nil {
			t.Skip(err)
		}
		w := stages.FreezeWindow{Name: "w", Location: loc, AppliesTo: []string{"prod"},
			Days:  []time.Weekday{time.Weekday(rapid.IntRange(0, 6).Draw(t, "day")), time.Weekday(rapid.IntRange(0, 6).Draw(t, "day2"))},
			Start: stages.Clock(rapid.IntRange(0, 24*60-1).Draw(t, "start")), End: stages.Clock(rapid.IntRange(0, 24*60-1).Draw(t, "end"))}
		c := &Calendar{windows: []stages.FreezeWindow{w}, stages: []string{"prod"}}
		at := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC).Add(time.Duration(rapid.Int64Range(0, int64(40*24*time.Hour)).Draw(t, "at")))
		done := make(chan []Block, 1)
		go func() { done <- c.Blocked("prod", at) }()
		select {
		case bs := <-done:
			for _, b := range bs {
				if !b.Until.After(at) {
					t.Fatalf("blocked at %s until %s, which is not after it", at, b.Until)
				}
			}
		case <-time.After(5 * time.Second):
			t.Fatalf("Blocked(prod, %s) did not return for %+v", at, w)
		}
	})
	// The case a review found: New York, every day 03:00-02:30, half a
	// minute into 2026-03-07 10:00 EST.
	ny, _ := time.LoadLocation("America/New_York")
	every := []time.Weekday{0, 1, 2, 3, 4, 5, 6}
	c := &Calendar{windows: []stages.FreezeWindow{{Name: "nightly", Location: ny, Days: every, Start: 3 * 60, End: 2*60 + 30, AppliesTo: []string{"prod"}}}, stages: []string{"prod"}}
	done := make(chan struct{})
	go func() { c.Blocked("prod", time.Date(2026, 3, 7, 15, 0, 30, 0, time.UTC)); close(done) }()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("the DST-gap case does not return")
	}
}
