package configsvc

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"maps"
	"regexp"
	"slices"
	"sort"

	"github.com/handsoff-cdk/handsoff/internal/names"
	"github.com/handsoff-cdk/handsoff/internal/signin"
	"github.com/handsoff-cdk/handsoff/stages"
)

// The service's runbooks (constructs/runbook, pipeline.Props.Runbooks)
// reach it with the pipeline's status reports: each report carries, for
// every deployment stage, the names of its environments' runbooks (the
// pipeline knows them at synth), and when a stage SUCCEEDS its
// environments' runbooks are deployed, so that stage's entry becomes what
// the service lists for them. The service builds each one-click link
// itself, from the document's access section and the environment's
// account and region (internal/signin, the link the runbook constructs
// output), so a report names runbooks and never supplies a URL.

// Limits of a report's runbooks.
const (
	// MaxRunbooksPerEnvironment bounds one environment's list. The
	// pipeline refuses more at synth (pipeline's
	// maxRunbooksPerEnvironment, held to this by its tests), for a report
	// refused is every report of that pipeline refused.
	MaxRunbooksPerEnvironment = 100
)

// reRunbookName is an SSM document's name
// (https://docs.aws.amazon.com/systems-manager/latest/APIReference/API_CreateDocument.html:
// "Pattern: ^[a-zA-Z0-9_\-.]{3,128}$").
var reRunbookName = regexp.MustCompile(`^[a-zA-Z0-9_.-]{3,128}$`)

// Runbook is a runbook the service lists on a service's page.
type Runbook struct {
	Environment string `json:"environment"`
	Stage       string `json:"stage"`
	Account     string `json:"account"`
	Region      string `json:"region"`
	Name        string `json:"name"`
	// Link signs in through IAM Identity Center and opens the runbook
	// (the console's page when the document names no start URL).
	Link string `json:"link"`
	// ExecutionID and At are the pipeline execution whose success
	// reported it, and when (RFC 3339).
	ExecutionID string `json:"executionId"`
	At          string `json:"at"`
}

// stageEnvironments is which environments a report of each pipeline stage
// may name: those of its wave, or, for a stage whose waves the library
// plans, those the pipeline's plan may give it (plannedStage).
func stageEnvironments(cfg *stages.Config, stage string) map[string]bool {
	out := map[string]bool{}
	for _, s := range cfg.Stages {
		for _, w := range s.Waves {
			var name string
			switch {
			case len(w.Environments) == 1:
				name = names.Stage(cfg.Service.Name, w.Environments[0].Name)
			case len(s.Waves) == 1 && w.Name == s.Name:
				name = s.Name
			default:
				name = names.Join(100, s.Name, w.Name)
			}
			if name != stage {
				continue
			}
			for _, e := range w.Environments {
				out[e.Name] = true
			}
		}
		for env := range plannedStage(cfg, s, stage) {
			out[env] = true
		}
	}
	return out
}

// checkRunbooks lists the problems of a report's runbooks: malformed
// content anywhere (a null, a name SSM refuses, a name twice, too many).
// A stage the pipeline no longer has, or an environment its stage no
// longer deploys, is not a problem: the pipeline sends the map it was
// built with until its next self-mutation, so after a document change
// every report would otherwise be refused, its state with it. Such
// entries are never recorded (recordRunbooks takes only the reported
// stage's own environments).
func checkRunbooks(rbs map[string]map[string][]string, cfg *stages.Config) []stages.Problem {
	var problems []stages.Problem
	add := func(path string, code stages.Code, format string, args ...any) {
		problems = append(problems, stages.Problem{Path: path, Code: code, Message: fmt.Sprintf(format, args...)})
	}
	stageKeys := make([]string, 0, len(rbs))
	for k := range rbs {
		stageKeys = append(stageKeys, k)
	}
	sort.Strings(stageKeys)
	for _, stage := range stageKeys {
		sp := "runbooks[" + quoteKey(stage) + "]"
		if rbs[stage] == nil {
			add(sp, stages.CodeRequired, "is null: the runbooks of the stage's environments ({} for none)")
			continue
		}
		envKeys := make([]string, 0, len(rbs[stage]))
		for k := range rbs[stage] {
			envKeys = append(envKeys, k)
		}
		sort.Strings(envKeys)
		for _, env := range envKeys {
			ep := sp + "[" + quoteKey(env) + "]"
			list := rbs[stage][env]
			if list == nil {
				add(ep, stages.CodeRequired, "is null: a list of the environment's runbooks ([] for none)")
				continue
			}
			if len(list) > MaxRunbooksPerEnvironment {
				add(ep, stages.CodeInvalid, "lists %d runbooks; at most %d", len(list), MaxRunbooksPerEnvironment)
				continue
			}
			seen := map[string]bool{}
			for i, name := range list {
				np := fmt.Sprintf("%s[%d]", ep, i)
				switch {
				case !reRunbookName.MatchString(name):
					add(np, stages.CodeInvalid, "%.140q is not an SSM document name (3 to 128 letters, digits, _, - and .)", name)
				case seen[name]:
					add(np, stages.CodeInvalid, "%q is listed twice", name)
				}
				seen[name] = true
			}
		}
	}
	return problems
}

// quoteKey is a map key in a problem's path.
func quoteKey(k string) string {
	if len(k) > 120 {
		k = k[:120]
	}
	raw, _ := json.Marshal(k)
	return string(raw)
}

// recordRunbooks records, in the report's transaction, the runbooks of
// the environments of a stage that succeeded, unless a later report is
// there. The environment's account and region are kept with them: a list
// is shown only while the document still puts the environment there.
func (s *Store) recordRunbooks(ctx context.Context, tx *sql.Tx, repo string, cfg *stages.Config, st Status, at string) error {
	if st.State != "SUCCEEDED" || st.Runbooks == nil {
		return nil
	}
	envs := st.Runbooks[st.Stage]
	mine := stageEnvironments(cfg, st.Stage)
	where := map[string]stages.Environment{}
	for _, e := range cfg.Environments() {
		where[e.Name] = e
	}
	for _, env := range slices.Sorted(maps.Keys(envs)) {
		e, ok := where[env]
		if !ok || !mine[env] {
			continue
		}
		list, _ := json.Marshal(envs[env])
		if _, err := tx.ExecContext(ctx, s.rebind(`INSERT INTO runbooks (repo, environment, account, region, names, execution_id, event_at) VALUES (?, ?, ?, ?, ?, ?, ?)
			ON CONFLICT (repo, environment) DO UPDATE SET account = excluded.account, region = excluded.region, names = excluded.names, execution_id = excluded.execution_id, event_at = excluded.event_at
			WHERE excluded.event_at >= runbooks.event_at`),
			repo, env, e.Account, e.Region, string(list), st.ExecutionID, at); err != nil {
			return err
		}
	}
	return nil
}

// Runbooks lists repo's runbooks as its pipeline last reported them, in
// the document's order of environments, each with its one-click link
// built from cfg (the service's document now). An environment the
// document no longer has, or now puts in another account or region, shows
// none until its stage succeeds there.
func (s *Store) Runbooks(ctx context.Context, repo string, cfg *stages.Config) ([]Runbook, error) {
	type row struct {
		account, region, names, execution, at string
	}
	got := map[string]row{}
	err := s.read(ctx, func(q q) error {
		rows, err := q.QueryContext(ctx, s.rebind(`SELECT environment, account, region, names, execution_id, event_at FROM runbooks WHERE repo = ?`), repo)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var env string
			var r row
			if err := rows.Scan(&env, &r.account, &r.region, &r.names, &r.execution, &r.at); err != nil {
				return err
			}
			got[env] = r
		}
		return rows.Err()
	})
	if err != nil {
		return nil, err
	}
	out := []Runbook{}
	for _, e := range cfg.Environments() {
		r, ok := got[e.Name]
		if !ok || r.account != e.Account || r.region != e.Region {
			continue
		}
		var list []string
		if json.Unmarshal([]byte(r.names), &list) != nil {
			continue
		}
		slices.Sort(list)
		for _, name := range list {
			out = append(out, Runbook{Environment: e.Name, Stage: e.Stage, Account: e.Account, Region: e.Region, Name: name,
				Link:        signin.RunbookLink(cfg.Access.SSOStartURL, cfg.Access.SSORoleName, e.Account, e.Region, name),
				ExecutionID: r.execution, At: rfc3339(r.at)})
		}
	}
	return out, nil
}
