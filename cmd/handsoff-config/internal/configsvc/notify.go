package configsvc

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"net/http"
	"time"
)

// Notifier tells a webhook about pipelines that stay broken: a pipeline
// stage whose last reported state is FAILED, for longer than After. It
// posts once per execution and stage (recorded in the database, so a
// restart or a second instance does not post again):
//
//	{"service": "acme/orders", "stage": "orders-alpha", "executionId": "...", "failedAt": "...", "text": "..."}
type Notifier struct {
	Store  *Store
	URL    string        // the webhook
	After  time.Duration // how long a stage may stay failed; default 1 h
	Client *http.Client  // default: a 10 s timeout
	Now    func() time.Time
}

// Notice is what the webhook receives.
type Notice struct {
	Service     string `json:"service"`
	Stage       string `json:"stage"`
	ExecutionID string `json:"executionId"`
	FailedAt    string `json:"failedAt"`
	Text        string `json:"text"`
}

// Check posts a notice for every stage broken longer than After that has
// none yet, and returns what it posted.
func (n *Notifier) Check(ctx context.Context) ([]Notice, error) {
	after, now, client := n.After, time.Now, n.Client
	if after <= 0 {
		after = time.Hour
	}
	if n.Now != nil {
		now = n.Now
	}
	if client == nil {
		client = &http.Client{Timeout: 10 * time.Second}
	}
	repos, err := n.Store.Repos(ctx)
	if err != nil {
		return nil, err
	}
	var sent []Notice
	for _, repo := range repos {
		sts, err := n.Store.StatusOf(ctx, repo)
		if err != nil {
			return sent, err
		}
		for _, st := range sts {
			at, err := time.Parse(time.RFC3339Nano, st.At)
			if st.State != "FAILED" || err != nil || now().Sub(at) < after {
				continue
			}
			s := n.Store
			var count int
			if err := s.db.QueryRowContext(ctx, s.rebind(`SELECT COUNT(*) FROM notices WHERE repo = ? AND execution_id = ? AND stage = ?`), repo, st.ExecutionID, st.Stage).Scan(&count); err != nil {
				return sent, err
			}
			if count > 0 {
				continue
			}
			notice := Notice{Service: repo, Stage: st.Stage, ExecutionID: st.ExecutionID, FailedAt: st.At,
				Text: fmt.Sprintf("handsoff: %s has been broken for %s: pipeline stage %s failed (execution %s)", repo, now().Sub(at).Round(time.Minute), st.Stage, st.ExecutionID)}
			body, _ := json.Marshal(notice)
			req, _ := http.NewRequestWithContext(ctx, http.MethodPost, n.URL, bytes.NewReader(body))
			req.Header.Set("Content-Type", "application/json")
			resp, err := client.Do(req)
			if err != nil {
				return sent, fmt.Errorf("configsvc: the broken-pipeline webhook: %w", err)
			}
			resp.Body.Close()
			if resp.StatusCode >= 300 {
				return sent, fmt.Errorf("configsvc: the broken-pipeline webhook answered %s", resp.Status)
			}
			if err := s.tx(ctx, func(tx *sql.Tx) error {
				_, err := tx.ExecContext(ctx, s.rebind(`INSERT INTO notices (repo, execution_id, stage, sent_at) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING`), repo, st.ExecutionID, st.Stage, now().UTC().Format(time.RFC3339Nano))
				return err
			}); err != nil {
				return sent, err
			}
			sent = append(sent, notice)
		}
	}
	return sent, nil
}

// Run checks every interval until ctx ends, logging failures.
func (n *Notifier) Run(ctx context.Context, every time.Duration, logf func(msg string, args ...any)) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		if sent, err := n.Check(ctx); err != nil {
			logf("broken-pipeline notice failed", "err", err)
		} else if len(sent) > 0 {
			logf("broken-pipeline notices sent", "count", len(sent))
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}
