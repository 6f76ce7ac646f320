package configsvc

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/handsoff-cdk/handsoff/internal/testenv"
	"github.com/handsoff-cdk/handsoff/stages"
)

var ctx = context.Background()

// seeded is a store with the example.
func seeded(t *testing.T, s *Store) *Store {
	t.Helper()
	if err := s.Seed(ctx, stages.ExampleDocument()); err != nil {
		t.Fatal(err)
	}
	return s
}

// TestDocumentIsTheExample: the seeded service's document means what the
// platform's v1 example (shared/config-service) means, and is byte for
// byte what the projection gives.
func TestDocumentIsTheExample(t *testing.T) {
	forEachStore(t, func(t *testing.T, s *Store) {
		seeded(t, s)
		doc, err := s.Document(ctx, "acme/orders")
		if err != nil {
			t.Fatal(err)
		}
		want := stages.ExampleDocument()
		if shared, err := os.ReadFile(filepath.Join(testenv.Root(), "..", "shared", "config-service", "acme-orders.json")); err == nil {
			want = shared
		}
		got, err1 := stages.Parse(doc, "served")
		exp, err2 := stages.Parse(want, "example")
		if err1 != nil || err2 != nil {
			t.Fatalf("%v %v", err1, err2)
		}
		if diff := cmp.Diff(exp.Document, got.Document); diff != "" {
			t.Errorf("the served document means something else (-example +served):\n%s", diff)
		}
		again, _ := s.Document(ctx, "acme/orders")
		if string(again) != string(doc) {
			t.Error("the same model projected twice gives other bytes")
		}
	})
}

// TestChangesThatBreakADocumentAreRefused: the library's problems, and
// nothing changed.
func TestChangesThatBreakADocumentAreRefused(t *testing.T) {
	forEachStore(t, func(t *testing.T, s *Store) {
		seeded(t, s)
		before, _ := s.Document(ctx, "acme/orders")
		own, _ := s.Service(ctx, "acme/orders")
		cases := []struct {
			name   string
			change func() error
			want   string
		}{
			{"an environment in a region that does not exist", func() error {
				_, err := s.EditService(ctx, "test", "edit", "acme/orders", Cond{}, func(_ *sql.Tx, d *stages.Document) error {
					d.Stages[0].Environments[0].Region = "us-east-7"
					return nil
				})
				return err
			}, `acme/orders: stages[0].environments[0].region: "us-east-7" is not an AWS region`},
			{"an unregistered account", func() error {
				_, err := s.EditService(ctx, "test", "edit", "acme/orders", Cond{}, func(_ *sql.Tx, d *stages.Document) error {
					d.Stages[0].Environments[0].Account = "999999999999"
					return nil
				})
				return err
			}, "acme/orders: stages[0].environments[0].account: account 999999999999 is not registered"},
			{"a platform window for a stage that does not exist", func() error {
				_, err := s.PutCalendar(ctx, "test", "window", "bad", Window{Name: "bad", Timezone: "Mars/Olympus", Days: []string{"MON"}, Start: "10:00", End: "11:00", AppliesTo: []string{"prod"}}, Cond{})
				return err
			}, `timezone: "Mars/Olympus" is not an IANA time zone`},
			{"deleting an account in use", func() error { return s.DeleteAccount(ctx, "test", own.Pipeline.Account, Cond{}) }, "account " + own.Pipeline.Account + " is not registered"},
		}
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				err := c.change()
				var ce *ChangeError
				if !errors.As(err, &ce) || !strings.Contains(err.Error(), c.want) {
					t.Fatalf("err = %v\nwant a refusal with %q", err, c.want)
				}
				after, _ := s.Document(ctx, "acme/orders")
				if string(after) != string(before) {
					t.Error("a refused change changed the document")
				}
				if accts, _ := s.Accounts(ctx); len(accts) == 0 {
					t.Error("a refused change removed the accounts")
				}
			})
		}
	})
}

// TestPlatformCalendarAndAudit: a platform window reaches every service
// that has its stages, and every change is in the audit log with before
// and after.
func TestPlatformCalendarAndAudit(t *testing.T) {
	forEachStore(t, func(t *testing.T, s *Store) {
		seeded(t, s)
		w := Window{Name: "platform-friday", Timezone: "UTC", Days: []string{"FRI"}, Start: "00:00", End: "24:00", AppliesTo: []string{"prod", "qa"}}
		if _, err := s.PutCalendar(ctx, "admin:test", "window", w.Name, w, Cond{}); err == nil {
			t.Error("a window for an unknown stage (qa) was accepted")
		}
		w.AppliesTo = []string{"prod"}
		if _, err := s.PutCalendar(ctx, "admin:test", "window", w.Name, w, Cond{}); err != nil {
			t.Fatal(err)
		}
		doc, _ := s.Document(ctx, "acme/orders")
		if !strings.Contains(string(doc), `"name": "platform-friday"`) {
			t.Errorf("the platform window is not in the document:\n%s", doc)
		}
		entries, err := s.Audit(ctx, "platform-friday", 10)
		if err != nil || len(entries) != 1 || entries[0].Actor != "admin:test" || entries[0].Action != "window.put" || !strings.Contains(string(entries[0].After), "platform-friday") {
			t.Errorf("audit: %+v %v", entries, err)
		}
		all, _ := s.Audit(ctx, "", 100)
		if len(all) < 2 { // the seed's accounts and service, the window
			t.Errorf("audit has %d entries", len(all))
		}
		if err := s.DeleteCalendar(ctx, "admin:test", "window", "platform-friday", Cond{}); err != nil {
			t.Fatal(err)
		}
		if err := s.DeleteCalendar(ctx, "admin:test", "window", "platform-friday", Cond{}); !errors.Is(err, ErrNotFound) {
			t.Errorf("a second delete: %v", err)
		}
	})
}

// TestTokensAreHashed: the secret is not stored, a revoked token does not
// authenticate, and roles are checked.
func TestTokensAreHashed(t *testing.T) {
	forEachStore(t, func(t *testing.T, s *Store) {
		tok, secret, err := s.CreateToken(ctx, "test", RoleTeam, "acme/orders", "orders developers")
		if err != nil {
			t.Fatal(err)
		}
		var n int
		s.db.QueryRow(s.rebind(`SELECT COUNT(*) FROM tokens WHERE hash = ?`), secret).Scan(&n)
		if n != 0 {
			t.Error("the secret is stored as it is")
		}
		if got, err := s.Authenticate(ctx, secret); err != nil || got.ID != tok.ID || got.Role != RoleTeam {
			t.Errorf("authenticate: %+v %v", got, err)
		}
		if err := s.RevokeToken(ctx, "test", tok.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Authenticate(ctx, secret); !errors.Is(err, ErrNotFound) {
			t.Errorf("a revoked token authenticates: %v", err)
		}
		for _, bad := range [][2]string{{"root", ""}, {RoleAdmin, "acme/orders"}, {RoleTeam, ""}, {RolePipeline, ""}} {
			if _, _, err := s.CreateToken(ctx, "test", bad[0], bad[1], "x"); err == nil {
				t.Errorf("CreateToken(%q, %q) accepted", bad[0], bad[1])
			}
		}
	})
}

// TestMigrationsRunOnce: opening again applies nothing twice.
func TestMigrationsRunOnce(t *testing.T) {
	path := filepath.Join(t.TempDir(), "config.db")
	for i := 0; i < 2; i++ {
		s, err := Open(ctx, path)
		if err != nil {
			t.Fatal(err)
		}
		var n int
		s.db.QueryRow(`SELECT COUNT(*) FROM schema_migrations`).Scan(&n)
		if n != len(migrations) {
			t.Errorf("open %d: %d migrations recorded, want %d", i+1, n, len(migrations))
		}
		s.Close()
	}
}

// TestBackup: an online copy opens as a database with the same document.
func TestBackup(t *testing.T) {
	s := seeded(t, newSQLite(t))
	path := filepath.Join(t.TempDir(), "backup.db")
	if err := s.Backup(ctx, path); err != nil {
		t.Fatal(err)
	}
	b, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	want, _ := s.Document(ctx, "acme/orders")
	got, err := b.Document(ctx, "acme/orders")
	if err != nil || string(got) != string(want) {
		t.Errorf("the backup's document differs: %v", err)
	}
	var st Status
	json.Unmarshal([]byte(`{}`), &st)
}

func exampleDoc() []byte { return stages.ExampleDocument() }

// TestCacheSeesOtherInstances: a second instance on the same database sees
// a change as soon as it is acknowledged, and a token revoked by another
// instance stops working at once.
func TestCacheSeesOtherInstances(t *testing.T) {
	path := filepath.Join(t.TempDir(), "shared.db")
	a, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	b, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	seeded(t, a)
	tok, secret, _ := a.CreateToken(ctx, "test", RolePipeline, "acme/orders", "p")
	before, _ := b.Document(ctx, "acme/orders")
	if _, err := b.Authenticate(ctx, secret); err != nil {
		t.Fatal(err)
	}
	own, _ := a.Service(ctx, "acme/orders")
	own.Service.Owner = "team-orders-2"
	if _, err := a.PutService(ctx, "test", "acme/orders", own, Cond{}); err != nil {
		t.Fatal(err)
	}
	a.RevokeToken(ctx, "test", tok.ID)
	if after, _ := a.Document(ctx, "acme/orders"); string(after) == string(before) {
		t.Error("the instance that made the change serves the old document")
	}
	if after, _ := b.Document(ctx, "acme/orders"); !strings.Contains(string(after), "team-orders-2") {
		t.Error("another instance serves the old document after the change was acknowledged")
	}
	if _, err := b.Authenticate(ctx, secret); !errors.Is(err, ErrNotFound) {
		t.Errorf("another instance still accepts the revoked token: %v", err)
	}
}

// TestInstancesStartTogether: several instances opened at once on an empty
// database all start, and migrate it once.
func TestInstancesStartTogether(t *testing.T) {
	forEachStoreDSN(t, func(t *testing.T, dsn string) {
		errs := make(chan error, 4)
		for range 4 {
			go func() {
				s, err := Open(ctx, dsn)
				if err == nil {
					s.Close()
				}
				errs <- err
			}()
		}
		for range 4 {
			if err := <-errs; err != nil {
				t.Error(err)
			}
		}
	})
}

// TestDatabaseOutageIs503: while PostgreSQL cannot be reached, a caller
// with a good token is answered 503 with Retry-After, not 401 or 500;
// when it is back, the same request goes through.
func TestDatabaseOutageIs503(t *testing.T) {
	_, dsn := newPostgresDSN(t)
	// A loopback proxy in front of PostgreSQL that the test can cut.
	u, _ := url.Parse(dsn)
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var conns []net.Conn
	down := false
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			if down {
				mu.Unlock()
				c.Close()
				continue
			}
			up, err := net.Dial("tcp", u.Host)
			if err != nil {
				mu.Unlock()
				c.Close()
				continue
			}
			conns = append(conns, c, up)
			mu.Unlock()
			go func() { io.Copy(up, c); up.Close() }()
			go func() { io.Copy(c, up); c.Close() }()
		}
	}()
	defer l.Close()
	proxied := strings.Replace(dsn, u.Host, l.Addr().String(), 1)
	st, err := Open(ctx, proxied)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	s := newService(t, st)
	get := func() (int, http.Header) {
		code, h, _ := s.do(t, "GET", "/v1/services/acme/orders", s.pipelineTk, "")
		return code, h
	}
	if code, _ := get(); code != 200 {
		t.Fatalf("before the outage: %d", code)
	}
	mu.Lock()
	down = true
	for _, c := range conns {
		c.Close()
	}
	mu.Unlock()
	for range 3 {
		if code, h := get(); code != 503 || h.Get("Retry-After") == "" {
			t.Errorf("during the outage: %d %v", code, h)
		}
		code, h, body := s.do(t, "PUT", "/v1/admin/windows/w", s.admin, `{"timezone": "UTC", "days": ["SUN"], "start": "01:00", "end": "02:00", "appliesTo": ["prod"]}`)
		if code != 503 || h.Get("Retry-After") == "" {
			t.Errorf("a change during the outage: %d %s", code, body)
		}
	}
	mu.Lock()
	down = false
	mu.Unlock()
	if code, _ := get(); code != 200 {
		t.Errorf("after the outage: %d", code)
	}
}
