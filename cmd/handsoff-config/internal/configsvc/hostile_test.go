package configsvc

// A hostile tester's attacks on the read path (shared generation reads,
// the cache given what a change validated, shared projections and token
// lookups), written without seeing the other tests; three of them found
// bugs, fixed since: a token lookup that ignored the request's deadline,
// one client's hang-up failing the other readers of a document, and a
// request not seeing its own change.
// Run: go test ./internal/configsvc -run Attack -count=1

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/handsoff-cdk/handsoff/stages"
)

// attackPair is two instances on one database.
type attackPair struct {
	a, b *Store
	dsn  string
}

func attackPairs(t *testing.T, f func(t *testing.T, p attackPair)) {
	t.Run("sqlite", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "shared.db")
		a, err := Open(context.Background(), path)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { a.Close() })
		b, err := Open(context.Background(), path)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { b.Close() })
		f(t, attackPair{a, b, path})
	})
	t.Run("postgres", func(t *testing.T) {
		a, dsn := newPostgresDSN(t)
		b, err := Open(context.Background(), dsn)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { b.Close() })
		f(t, attackPair{a, b, dsn})
	})
}

// truth is the document as the database has it now, bypassing every cache.
func truth(s *Store, repo string) ([]byte, error) {
	var doc []byte
	err := s.read(context.Background(), func(db q) error {
		var err error
		doc, err = s.document(context.Background(), db, repo)
		return err
	})
	return doc, err
}

func withCheckCommits(t *testing.T, on bool) {
	old := checkCommits
	checkCommits = on
	t.Cleanup(func() { checkCommits = old })
}

func exampleFor(t *testing.T, repo string) *stages.Document {
	t.Helper()
	d, err := parseDocument(stages.ExampleDocument())
	if err != nil {
		t.Fatal(err)
	}
	d.Service.Repo = repo
	d.Service.Name = strings.ReplaceAll(repo, "/", "-")
	return d
}

// Attack 1: every kind of change, made on one instance or the other, with
// every cache warmed before it; after each acknowledgement, every document
// read on either instance must be the database's. Run with checkCommits
// off as well, which is how production runs.
func TestAttackCommitHandoffEveryChangeKind(t *testing.T) {
	for _, check := range []bool{false, true} {
		t.Run(fmt.Sprintf("checkCommits=%v", check), func(t *testing.T) {
			withCheckCommits(t, check)
			attackPairs(t, func(t *testing.T, p attackPair) {
				bg := context.Background()
				seeded(t, p.a)
				repos := []string{"acme/orders", "acme/payments"}
				warm := func() {
					for _, s := range []*Store{p.a, p.b} {
						for _, r := range repos {
							s.Document(WithRequest(bg), r)
						}
					}
				}
				verify := func(step string) {
					t.Helper()
					for i, s := range []*Store{p.a, p.b} {
						for _, r := range repos {
							want, werr := truth(s, r)
							got, gerr := s.Document(WithRequest(bg), r)
							if (werr == nil) != (gerr == nil) || string(got) != string(want) {
								t.Errorf("after %s, instance %d serves %s as %.80q (%v); the database has %.80q (%v)", step, i, r, got, gerr, want, werr)
							}
						}
					}
				}
				var tokID, secret string
				w := Window{Name: "attack-w", Timezone: "UTC", Days: []string{"MON"}, Start: "01:00", End: "02:00", AppliesTo: []string{"prod"}}
				bl := Blackout{Name: "attack-b", From: "2030-01-01T00:00:00Z", To: "2030-01-02T00:00:00Z", AppliesTo: []string{"gamma"}}
				steps := []struct {
					name string
					do   func(s *Store) error
				}{
					{"PutService new", func(s *Store) error {
						_, err := s.PutService(bg, "t", "acme/payments", exampleFor(t, "acme/payments"), Cond{})
						return err
					}},
					{"PutCalendar window", func(s *Store) error { _, err := s.PutCalendar(bg, "t", "window", w.Name, w, Cond{}); return err }},
					{"PutService tags", func(s *Store) error {
						d := exampleFor(t, "acme/orders")
						d.Service.Tags["x"] = "1"
						_, err := s.PutService(bg, "t", "acme/orders", d, Cond{})
						return err
					}},
					{"EditService add env", func(s *Store) error {
						_, err := s.EditService(bg, "t", "environment.add", "acme/payments", Cond{}, func(tx *sql.Tx, d *stages.Document) error {
							d.Stages[0].Environments = append(d.Stages[0].Environments, stages.DocEnvironment{Name: "attack-env", Account: "222222222222", Region: "eu-west-1"})
							return nil
						})
						return err
					}},
					{"DeleteCalendar window", func(s *Store) error { return s.DeleteCalendar(bg, "t", "window", w.Name, Cond{}) }},
					{"PutAccount", func(s *Store) error {
						_, err := s.PutAccount(bg, "t", Account{ID: "999999999999", Name: "spare"}, Cond{})
						return err
					}},
					{"PutCalendar blackout", func(s *Store) error { _, err := s.PutCalendar(bg, "t", "blackout", bl.Name, bl, Cond{}); return err }},
					{"DeleteAccount", func(s *Store) error { return s.DeleteAccount(bg, "t", "999999999999", Cond{}) }},
					{"CreateToken", func(s *Store) error {
						tok, sec, err := s.CreateToken(bg, "t", RolePipeline, "acme/orders", "p")
						tokID, secret = tok.ID, sec
						return err
					}},
					{"PutCalendar window again", func(s *Store) error {
						w.Start = "03:00"
						w.End = "04:00"
						_, err := s.PutCalendar(bg, "t", "window", w.Name, w, Cond{})
						return err
					}},
					{"RevokeToken", func(s *Store) error { return s.RevokeToken(bg, "t", tokID) }},
					{"DeleteService", func(s *Store) error { return s.DeleteService(bg, "t", "acme/payments", Cond{}) }},
					{"DeleteCalendar blackout", func(s *Store) error { return s.DeleteCalendar(bg, "t", "blackout", bl.Name, Cond{}) }},
					{"PutService recreate", func(s *Store) error {
						d := exampleFor(t, "acme/payments")
						d.Service.Owner = "team-pay"
						_, err := s.PutService(bg, "t", "acme/payments", d, Cond{})
						return err
					}},
					{"EditService remove env", func(s *Store) error {
						_, err := s.EditService(bg, "t", "environment.remove", "acme/orders", Cond{}, func(tx *sql.Tx, d *stages.Document) error {
							d.Stages = d.Stages[1:] // alpha goes
							return nil
						})
						return err
					}},
				}
				for i, st := range steps {
					warm()
					s := p.a
					if i%2 == 1 {
						s = p.b
					}
					if err := st.do(s); err != nil {
						t.Fatalf("%s: %v", st.name, err)
					}
					verify(st.name)
				}
				for i, s := range []*Store{p.a, p.b} {
					if _, err := s.Authenticate(WithRequest(bg), secret); !errors.Is(err, ErrNotFound) {
						t.Errorf("instance %d accepts a revoked token: %v", i, err)
					}
				}
			})
		})
	}
}

// Attack 2: writers on both instances (PostgreSQL: serialization failures
// and retries), readers on both; a read must reflect every change that was
// acknowledged before it began. Production setting (checkCommits off).
func TestAttackConcurrentWritersNeverServeStale(t *testing.T) {
	withCheckCommits(t, false)
	attackPairs(t, func(t *testing.T, p attackPair) {
		bg := context.Background()
		seeded(t, p.a)
		if _, err := p.a.PutService(bg, "t", "acme/payments", exampleFor(t, "acme/payments"), Cond{}); err != nil {
			t.Fatal(err)
		}
		var ackedWin, ackedTag atomic.Int64
		var lost, stale, busy atomic.Int64
		var mu sync.Mutex
		var firstStale string
		stop := make(chan struct{})
		var wg sync.WaitGroup
		// Window writer, alternating instances: every service's document changes.
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := int64(1); i < 1300; i++ {
				select {
				case <-stop:
					return
				default:
				}
				s := []*Store{p.a, p.b}[i%2]
				w := Window{Name: "attack-w", Timezone: "UTC", Days: []string{"MON"}, Start: fmt.Sprintf("%02d:%02d", i/60, i%60), End: "23:59", AppliesTo: []string{"prod"}}
				_, err := s.PutCalendar(bg, "t", "window", w.Name, w, Cond{})
				if err != nil {
					busy.Add(1)
					continue
				}
				ackedWin.Store(i)
			}
		}()
		// Service writer, alternating instances.
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := int64(1); ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				s := []*Store{p.b, p.a}[i%2]
				d := exampleFor(t, "acme/orders")
				d.Service.Tags["v"] = strconv.FormatInt(i, 10)
				if _, err := s.PutService(bg, "t", "acme/orders", d, Cond{}); err != nil {
					busy.Add(1)
					continue
				}
				ackedTag.Store(i)
			}
		}()
		reads := atomic.Int64{}
		for r := 0; r < 6; r++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for k := 0; ; k++ {
					select {
					case <-stop:
						return
					default:
					}
					s := []*Store{p.a, p.b}[(r+k)%2]
					repo := []string{"acme/orders", "acme/payments"}[k%2]
					wantWin, wantTag := ackedWin.Load(), ackedTag.Load()
					doc, err := s.Document(WithRequest(bg), repo)
					if err != nil {
						continue
					}
					reads.Add(1)
					var d stages.Document
					json.Unmarshal(doc, &d)
					gotWin := int64(0) // no window yet: nothing acknowledged
					for _, fw := range d.FreezeWindows {
						if fw.Name == "attack-w" {
							var h, m int64
							fmt.Sscanf(fw.Start, "%d:%d", &h, &m)
							gotWin = h*60 + m
						}
					}
					gotTag, _ := strconv.ParseInt(d.Service.Tags["v"], 10, 64)
					if gotWin < wantWin || (repo == "acme/orders" && gotTag < wantTag) {
						stale.Add(1)
						mu.Lock()
						if firstStale == "" {
							firstStale = fmt.Sprintf("%s read window %d (acked %d), tag %d (acked %d)", repo, gotWin, wantWin, gotTag, wantTag)
						}
						mu.Unlock()
					}
				}
			}()
		}
		time.Sleep(8 * time.Second)
		close(stop)
		wg.Wait()
		// Nothing acknowledged is lost.
		for _, s := range []*Store{p.a, p.b} {
			doc, _ := s.Document(WithRequest(bg), "acme/orders")
			if !strings.Contains(string(doc), fmt.Sprintf(`"v": "%d"`, ackedTag.Load())) {
				lost.Add(1)
			}
		}
		t.Logf("%d reads, %d acked windows, %d acked tags, %d refused/busy", reads.Load(), ackedWin.Load(), ackedTag.Load(), busy.Load())
		if stale.Load() > 0 || lost.Load() > 0 {
			t.Fatalf("%d stale reads (first: %s), %d lost", stale.Load(), firstStale, lost.Load())
		}
	})
}

// Attack 3: a token revoked on one instance (or by the CLI, which is a
// Store of its own on the same database) while another instance is
// authenticating it as fast as it can: no lookup that begins after the
// revocation is acknowledged may succeed.
func TestAttackRevocationUnderLoad(t *testing.T) {
	attackPairs(t, func(t *testing.T, p attackPair) {
		bg := context.Background()
		seeded(t, p.a)
		for round := 0; round < 15; round++ {
			tok, secret, err := p.a.CreateToken(bg, "t", RoleAdmin, "", "victim")
			if err != nil {
				t.Fatal(err)
			}
			var revoked atomic.Bool
			var bad atomic.Int64
			stop := make(chan struct{})
			var wg sync.WaitGroup
			for g := 0; g < 8; g++ {
				wg.Add(1)
				go func() {
					defer wg.Done()
					for {
						select {
						case <-stop:
							return
						default:
						}
						after := revoked.Load()
						_, err := p.b.Authenticate(WithRequest(bg), secret)
						if after && err == nil {
							bad.Add(1)
						}
					}
				}()
			}
			time.Sleep(30 * time.Millisecond)
			if err := p.a.RevokeToken(bg, "command line", tok.ID); err != nil {
				t.Fatal(err)
			}
			revoked.Store(true)
			time.Sleep(30 * time.Millisecond)
			close(stop)
			wg.Wait()
			if bad.Load() > 0 {
				t.Fatalf("round %d: %d lookups that began after the revocation was acknowledged accepted the token", round, bad.Load())
			}
		}
	})
}

// lockTable takes an ACCESS EXCLUSIVE lock on table from another
// connection (as a migration's ALTER TABLE would, or a stalled database):
// every read of it waits. The returned func releases it.
func lockTable(t *testing.T, dsn, table string) func() {
	t.Helper()
	db, err := sql.Open("pgx", dsn)
	if err != nil {
		t.Fatal(err)
	}
	tx, err := db.Begin()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tx.Exec("LOCK TABLE " + table + " IN ACCESS EXCLUSIVE MODE"); err != nil {
		t.Fatal(err)
	}
	var once sync.Once
	release := func() { once.Do(func() { tx.Rollback(); db.Close() }) }
	t.Cleanup(release)
	return release
}

// waitForLockWaiters waits until n backends wait for a lock.
func waitForLockWaiters(t *testing.T, dsn string, n int) {
	t.Helper()
	db, _ := sql.Open("pgx", dsn)
	defer db.Close()
	for i := 0; i < 200; i++ {
		var c int
		db.QueryRow(`SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND datname = current_database()`).Scan(&c)
		if c >= n {
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatalf("fewer than %d backends wait for the lock", n)
}

// Attack 4: readers of one document share one projection (singleflight),
// run on the context of whichever reader came first. That reader's client
// hanging up fails every other reader that joined it.
func TestAttackOneHangUpFailsNoOtherReader(t *testing.T) {
	s, dsn := newPostgresDSN(t)
	svc := newService(t, s) // seeds, makes tokens: the last change gives the cache no document
	release := lockTable(t, dsn, "services")

	leaderCtx, hangUp := context.WithCancel(context.Background())
	leaderDone := make(chan error, 1)
	go func() {
		req, _ := http.NewRequestWithContext(leaderCtx, "GET", svc.URL+"/v1/services/acme/orders", nil)
		req.Header.Set("Authorization", "Bearer "+svc.pipelineTk)
		_, err := http.DefaultClient.Do(req)
		leaderDone <- err
	}()
	waitForLockWaiters(t, dsn, 1) // the first reader's projection waits
	type answer struct {
		code int
		body string
	}
	follower := make(chan answer, 1)
	go func() {
		code, _, body := svc.do(t, "GET", "/v1/services/acme/orders", svc.team, "")
		follower <- answer{code, body}
	}()
	time.Sleep(300 * time.Millisecond) // the second reader joins the same projection
	hangUp()                           // the first client goes away
	<-leaderDone
	time.Sleep(200 * time.Millisecond)
	release() // the database answers again
	a := <-follower
	if a.code != http.StatusOK {
		t.Fatalf("a reader whose client stayed was answered %d %s because another reader's client hung up", a.code, strings.TrimSpace(a.body))
	}
}

// Attack 5: token lookups that miss the cache are shared and run on a
// context nothing cancels, with no bound: while the database is slow, a
// request's deadline is not honoured, and every request with that token
// waits (goroutines and connections pile up).
func TestAttackTokenLookupHonoursDeadlines(t *testing.T) {
	s, dsn := newPostgresDSN(t)
	seeded(t, s)
	_, secret, err := s.CreateToken(context.Background(), "t", RoleAdmin, "", "a")
	if err != nil {
		t.Fatal(err)
	}
	release := lockTable(t, dsn, "tokens")
	before := runtime.NumGoroutine()
	const callers = 20
	type answer struct {
		took time.Duration
		err  error
	}
	answers := make(chan answer, callers)
	for i := 0; i < callers; i++ {
		go func() {
			c, cancel := context.WithTimeout(WithRequest(context.Background()), 200*time.Millisecond)
			defer cancel()
			start := time.Now()
			_, err := s.Authenticate(c, secret)
			answers <- answer{time.Since(start), err}
		}()
	}
	time.Sleep(2 * time.Second) // ten times every caller's deadline
	stuck := runtime.NumGoroutine() - before
	release()
	var late int
	var worst time.Duration
	for i := 0; i < callers; i++ {
		a := <-answers
		if a.took > time.Second {
			late++
		}
		worst = max(worst, a.took)
	}
	if late > 0 {
		t.Fatalf("%d of %d Authenticate calls with a 200 ms deadline returned only when the database answered (worst %v); %d goroutines were still waiting 2 s in", late, callers, worst.Round(time.Millisecond), stuck)
	}
}

// Attack 6: the request context holds the generation it read first; the
// code that forgets it after a change ("What this request reads next must
// see its own change") sits at the end of migrate, not of tx. A request
// that reads, changes, and reads again is served what it read before its
// own acknowledged change — including a token it has just revoked.
func TestAttackRequestSeesItsOwnChange(t *testing.T) {
	forEachStore(t, func(t *testing.T, s *Store) {
		bg := context.Background()
		seeded(t, s)
		w := Window{Name: "attack-w", Timezone: "UTC", Days: []string{"MON"}, Start: "01:00", End: "02:00", AppliesTo: []string{"prod"}}
		if _, err := s.PutCalendar(bg, "t", "window", w.Name, w, Cond{}); err != nil {
			t.Fatal(err)
		}
		tok, secret, err := s.CreateToken(bg, "t", RoleAdmin, "", "a")
		if err != nil {
			t.Fatal(err)
		}
		req := WithRequest(bg)
		if _, err := s.Authenticate(req, secret); err != nil {
			t.Fatal(err)
		}
		if doc, _ := s.Document(req, "acme/orders"); !strings.Contains(string(doc), "attack-w") {
			t.Fatal("setup: no window")
		}
		if err := s.DeleteCalendar(req, "t", "window", w.Name, Cond{}); err != nil {
			t.Fatal(err)
		}
		if err := s.RevokeToken(req, "t", tok.ID); err != nil {
			t.Fatal(err)
		}
		doc, _ := s.Document(req, "acme/orders")
		_, aerr := s.Authenticate(req, secret)
		var fails []string
		if strings.Contains(string(doc), "attack-w") {
			fails = append(fails, "the document still has the window the request deleted (acknowledged)")
		}
		if aerr == nil {
			fails = append(fails, "the token the request revoked (acknowledged) still authenticates")
		}
		if len(fails) > 0 {
			t.Fatal(strings.Join(fails, "; "))
		}
	})
}

// Attack 7: a request that gives up while waiting for a shared read of
// the generation does not fail the others sharing it, on a real store.
func TestAttackGenerationReadCancelDoesNotFailOthers(t *testing.T) {
	s, dsn := newPostgresDSN(t)
	seeded(t, s)
	release := lockTable(t, dsn, "generation")
	c1, cancel := context.WithCancel(WithRequest(context.Background()))
	e1 := make(chan error, 1)
	go func() { _, _, err := s.DocumentTag(c1, "acme/orders"); e1 <- err }()
	waitForLockWaiters(t, dsn, 1)
	e2 := make(chan error, 1)
	go func() { _, _, err := s.DocumentTag(WithRequest(context.Background()), "acme/orders"); e2 <- err }()
	time.Sleep(100 * time.Millisecond)
	cancel()
	if err := <-e1; !errors.Is(err, context.Canceled) {
		t.Errorf("the request that gave up: %v", err)
	}
	release()
	if err := <-e2; err != nil {
		t.Fatalf("another request failed: %v", err)
	}
}

// Attack 8: a change whose first attempt projects documents from a
// snapshot that another instance's change then makes stale, so that it
// fails with a serialization failure and runs again (PostgreSQL). The
// cache must be given the second attempt's documents, never the first's.
// The first attempt is held (a row lock on the window it upserts) after
// its snapshot is taken and before it validates.
func TestAttackRetriedChangeGivesTheCacheItsLastAttempt(t *testing.T) {
	for _, check := range []bool{false, true} {
		t.Run(fmt.Sprintf("checkCommits=%v", check), func(t *testing.T) {
			withCheckCommits(t, check)
			a, dsn := newPostgresDSN(t)
			b, err := Open(context.Background(), dsn)
			if err != nil {
				t.Fatal(err)
			}
			defer b.Close()
			bg := context.Background()
			seeded(t, a)
			w := Window{Name: "attack-w", Timezone: "UTC", Days: []string{"MON"}, Start: "01:00", End: "02:00", AppliesTo: []string{"prod"}}
			if _, err := a.PutCalendar(bg, "t", "window", w.Name, w, Cond{}); err != nil {
				t.Fatal(err)
			}
			side, _ := sql.Open("pgx", dsn)
			defer side.Close()
			stx, err := side.Begin()
			if err != nil {
				t.Fatal(err)
			}
			if _, err := stx.Exec(`SELECT 1 FROM calendar WHERE name = 'attack-w' FOR UPDATE`); err != nil {
				t.Fatal(err)
			}
			w.Start = "05:00"
			done := make(chan error, 1)
			go func() { _, err := a.PutCalendar(bg, "t", "window", w.Name, w, Cond{}); done <- err }()
			waitForLockWaiters(t, dsn, 1) // A has its snapshot and waits on the row
			d := exampleFor(t, "acme/orders")
			d.Service.Tags["v"] = "from-b"
			if _, err := b.PutService(bg, "t", "acme/orders", d, Cond{}); err != nil {
				t.Fatal(err)
			}
			stx.Rollback()
			if err := <-done; err != nil {
				t.Fatalf("the window change: %v", err)
			}
			want, _ := truth(a, "acme/orders")
			got, _ := a.Document(WithRequest(bg), "acme/orders")
			if string(got) != string(want) {
				t.Fatalf("after a retried change, the instance that made it serves:\n%s\nthe database has:\n%s", got, want)
			}
			if !strings.Contains(string(got), "from-b") || !strings.Contains(string(got), `"start": "05:00"`) {
				t.Fatalf("a change is missing:\n%s", got)
			}
		})
	}
}

// Attack 9: a client that hangs up while its change is under way. The
// change must commit or roll back whole, and the answer must say which
// (an error only when nothing was changed).
func TestAttackHangUpMidChange(t *testing.T) {
	s, dsn := newPostgresDSN(t)
	bg := context.Background()
	seeded(t, s)
	release := lockTable(t, dsn, "audit") // the change waits at its audit, its last statement
	c, hangUp := context.WithCancel(WithRequest(bg))
	w := Window{Name: "attack-w", Timezone: "UTC", Days: []string{"MON"}, Start: "01:00", End: "02:00", AppliesTo: []string{"prod"}}
	done := make(chan error, 1)
	go func() { _, err := s.PutCalendar(c, "t", "window", w.Name, w, Cond{}); done <- err }()
	waitForLockWaiters(t, dsn, 1)
	hangUp()
	time.Sleep(100 * time.Millisecond)
	release()
	err := <-done
	_, _, gerr := s.CalendarTag(bg, "window", w.Name)
	committed := gerr == nil
	t.Logf("answer %v; committed %v", err, committed)
	if (err == nil) != committed {
		t.Fatalf("the change answered %v but committed = %v", err, committed)
	}
}
