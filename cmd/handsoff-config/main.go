// Command handsoff-config is the configuration service: it holds where every
// service deploys (accounts, services, environments, checks, freeze windows
// and blackouts), serves each repository's handsoff/v1 document, and takes
// changes from the platform team, service teams and pipelines.
//
//	handsoff-config [serve] [--addr 127.0.0.1:8080] [--db FILE | --dsn postgres://...]
//	handsoff-config token create --role admin|team|pipeline [--repo OWNER/NAME] --name NAME
//	handsoff-config token list | token revoke ID
//	handsoff-config backup --to FILE
//	handsoff-config restore --from FILE [--force]
//
// On an empty database it seeds the example (acme/orders and its accounts)
// and, when no admin token exists, creates one and prints it once.
//
// Exit status: 0 ok, 1 failed, 2 misuse.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/handsoff-cdk/handsoff/cmd/handsoff-config/internal/configsvc"
	"github.com/handsoff-cdk/handsoff/stages"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	os.Exit(run(ctx, os.Args[1:], os.Stdout, os.Stderr, nil))
}

const usage = `handsoff-config: the configuration service of handsoff

Usage:
  handsoff-config [serve] [flags]     serve the API (the default command)
  handsoff-config token create|list|revoke [flags]
  handsoff-config backup --to FILE    an online copy of a SQLite database
  handsoff-config restore --from FILE [--db FILE] [--force]   put a backup in place (service stopped)

Run "handsoff-config COMMAND --help" for its flags.
`

// dbFlags are the flags that choose the database.
type dbFlags struct{ db, dsn *string }

func addDB(fs *flag.FlagSet) dbFlags {
	return dbFlags{
		db:  fs.String("db", "handsoff-config.db", "the SQLite database file (created when missing)"),
		dsn: fs.String("dsn", os.Getenv("HANDSOFF_CONFIG_DSN"), "a PostgreSQL DSN (postgres://...) instead of SQLite; default: $HANDSOFF_CONFIG_DSN"),
	}
}

func (d dbFlags) open(ctx context.Context) (*configsvc.Store, error) {
	if *d.dsn != "" {
		return configsvc.Open(ctx, *d.dsn)
	}
	return configsvc.Open(ctx, *d.db)
}

// with runs f on the opened store, and closes it; a database that does not
// open is exit 1.
func (d dbFlags) with(ctx context.Context, stderr io.Writer, f func(*configsvc.Store) int) int {
	store, err := d.open(ctx)
	if err != nil {
		fmt.Fprintln(stderr, "handsoff-config:", err)
		return 1
	}
	defer store.Close()
	return f(store)
}

func parse(fs *flag.FlagSet, args []string) (bool, int) {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return false, 0
		}
		return false, 2
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(fs.Output(), "%s: unexpected argument %q\n", fs.Name(), fs.Arg(0))
		return false, 2
	}
	return true, 0
}

// run is the command; ready, when not nil, receives the address once the
// server listens (for tests).
func run(ctx context.Context, args []string, stdout, stderr io.Writer, ready chan<- string) int {
	cmd := "serve"
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		cmd, args = args[0], args[1:]
	}
	if cmd == "serve" && len(args) == 1 && (args[0] == "-h" || args[0] == "-help" || args[0] == "--help") {
		// The program's help: every command, then serve's flags.
		fmt.Fprint(stdout, usage+"\nFlags of serve, the default command:\n")
		fs := flag.NewFlagSet("handsoff-config serve", flag.ContinueOnError)
		fs.SetOutput(stdout)
		serveFlags(fs)
		fs.PrintDefaults()
		return 0
	}
	switch cmd {
	case "serve":
		return serve(ctx, args, stdout, stderr, ready)
	case "token":
		return token(ctx, args, stdout, stderr)
	case "backup":
		return backup(ctx, args, stdout, stderr)
	case "restore":
		return restore(ctx, args, stdout, stderr)
	case "help":
		fmt.Fprint(stdout, usage)
		return 0
	}
	fmt.Fprintf(stderr, "handsoff-config: unknown command %q\n\n%s", cmd, usage)
	return 2
}

// serveOptions are serve's flags.
type serveOptions struct {
	addr, notifyURL                  *string
	db                               dbFlags
	seed, trustProxy, requireIfMatch *bool
	brokenAfter, retention           *time.Duration
}

func serveFlags(fs *flag.FlagSet) serveOptions {
	return serveOptions{
		addr:           fs.String("addr", "127.0.0.1:8080", "the address to listen on"),
		db:             addDB(fs),
		seed:           fs.Bool("seed", true, "seed an empty database with the example service and its accounts"),
		notifyURL:      fs.String("notify-url", "", "a webhook that hears of pipelines broken longer than --broken-after (JSON: service, stage, executionId, failedAt, text)"),
		brokenAfter:    fs.Duration("broken-after", time.Hour, "how long a pipeline stage may stay failed before --notify-url hears of it"),
		retention:      fs.Duration("status-retention", 30*24*time.Hour, "how long pipeline status reports are kept (the newest 100 executions of a pipeline at most)"),
		trustProxy:     fs.Bool("trust-proxy", false, "the service is behind a TLS-terminating proxy (a load balancer) whose X-Forwarded-Proto is believed: page cookies are Secure when it says https"),
		requireIfMatch: fs.Bool("require-if-match", false, "refuse (428) a change that does not name the version it changes with If-Match (or If-None-Match: * to create)"),
	}
}

func serve(ctx context.Context, args []string, stdout, stderr io.Writer, ready chan<- string) int {
	fs := flag.NewFlagSet("handsoff-config serve", flag.ContinueOnError)
	fs.SetOutput(stderr)
	f := serveFlags(fs)
	addr, db, seed, notifyURL, brokenAfter, retention, trustProxy, requireIfMatch := f.addr, f.db, f.seed, f.notifyURL, f.brokenAfter, f.retention, f.trustProxy, f.requireIfMatch
	if ok, code := parse(fs, args); !ok {
		return code
	}
	if *retention < time.Hour {
		fmt.Fprintf(stderr, "handsoff-config serve: --status-retention %s is under an hour: keep at least the last hour of pipeline status\n", *retention)
		return 2
	}
	log := slog.New(slog.NewJSONHandler(stderr, nil))
	store, err := db.open(ctx)
	if err != nil {
		fmt.Fprintln(stderr, "handsoff-config:", err)
		return 1
	}
	defer store.Close()
	if *seed {
		if err := store.Seed(ctx, stages.ExampleDocument()); err != nil {
			fmt.Fprintln(stderr, "handsoff-config: seeding the example:", err)
			return 1
		}
	}
	if err := firstAdmin(ctx, store, stderr); err != nil {
		fmt.Fprintln(stderr, "handsoff-config:", err)
		return 1
	}
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		fmt.Fprintln(stderr, "handsoff-config:", err)
		return 1
	}
	srv := &http.Server{
		Handler:           (&configsvc.Server{Store: store, Log: log, RequireIfMatch: *requireIfMatch, TrustProxy: *trustProxy}).Handler(),
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      30 * time.Second,
		IdleTimeout:       2 * time.Minute,
		MaxHeaderBytes:    64 << 10,
	}
	log.Info("serving", "addr", ln.Addr().String(), "database", store.Dialect(), "schema", configsvc.SchemaVersion())
	if ready != nil {
		ready <- ln.Addr().String()
	}
	errs := make(chan error, 1)
	go func() { errs <- srv.Serve(ln) }()
	go func() {
		// Pipeline status older than the retention, every hour.
		tick := time.NewTicker(time.Hour)
		defer tick.Stop()
		for {
			if err := store.PruneStatus(ctx, time.Now().Add(-*retention)); err != nil && ctx.Err() == nil {
				log.Warn("pruning pipeline status failed", "err", err)
			}
			select {
			case <-ctx.Done():
				return
			case <-tick.C:
			}
		}
	}()
	if *notifyURL != "" {
		n := &configsvc.Notifier{Store: store, URL: *notifyURL, After: *brokenAfter}
		go n.Run(ctx, time.Minute, func(msg string, args ...any) { log.Warn(msg, args...) })
	}
	select {
	case err := <-errs:
		fmt.Fprintln(stderr, "handsoff-config:", err)
		return 1
	case <-ctx.Done():
	}
	// Graceful shutdown: finish what is in flight, for up to 20 s.
	shutdown, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdown); err != nil {
		fmt.Fprintln(stderr, "handsoff-config: shutdown:", err)
		return 1
	}
	log.Info("stopped")
	return 0
}

// firstAdmin makes an admin token when there is none, and prints it once.
func firstAdmin(ctx context.Context, store *configsvc.Store, stderr io.Writer) error {
	ts, err := store.Tokens(ctx)
	if err != nil {
		return err
	}
	for _, t := range ts {
		if t.Role == configsvc.RoleAdmin && t.RevokedAt == "" {
			return nil
		}
	}
	t, secret, err := store.CreateToken(ctx, "first start", configsvc.RoleAdmin, "", "first admin")
	if err != nil {
		return err
	}
	fmt.Fprintf(stderr, "handsoff-config: no admin token existed; created %s (shown once, keep it; revoke it with: handsoff-config token revoke %s):\n%s\n", t.ID, t.ID, secret)
	return nil
}

func token(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprintln(stderr, "Usage: handsoff-config token create|list|revoke [flags]")
		return 2
	}
	sub, args := args[0], args[1:]
	fs := flag.NewFlagSet("handsoff-config token "+sub, flag.ContinueOnError)
	fs.SetOutput(stderr)
	db := addDB(fs)
	switch sub {
	case "create":
		role := fs.String("role", "", "admin, team (one service's developers) or pipeline (one service's pipeline)")
		repo := fs.String("repo", "", "the service (owner/name) of a team or pipeline token")
		name := fs.String("name", "", "who or what holds the token, for the audit log")
		if ok, code := parse(fs, args); !ok {
			return code
		}
		if *name == "" {
			fmt.Fprintln(stderr, "handsoff-config token create: --name is required: who or what holds the token")
			return 2
		}
		if *repo != "" {
			if err := stages.ValidRepo(*repo); err != nil {
				fmt.Fprintln(stderr, "handsoff-config token create:", err)
				return 2
			}
		}
		return db.with(ctx, stderr, func(store *configsvc.Store) int {
			t, secret, err := store.CreateToken(ctx, "command line", *role, *repo, *name)
			if err != nil {
				fmt.Fprintln(stderr, "handsoff-config token create:", err)
				return 2
			}
			fmt.Fprintf(stderr, "created token %s (%s%s); the secret is shown once:\n", t.ID, t.Role, map[bool]string{true: " of " + t.Repo, false: ""}[t.Repo != ""])
			fmt.Fprintln(stdout, secret)
			return 0
		})
	case "list":
		if ok, code := parse(fs, args); !ok {
			return code
		}
		return db.with(ctx, stderr, func(store *configsvc.Store) int {
			ts, err := store.Tokens(ctx)
			if err != nil {
				fmt.Fprintln(stderr, "handsoff-config:", err)
				return 1
			}
			for _, t := range ts {
				state := "live"
				if t.RevokedAt != "" {
					state = "revoked " + t.RevokedAt
				}
				fmt.Fprintf(stdout, "%s  %-8s %-20s %-24s created %s, %s\n", t.ID, t.Role, repoOrAll(t.Repo), t.Name, t.CreatedAt, state)
			}
			return 0
		})
	case "revoke":
		if err := fs.Parse(args); err != nil {
			return 2
		}
		if fs.NArg() != 1 {
			fmt.Fprintln(stderr, "Usage: handsoff-config token revoke [flags] ID")
			return 2
		}
		return db.with(ctx, stderr, func(store *configsvc.Store) int {
			if err := store.RevokeToken(ctx, "command line", fs.Arg(0)); err != nil {
				fmt.Fprintf(stderr, "handsoff-config token revoke: no live token %s\n", fs.Arg(0))
				return 1
			}
			fmt.Fprintf(stdout, "revoked %s\n", fs.Arg(0))
			return 0
		})
	}
	fmt.Fprintf(stderr, "handsoff-config token: unknown command %q: create, list or revoke\n", sub)
	return 2
}

func repoOrAll(r string) string {
	if r == "" {
		return "(every service)"
	}
	return r
}

func backup(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("handsoff-config backup", flag.ContinueOnError)
	fs.SetOutput(stderr)
	db := addDB(fs)
	to := fs.String("to", "", "the backup file to write (must not exist)")
	if ok, code := parse(fs, args); !ok {
		return code
	}
	if *to == "" {
		fmt.Fprintln(stderr, "handsoff-config backup: --to is required")
		return 2
	}
	if *db.dsn != "" {
		fmt.Fprintln(stderr, "handsoff-config backup: for PostgreSQL use pg_dump (see docs/config-service.md)")
		return 2
	}
	return db.with(ctx, stderr, func(store *configsvc.Store) int {
		if err := store.Backup(ctx, *to); err != nil {
			fmt.Fprintln(stderr, "handsoff-config backup:", err)
			return 1
		}
		fmt.Fprintf(stdout, "backed up %s to %s (restore: stop the service, then handsoff-config restore --from %s --db %s --force)\n", *db.db, *to, *to, *db.db)
		return 0
	})
}

// restore puts a backup in place of the SQLite database: the backup is
// opened and checked first (its schema migrated, its documents readable),
// then copied over the database, whose old files (-wal, -shm) go. Stop the
// service first. An existing database is replaced only with --force.
func restore(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("handsoff-config restore", flag.ContinueOnError)
	fs.SetOutput(stderr)
	db := addDB(fs)
	from := fs.String("from", "", "the backup file (from handsoff-config backup)")
	force := fs.Bool("force", false, "replace an existing database")
	if ok, code := parse(fs, args); !ok {
		return code
	}
	if *from == "" {
		fmt.Fprintln(stderr, "handsoff-config restore: --from is required")
		return 2
	}
	if *db.dsn != "" {
		fmt.Fprintln(stderr, "handsoff-config restore: for PostgreSQL use pg_restore (see docs/config-service.md)")
		return 2
	}
	if _, err := os.Stat(*db.db); err == nil && !*force {
		fmt.Fprintf(stderr, "handsoff-config restore: %s exists: stop the service, then pass --force to replace it\n", *db.db)
		return 2
	}
	check, err := configsvc.Open(ctx, *from)
	if err != nil {
		fmt.Fprintln(stderr, "handsoff-config restore: the backup does not open:", err)
		return 1
	}
	repos, err := check.Repos(ctx)
	for _, r := range repos {
		if err == nil {
			_, err = check.Document(ctx, r)
		}
	}
	check.Close()
	if err != nil {
		fmt.Fprintln(stderr, "handsoff-config restore: the backup is damaged:", err)
		return 1
	}
	raw, err := os.ReadFile(*from)
	if err != nil {
		fmt.Fprintln(stderr, "handsoff-config restore:", err)
		return 1
	}
	tmp := *db.db + ".restoring"
	if err := os.WriteFile(tmp, raw, 0o600); err != nil {
		fmt.Fprintln(stderr, "handsoff-config restore:", err)
		return 1
	}
	os.Remove(*db.db + "-wal")
	os.Remove(*db.db + "-shm")
	if err := os.Rename(tmp, *db.db); err != nil {
		fmt.Fprintln(stderr, "handsoff-config restore:", err)
		return 1
	}
	fmt.Fprintf(stdout, "restored %s from %s (%d services)\n", *db.db, *from, len(repos))
	return 0
}
