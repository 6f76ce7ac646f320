package window

import (
	"fmt"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/handsoff-cdk/handsoff/checks"
	"github.com/handsoff-cdk/handsoff/stages"
)

// TestSpansAreGoOffsets holds the offsets Encode writes to Go's own: every
// 10 minutes, and a second either side of every change, the span that
// holds an instant has the offset and abbreviation time.Time.Zone gives.
// The second range lies past 2037, where Go computes zones from their rule
// year by year (and ends a period on 31 December in a leap year).
func TestSpansAreGoOffsets(t *testing.T) {
	ranges := [][2]time.Time{
		{time.Date(2025, 12, 28, 0, 0, 0, 0, time.UTC), time.Date(2028, 1, 5, 0, 0, 0, 0, time.UTC)},
		{time.Date(2039, 6, 1, 0, 0, 0, 0, time.UTC), time.Date(2041, 6, 1, 0, 0, 0, 0, time.UTC)},
	}
	for _, zone := range append(propertyZones, "Australia/Sydney", "Europe/Moscow", "America/Los_Angeles") {
		loc, err := time.LoadLocation(zone)
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range ranges {
			ss := spans(loc, r[0], r[1])
			at := func(u int64) span {
				i := sort.Search(len(ss), func(i int) bool { return ss[i].Start > u }) - 1
				return ss[i]
			}
			check := func(u int64) {
				abbr, off := time.Unix(u, 0).In(loc).Zone()
				if s := at(u); s.Offset != off || s.Abbr != abbr {
					t.Fatalf("%s at %s: the span says %d %s, Go says %d %s", zone, time.Unix(u, 0).UTC().Format(time.RFC3339), s.Offset, s.Abbr, off, abbr)
				}
			}
			for u := r[0].Unix(); u < r[1].Unix(); u += 600 {
				check(u)
			}
			for _, s := range ss[1:] {
				check(s.Start - 1)
				check(s.Start)
			}
		}
	}
}

// ExampleEncode shows the calendar a runbook reads: the freeze gate's,
// the instants it is valid for, and the offsets of its windows' zones (here
// London's change to summer time on 29 March) from four days before to four
// days after.
func ExampleEncode() {
	london, _ := time.LoadLocation("Europe/London")
	cfg := &stages.Config{
		Stages: []stages.Stage{{Name: "gamma"}, {Name: "prod"}},
		FreezeWindows: []stages.FreezeWindow{
			{Name: "friday-evening", Location: london, Days: []time.Weekday{time.Friday}, Start: 17 * 60, End: 23 * 60, AppliesTo: []string{"prod"}},
		},
		Blackouts: []stages.Blackout{
			{Name: "launch", From: time.Date(2026, 3, 20, 0, 0, 0, 0, time.UTC), To: time.Date(2026, 3, 23, 0, 0, 0, 0, time.UTC), AppliesTo: []string{"gamma", "prod"}},
		},
	}
	enc, err := Encode(checks.NewCalendar(cfg), time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC), time.Date(2026, 4, 1, 0, 0, 0, 0, time.UTC))
	if err != nil {
		panic(err)
	}
	fmt.Println(enc)
	fmt.Println(len(enc), "bytes:", Tier(enc))
	// Output:
	// {"windows":[{"name":"friday-evening","timezone":"Europe/London","days":[5],"start":1020,"end":1380,"appliesTo":["prod"]}],"blackouts":[{"name":"launch","from":1773964800000,"to":1774224000000,"appliesTo":["gamma","prod"]}],"stages":["gamma","prod"],"validFrom":1772323200000,"validUntil":1775001600000,"zones":{"from":1771977600,"until":1775347200,"spans":{"Europe/London":[[1771977600,0,"GMT"],[1774746000,3600,"BST"]]}}}
	// 422 bytes: Standard
}

// TestEncodeSizes: the example document's calendar, written for 400 days,
// fits a standard parameter whole and stage by stage; one that cannot fit
// an advanced parameter is refused, saying what to do.
func TestEncodeSizes(t *testing.T) {
	cfg := calendarConfig(t)
	cal := checks.NewCalendar(cfg)
	from := mustTime(t, "2026-01-01T00:00:00Z")
	until := from.Add(400 * 24 * time.Hour)
	for _, s := range append([]string{"(all)"}, "alpha", "beta", "gamma", "prod") {
		c := cal
		if s != "(all)" {
			c = cal.For(s)
		}
		// c is what the freeze gate of s gets.
		enc, err := Encode(c, from, until)
		if s != "(all)" {
			enc, err = EncodeStage(cal, s, from, until)
		}
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("%s: %d bytes (the freeze gate's: %d)", s, len(enc), len(c.JSON()))
		if Tier(enc) != "Standard" {
			t.Errorf("%s: %d bytes, beyond a standard parameter", s, len(enc))
		}
	}

	ny, _ := time.LoadLocation("America/New_York")
	big := &stages.Config{Stages: []stages.Stage{{Name: "prod"}}}
	for i := range 80 {
		big.FreezeWindows = append(big.FreezeWindows, stages.FreezeWindow{Name: fmt.Sprintf("a-window-with-a-long-name-%02d", i), Location: ny, Days: []time.Weekday{1, 2, 3, 4, 5}, Start: 60, End: 120, AppliesTo: []string{"prod"}})
	}
	_, err := Encode(checks.NewCalendar(big), from, until)
	if err == nil || !strings.Contains(err.Error(), "a Parameter Store parameter holds at most 8192: merge windows, drop past blackouts") {
		t.Errorf("Encode of %d windows: %v; want it refused for its size", len(big.FreezeWindows), err)
	}
}

// TestEncodeRefuses what the script could not answer for.
func TestEncodeRefuses(t *testing.T) {
	from := mustTime(t, "2026-01-01T00:00:00Z")
	cases := []struct{ name, calendar, says string }{
		{"a field the script does not know", `{"windows":[],"blackouts":[],"stages":["prod"],"holidays":[]}`, `checks.Calendar.JSON has changed and the runbook's script does not know it (json: unknown field "holidays")`},
		{"a window field the script does not know", `{"windows":[{"name":"w","timezone":"UTC","days":[1],"start":0,"end":60,"appliesTo":["prod"],"except":[]}],"blackouts":[],"stages":["prod"]}`, `unknown field "except"`},
		{"a zone Go cannot load", `{"windows":[{"name":"w","timezone":"Mars/Olympus","days":[1],"start":0,"end":60,"appliesTo":["prod"]}],"blackouts":[],"stages":["prod"]}`, `windows[0] ("w"): time zone "Mars/Olympus"`},
	}
	for _, c := range cases {
		if _, err := encode(c.calendar, "", from, from.AddDate(1, 0, 0)); err == nil || !strings.Contains(err.Error(), c.says) {
			t.Errorf("%s: %v; want it refused, saying %q", c.name, err, c.says)
		}
	}
	if _, err := encode(`{"windows":[],"blackouts":[],"stages":["prod"]}`, "", from, from); err == nil || !strings.Contains(err.Error(), "is not after from") {
		t.Errorf("an empty time: %v", err)
	}
}

// TestEncodeStage: a stage's calendar answers as the whole one for that
// stage, and fails closed for any other.
func TestEncodeStage(t *testing.T) {
	w := startWorker(t, Script)
	cal := checks.NewCalendar(calendarConfig(t))
	from, until := mustTime(t, "2026-01-01T00:00:00Z"), mustTime(t, "2027-02-01T00:00:00Z")
	prod, err := EncodeStage(cal, "prod", from, until)
	if err != nil {
		t.Fatal(err)
	}
	for _, at := range []string{"2026-03-03T04:30:00Z", "2026-03-07T04:30:00Z", "2026-03-08T06:45:00Z", "2026-12-25T10:00:00Z"} {
		var want []any
		for _, b := range cal.Blocked("prod", mustTime(t, at)) {
			want = append(want, b.String())
		}
		res, exc := w.handler(t, Handler, map[string]any{"calendar": prod, "stage": "prod", "now": at})
		if exc != "" || fmt.Sprint(res["reasons"]) != fmt.Sprint(append([]any{}, want...)) {
			t.Errorf("prod at %s: %v, raised %q; want %q", at, res, exc, want)
		}
	}
	for _, s := range []string{"alpha", "beta", "gamma"} {
		if res, exc := w.handler(t, Handler, map[string]any{"calendar": prod, "stage": s, "now": "2026-03-07T04:30:00Z"}); res != nil || !strings.Contains(exc, "is none of the calendar's stages (prod)") {
			t.Errorf("%s on prod's calendar: %v, raised %q; want it to fail closed", s, res, exc)
		}
	}
	if _, err := EncodeStage(cal, "qa", from, until); err == nil || !strings.Contains(err.Error(), `"qa" is none of the document's stages (alpha, beta, gamma, prod)`) {
		t.Errorf("EncodeStage of qa: %v", err)
	}
}

// TestEncodeForParameterStore: names with "{{ }}" (Parameter Store's
// reference syntax, which it refuses in a value) are written escaped and
// read back as written; a blackout given to the nanosecond blocks the
// runbook at every instant Go blocks.
func TestEncodeForParameterStore(t *testing.T) {
	w := startWorker(t, Script)
	doc := strings.Replace(string(stages.ExampleDocument()), `{ "name": "year-end", "from": "2026-12-24T00:00:00Z", "to": "2027-01-02T00:00:00Z"`,
		`{ "name": "incident {{INC-42}} }}{{", "from": "2026-12-24T00:00:00.0001Z", "to": "2027-01-02T00:00:00.0005Z"`, 1)
	cfg, err := stages.Parse([]byte(doc), "braces")
	if err != nil {
		t.Fatal(err)
	}
	cal := checks.NewCalendar(cfg)
	from := mustTime(t, "2026-12-01T00:00:00Z")
	prod, err := EncodeStage(cal, "prod", from, from.AddDate(0, 2, 0))
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(prod, "{{") || strings.Contains(prod, "}}") && strings.Contains(prod, "{{") {
		t.Errorf("the value holds {{ }}: %s", prod)
	}
	for _, at := range []string{"2026-12-24T00:00:00.0002Z", "2027-01-02T00:00:00.0003Z", "2026-12-30T00:00:00Z"} {
		want := cal.Blocked("prod", mustTime(t, at))
		res, exc := w.handler(t, Handler, map[string]any{"calendar": prod, "stage": "prod", "now": at})
		if exc != "" || len(want) == 0 || res["blocked"] != true || !strings.Contains(fmt.Sprint(res["reasons"]), `"incident {{INC-42}} }}{{"`) {
			t.Errorf("at %s: Go blocks %v; the script says %v (raised %q)", at, want, res, exc)
		}
	}
}
