package configsvc

import (
	"fmt"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/handsoff-cdk/handsoff/internal/names"
	"github.com/handsoff-cdk/handsoff/stages"
)

// What the pages show people: times as people say them, lists in words,
// the pipeline's stages in its order with how long each took, and links
// to the CodePipeline console.

// stageRow is a pipeline stage on the service page.
type stageRow struct {
	Stage, State, When, Took, Detail string
	Execution                        string
	Link                             string // the execution's console page
}

// executionRow is one execution in the service page's history.
type executionRow struct {
	ID, Link, State, When, Took string
}

// ago says when t was, as people say it, with the UTC time: "5 minutes
// ago (06:12 UTC, 6 Dec)".
func ago(v string, now time.Time) string {
	t, err := time.Parse(time.RFC3339Nano, v)
	if err != nil {
		return v
	}
	d := now.Sub(t)
	var rel string
	switch {
	case d < 0:
		rel = "just now"
	case d < time.Minute:
		rel = "less than a minute ago"
	case d < time.Hour:
		rel = plural(int(d/time.Minute), "minute") + " ago"
	case d < 48*time.Hour:
		rel = plural(int(d/time.Hour), "hour") + " ago"
	default:
		rel = plural(int(d/(24*time.Hour)), "day") + " ago"
	}
	return fmt.Sprintf("%s (%s UTC)", rel, t.UTC().Format("15:04, 2 Jan"))
}

// took says how long from one time to another: "1 h 5 min", "42 s".
func took(from, to string) string {
	a, err1 := time.Parse(time.RFC3339Nano, from)
	b, err2 := time.Parse(time.RFC3339Nano, to)
	if err1 != nil || err2 != nil || b.Before(a) {
		return ""
	}
	d := b.Sub(a).Round(time.Second)
	switch {
	case d < time.Minute:
		return fmt.Sprintf("%d s", int(d/time.Second))
	case d < time.Hour:
		return fmt.Sprintf("%d min %d s", int(d/time.Minute), int(d%time.Minute/time.Second))
	}
	return fmt.Sprintf("%d h %d min", int(d/time.Hour), int(d%time.Hour/time.Minute))
}

func plural(n int, unit string) string {
	if n == 1 {
		return "1 " + unit
	}
	return fmt.Sprintf("%d %ss", n, unit)
}

// words joins a list as a sentence does: "alpha, beta and prod".
func words(list []string) string {
	switch len(list) {
	case 0:
		return "none"
	case 1:
		return list[0]
	}
	return strings.Join(list[:len(list)-1], ", ") + " and " + list[len(list)-1]
}

// consoleLink is an execution's page in the CodePipeline console.
func consoleLink(cfg *stages.Config, execution string) string {
	region := cfg.Pipeline.Region
	return fmt.Sprintf("https://%s.console.aws.amazon.com/codesuite/codepipeline/pipelines/%s/executions/%s/timeline?region=%s",
		region, url.PathEscape(names.Pipeline(cfg.Service.Name)), url.PathEscape(execution), region)
}

// stageRows are the pipeline's stages in its order (PipelineStages), each with its last
// report; reported stages the order does not know (a wave planned
// otherwise) come after. A stage still STARTED is running only while its
// execution (es) has not finished.
func stageRows(cfg *stages.Config, order []string, sts []Status, es []Execution, now time.Time) []stageRow {
	finished := map[string]bool{}
	for _, e := range es {
		finished[e.ID] = e.Finished
	}
	by := map[string]Status{}
	for _, st := range sts {
		by[st.Stage] = st
	}
	order = slices.Clone(order)
	for _, st := range sts {
		if !slices.Contains(order, st.Stage) {
			order = append(order, st.Stage)
		}
	}
	var rows []stageRow
	for _, name := range order {
		st, ok := by[name]
		if !ok {
			rows = append(rows, stageRow{Stage: name, State: "not reported"})
			continue
		}
		row := stageRow{Stage: name, State: st.State, Execution: st.ExecutionID, Link: consoleLink(cfg, st.ExecutionID), When: ago(st.At, now)}
		if st.State != "STARTED" && st.Started != "" {
			row.Took = took(st.Started, st.At)
		} else if st.Started != "" && !finished[st.ExecutionID] {
			row.Took = "running for " + took(st.Started, now.UTC().Format(time.RFC3339Nano))
		}
		if len(st.Detail) > 2 && string(st.Detail) != "{}" {
			row.Detail = string(st.Detail)
		}
		rows = append(rows, row)
	}
	return rows
}

// executionRows are the newest executions, in words.
func executionRows(cfg *stages.Config, es []Execution, now time.Time) []executionRow {
	var rows []executionRow
	for _, e := range es {
		state := "in progress at " + e.Stage
		switch {
		case e.State == "FAILED":
			state = "failed at " + e.Stage
		case e.Finished && (e.State == "STOPPED" || e.State == "CANCELED"):
			state = strings.ToLower(e.State) + " at " + e.Stage
		case e.Finished:
			state = "succeeded"
		}
		end := e.Last
		if !e.Finished {
			end = now.UTC().Format(time.RFC3339Nano)
		}
		rows = append(rows, executionRow{ID: e.ID, Link: consoleLink(cfg, e.ID), State: state, When: ago(e.Started, now), Took: took(e.Started, end)})
	}
	return rows
}
