package configsvc

import (
	"context"
	"database/sql"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// A throwaway PostgreSQL for the tests: HANDSOFF_TEST_PG_DSN when set,
// else a cluster this test binary starts from the machine's PostgreSQL
// (initdb and pg_ctl, as the postgres user when run as root) in a
// temporary directory, stopped when the tests end.
var pg struct {
	once sync.Once
	dsn  string // of the server, database postgres
	stop func()
	err  error
}

func pgBinDir() string {
	for _, v := range []string{"17", "16", "15", "14"} {
		d := filepath.Join("/usr/lib/postgresql", v, "bin")
		if _, err := os.Stat(filepath.Join(d, "initdb")); err == nil {
			return d
		}
	}
	return ""
}

func startPostgres() {
	if dsn := os.Getenv("HANDSOFF_TEST_PG_DSN"); dsn != "" {
		pg.dsn, pg.stop = dsn, func() {}
		return
	}
	bin := pgBinDir()
	if bin == "" {
		pg.err = fmt.Errorf("no PostgreSQL server binaries (apt-get install postgresql)")
		return
	}
	dir, err := os.MkdirTemp("", "handsoff-pg-")
	if err != nil {
		pg.err = err
		return
	}
	os.Chmod(dir, 0o777)
	l, _ := net.Listen("tcp", "127.0.0.1:0")
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()
	as := func(name string, args ...string) *exec.Cmd {
		if os.Geteuid() == 0 { // initdb refuses root
			return exec.Command("runuser", append([]string{"-u", "postgres", "--", filepath.Join(bin, name)}, args...)...)
		}
		return exec.Command(filepath.Join(bin, name), args...)
	}
	data := filepath.Join(dir, "data")
	if out, err := as("initdb", "-D", data, "-U", "postgres", "--auth=trust", "-E", "UTF8").CombinedOutput(); err != nil {
		pg.err = fmt.Errorf("initdb: %v: %s", err, out)
		return
	}
	opts := fmt.Sprintf("-p %d -k %s -c listen_addresses=127.0.0.1 -c fsync=off", port, dir)
	if out, err := as("pg_ctl", "-D", data, "-o", opts, "-l", filepath.Join(dir, "log"), "-w", "start").CombinedOutput(); err != nil {
		log, _ := os.ReadFile(filepath.Join(dir, "log"))
		pg.err = fmt.Errorf("pg_ctl start: %v: %s %s", err, out, log)
		return
	}
	pg.dsn = fmt.Sprintf("postgres://postgres@127.0.0.1:%d/postgres?sslmode=disable", port)
	pg.stop = func() {
		as("pg_ctl", "-D", data, "-m", "immediate", "stop").Run()
		os.RemoveAll(dir)
	}
}

func TestMain(m *testing.M) {
	// Every change checks what it gives the cache against what it
	// commits, but not under the load benchmarks, which time the service.
	flag.Parse()
	checkCommits = flag.Lookup("test.bench").Value.String() == ""
	if dsn := os.Getenv(linChildEnv); dsn != "" {
		serveChild(dsn) // TestLinearizable's child service; never returns
	}
	code := m.Run()
	if pg.stop != nil {
		pg.stop()
	}
	os.Exit(code)
}

// newPostgres is a store on a fresh database of the throwaway server.
func newPostgres(t testing.TB) *Store {
	t.Helper()
	s, _ := newPostgresDSN(t)
	return s
}

// newPostgresDSN is newPostgres and the DSN of its database.
func newPostgresDSN(t testing.TB) (*Store, string) {
	t.Helper()
	dsn := emptyPostgres(t)
	s, err := Open(context.Background(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s, dsn
}

// emptyPostgres is the DSN of a fresh, empty database of the throwaway
// server.
func emptyPostgres(t testing.TB) string {
	t.Helper()
	pg.once.Do(startPostgres)
	if pg.err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("PostgreSQL: %v", pg.err)
		}
		t.Skipf("PostgreSQL: %v", pg.err)
	}
	admin, err := sql.Open("pgx", pg.dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close()
	name := fmt.Sprintf("t%d", time.Now().UnixNano())
	if _, err := admin.Exec("CREATE DATABASE " + name); err != nil {
		t.Fatal(err)
	}
	return strings.Replace(pg.dsn, "/postgres?", "/"+name+"?", 1)
}

// newSQLite is a store on a fresh SQLite file.
func newSQLite(t testing.TB) *Store {
	t.Helper()
	s, err := Open(context.Background(), filepath.Join(t.TempDir(), "config.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// forEachStore runs f on SQLite and on PostgreSQL.
func forEachStore(t *testing.T, f func(t *testing.T, s *Store)) {
	t.Run("sqlite", func(t *testing.T) { f(t, newSQLite(t)) })
	t.Run("postgres", func(t *testing.T) { f(t, newPostgres(t)) })
}

// loopbackListener listens on a free loopback port.
func loopbackListener() net.Listener {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		panic(err)
	}
	return l
}

func discardLog() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

// forEachStoreDSN runs f with the DSN of an empty SQLite file and of an
// empty PostgreSQL database.
func forEachStoreDSN(t *testing.T, f func(t *testing.T, dsn string)) {
	t.Run("sqlite", func(t *testing.T) { f(t, filepath.Join(t.TempDir(), "config.db")) })
	t.Run("postgres", func(t *testing.T) { f(t, emptyPostgres(t)) })
}
