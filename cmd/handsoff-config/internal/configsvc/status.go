package configsvc

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/handsoff-cdk/handsoff/internal/names"
	"github.com/handsoff-cdk/handsoff/stages"
)

// Pipeline status reports. A pipeline posts every stage state change
// (pipeline.New's EventBridge rule, at least once and in no promised
// order: https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-service-event.html).
// So the service orders them itself:
//
//   - by the event's own time (the report's "at", else its detail's
//     "time", which the pipeline's input transformer fills from the
//     event), never by arrival: a late STARTED does not hide a FAILED of
//     the same execution and stage;
//   - by execution: an execution is as new as its first event, and a
//     stage's state is the one of the newest execution that reported it,
//     so a late report of an older execution never overwrites a newer one;
//   - only stages of that pipeline (PipelineStage), at most MaxDetailBytes
//     of detail, at most reportBurst reports at once per token, refilled
//     at reportRate a second;
//   - the newest maxExecutions executions of each pipeline are kept, and
//     none older than the retention the service is run with
//     (Store.PruneStatus).

// Status is what a pipeline reported of one stage of one execution.
type Status struct {
	ExecutionID string          `json:"executionId"`
	Stage       string          `json:"stage"`
	State       string          `json:"state"`
	At          string          `json:"at,omitempty"` // the event's time (RFC 3339)
	Detail      json.RawMessage `json:"detail,omitempty"`
	// Started is when the stage started in that execution, when its
	// STARTED was reported (RFC 3339; read only).
	Started string `json:"started,omitempty"`
	// Runbooks are, by pipeline stage and environment, the names of the
	// environments' runbooks, which the pipeline knows at synth and sends
	// with every report: when the report is a stage's SUCCEEDED, that
	// stage's entry is what the service lists for its environments
	// (runbooks.go). Not stored with the status; absent on reads.
	Runbooks map[string]map[string][]string `json:"runbooks,omitempty"`
}

const (
	// MaxDetailBytes bounds a report's detail.
	MaxDetailBytes = 4096
	// maxExecutions is how many executions of a pipeline are kept.
	maxExecutions = 100
	// maxClockSkew is how far in the future a report's time may be.
	maxClockSkew = 5 * time.Minute
	// reportRate and reportBurst bound a token's reports (the pipeline's
	// API destination sends at most 10 a second).
	reportRate  = 20
	reportBurst = 100
)

// eventTime is a fixed-width UTC form that sorts as text.
const eventTime = "2006-01-02T15:04:05.000000000Z"

var reExecutionID = regexp.MustCompile(`^[A-Za-z0-9-]{1,64}$`)

// stateRank orders the states of one stage at the same event time
// (EventBridge's times are whole seconds): an ending beats a start, a
// failure beats everything, so that the order of arrival never decides.
var stateRank = map[string]int{"STARTED": 0, "RESUMED": 1, "STOPPING": 2, "SUCCEEDED": 3, "CANCELED": 4, "STOPPED": 5, "FAILED": 6}

// fixedStages are the stages CDK Pipelines puts before the deployments.
var fixedStages = []string{"Source", "Build", "UpdatePipeline", "Assets"}

// PipelineStages lists the stages of the pipeline that pipeline.New
// builds from cfg, in order: CDK Pipelines' fixed stages, then for each
// stage its approval and its waves (pipeline's approvalStageName and
// waveStageName; pipeline's TestStatusStagesAccepted holds a synthesized
// pipeline to this list).
func PipelineStages(cfg *stages.Config) []string {
	out := slices.Clone(fixedStages)
	for _, s := range cfg.Stages {
		if s.Approval {
			out = append(out, names.Join(100, "Approve", s.Name))
		}
		for _, w := range s.Waves {
			switch {
			case len(w.Environments) == 1:
				out = append(out, names.Stage(cfg.Service.Name, w.Environments[0].Name))
			case len(s.Waves) == 1 && w.Name == s.Name:
				out = append(out, s.Name)
			default:
				out = append(out, names.Join(100, s.Name, w.Name))
			}
		}
	}
	return out
}

// PipelineStage reports whether name is a stage of the pipeline that
// pipeline.New builds from cfg: one of PipelineStages, or, for a stage
// whose waves the library planned (their number depends on how many
// stacks an environment has, which the document does not say), one of
// {stage}-wave-1 to {stage}-wave-N, N its number of environments.
func PipelineStage(cfg *stages.Config, name string) bool {
	if slices.Contains(PipelineStages(cfg), name) {
		return true
	}
	for _, s := range cfg.Stages {
		if plannedStage(cfg, s, name) != nil {
			return true
		}
	}
	return false
}

// plannedStage is, when name is a pipeline stage that the pipeline may
// plan for s (a stage whose waves the library plans), the environments
// it may deploy; nil otherwise. The pipeline plans again once it knows
// how many stacks an environment has (stages.Config.Plan), which the
// document does not say, so its waves may be smaller than the parse's:
// {stage}-wave-1 to -N and {stage}-onebox, -onebox-2 to -N (N the
// stage's environments, its onebox ones), and a wave of one environment
// named for it (pipeline's waveStageName).
func plannedStage(cfg *stages.Config, s stages.Stage, name string) map[string]bool {
	if !s.PlannedWaves {
		return nil
	}
	var all, oneboxes []stages.Environment
	for _, w := range s.Waves {
		for _, e := range w.Environments {
			all = append(all, e)
			if e.OneBox {
				oneboxes = append(oneboxes, e)
			}
		}
	}
	set := func(envs []stages.Environment) map[string]bool {
		out := map[string]bool{}
		for _, e := range envs {
			out[e.Name] = true
		}
		return out
	}
	for _, e := range all {
		if name == names.Stage(cfg.Service.Name, e.Name) {
			return set([]stages.Environment{e})
		}
	}
	for n := 1; n <= len(all); n++ {
		if name == names.Join(100, s.Name, fmt.Sprintf("wave-%d", n)) {
			return set(all)
		}
	}
	for n := 1; n <= len(oneboxes); n++ {
		wave := "onebox"
		if n > 1 {
			wave = fmt.Sprintf("onebox-%d", n)
		}
		if name == names.Join(100, s.Name, wave) {
			return set(oneboxes)
		}
	}
	return nil
}

// checkReport lists the problems of a report of repo's pipeline (cfg) and
// fills its time; now is the server's clock.
func checkReport(st *Status, cfg *stages.Config, now time.Time) []stages.Problem {
	var problems []stages.Problem
	add := func(path string, code stages.Code, format string, args ...any) {
		problems = append(problems, stages.Problem{Path: path, Code: code, Message: fmt.Sprintf(format, args...)})
	}
	switch {
	case st.ExecutionID == "":
		add("executionId", stages.CodeRequired, "is required: the pipeline execution's ID")
	case !reExecutionID.MatchString(st.ExecutionID):
		add("executionId", stages.CodeInvalid, "%.80q is not a CodePipeline execution ID (letters, digits and hyphens, at most 64)", st.ExecutionID)
	}
	switch {
	case st.Stage == "":
		add("stage", stages.CodeRequired, "is required: the pipeline stage's name")
	case !PipelineStage(cfg, st.Stage):
		add("stage", stages.CodeInvalid, "%.120q is not a stage of %s's pipeline", st.Stage, cfg.Service.Repo)
	}
	if !slices.Contains(pipelineStates, st.State) {
		add("state", stages.CodeInvalid, "%.40q is not one of %s", st.State, strings.Join(pipelineStates, ", "))
	}
	var detail struct {
		Time string `json:"time"`
	}
	if len(st.Detail) > MaxDetailBytes {
		add("detail", stages.CodeInvalid, "is %d bytes; at most %d", len(st.Detail), MaxDetailBytes)
	} else if len(st.Detail) > 0 {
		var obj map[string]json.RawMessage
		if json.Unmarshal(st.Detail, &obj) != nil || obj == nil {
			add("detail", stages.CodeInvalid, "is not a JSON object")
		} else if t, ok := obj["time"]; ok && json.Unmarshal(t, &detail.Time) != nil {
			add("detail.time", stages.CodeInvalid, "is not a string: an RFC 3339 time")
		}
	}
	at, path := st.At, "at"
	if at == "" {
		at, path = detail.Time, "detail.time"
	}
	if at == "" {
		st.At = now.UTC().Format(eventTime)
	} else {
		t, err := time.Parse(time.RFC3339Nano, at)
		switch {
		case err != nil:
			add(path, stages.CodeInvalid, "%.40q is not an RFC 3339 time", at)
		case t.After(now.Add(maxClockSkew)):
			add(path, stages.CodeInvalid, "%s is in the future (the service's clock says %s)", at, now.UTC().Format(time.RFC3339))
		default:
			st.At = t.UTC().Format(eventTime)
		}
	}
	// The runbooks' problems last (a map may hold thousands of wrong
	// keys), and the list bounded as every refusal's is.
	problems = append(problems, checkRunbooks(st.Runbooks, cfg)...)
	if n := len(problems) - stages.MaxProblems; n > 0 {
		problems = append(problems[:stages.MaxProblems:stages.MaxProblems], stages.Problem{Code: stages.CodeTooMany,
			Message: fmt.Sprintf("%d more problems are not listed; fix these first", n)})
	}
	return problems
}

// ReportStatus records a stage's state in an execution, unless a report
// of the same execution and stage that comes later is there (a later event
// time, or the same time and a higher stateRank); st.At
// is the event's time in the fixed-width form checkReport gives (the
// server's clock when empty). Only the newest maxExecutions executions of
// repo are kept.
func (s *Store) ReportStatus(ctx context.Context, repo string, st Status) error {
	return s.RecordReport(ctx, repo, nil, st)
}

// RecordReport is ReportStatus, and, for a stage that succeeded, records
// the runbooks the report carries for its environments, where cfg (the
// document the report was checked against) puts them. With cfg, a
// report of a service that is gone records nothing (ErrNotFound).
func (s *Store) RecordReport(ctx context.Context, repo string, cfg *stages.Config, st Status) error {
	detail := string(st.Detail)
	if detail == "" {
		detail = "{}"
	}
	at := st.At
	if at == "" {
		at = time.Now().UTC().Format(eventTime)
	}
	return s.tx(ctx, func(tx *sql.Tx) error {
		if cfg != nil {
			// The service may have been deleted since the report was
			// checked (postStatus reads the document outside this
			// transaction): its runbooks went with it, and must not come
			// back with a service of the same name. Read in the
			// transaction, so that a deletion racing it is ordered before
			// it (nothing recorded) or after it (removed with the rest).
			var one int
			switch err := tx.QueryRowContext(ctx, s.rebind(`SELECT 1 FROM services WHERE repo = ?`), repo).Scan(&one); {
			case err == sql.ErrNoRows:
				return ErrNotFound
			case err != nil:
				return err
			}
		}
		if _, err := tx.ExecContext(ctx, s.rebind(`INSERT INTO executions (repo, execution_id, first_at) VALUES (?, ?, ?)
			ON CONFLICT (repo, execution_id) DO UPDATE SET first_at = CASE WHEN excluded.first_at < executions.first_at THEN excluded.first_at ELSE executions.first_at END`),
			repo, st.ExecutionID, at); err != nil {
			return err
		}
		if cfg != nil {
			if err := s.recordRunbooks(ctx, tx, repo, cfg, st, at); err != nil {
				return err
			}
		}
		started := ""
		if st.State == "STARTED" {
			started = at
		}
		if _, err := tx.ExecContext(ctx, s.rebind(`INSERT INTO pipeline_status (repo, execution_id, stage, state, at, detail, event_at, started_at, state_rank) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
			ON CONFLICT (repo, execution_id, stage) DO UPDATE SET state = excluded.state, at = excluded.at, detail = excluded.detail, event_at = excluded.event_at, state_rank = excluded.state_rank
			WHERE (excluded.event_at, excluded.state_rank) >= (pipeline_status.event_at, pipeline_status.state_rank)`),
			repo, st.ExecutionID, st.Stage, st.State, now(), detail, at, started, stateRank[st.State]); err != nil {
			return err
		}
		// The earliest STARTED of the stage in the execution, whenever it
		// arrives.
		if started != "" {
			if _, err := tx.ExecContext(ctx, s.rebind(`UPDATE pipeline_status SET started_at = ? WHERE repo = ? AND execution_id = ? AND stage = ? AND (started_at = '' OR started_at > ?)`),
				started, repo, st.ExecutionID, st.Stage, started); err != nil {
				return err
			}
		}
		// Executions are ordered by their first event, then by ID (times
		// tie): everything after the newest maxExecutions goes.
		var cutAt, cutID string
		err := tx.QueryRowContext(ctx, s.rebind(`SELECT first_at, execution_id FROM executions WHERE repo = ? ORDER BY first_at DESC, execution_id DESC LIMIT 1 OFFSET ?`), repo, maxExecutions-1).Scan(&cutAt, &cutID)
		if err == sql.ErrNoRows {
			return nil
		}
		if err != nil {
			return err
		}
		return s.pruneStatus(ctx, tx, "repo = ? AND (first_at, execution_id) < (?, ?)", repo, cutAt, cutID)
	})
}

// pruneStatus removes the executions the condition selects, and their
// reports.
func (s *Store) pruneStatus(ctx context.Context, tx *sql.Tx, where string, args ...any) error {
	if _, err := tx.ExecContext(ctx, s.rebind(`DELETE FROM pipeline_status WHERE (repo, execution_id) IN (SELECT repo, execution_id FROM executions WHERE `+where+`)`), args...); err != nil {
		return err
	}
	_, err := tx.ExecContext(ctx, s.rebind(`DELETE FROM executions WHERE `+where), args...)
	return err
}

// PruneStatus removes the reports of executions that began before
// cutoff: the service's retention of pipeline status.
func (s *Store) PruneStatus(ctx context.Context, cutoff time.Time) error {
	return s.tx(ctx, func(tx *sql.Tx) error {
		return s.pruneStatus(ctx, tx, "first_at < ?", cutoff.UTC().Format(eventTime))
	})
}

// StatusOf lists, for each stage of repo's pipeline that reported, the
// state it reported in the newest execution that reached it, in event
// time order within that execution.
func (s *Store) StatusOf(ctx context.Context, repo string) ([]Status, error) {
	rows, err := s.db.QueryContext(ctx, s.rebind(`SELECT s.execution_id, s.stage, s.state, s.event_at, s.detail, s.started_at FROM pipeline_status s
		JOIN executions e ON e.repo = s.repo AND e.execution_id = s.execution_id
		WHERE s.repo = ? ORDER BY e.first_at DESC, e.execution_id DESC, s.event_at DESC, s.state_rank DESC`), repo)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	seen := map[string]bool{}
	var out []Status
	for rows.Next() {
		var st Status
		var detail string
		if err := rows.Scan(&st.ExecutionID, &st.Stage, &st.State, &st.At, &detail, &st.Started); err != nil {
			return nil, err
		}
		if seen[st.Stage] {
			continue
		}
		seen[st.Stage] = true
		st.At, st.Started = rfc3339(st.At), rfc3339(st.Started)
		st.Detail = json.RawMessage(detail)
		out = append(out, st)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Stage < out[j].Stage })
	return out, rows.Err()
}

// rfc3339 is a stored time in RFC 3339 ("" stays "").
func rfc3339(v string) string {
	if t, err := time.Parse(time.RFC3339Nano, v); err == nil {
		return t.UTC().Format(time.RFC3339Nano)
	}
	return v
}

// Execution is one pipeline execution as its reports tell it.
type Execution struct {
	ID       string `json:"executionId"`
	Started  string `json:"started"`  // its first event (RFC 3339)
	Last     string `json:"last"`     // its latest event
	State    string `json:"state"`    // FAILED if a stage failed, else the state of its latest stage
	Stage    string `json:"stage"`    // that stage
	Finished bool   `json:"finished"` // the pipeline's last stage succeeded, or a stage failed or stopped
}

// Executions lists the newest executions of repo's pipeline, at most
// limit, newest first; last is the pipeline's last stage.
func (s *Store) Executions(ctx context.Context, repo, last string, limit int) ([]Execution, error) {
	rows, err := s.db.QueryContext(ctx, s.rebind(`SELECT e.execution_id, e.first_at, s.stage, s.state, s.event_at FROM executions e
		JOIN pipeline_status s ON s.repo = e.repo AND s.execution_id = e.execution_id
		WHERE e.repo = ? AND e.execution_id IN (SELECT execution_id FROM executions WHERE repo = ? ORDER BY first_at DESC, execution_id DESC LIMIT ?)
		ORDER BY e.first_at DESC, e.execution_id DESC, s.event_at ASC, s.state_rank ASC`), repo, repo, limit)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Execution
	for rows.Next() {
		var id, first, stage, state, at string
		if err := rows.Scan(&id, &first, &stage, &state, &at); err != nil {
			return nil, err
		}
		if len(out) == 0 || out[len(out)-1].ID != id {
			out = append(out, Execution{ID: id, Started: rfc3339(first)})
		}
		e := &out[len(out)-1]
		e.Last = rfc3339(at)
		if e.State != "FAILED" {
			e.State, e.Stage = state, stage
		}
		switch {
		case state == "FAILED", state == "STOPPED", state == "CANCELED":
			e.Finished = true
		case stage == last && state == "SUCCEEDED":
			e.Finished = true
		}
	}
	return out, rows.Err()
}

// limiter is a token bucket per API token: what a token may send at once
// (burst) and then a second (rate).
type limiter struct {
	rate, burst float64
	mu          sync.Mutex
	buckets     map[string]*bucket
}

type bucket struct {
	tokens float64
	at     time.Time
}

// allow takes one report from id's bucket; false when it is empty.
func (l *limiter) allow(id string, now time.Time) bool {
	return l.allowAt(id, now, reportRate, reportBurst)
}

// allowAt takes one from id's bucket, which holds burst and refills at
// rate a second; false when it is empty.
func (l *limiter) allowAt(id string, now time.Time, rate, burst float64) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.buckets == nil {
		l.buckets = map[string]*bucket{}
	}
	l.rate, l.burst = rate, burst
	b := l.buckets[id]
	if b == nil {
		if len(l.buckets) > 10000 {
			l.buckets = map[string]*bucket{} // bounded: forget idle tokens
		}
		b = &bucket{tokens: l.burst, at: now}
		l.buckets[id] = b
	}
	b.tokens = min(l.burst, b.tokens+now.Sub(b.at).Seconds()*l.rate)
	b.at = now
	if b.tokens < 1 {
		return false
	}
	b.tokens--
	return true
}
