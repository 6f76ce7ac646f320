package checks

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/handsoff-cdk/handsoff/stages"
)

// Calendar answers whether a stage may start at a given time. It is the
// single source of truth for freeze windows and blackouts: the plan printed at
// synth time reads it, and the freeze-gate function the pipeline runs before
// each stage implements the same rules (a test compares the two for every 5
// minutes of a year).
type Calendar struct {
	windows   []stages.FreezeWindow
	blackouts []stages.Blackout
	stages    []string // the document's stages, in order
}

// NewCalendar reads the freeze windows and blackouts of a document.
func NewCalendar(cfg *stages.Config) *Calendar {
	c := &Calendar{windows: cfg.FreezeWindows, blackouts: cfg.Blackouts}
	for _, s := range cfg.Stages {
		c.stages = append(c.stages, s.Name)
	}
	return c
}

// Block says why a stage may not start: which window or blackout, and when it
// ends.
type Block struct {
	Kind  string // "freeze window" or "blackout"
	Name  string
	Until time.Time
}

func (b Block) String() string {
	return fmt.Sprintf("%s %q until %s", b.Kind, b.Name, b.Until.Format("2006-01-02 15:04 MST"))
}

// Blocked lists every window and blackout that keeps stage from starting at
// t; none means the stage may start.
func (c *Calendar) Blocked(stage string, t time.Time) []Block {
	var out []Block
	for _, w := range c.windows {
		if !slices.Contains(w.AppliesTo, stage) {
			continue
		}
		if until, ok := windowContains(w, t); ok {
			out = append(out, Block{Kind: "freeze window", Name: w.Name, Until: until})
		}
	}
	for _, b := range c.blackouts {
		if slices.Contains(b.AppliesTo, stage) && !t.Before(b.From) && t.Before(b.To) {
			out = append(out, Block{Kind: "blackout", Name: b.Name, Until: b.To})
		}
	}
	return out
}

// Applies reports whether any window or blackout names the stage.
func (c *Calendar) Applies(stage string) bool {
	for _, w := range c.windows {
		if slices.Contains(w.AppliesTo, stage) {
			return true
		}
	}
	for _, b := range c.blackouts {
		if slices.Contains(b.AppliesTo, stage) {
			return true
		}
	}
	return false
}

// windowContains reports whether the wall clock in the window's zone, at t,
// is inside an occurrence of the window, and when that occurrence ends.
//
// A window is defined on the local wall clock: on a day that starts an
// occurrence (Days), from Start to End; an End at or before Start runs into
// the next day. Across a DST change the wall clock is what counts, so a
// window 01:30-02:30 on the night clocks spring forward lasts 30 real minutes.
func windowContains(w stages.FreezeWindow, t time.Time) (time.Time, bool) {
	if !inWindow(w, t) {
		return time.Time{}, false
	}
	local := t.In(w.Location)
	y, m, d := local.Date()
	if w.End <= w.Start && local.Hour()*60+local.Minute() >= int(w.Start) {
		d++ // started today and runs past midnight
	}
	return endAfter(w, t, wallTime(y, m, d, w.End, w.Location)), true
}

// endAfter returns end, unless end falls in a DST gap (the wall clock never
// reads it), where time.Date may pick an instant before t; then the window
// ends at the first minute, found by bisection, that is outside it.
func endAfter(w stages.FreezeWindow, t, end time.Time) time.Time {
	if end.After(t) && end.In(w.Location).Hour()*60+end.In(w.Location).Minute() == int(w.End)%(24*60) {
		return end
	}
	// Both on whole minutes, so that every halving moves one of them
	// (hi off the minute once made mid == lo forever).
	lo := t.Truncate(time.Minute)
	hi := lo.Add(26 * time.Hour) // lo inside, hi outside
	for hi.Sub(lo) > time.Minute {
		mid := lo.Add(hi.Sub(lo) / 2).Truncate(time.Minute)
		if inWindow(w, mid) {
			lo = mid
		} else {
			hi = mid
		}
	}
	return hi.In(w.Location)
}

// inWindow is windowContains without the end time.
func inWindow(w stages.FreezeWindow, t time.Time) bool {
	local := t.In(w.Location)
	clock := stages.Clock(local.Hour()*60 + local.Minute())
	crosses := w.End <= w.Start
	if startsOn(w, local.Weekday()) && clock >= w.Start && (crosses || clock < w.End) {
		return true
	}
	return crosses && startsOn(w, (local.Weekday()+6)%7) && clock < w.End
}

func startsOn(w stages.FreezeWindow, d time.Weekday) bool { return slices.Contains(w.Days, d) }

func wallTime(y int, m time.Month, d int, c stages.Clock, loc *time.Location) time.Time {
	return time.Date(y, m, d, c.Hour(), c.Minute(), 0, 0, loc)
}

// Describe renders a window the way the plan shows it.
func Describe(w stages.FreezeWindow) string {
	names := make([]string, len(w.Days))
	for i, d := range w.Days {
		names[i] = strings.ToUpper(d.String()[:3])
	}
	end := w.End.String()
	if w.End <= w.Start {
		end += " next day"
	}
	return fmt.Sprintf("%s %s-%s %s", strings.Join(names, ","), w.Start, end, w.Location)
}

// calendarJSON is the calendar as the freeze-gate function reads it.
type calendarJSON struct {
	Windows   []windowJSON   `json:"windows"`
	Blackouts []blackoutJSON `json:"blackouts"`
	// Stages are the stages the freeze gate may be asked about; any other
	// answer, or none, fails closed.
	Stages []string `json:"stages"`
}

type windowJSON struct {
	Name      string   `json:"name"`
	Timezone  string   `json:"timezone"`
	Days      []int    `json:"days"`
	Start     int      `json:"start"`
	End       int      `json:"end"`
	AppliesTo []string `json:"appliesTo"`
}

type blackoutJSON struct {
	Name      string   `json:"name"`
	From      int64    `json:"from"`
	To        int64    `json:"to"`
	AppliesTo []string `json:"appliesTo"`
}

// For is the calendar of one stage: the windows and blackouts that apply
// to it (the document's stages are kept).
func (c *Calendar) For(stage string) *Calendar {
	out := &Calendar{stages: c.stages}
	for _, w := range c.windows {
		if slices.Contains(w.AppliesTo, stage) {
			out.windows = append(out.windows, w)
		}
	}
	for _, b := range c.blackouts {
		if slices.Contains(b.AppliesTo, stage) {
			out.blackouts = append(out.blackouts, b)
		}
	}
	return out
}

// JSON renders the calendar for the freeze-gate function.
func (c *Calendar) JSON() string {
	cal := calendarJSON{Windows: []windowJSON{}, Blackouts: []blackoutJSON{}, Stages: c.stages}
	for _, w := range c.windows {
		days := make([]int, len(w.Days))
		for i, d := range w.Days {
			days[i] = int(d)
		}
		cal.Windows = append(cal.Windows, windowJSON{w.Name, w.Location.String(), days, int(w.Start), int(w.End), w.AppliesTo})
	}
	for _, b := range c.blackouts {
		// Milliseconds, rounded outward: a blackout given to the nanosecond
		// blocks a little longer in the gate and the runbooks, never less.
		to := b.To.UnixMilli()
		if b.To.After(time.UnixMilli(to)) {
			to++
		}
		cal.Blackouts = append(cal.Blackouts, blackoutJSON{b.Name, b.From.UnixMilli(), to, b.AppliesTo})
	}
	out, _ := json.Marshal(cal)
	return string(out)
}
