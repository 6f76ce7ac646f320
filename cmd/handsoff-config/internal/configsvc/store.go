package configsvc

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	_ "github.com/jackc/pgx/v5/stdlib" // registers "pgx"
	"golang.org/x/sync/singleflight"
	"modernc.org/sqlite" // registers "sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

// Store is the service's database: SQLite or PostgreSQL.
type Store struct {
	db       *sql.DB
	postgres bool
	cache    cache
	writer   chan struct{} // a change's turn in this process (tx)
	genStmt  *sql.Stmt     // reads the generation
	genReads genReads      // shares those reads between requests
	commits  sync.Map      // *sql.Tx → *commit: what a change will commit
	flight   singleflight.Group
	path     string // the SQLite file, when it is one
}

// Open opens the database a DSN names and applies the migrations it lacks.
// A DSN of postgres:// or postgresql:// is PostgreSQL; anything else is the
// path of a SQLite file (created when missing).
func Open(ctx context.Context, dsn string) (*Store, error) {
	s := &Store{writer: make(chan struct{}, 1)}
	var err error
	if strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://") {
		s.postgres = true
		s.db, err = sql.Open("pgx", dsn)
		if err == nil {
			// Below PostgreSQL's default of 100 connections, with room
			// for other instances of the service.
			s.db.SetMaxOpenConns(24)
			s.db.SetMaxIdleConns(24)
		}
	} else {
		// WAL with synchronous FULL: an acknowledged commit is on disk, and
		// readers do not wait for writers. busy_timeout makes a writer wait
		// for another instead of failing at once, and _txlock=immediate
		// makes every transaction take the write lock when it begins (see
		// tx). https://www.sqlite.org/pragma.html#pragma_synchronous
		path := strings.TrimPrefix(dsn, "sqlite:")
		// Created owner-only: it holds the token hashes and the audit
		// log. SQLite gives its -wal and -shm files the same mode.
		if f, err := os.OpenFile(path, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o600); err == nil {
			f.Close()
		}
		s.path = path
		s.db, err = sql.Open("sqlite", "file:"+path+"?_txlock=immediate&_pragma=journal_mode(WAL)&_pragma=synchronous(FULL)"+
			fmt.Sprintf("&_pragma=busy_timeout(%d)", busyTimeout.Milliseconds())+"&_pragma=foreign_keys(ON)")
		if err == nil {
			// One writer at a time is SQLite's rule; a small pool keeps
			// readers concurrent under WAL.
			s.db.SetMaxOpenConns(16)
			s.db.SetMaxIdleConns(16)
		}
	}
	if err != nil {
		return nil, err
	}
	if err := s.db.PingContext(ctx); err != nil {
		s.db.Close()
		return nil, fmt.Errorf("configsvc: cannot open the database: %w", err)
	}
	if err := s.migrate(ctx); err != nil {
		s.db.Close()
		return nil, err
	}
	if s.genStmt, err = s.db.PrepareContext(ctx, `SELECT n FROM generation WHERE id = 1`); err != nil {
		s.db.Close()
		return nil, err
	}
	return s, nil
}

// Close closes the database.
func (s *Store) Close() error {
	s.genStmt.Close()
	return s.db.Close()
}

// Ping reports whether the database answers (readiness).
func (s *Store) Ping(ctx context.Context) error { return s.db.PingContext(ctx) }

// Dialect names the database: "sqlite" or "postgres".
func (s *Store) Dialect() string {
	if s.postgres {
		return "postgres"
	}
	return "sqlite"
}

// rebind turns ? placeholders into PostgreSQL's $1, $2, ...
func (s *Store) rebind(q string) string {
	if !s.postgres {
		return q
	}
	var b strings.Builder
	n := 0
	for _, r := range q {
		if r == '?' {
			n++
			b.WriteString("$" + strconv.Itoa(n))
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

// migrations are the schema's versions, in order; each runs once, in a
// transaction with its version's row. Never edit one that has shipped: add
// the next.
var migrations = []struct {
	version  int
	sqlite   string
	postgres string
}{
	{1, `
CREATE TABLE accounts (id TEXT PRIMARY KEY, name TEXT NOT NULL, description TEXT NOT NULL DEFAULT '');
CREATE TABLE services (repo TEXT PRIMARY KEY, body TEXT NOT NULL, updated_at TEXT NOT NULL);
CREATE TABLE calendar (name TEXT PRIMARY KEY, kind TEXT NOT NULL, body TEXT NOT NULL);
CREATE TABLE tokens (id TEXT PRIMARY KEY, hash TEXT NOT NULL UNIQUE, role TEXT NOT NULL, repo TEXT NOT NULL DEFAULT '', name TEXT NOT NULL, created_at TEXT NOT NULL, revoked_at TEXT);
CREATE TABLE audit (id INTEGER PRIMARY KEY AUTOINCREMENT, at TEXT NOT NULL, actor TEXT NOT NULL, action TEXT NOT NULL, target TEXT NOT NULL, before TEXT, after TEXT);
CREATE TABLE pipeline_status (repo TEXT NOT NULL, execution_id TEXT NOT NULL, stage TEXT NOT NULL, state TEXT NOT NULL, at TEXT NOT NULL, detail TEXT NOT NULL DEFAULT '{}', PRIMARY KEY (repo, execution_id, stage));
`, `
CREATE TABLE accounts (id TEXT PRIMARY KEY, name TEXT NOT NULL, description TEXT NOT NULL DEFAULT '');
CREATE TABLE services (repo TEXT PRIMARY KEY, body TEXT NOT NULL, updated_at TEXT NOT NULL);
CREATE TABLE calendar (name TEXT PRIMARY KEY, kind TEXT NOT NULL, body TEXT NOT NULL);
CREATE TABLE tokens (id TEXT PRIMARY KEY, hash TEXT NOT NULL UNIQUE, role TEXT NOT NULL, repo TEXT NOT NULL DEFAULT '', name TEXT NOT NULL, created_at TEXT NOT NULL, revoked_at TEXT);
CREATE TABLE audit (id BIGSERIAL PRIMARY KEY, at TEXT NOT NULL, actor TEXT NOT NULL, action TEXT NOT NULL, target TEXT NOT NULL, before TEXT, after TEXT);
CREATE TABLE pipeline_status (repo TEXT NOT NULL, execution_id TEXT NOT NULL, stage TEXT NOT NULL, state TEXT NOT NULL, at TEXT NOT NULL, detail TEXT NOT NULL DEFAULT '{}', PRIMARY KEY (repo, execution_id, stage));
`},
	// The generation counts changes; every instance's read cache is valid
	// while it is unchanged (cache.go).
	{2, `
CREATE TABLE generation (id INTEGER PRIMARY KEY, n BIGINT NOT NULL);
INSERT INTO generation (id, n) VALUES (1, 0);
`, `
CREATE TABLE generation (id INTEGER PRIMARY KEY, n BIGINT NOT NULL);
INSERT INTO generation (id, n) VALUES (1, 0);
`},
	{3, `
CREATE TABLE notices (repo TEXT NOT NULL, execution_id TEXT NOT NULL, stage TEXT NOT NULL, sent_at TEXT NOT NULL, PRIMARY KEY (repo, execution_id, stage));
`, `
CREATE TABLE notices (repo TEXT NOT NULL, execution_id TEXT NOT NULL, stage TEXT NOT NULL, sent_at TEXT NOT NULL, PRIMARY KEY (repo, execution_id, stage));
`},
	// The fence around team tokens: an account's kind and the teams
	// (service owners) it is open to for test use, and the environments
	// teams added themselves, the only ones a team may remove.
	{4, `
ALTER TABLE accounts ADD COLUMN kind TEXT NOT NULL DEFAULT 'production';
ALTER TABLE accounts ADD COLUMN teams TEXT NOT NULL DEFAULT '[]';
CREATE TABLE team_environments (repo TEXT NOT NULL, name TEXT NOT NULL, PRIMARY KEY (repo, name));
`, `
ALTER TABLE accounts ADD COLUMN kind TEXT NOT NULL DEFAULT 'production';
ALTER TABLE accounts ADD COLUMN teams TEXT NOT NULL DEFAULT '[]';
CREATE TABLE team_environments (repo TEXT NOT NULL, name TEXT NOT NULL, PRIMARY KEY (repo, name));
`},
	// Pipeline reports ordered by the event's own time and by execution:
	// an execution is as new as its first event.
	{5, `
ALTER TABLE pipeline_status ADD COLUMN event_at TEXT NOT NULL DEFAULT '';
UPDATE pipeline_status SET event_at = at;
CREATE TABLE executions (repo TEXT NOT NULL, execution_id TEXT NOT NULL, first_at TEXT NOT NULL, PRIMARY KEY (repo, execution_id));
CREATE INDEX executions_by_time ON executions (repo, first_at);
INSERT INTO executions (repo, execution_id, first_at) SELECT repo, execution_id, MIN(at) FROM pipeline_status GROUP BY repo, execution_id;
`, `
ALTER TABLE pipeline_status ADD COLUMN event_at TEXT NOT NULL DEFAULT '';
UPDATE pipeline_status SET event_at = at;
CREATE TABLE executions (repo TEXT NOT NULL, execution_id TEXT NOT NULL, first_at TEXT NOT NULL, PRIMARY KEY (repo, execution_id));
CREATE INDEX executions_by_time ON executions (repo, first_at);
INSERT INTO executions (repo, execution_id, first_at) SELECT repo, execution_id, MIN(at) FROM pipeline_status GROUP BY repo, execution_id;
`},
	// Page sessions: the cookie holds a session, never a token.
	{6, `
CREATE TABLE sessions (hash TEXT PRIMARY KEY, token_id TEXT NOT NULL, created_at TEXT NOT NULL, expires_at TEXT NOT NULL);
`, `
CREATE TABLE sessions (hash TEXT PRIMARY KEY, token_id TEXT NOT NULL, created_at TEXT NOT NULL, expires_at TEXT NOT NULL);
`},
	// When a stage of an execution started, for its duration.
	{7, `
ALTER TABLE pipeline_status ADD COLUMN started_at TEXT NOT NULL DEFAULT '';
`, `
ALTER TABLE pipeline_status ADD COLUMN started_at TEXT NOT NULL DEFAULT '';
`},
	// Reports at the same time are ordered by state (a failure over a
	// start); a team owns an environment only as it added it (stage,
	// account, region: what the platform changes, it takes over).
	{8, `
ALTER TABLE pipeline_status ADD COLUMN state_rank INTEGER NOT NULL DEFAULT 0;
ALTER TABLE team_environments ADD COLUMN stage TEXT NOT NULL DEFAULT '';
ALTER TABLE team_environments ADD COLUMN account TEXT NOT NULL DEFAULT '';
ALTER TABLE team_environments ADD COLUMN region TEXT NOT NULL DEFAULT '';
`, `
ALTER TABLE pipeline_status ADD COLUMN state_rank INTEGER NOT NULL DEFAULT 0;
ALTER TABLE team_environments ADD COLUMN stage TEXT NOT NULL DEFAULT '';
ALTER TABLE team_environments ADD COLUMN account TEXT NOT NULL DEFAULT '';
ALTER TABLE team_environments ADD COLUMN region TEXT NOT NULL DEFAULT '';
`},
	// Platform settings that every document carries (the guardrails'
	// reason patterns), by name.
	{9, `
CREATE TABLE settings (name TEXT PRIMARY KEY, body TEXT NOT NULL);
`, `
CREATE TABLE settings (name TEXT PRIMARY KEY, body TEXT NOT NULL);
`},
	// The runbooks each environment has, as its pipeline's last success
	// of its stage reported them (runbooks.go).
	{10, `
CREATE TABLE runbooks (repo TEXT NOT NULL, environment TEXT NOT NULL, account TEXT NOT NULL, region TEXT NOT NULL, names TEXT NOT NULL, execution_id TEXT NOT NULL, event_at TEXT NOT NULL, PRIMARY KEY (repo, environment));
`, `
CREATE TABLE runbooks (repo TEXT NOT NULL, environment TEXT NOT NULL, account TEXT NOT NULL, region TEXT NOT NULL, names TEXT NOT NULL, execution_id TEXT NOT NULL, event_at TEXT NOT NULL, PRIMARY KEY (repo, environment));
`},
}

// SchemaVersion is the newest migration.
func SchemaVersion() int { return migrations[len(migrations)-1].version }

func (s *Store) migrate(ctx context.Context) error {
	// One transaction for all of them. On PostgreSQL it first takes an
	// advisory lock, so that instances starting together migrate one
	// after the other, and runs at READ COMMITTED, so that each statement
	// after the lock sees what the one before it committed
	// (https://www.postgresql.org/docs/15/explicit-locking.html#ADVISORY-LOCKS);
	// on SQLite, BEGIN IMMEDIATE (the DSN's _txlock) does the same.
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("configsvc: migrations: %w", err)
	}
	defer tx.Rollback()
	if s.postgres {
		if _, err := tx.ExecContext(ctx, `SELECT pg_advisory_xact_lock(7245420113)`); err != nil {
			return fmt.Errorf("configsvc: migrations: %w", err)
		}
	}
	if _, err := tx.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, applied_at TEXT NOT NULL)`); err != nil {
		return fmt.Errorf("configsvc: migrations: %w", err)
	}
	for _, m := range migrations {
		var n int
		if err := tx.QueryRowContext(ctx, s.rebind(`SELECT COUNT(*) FROM schema_migrations WHERE version = ?`), m.version).Scan(&n); err != nil {
			return fmt.Errorf("configsvc: migration %d: %w", m.version, err)
		}
		if n > 0 {
			continue
		}
		ddl := m.sqlite
		if s.postgres {
			ddl = m.postgres
		}
		for _, stmt := range strings.Split(ddl, ";") {
			if strings.TrimSpace(stmt) == "" {
				continue
			}
			if _, err := tx.ExecContext(ctx, stmt); err != nil {
				return fmt.Errorf("configsvc: migration %d: %w", m.version, err)
			}
		}
		if _, err := tx.ExecContext(ctx, s.rebind(`INSERT INTO schema_migrations (version, applied_at) VALUES (?, ?)`), m.version, now()); err != nil {
			return fmt.Errorf("configsvc: migration %d: %w", m.version, err)
		}
	}
	return tx.Commit()
}

func now() string { return time.Now().UTC().Format(time.RFC3339Nano) }

// Every change is one transaction that reads what it validates and writes
// the result (a read-validate-write); run side by side, two such
// transactions must not both commit on what the other changed. tx makes
// them serializable:
//
//   - In one process, changes take turns (Store.writer), waiting at most
//     writeWait for their turn.
//   - SQLite: every transaction begins with BEGIN IMMEDIATE (_txlock in
//     the DSN), taking the database's one write lock before it reads, so a
//     change in another process (the CLI's token commands, a second
//     instance on the same file) waits for it up to busy_timeout instead of
//     failing when a deferred transaction would upgrade its lock
//     (https://www.sqlite.org/lang_transaction.html,
//     https://www.sqlite.org/rescode.html#busy).
//   - PostgreSQL: SERIALIZABLE, which aborts one of two transactions whose
//     reads and writes could not have run one after the other, with
//     SQLSTATE 40001 (or 40P01 for a deadlock); the change then runs again
//     from the start, for at most retryBudget
//     (https://www.postgresql.org/docs/15/transaction-iso.html#XACT-SERIALIZABLE).
//     READ COMMITTED, PostgreSQL's default, let two changes each validate
//     what the other was overwriting and both commit.
//
// A change that does not get its turn within those bounds fails with
// ErrBusy, having changed nothing; the API answers it with 503 and
// Retry-After. A change is one transaction: a client that hangs up
// while it runs cancels its statements and the change rolls back whole;
// the commit and the retries run on a context the caller's going away does
// not cancel, so a change is never left half-known.
func (s *Store) tx(ctx context.Context, f func(*sql.Tx) error) error {
	wait := time.NewTimer(writeWait)
	defer wait.Stop()
	select {
	case s.writer <- struct{}{}:
		defer func() { <-s.writer }()
	case <-wait.C:
		return ErrBusy
	case <-ctx.Done():
		return ctx.Err()
	}
	run := context.WithoutCancel(ctx)
	deadline := time.Now().Add(retryBudget)
	for attempt := 0; ; attempt++ {
		err := s.try(run, f)
		if err == nil || !retryable(err) {
			return err
		}
		if !s.postgres || time.Now().After(deadline) {
			return fmt.Errorf("%w (%v)", ErrBusy, err)
		}
		// Exponential back-off with full jitter, from 2 ms to 128 ms.
		time.Sleep(time.Duration(rand.Int64N(int64(2*time.Millisecond) << min(attempt, 6))))
	}
}

// try runs f in one transaction, committing when it returns nil.
func (s *Store) try(ctx context.Context, f func(*sql.Tx) error) error {
	var opts *sql.TxOptions
	if s.postgres {
		opts = &sql.TxOptions{Isolation: sql.LevelSerializable}
	}
	tx, err := s.db.BeginTx(ctx, opts)
	if err != nil {
		return err
	}
	defer s.commits.Delete(tx)
	if err := f(tx); err != nil {
		tx.Rollback()
		return err
	}
	c := s.committing(tx)
	if checkCommits {
		if err := s.checkCommit(ctx, tx, c); err != nil {
			tx.Rollback()
			return err
		}
	}
	if err := tx.Commit(); err != nil {
		return err
	}
	// What this request reads next must see its own change.
	if held, _ := ctx.Value(generationKey{}).(*heldGeneration); held != nil {
		held.mu.Lock()
		held.read = false
		held.mu.Unlock()
	}
	if c.gen > 0 {
		for repo, doc := range c.docs {
			keep(&s.cache, c.gen, docsOf, repo, cachedDoc{doc, tagOf(doc)})
		}
	}
	return nil
}

// commit is what a change's transaction knows of the state it commits:
// the generation its last audit bumped to, and the documents validateAll
// projected after the change. No other change commits in between (tx
// makes them serializable, and each bumps the one generation row), so the
// documents are the ones of that generation, and the cache is given them
// at once: the readers after a change do not all wait for a projection.
// validateAll runs after every write to services and the calendar, and
// audit is a change's last statement; with checkCommits (the tests) each
// commit checks that against the database before committing.
type commit struct {
	gen  int64
	docs map[string][]byte
}

func (s *Store) committing(tx *sql.Tx) *commit {
	c, _ := s.commits.LoadOrStore(tx, &commit{docs: map[string][]byte{}})
	return c.(*commit)
}

// checkCommits makes every change check, before it commits, what it will
// give the cache against the database (set by the tests).
var checkCommits = false

func (s *Store) checkCommit(ctx context.Context, tx *sql.Tx, c *commit) error {
	if len(c.docs) == 0 {
		return nil
	}
	var gen int64
	if err := tx.QueryRowContext(ctx, `SELECT n FROM generation WHERE id = 1`).Scan(&gen); err != nil {
		return err
	}
	if gen != c.gen {
		return fmt.Errorf("configsvc: a change would cache documents at generation %d but commits %d", c.gen, gen)
	}
	for repo, doc := range c.docs {
		now, err := s.document(ctx, tx, repo)
		if err != nil {
			return err
		}
		if !bytes.Equal(now, doc) {
			return fmt.Errorf("configsvc: a change would cache a document of %s that is not the one it commits:\n%s\n----\n%s", repo, doc, now)
		}
	}
	return nil
}

// writeWait bounds how long a change waits for its turn in this process
// (a variable for the tests).
var writeWait = 5 * time.Second

// read runs f on one consistent snapshot of the database: a read-only
// transaction (deferred on SQLite, so it takes no write lock; REPEATABLE
// READ on PostgreSQL, so every statement sees the same snapshot).
func (s *Store) read(ctx context.Context, f func(q) error) error {
	opts := &sql.TxOptions{ReadOnly: true}
	if s.postgres {
		opts.Isolation = sql.LevelRepeatableRead
	}
	tx, err := s.db.BeginTx(ctx, opts)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	return f(tx)
}

const (
	// busyTimeout bounds how long a SQLite change waits for the write lock
	// that another process holds.
	busyTimeout = 5 * time.Second
	// retryBudget bounds how long a PostgreSQL change is tried again
	// after serialization failures.
	retryBudget = 5 * time.Second
)

// ErrBusy is a change that did not get its turn within the service's
// bounds, because other changes held the database; nothing was changed,
// and the same change may be sent again.
var ErrBusy = errors.New("the database is busy with other changes; nothing was changed, try again")

// retryable reports a failure that says only that other transactions were
// in the way: PostgreSQL's serialization failure and deadlock, SQLite's
// BUSY and LOCKED (with their extended codes).
func retryable(err error) bool {
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		return pe.Code == "40001" || pe.Code == "40P01"
	}
	var se *sqlite.Error
	if errors.As(err, &se) {
		code := se.Code() & 0xff
		return code == sqlite3.SQLITE_BUSY || code == sqlite3.SQLITE_LOCKED
	}
	return false
}

// ErrNotFound is what reads and deletes of something absent return.
var ErrNotFound = errors.New("not found")

// Backup writes an online, consistent copy of a SQLite database to path
// (VACUUM INTO: https://www.sqlite.org/lang_vacuum.html#vacuuminto); the
// service keeps serving meanwhile. For PostgreSQL, use pg_dump.
func (s *Store) Backup(ctx context.Context, path string) error {
	if s.postgres {
		return errors.New("configsvc: back up PostgreSQL with pg_dump")
	}
	_, err := s.db.ExecContext(ctx, `VACUUM INTO ?`, path)
	return err
}
