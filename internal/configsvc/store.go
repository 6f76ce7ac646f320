package configsvc

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // registers "pgx"
	_ "modernc.org/sqlite"             // registers "sqlite"
)

// Store is the service's database: SQLite or PostgreSQL.
type Store struct {
	db       *sql.DB
	postgres bool
	cache    cache
}

// Open opens the database a DSN names and applies the migrations it lacks.
// A DSN of postgres:// or postgresql:// is PostgreSQL; anything else is the
// path of a SQLite file (created when missing).
func Open(ctx context.Context, dsn string) (*Store, error) {
	s := &Store{}
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
		// for another instead of failing at once.
		// https://www.sqlite.org/pragma.html#pragma_synchronous
		path := strings.TrimPrefix(dsn, "sqlite:")
		s.db, err = sql.Open("sqlite", "file:"+path+"?_pragma=journal_mode(WAL)&_pragma=synchronous(FULL)&_pragma=busy_timeout(10000)&_pragma=foreign_keys(ON)")
		if err == nil {
			// One writer at a time is SQLite's rule; a small pool keeps
			// readers concurrent under WAL.
			s.db.SetMaxOpenConns(8)
			s.db.SetMaxIdleConns(8)
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
	return s, nil
}

// Close closes the database.
func (s *Store) Close() error { return s.db.Close() }

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
}

// SchemaVersion is the newest migration.
func SchemaVersion() int { return migrations[len(migrations)-1].version }

func (s *Store) migrate(ctx context.Context) error {
	if _, err := s.db.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, applied_at TEXT NOT NULL)`); err != nil {
		return fmt.Errorf("configsvc: migrations: %w", err)
	}
	for _, m := range migrations {
		err := s.tx(ctx, func(tx *sql.Tx) error {
			var n int
			if err := tx.QueryRowContext(ctx, s.rebind(`SELECT COUNT(*) FROM schema_migrations WHERE version = ?`), m.version).Scan(&n); err != nil {
				return err
			}
			if n > 0 {
				return nil
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
					return err
				}
			}
			_, err := tx.ExecContext(ctx, s.rebind(`INSERT INTO schema_migrations (version, applied_at) VALUES (?, ?)`), m.version, now())
			return err
		})
		if err != nil {
			return fmt.Errorf("configsvc: migration %d: %w", m.version, err)
		}
	}
	return nil
}

func now() string { return time.Now().UTC().Format(time.RFC3339Nano) }

// tx runs f in a transaction, committing when it returns nil. SQLite
// writers take the database's write lock at once (BEGIN IMMEDIATE is what
// database/sql cannot ask for, so busy_timeout serializes them).
func (s *Store) tx(ctx context.Context, f func(*sql.Tx) error) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	if err := f(tx); err != nil {
		tx.Rollback()
		return err
	}
	err = tx.Commit()
	s.cache.changed()
	return err
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
