package runbook

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/handsoff-cdk/handsoff/internal/window"
)

// The runbooks' scripts run under python3.11, the steps' runtime, with a
// fake boto3 (testdata/scripts/fake) that answers each call with a queued
// response and records it: the tests check what the scripts ask AWS and
// what they make of the answers, without AWS.

type scriptCase struct {
	Name      string `json:"-"`
	Script    string `json:"script"`
	Handler   string `json:"handler"`
	Events    any    `json:"events"`
	Now       string `json:"now,omitempty"`
	Responses []any  `json:"responses,omitempty"`
	// want: the result, or an error containing Error.
	Result any      `json:"-"`
	Error  string   `json:"-"`
	Calls  []string `json:"-"` // each call's operation and arguments, as JSON, in order (when set)
}

type scriptAnswer struct {
	Result any               `json:"result"`
	Error  *string           `json:"error"`
	Trace  string            `json:"trace"`
	Calls  []json.RawMessage `json:"calls"`
	Unused int               `json:"unused"`
}

func runScripts(t *testing.T, cases []scriptCase) []scriptAnswer {
	t.Helper()
	py, err := exec.LookPath(window.Runtime)
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("%s is missing: CI must have it to test the runbooks' scripts", window.Runtime)
		}
		t.Skipf("%s is missing: the runbooks' scripts are not run", window.Runtime)
	}
	fail := filepath.Join(t.TempDir(), "fail.py")
	if err := os.WriteFile(fail, []byte(failScript), 0o644); err != nil {
		t.Fatal(err)
	}
	for i := range cases {
		switch cases[i].Script {
		case "fail":
			cases[i].Script = fail
		default:
			cases[i].Script, _ = filepath.Abs(filepath.Join("scripts", cases[i].Script+".py"))
		}
	}
	in, _ := json.Marshal(cases)
	cmd := exec.Command(py, filepath.Join("testdata", "scripts", "driver.py"))
	cmd.Stdin = bytes.NewReader(in)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("driver: %v\n%s", err, stderr.String())
	}
	var answers []scriptAnswer
	if err := json.Unmarshal(out, &answers); err != nil {
		t.Fatalf("driver: %v\n%s", err, out)
	}
	return answers
}

func checkScripts(t *testing.T, cases []scriptCase) {
	t.Helper()
	answers := runScripts(t, cases)
	for i, c := range cases {
		a := answers[i]
		t.Run(c.Name, func(t *testing.T) {
			if a.Trace != "" {
				t.Errorf("the script failed with an error that is not its own (a bug):\n%s", a.Trace)
			}
			switch {
			case c.Error != "" && (a.Error == nil || !strings.Contains(*a.Error, c.Error)):
				t.Errorf("want an error with %q; got result %v, error %v", c.Error, a.Result, deref(a.Error))
			case c.Error == "" && a.Error != nil:
				t.Errorf("want %v; got error %s", c.Result, *a.Error)
			case c.Error == "":
				want, _ := json.Marshal(c.Result)
				got, _ := json.Marshal(a.Result)
				if !bytes.Equal(want, got) {
					t.Errorf("result %s, want %s", got, want)
				}
			}
			if c.Calls != nil {
				var ops []string
				for _, raw := range a.Calls {
					var call map[string]any
					json.Unmarshal(raw, &call)
					if _, ok := call["op"]; ok {
						b, _ := json.Marshal(call)
						ops = append(ops, string(b))
					}
				}
				if strings.Join(ops, "\n") != strings.Join(c.Calls, "\n") {
					t.Errorf("calls:\n%s\nwant:\n%s", strings.Join(ops, "\n"), strings.Join(c.Calls, "\n"))
				}
			}
			for _, raw := range a.Calls {
				var call map[string]any
				json.Unmarshal(raw, &call)
				if _, ok := call["client"]; ok {
					// aws:executeScript does not retry throttling: the client must.
					if r, _ := json.Marshal(call["retries"]); string(r) != `{"max_attempts":10,"mode":"standard"}` {
						t.Errorf("a %v client with retries %s, want botocore's standard mode", call["client"], r)
					}
				}
			}
			if a.Unused > 0 && c.Error == "" {
				t.Errorf("%d queued responses unused", a.Unused)
			}
		})
	}
}

func deref(s *string) string {
	if s == nil {
		return "<nil>"
	}
	return *s
}

func page(truncated bool, next string, statuses ...string) map[string]any {
	var items []any
	for i, s := range statuses {
		items = append(items, map[string]any{"Id": fmt.Sprintf("I%d", i+1), "Status": s, "CreateTime": "2026-01-01T00:00:00Z"})
	}
	l := map[string]any{"IsTruncated": truncated, "Quantity": len(items), "Items": items, "MaxItems": 100}
	if next != "" {
		l["NextMarker"] = next
	}
	return map[string]any{"InvalidationList": l}
}

// TestInvalidationsScript: the check refuses bad paths before it calls
// anything, reads every page of invalidations, refuses while any is not
// Completed (a status it does not know included), and fails closed past
// the pages it reads.
func TestInvalidationsScript(t *testing.T) {
	ev := func(paths ...any) map[string]any {
		return map[string]any{"distribution": "E2QWRUHAPOMQZL", "paths": paths}
	}
	many := func(n int, f string) []any {
		out := make([]any, n)
		for i := range out {
			out[i] = fmt.Sprintf(f, i)
		}
		return out
	}
	var hundred []any
	for range 100 {
		hundred = append(hundred, page(true, "next", "Completed"))
	}
	cases := []scriptCase{
		{Name: "none in progress", Events: ev("/index.html", "/images/*"), Responses: []any{page(false, "", "Completed", "Completed")},
			Result: map[string]any{"quantity": 2, "wildcards": 1},
			Calls:  []string{`{"args":{"DistributionId":"E2QWRUHAPOMQZL","MaxItems":"100"},"op":"cloudfront.list_invalidations"}`}},
		{Name: "no invalidations yet", Events: ev("/*"), Responses: []any{map[string]any{"InvalidationList": map[string]any{"IsTruncated": false, "Quantity": 0, "MaxItems": 100}}},
			Result: map[string]any{"quantity": 1, "wildcards": 1}},
		{Name: "in progress on the second page", Events: ev("/a"), Responses: []any{page(true, "m1", "Completed"), page(false, "", "Completed", "InProgress")},
			Error: "invalidation I2 of distribution E2QWRUHAPOMQZL is still in progress",
			Calls: []string{`{"args":{"DistributionId":"E2QWRUHAPOMQZL","MaxItems":"100"},"op":"cloudfront.list_invalidations"}`,
				`{"args":{"DistributionId":"E2QWRUHAPOMQZL","Marker":"m1","MaxItems":"100"},"op":"cloudfront.list_invalidations"}`}},
		{Name: "a status it does not know", Events: ev("/a"), Responses: []any{page(false, "", "Pending")}, Error: "still in progress"},
		{Name: "more pages than it reads", Events: ev("/a"), Responses: hundred, Error: "more than 10000 invalidations"},
		{Name: "more without a marker", Events: ev("/a"), Responses: []any{page(true, "", "Completed")}, Error: "no NextMarker"},
		{Name: "one path as a string", Events: map[string]any{"distribution": "E1", "paths": "/a"}, Responses: []any{page(false, "")}, Result: map[string]any{"quantity": 1, "wildcards": 0}},
		{Name: "no paths", Events: ev(), Error: "no paths", Calls: []string{}},
		{Name: "no leading slash", Events: ev("images/a.png"), Error: "not CloudFront paths: 'images/a.png'", Calls: []string{}},
		{Name: "a star inside", Events: ev("/a*/b"), Error: "not CloudFront paths", Calls: []string{}},
		{Name: "a space", Events: ev("/a b"), Error: "not CloudFront paths", Calls: []string{}},
		{Name: "too long", Events: ev("/" + strings.Repeat("a", 4000)), Error: "not CloudFront paths", Calls: []string{}},
		{Name: "16 wildcards", Events: ev(many(16, "/w%d/*")...), Error: "16 paths, 16 of them wildcards", Calls: []string{}},
		{Name: "15 wildcards", Events: ev(many(15, "/w%d/*")...), Responses: []any{page(false, "")}, Result: map[string]any{"quantity": 15, "wildcards": 15}},
		{Name: "3001 files", Events: ev(many(3001, "/f%d")...), Error: "CloudFront takes at most 3000 file paths", Calls: []string{}},
		{Name: "a path twice", Events: ev("/a", "/a"), Error: "given twice", Calls: []string{}},
		{Name: "no distribution", Events: map[string]any{"paths": []any{"/a"}}, Error: "no distribution ID"},
	}
	for i := range cases {
		cases[i].Script, cases[i].Handler = "invalidations", "check"
	}
	checkScripts(t, cases)
}

// TestSnapshotScript: the window holds from its start to before its end,
// across midnight too; the load is the average of the last 5 minutes'
// datapoints, weighted by their samples, busy only above the threshold;
// no datapoint fails closed; outside the window nothing is asked.
func TestSnapshotScript(t *testing.T) {
	win := func(start, end int) map[string]any {
		return map[string]any{"start": start, "end": end, "db": "orders-db", "threshold": 40}
	}
	points := func(pairs ...float64) map[string]any {
		var ps []any
		for i := 0; i < len(pairs); i += 2 {
			ps = append(ps, map[string]any{"Average": pairs[i], "SampleCount": pairs[i+1], "Unit": "Percent", "Timestamp": "2026-01-01T03:00:00Z"})
		}
		return map[string]any{"Label": "CPUUtilization", "Datapoints": ps}
	}
	var cases []scriptCase
	for _, c := range []struct {
		start, end int
		now        string
		inside     bool
	}{
		{120, 300, "2026-03-03T03:00:00+00:00", true},
		{120, 300, "2026-03-03T02:00:00+00:00", true},
		{120, 300, "2026-03-03T01:59:59+00:00", false},
		{120, 300, "2026-03-03T04:59:59+00:00", true},
		{120, 300, "2026-03-03T05:00:00+00:00", false},
		{1320, 120, "2026-03-03T23:30:00+00:00", true},
		{1320, 120, "2026-03-03T00:00:00+00:00", true},
		{1320, 120, "2026-03-03T01:59:00+00:00", true},
		{1320, 120, "2026-03-03T02:00:00+00:00", false},
		{1320, 120, "2026-03-03T12:00:00+00:00", false},
		{1320, 0, "2026-03-03T23:59:00+00:00", true},
		{1320, 0, "2026-03-03T00:00:00+00:00", false},
		{0, 60, "2026-03-03T00:00:00+00:00", true},
	} {
		sc := scriptCase{Name: fmt.Sprintf("off_peak %d-%d at %s", c.start, c.end, c.now[11:19]), Script: "snapshot", Handler: "off_peak", Events: win(c.start, c.end), Now: c.now}
		if c.inside {
			sc.Result = map[string]any{"window": fmt.Sprintf("%02d:%02d-%02d:%02d UTC", c.start/60, c.start%60, c.end/60, c.end%60), "at": strings.Replace(c.now, "+00:00", "+00:00", 1)}
		} else {
			sc.Error = "outside the off-peak window"
		}
		cases = append(cases, sc)
	}
	now := "2026-03-03T03:00:00+00:00"
	call := `{"args":{"Dimensions":[{"Name":"DBInstanceIdentifier","Value":"orders-db"}],"EndTime":"2026-03-03 03:00:00+00:00","MetricName":"CPUUtilization","Namespace":"AWS/RDS","Period":60,"StartTime":"2026-03-03 02:55:00+00:00","Statistics":["Average","SampleCount"]},"op":"cloudwatch.get_metric_statistics"}`
	cases = append(cases,
		scriptCase{Name: "quiet at the threshold", Script: "snapshot", Handler: "load", Events: win(120, 300), Now: now,
			Responses: []any{points(30, 1, 50, 1)}, Result: map[string]any{"busy": false, "average": "40.00"}, Calls: []string{call}},
		scriptCase{Name: "busy above it", Script: "snapshot", Handler: "load", Events: win(120, 300), Now: now,
			Responses: []any{points(41, 1, 41.5, 1)}, Result: map[string]any{"busy": true, "average": "41.25"}},
		scriptCase{Name: "weighted by samples", Script: "snapshot", Handler: "load", Events: win(120, 300), Now: now,
			Responses: []any{points(10, 3, 90, 1)}, Result: map[string]any{"busy": false, "average": "30.00"}},
		scriptCase{Name: "no datapoints", Script: "snapshot", Handler: "load", Events: win(120, 300), Now: now,
			Responses: []any{points()}, Error: "no CPUUtilization of orders-db"},
		scriptCase{Name: "outside the window asks nothing", Script: "snapshot", Handler: "load", Events: win(120, 300), Now: "2026-03-03T06:00:00+00:00",
			Error: "outside the off-peak window 02:00-05:00 UTC", Calls: []string{}},
		scriptCase{Name: "fail", Script: "fail", Handler: "fail", Events: map[string]any{"message": "it stayed busy"}, Error: "RuntimeError: it stayed busy"},
	)
	checkScripts(t, cases)
}
