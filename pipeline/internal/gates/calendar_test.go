package gates

import (
	_ "embed"
	"encoding/json"
	"fmt"
	"github.com/handsoff-cdk/handsoff/checks"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/handsoff-cdk/handsoff/internal/testenv"
	"github.com/handsoff-cdk/handsoff/stages"
)

// calendarDoc is the example document with extra windows that cross midnight
// and DST changes.
func calendarConfig(t testing.TB) *stages.Config {
	t.Helper()
	doc := strings.Replace(string(stages.ExampleDocument()), `"freezeWindows": [`, `"freezeWindows": [
    { "name": "ny-night", "timezone": "America/New_York", "days": ["SUN", "SAT"], "start": "01:30", "end": "02:30", "appliesTo": ["prod"] },
    { "name": "london-late", "timezone": "Europe/London", "days": ["SAT"], "start": "23:00", "end": "01:00", "appliesTo": ["gamma"] },
    { "name": "utc-all-day", "timezone": "UTC", "days": ["WED"], "start": "00:00", "end": "24:00", "appliesTo": ["beta"] },`, 1)
	cfg, err := stages.Parse([]byte(doc), "calendar")
	if err != nil {
		t.Fatal(err)
	}
	return cfg
}

func mustTime(t testing.TB, s string) time.Time {
	t.Helper()
	v, err := time.Parse(time.RFC3339, s)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func TestCalendarBlocked(t *testing.T) {
	cal := checks.NewCalendar(calendarConfig(t))
	cases := []struct {
		name, stage, at string
		want            []string
	}{
		{"hong kong lunch demo", "prod", "2026-03-03T04:30:00Z", []string{`freeze window "sales-demos" until 2026-03-03 15:00 HKT`}},
		{"demo starts at 12:00 sharp", "gamma", "2026-03-03T04:00:00Z", []string{`freeze window "sales-demos" until 2026-03-03 15:00 HKT`}},
		{"demo has ended at 15:00", "gamma", "2026-03-03T07:00:00Z", nil},
		{"11:59 is before it", "gamma", "2026-03-03T03:59:00Z", nil},
		{"weekend has no demo", "prod", "2026-03-07T04:30:00Z", nil},
		{"window does not apply to beta", "beta", "2026-03-03T04:30:00Z", nil},
		{"crosses midnight, before", "gamma", "2026-01-10T23:30:00Z", []string{`freeze window "london-late" until 2026-01-11 01:00 GMT`}},
		{"crosses midnight, after, on a day not listed", "gamma", "2026-01-11T00:30:00Z", []string{`freeze window "london-late" until 2026-01-11 01:00 GMT`}},
		{"london summer time", "gamma", "2026-07-11T22:30:00Z", []string{`freeze window "london-late" until 2026-07-12 01:00 BST`}},
		{"london summer time, ended", "gamma", "2026-07-12T00:00:00Z", nil},
		// 2026-03-08: New York springs forward at 02:00 EST to 03:00 EDT, so
		// 01:30-02:30 on the wall clock is 01:30-02:00 EST, and ends when the
		// clock jumps to 03:00.
		{"ny before spring forward", "prod", "2026-03-08T06:45:00Z", []string{`freeze window "ny-night" until 2026-03-08 03:00 EDT`}},
		{"ny after spring forward", "prod", "2026-03-08T07:15:00Z", nil},
		// 2026-11-01: falls back at 02:00 EDT to 01:00 EST; 01:30 happens twice.
		{"ny first 01:45", "prod", "2026-11-01T05:45:00Z", []string{`freeze window "ny-night" until 2026-11-01 02:30 EST`}},
		{"ny second 01:45", "prod", "2026-11-01T06:45:00Z", []string{`freeze window "ny-night" until 2026-11-01 02:30 EST`}},
		{"whole day", "beta", "2026-03-04T23:59:00Z", []string{`freeze window "utc-all-day" until 2026-03-05 00:00 UTC`}},
		{"blackout", "prod", "2026-12-25T10:00:00Z", []string{`blackout "year-end" until 2027-01-02 00:00 UTC`}},
		{"blackout ends", "prod", "2027-01-02T00:00:00Z", nil},
		{"blackout and window", "prod", "2026-12-29T05:00:00Z", []string{`freeze window "sales-demos" until 2026-12-29 15:00 HKT`, `blackout "year-end" until 2027-01-02 00:00 UTC`}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var got []string
			for _, b := range cal.Blocked(tc.stage, mustTime(t, tc.at)) {
				got = append(got, b.String())
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("Blocked(%s, %s) (-want +got):\n%s", tc.stage, tc.at, diff)
			}
		})
	}
}

//go:embed freezegate.js
var freezeGateJS string

// TestFreezeGateAgreesWithCalendar runs the freeze-gate function's own code
// under Node for every 5 minutes of a year, for every stage, and compares each
// answer with the Go calendar.
func TestFreezeGateAgreesWithCalendar(t *testing.T) {
	node := testenv.NeedNode(t)
	cal := checks.NewCalendar(calendarConfig(t))
	start := mustTime(t, "2026-01-01T00:00:00Z")
	const step = 5 * time.Minute
	n := int(start.AddDate(1, 0, 7).Sub(start) / step) // a year and a week, to cover the blackout's end
	dir := t.TempDir()
	gate := filepath.Join(dir, "gate.js")
	os.WriteFile(gate, []byte(freezeGateJS), 0o644)
	script := fmt.Sprintf(`const g = require(%q); const cal = %s; const out = [];
for (const s of ["alpha","beta","gamma","prod"]) { let b = ""; for (let i = 0; i < %d; i++) b += g.blocked(cal, s, %d + i * %d).length ? "1" : "0"; out.push(b); }
process.stdout.write(out.join("\n"));`, gate, cal.JSON(), n, start.UnixMilli(), step.Milliseconds())
	out, err := exec.Command(node, "-e", script).CombinedOutput()
	if err != nil {
		t.Fatalf("node: %v\n%s", err, out)
	}
	lines := strings.Split(string(out), "\n")
	disagreements, blocked := 0, 0
	for si, s := range []string{"alpha", "beta", "gamma", "prod"} {
		for i := 0; i < n; i++ {
			at := start.Add(time.Duration(i) * step)
			goBlocked := len(cal.Blocked(s, at)) > 0
			if goBlocked {
				blocked++
			}
			if goBlocked != (lines[si][i] == '1') {
				if disagreements < 10 {
					t.Errorf("%s at %s: Go says blocked=%v, the freeze gate says %c", s, at.Format(time.RFC3339), goBlocked, lines[si][i])
				}
				disagreements++
			}
		}
	}
	t.Logf("%d points (%d blocked), %d disagreements", 4*n, blocked, disagreements)
	if disagreements > 0 {
		t.Errorf("%d disagreements", disagreements)
	}
	if blocked == 0 {
		t.Error("nothing was blocked: the comparison proves nothing")
	}
}

// TestFreezeGate runs the gate's own code under Node with a fake
// CodePipeline. It reads its stage from its environment, never from the
// rule's event (whose shape is not documented): any event, the same
// answer. Inside a window only a rollback enters, and only when every
// execution waiting at the stage's pipeline stages is one; when it cannot
// tell, it blocks.
func TestFreezeGate(t *testing.T) {
	node := testenv.NeedNode(t)
	cal := checks.NewCalendar(calendarConfig(t))
	dir := t.TempDir()
	gate := filepath.Join(dir, "gate.js")
	os.WriteFile(gate, []byte(freezeGateCode), 0o644)
	const outside, inside = "2026-01-03T03:00:00Z", "2026-03-03T04:30:00Z" // a Saturday night; the Hong Kong demo
	if cal.Blocked("prod", mustTime(t, outside)) != nil || cal.Blocked("prod", mustTime(t, inside)) == nil {
		t.Fatal("the test's times are not what they claim")
	}
	run := func(stage, at, event, state string) (string, bool) {
		env, err := FreezeGateEnvironment(calendarConfig(t), cal, stage, []string{"orders-prod-use1-onebox", "prod-wave-2"})
		if err != nil {
			t.Fatal(err)
		}
		env["STAGE"] = stage
		script := fmt.Sprintf(`const g = require(%q);
const calls = [];
const deps = { env: %s, now: () => Date.parse(%q), codepipeline: () => ({ getPipelineState: async (r) => {
  calls.push("state " + r.name); const s = %s; if (s === "error") throw new Error("throttled"); return s; } }) };
g.makeHandler(deps)(%s).then(r => console.log(calls.concat("allowed " + JSON.stringify(r)).join("; ")),
  e => { console.log(calls.concat("blocked: " + e.message).join("; ")); process.exit(1); })`, gate, mustJSON(env), at, state, event)
		out, err := exec.Command(node, "-e", script).CombinedOutput()
		return strings.TrimSpace(string(out)), err == nil
	}
	rollback := `{ stageStates: [{ stageName: "prod-wave-2", inboundExecutions: [{ pipelineExecutionId: "r", status: "InProgress", type: "ROLLBACK" }] }] }`
	mixed := `{ stageStates: [{ stageName: "prod-wave-2", inboundExecutions: [{ type: "ROLLBACK" }, { type: "STANDARD" }] }] }`
	elsewhere := `{ stageStates: [{ stageName: "gamma", inboundExecutions: [{ type: "ROLLBACK" }] }] }`
	none := `{ stageStates: [] }`
	cases := []struct {
		name, stage, at, event, state string
		allowed                       bool
		says                          string
	}{
		{"outside a window, any event", "prod", outside, `{"hello":"world"}`, none, true, `allowed {"stage":"prod","allowed":true}`},
		{"outside a window, no event", "prod", outside, `undefined`, none, true, `allowed`},
		{"outside a window, an event naming another stage", "prod", outside, `{"ruleConfiguration":{"configuration":{"UserParameters":"beta"}}}`, none, true, `allowed`},
		{"inside a window", "prod", inside, `{}`, none, false, `blocked: stage prod may not start now: freeze window sales-demos`},
		{"inside a window, the event says another stage", "prod", inside, `{"UserParameters":"alpha"}`, none, false, `blocked: stage prod may not start now`},
		{"a rollback inside a window", "prod", inside, `{}`, rollback, true, `allowed {"stage":"prod","allowed":true,"rollback":true}`},
		{"a rollback beside a release", "prod", inside, `{}`, mixed, false, `blocked: stage prod may not start now`},
		{"a rollback of another stage", "prod", inside, `{}`, elsewhere, false, `blocked`},
		{"cannot tell", "prod", inside, `{}`, `"error"`, false, `blocked: stage prod may not start now`},
		{"a stage the document lacks", "qa", outside, `{}`, none, false, `fails closed`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			out, allowed := run(c.stage, c.at, c.event, c.state)
			if allowed != c.allowed || !strings.Contains(out, c.says) {
				t.Errorf("allowed %v: %s\nwant allowed %v, saying %q", allowed, out, c.allowed, c.says)
			}
		})
	}
}

func mustJSON(v any) string {
	raw, _ := json.Marshal(v)
	return string(raw)
}
