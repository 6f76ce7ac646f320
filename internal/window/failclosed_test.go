package window

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/handsoff-cdk/handsoff/checks"
)

// TestFailsClosed gives the handlers what they cannot read, or a stage or
// time they cannot answer for: each must raise (which fails the step, and
// so the runbook), saying what is wrong, and never answer.
func TestFailsClosed(t *testing.T) {
	w := startWorker(t, Script)
	cal := checks.NewCalendar(calendarConfig(t))
	enc, err := Encode(cal, mustTime(t, "2026-01-01T00:00:00Z"), mustTime(t, "2027-01-01T00:00:00Z"))
	if err != nil {
		t.Fatal(err)
	}
	const inside = "2026-03-03T04:30:00Z" // the Hong Kong demo, so a window applies
	// calendar returns the encoded calendar, as an object, changed by edit.
	calendar := func(edit func(c map[string]any)) map[string]any {
		var c map[string]any
		if err := json.Unmarshal([]byte(enc), &c); err != nil {
			t.Fatal(err)
		}
		edit(c)
		return c
	}
	window := func(c map[string]any) map[string]any { return c["windows"].([]any)[0].(map[string]any) }
	blackout := func(c map[string]any) map[string]any { return c["blackouts"].([]any)[0].(map[string]any) }
	ev := func(cal any, stage any, now any) map[string]any {
		return map[string]any{"calendar": cal, "stage": stage, "now": now}
	}
	cases := []struct {
		name   string
		events any
		says   string
	}{
		{"the input is not an object", "prod", "the step's input is not an object"},
		{"no calendar", map[string]any{"stage": "prod", "now": inside}, "the step's input has no calendar"},
		{"no stage", map[string]any{"calendar": enc, "now": inside}, "the step's input has no stage"},
		{"a field of the input it does not know", map[string]any{"calendar": enc, "stage": "prod", "now": inside, "override": true}, "the step's input has fields this script does not know (override)"},
		{"the calendar is not JSON", ev(`{"windows": [`, "prod", inside), "the calendar is not JSON"},
		{"the calendar is empty", ev("", "prod", inside), "the calendar is not JSON"},
		{"the calendar is a list", ev("[]", "prod", inside), "the calendar is not a JSON object"},
		{"the calendar is null", ev(nil, "prod", inside), "the calendar is not a JSON object"},
		{"the freeze gate's calendar, without zones", ev(cal.JSON(), "prod", inside), "the calendar has no validFrom, validUntil, zones: it must be written by window.Encode"},
		{"a key twice", ev(strings.Replace(enc, `"windows":`, `"windows":[],"windows":`, 1), "prod", inside), "the calendar has the key 'windows' twice"},
		{"NaN", ev(strings.Replace(enc, `"validFrom":`, `"x":NaN,"validFrom":`, 1), "prod", inside), "holds NaN, which is not JSON"},
		{"a rule it does not know", ev(calendar(func(c map[string]any) { c["holidays"] = []any{} }), "prod", inside), "the calendar has fields this script does not know (holidays)"},
		{"a window field it does not know", ev(calendar(func(c map[string]any) { window(c)["except"] = "MON" }), "prod", inside), "windows[0] has fields this script does not know (except)"},
		{"a window without a time zone", ev(calendar(func(c map[string]any) { delete(window(c), "timezone") }), "prod", inside), "windows[0] has no timezone"},
		{"a time zone without offsets", ev(calendar(func(c map[string]any) { window(c)["timezone"] = "Asia/Tokyo" }), "prod", inside), "windows[0] is in Asia/Tokyo, of which the calendar has no offsets"},
		{"no zones", ev(calendar(func(c map[string]any) { delete(c["zones"].(map[string]any), "spans") }), "prod", inside), "zones has no spans"},
		{"spans out of order", ev(calendar(func(c map[string]any) {
			s := c["zones"].(map[string]any)["spans"].(map[string]any)["Asia/Hong_Kong"].([]any)
			c["zones"].(map[string]any)["spans"].(map[string]any)["Asia/Hong_Kong"] = append(s, s[0])
		}), "prod", inside), "is not in order"},
		{"a day that is none", ev(calendar(func(c map[string]any) { window(c)["days"] = []any{1, 7} }), "prod", inside), "windows[0].days[1] is 7, outside 0..6"},
		{"no days", ev(calendar(func(c map[string]any) { window(c)["days"] = []any{} }), "prod", inside), "windows[0].days is empty"},
		{"a start as text", ev(calendar(func(c map[string]any) { window(c)["start"] = "12:00" }), "prod", inside), "windows[0].start is not an integer: '12:00'"},
		{"a start as a boolean", ev(calendar(func(c map[string]any) { window(c)["start"] = true }), "prod", inside), "windows[0].start is not an integer: True"},
		{"an end past midnight", ev(calendar(func(c map[string]any) { window(c)["end"] = 1441 }), "prod", inside), "windows[0].end is 1441, outside 1..1440"},
		{"an end at its start", ev(calendar(func(c map[string]any) { window(c)["end"] = window(c)["start"] }), "prod", inside), "windows[0].end equals its start"},
		{"appliesTo null", ev(calendar(func(c map[string]any) { window(c)["appliesTo"] = nil }), "prod", inside), "windows[0].appliesTo is not a non-empty list"},
		{"a blackout ending before it starts", ev(calendar(func(c map[string]any) { blackout(c)["to"] = blackout(c)["from"] }), "prod", inside), "blackouts[0].to is not after its from"},
		{"a blackout from a fraction", ev(calendar(func(c map[string]any) { blackout(c)["from"] = 1.5 }), "prod", inside), "blackouts[0].from is not an integer: 1.5"},
		{"no stages", ev(calendar(func(c map[string]any) { c["stages"] = []any{} }), "prod", inside), "stages is not a non-empty list"},
		{"validUntil before validFrom", ev(calendar(func(c map[string]any) { c["validUntil"] = c["validFrom"] }), "prod", inside), "validUntil is not after validFrom"},
		{"a stage the calendar lacks", ev(enc, "qa", inside), "stage 'qa' is none of the calendar's stages (alpha, beta, gamma, prod)"},
		{"a stage in another case", ev(enc, "Prod", inside), "stage 'Prod' is none of the calendar's stages"},
		{"a stage that is not text", ev(enc, 3, inside), "stage 3 is none of the calendar's stages"},
		{"now is not a time", ev(enc, "prod", "tuesday"), "now 'tuesday' is not an ISO 8601 instant"},
		{"now without an offset", ev(enc, "prod", "2026-03-03T04:30:00"), "now '2026-03-03T04:30:00' has no offset"},
		{"now as a number", ev(enc, "prod", 1772512200000), "now is not an ISO 8601 string"},
		{"after the calendar's time", ev(enc, "prod", "2027-01-01T00:00:00Z"), "the calendar was written for 2026-01-01T00:00:00Z to 2027-01-01T00:00:00Z and it is 2027-01-01T00:00:00Z: it is stale"},
		{"before the calendar's time", ev(enc, "prod", "2025-12-31T23:59:59.999Z"), "and it is 2025-12-31T23:59:59.999Z: it is stale or from the future"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			for _, h := range []string{Handler, Guard} {
				res, exc := w.handler(t, h, c.events)
				if res != nil || !strings.Contains(exc, c.says) || !strings.Contains(exc, "fails closed") {
					t.Errorf("%s answered %v, raised %q\nwant it to raise, saying %q and that it fails closed", h, res, exc, c.says)
				}
			}
		})
	}

	// The same calendar, read well, answers: the cases fail for what they
	// change, not for what they share.
	for _, events := range []any{ev(enc, "prod", inside), ev(calendar(func(map[string]any) {}), "prod", inside)} {
		if res, exc := w.handler(t, Handler, events); exc != "" || res["blocked"] != true {
			t.Errorf("the unchanged calendar: %v, raised %q; want blocked", res, exc)
		}
	}
}
