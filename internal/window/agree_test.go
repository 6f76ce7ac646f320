package window

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/handsoff-cdk/handsoff/checks"
	"github.com/handsoff-cdk/handsoff/internal/testenv"
)

// TestFixtureIsTheFreezeGateTests holds testdata/freezegate-windows.txt to
// the windows that TestFreezeGateAgreesWithCalendar adds, read from that
// test's source: the package is internal to the pipeline, so the fixture
// is a copy, and this is what notices when the two part.
func TestFixtureIsTheFreezeGateTests(t *testing.T) {
	src := filepath.Join(testenv.Root(), "pipeline", "internal", "gates", "calendar_test.go")
	raw, err := os.ReadFile(src)
	if err != nil {
		t.Fatalf("the freeze gate's calendar test: %v", err)
	}
	want := "`\"freezeWindows\": [\n" + freezeGateWindows(t) + "`"
	if !strings.Contains(string(raw), want) {
		t.Errorf("%s no longer adds the windows of testdata/freezegate-windows.txt:\n%s\ncopy its windows into the fixture", src, want)
	}
}

// TestScriptAgreesWithCalendar runs window.py under python3.11 for every 5
// minutes of a year and a week, for every stage, on the freeze gate test's
// calendar, and compares each answer, reasons and all, with
// checks.Calendar.Blocked.
func TestScriptAgreesWithCalendar(t *testing.T) {
	w := startWorker(t, Script)
	cal := checks.NewCalendar(calendarConfig(t))
	start := mustTime(t, "2026-01-01T00:00:00Z")
	end := start.AddDate(1, 0, 7) // a year and a week, to cover the blackout's end
	const step = 5 * time.Minute
	n := int(end.Sub(start) / step)
	enc, err := Encode(cal, start, end)
	if err != nil {
		t.Fatal(err)
	}
	all := []string{"alpha", "beta", "gamma", "prod"}
	a := w.ask(t, map[string]any{"calendar": enc, "stages": all, "start": start.UnixMilli(), "step": step.Milliseconds(), "n": n})
	if a.Error != "" || len(a.Blocks) != len(all) {
		t.Fatalf("window.py: %s", a.Error)
	}
	disagreements, blocked := 0, 0
	for si, s := range all {
		if len(a.Blocks[si]) != n {
			t.Fatalf("window.py answered %d instants for %s, not %d", len(a.Blocks[si]), s, n)
		}
		for i := 0; i < n; i++ {
			at := start.Add(time.Duration(i) * step)
			var want, got []string
			for _, b := range cal.Blocked(s, at) {
				want = append(want, b.String())
			}
			for _, b := range a.Blocks[si][i] {
				got = append(got, b.Text)
			}
			if len(want) > 0 {
				blocked++
			}
			if diff := cmp.Diff(want, got); diff != "" {
				if disagreements < 10 {
					t.Errorf("%s at %s (-Go +window.py):\n%s", s, at.Format(time.RFC3339), diff)
				}
				disagreements++
			}
		}
	}
	t.Logf("%d points (%d blocked), %d disagreements", len(all)*n, blocked, disagreements)
	if disagreements > 0 {
		t.Errorf("%d disagreements", disagreements)
	}
	if blocked == 0 {
		t.Error("nothing was blocked: the comparison proves nothing")
	}
}

// TestHandler runs the step's handlers on the cases of TestCalendarBlocked
// (pipeline/internal/gates), the calendar given as GetParameter hands it on:
// JSON text.
func TestHandler(t *testing.T) {
	w := startWorker(t, Script)
	cal := checks.NewCalendar(calendarConfig(t))
	enc, err := Encode(cal, mustTime(t, "2026-01-01T00:00:00Z"), mustTime(t, "2027-02-01T00:00:00Z"))
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name, stage, at string
		want            []string
	}{
		{"hong kong lunch demo", "prod", "2026-03-03T04:30:00Z", []string{`freeze window "sales-demos" until 2026-03-03 15:00 HKT`}},
		{"demo starts at 12:00 sharp", "gamma", "2026-03-03T04:00:00Z", []string{`freeze window "sales-demos" until 2026-03-03 15:00 HKT`}},
		{"demo has ended at 15:00", "gamma", "2026-03-03T07:00:00Z", nil},
		{"11:59 is before it", "gamma", "2026-03-03T03:59:00Z", nil},
		{"a second before it", "gamma", "2026-03-03T11:59:59+08:00", nil},
		{"a millisecond before its end", "gamma", "2026-03-03T14:59:59.999+08:00", []string{`freeze window "sales-demos" until 2026-03-03 15:00 HKT`}},
		{"weekend has no demo", "prod", "2026-03-07T04:30:00Z", nil},
		{"window does not apply to beta", "beta", "2026-03-03T04:30:00Z", nil},
		{"crosses midnight, before", "gamma", "2026-01-10T23:30:00Z", []string{`freeze window "london-late" until 2026-01-11 01:00 GMT`}},
		{"crosses midnight, after, on a day not listed", "gamma", "2026-01-11T00:30:00Z", []string{`freeze window "london-late" until 2026-01-11 01:00 GMT`}},
		{"london summer time", "gamma", "2026-07-11T22:30:00Z", []string{`freeze window "london-late" until 2026-07-12 01:00 BST`}},
		{"london summer time, ended", "gamma", "2026-07-12T00:00:00Z", nil},
		{"ny before spring forward", "prod", "2026-03-08T06:45:00Z", []string{`freeze window "ny-night" until 2026-03-08 03:00 EDT`}},
		{"ny after spring forward", "prod", "2026-03-08T07:15:00Z", nil},
		{"ny first 01:45", "prod", "2026-11-01T05:45:00Z", []string{`freeze window "ny-night" until 2026-11-01 02:30 EST`}},
		{"ny second 01:45", "prod", "2026-11-01T06:45:00Z", []string{`freeze window "ny-night" until 2026-11-01 02:30 EST`}},
		{"whole day", "beta", "2026-03-04T23:59:00Z", []string{`freeze window "utc-all-day" until 2026-03-05 00:00 UTC`}},
		{"blackout", "prod", "2026-12-25T10:00:00Z", []string{`blackout "year-end" until 2027-01-02 00:00 UTC`}},
		{"blackout, its last millisecond", "prod", "2027-01-01T23:59:59.999Z", []string{`blackout "year-end" until 2027-01-02 00:00 UTC`}},
		{"blackout ends", "prod", "2027-01-02T00:00:00Z", nil},
		{"blackout and window", "prod", "2026-12-29T05:00:00Z", []string{`freeze window "sales-demos" until 2026-12-29 15:00 HKT`, `blackout "year-end" until 2027-01-02 00:00 UTC`}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			at, err := time.Parse(time.RFC3339Nano, tc.at)
			if err != nil {
				t.Fatal(err)
			}
			var goSays []string
			for _, b := range cal.Blocked(tc.stage, at) {
				goSays = append(goSays, b.String())
			}
			if diff := cmp.Diff(tc.want, goSays); diff != "" {
				t.Fatalf("the case is not what Go says (-case +Go):\n%s", diff)
			}
			events := map[string]any{"calendar": enc, "stage": tc.stage, "now": tc.at}
			res, exc := w.handler(t, Handler, events)
			if exc != "" {
				t.Fatalf("handler raised %s", exc)
			}
			reasons := []string{}
			for _, r := range res["reasons"].([]any) {
				reasons = append(reasons, r.(string))
			}
			if diff := cmp.Diff(tc.want, reasons, cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("reasons (-want +got):\n%s", diff)
			}
			if res["blocked"] != (len(tc.want) > 0) {
				t.Errorf("blocked = %v with reasons %q", res["blocked"], reasons)
			}
			wantAt := at.UTC().Format("2006-01-02T15:04:05.000Z")
			wantAt = strings.Replace(wantAt, ".000Z", "Z", 1)
			if res["at"] != wantAt {
				t.Errorf("at = %v, want %s", res["at"], wantAt)
			}

			// guard: the same answer when free, an exception naming the
			// reasons when blocked.
			res, exc = w.handler(t, Guard, events)
			switch {
			case len(tc.want) == 0 && (exc != "" || res["blocked"] != false):
				t.Errorf("guard: %v, raised %q; want a free answer", res, exc)
			case len(tc.want) > 0 && (res != nil || !strings.HasPrefix(exc, "RuntimeError: handsoff freeze guard: stage "+tc.stage+" may not run this runbook now") || !strings.Contains(exc, tc.want[0])):
				t.Errorf("guard: %v, raised %q; want it to raise with %q", res, exc, tc.want[0])
			}
		})
	}
}
