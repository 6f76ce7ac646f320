package configsvc

import (
	"bufio"
	"fmt"
	"io"
	"log/slog"
	"math/rand"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"slices"
	"sort"
	"strconv"
	"sync"
	"testing"
	"time"
)

// BenchmarkReadLoad is the load test of document reads, what pipelines do:
// 200 concurrent clients on loopback for HANDSOFF_LOAD_SECONDS (default 5;
// the numbers in docs/config-service.md use 30), against SQLite and
// PostgreSQL. It reports requests per second and the p50 and p99 latency.
// Bounded in clients and time, and only to 127.0.0.1:
//
//	HANDSOFF_LOAD_SECONDS=30 go test ./internal/configsvc -run '^$' -bench ReadLoad -benchtime 1x
func BenchmarkReadLoad(b *testing.B) {
	loadOnEachStore(b, func(b *testing.B, db string, s *Store, srv *httptest.Server, seconds int) {
		_, secret, _ := s.CreateToken(ctx, "load", RolePipeline, "acme/orders", "load")
		for b.Loop() {
			const clients = 200
			deadline := time.Now().Add(time.Duration(seconds) * time.Second)
			var mu sync.Mutex
			var lat []time.Duration
			errs := 0
			var wg sync.WaitGroup
			for c := 0; c < clients; c++ {
				wg.Add(1)
				go func() {
					defer wg.Done()
					client := leanClient{addr: srv.Listener.Addr().String()}
					defer client.close()
					var mine []time.Duration
					bad := 0
					for time.Now().Before(deadline) {
						start := time.Now()
						code, _, err := client.do("GET", "/v1/services/acme/orders", secret, "")
						if err != nil || code != 200 {
							bad++
							continue
						}
						mine = append(mine, time.Since(start))
					}
					mu.Lock()
					lat, errs = append(lat, mine...), errs+bad
					mu.Unlock()
				}()
			}
			wg.Wait()
			sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
			if len(lat) == 0 {
				b.Fatal("no request succeeded")
			}
			p := func(q float64) time.Duration { return lat[int(q*float64(len(lat)-1))] }
			b.ReportMetric(float64(len(lat))/float64(seconds), "req/s")
			b.ReportMetric(float64(p(0.50).Microseconds())/1000, "p50-ms")
			b.ReportMetric(float64(p(0.99).Microseconds())/1000, "p99-ms")
			b.ReportMetric(float64(errs), "errors")
			fmt.Fprintf(os.Stderr, "%s: %d requests in %d s, p50 %s, p99 %s, %d errors\n", db, len(lat), seconds, p(0.5), p(0.99), errs)
		}
	})
}

// BenchmarkMixedLoad is the load test of what the service does all day:
// 200 concurrent clients on loopback, 95% reading the document (what
// pipelines do) and 5% changing it (a team adding or removing its own test
// environment, the platform a window or an account), for HANDSOFF_LOAD_SECONDS (default 5; the numbers in
// docs/config-service.md use 30), on SQLite and PostgreSQL. It reports reads and writes per
// second and their p50 and p99 latency, and fails on any failed write
// (a 503 included). Bounded in clients and time, and only to 127.0.0.1:
//
//	HANDSOFF_LOAD_SECONDS=30 go test ./internal/configsvc -run '^$' -bench MixedLoad -benchtime 1x
func BenchmarkMixedLoad(b *testing.B) {
	loadOnEachStore(b, func(b *testing.B, db string, s *Store, srv *httptest.Server, seconds int) {
		_, reader, _ := s.CreateToken(ctx, "load", RolePipeline, "acme/orders", "load")
		_, writer, _ := s.CreateToken(ctx, "load", RoleTeam, "acme/orders", "load")
		_, admin, _ := s.CreateToken(ctx, "load", RoleAdmin, "", "load")
		for b.Loop() {
			const clients = 200
			deadline := time.Now().Add(time.Duration(seconds) * time.Second)
			var mu sync.Mutex
			var reads, writes []time.Duration
			var failures []string
			var wg sync.WaitGroup
			for c := range clients {
				wg.Add(1)
				go func() {
					defer wg.Done()
					rng := rand.New(rand.NewSource(int64(c)))
					client := leanClient{addr: srv.Listener.Addr().String()}
					defer client.close()
					var myReads, myWrites []time.Duration
					var myFailures []string
					// What this client writes: 16 clients add and remove
					// a test environment of their own (8 in alpha, 8 in
					// beta: a stage holds at most 16), the others edit
					// one of 8 platform windows or an account.
					kind := c % 3
					if kind == 0 && c >= 48 {
						kind = 1
					}
					stage := "alpha"
					if c >= 24 {
						stage = "beta"
					}
					added, n := "", 0
					for time.Now().Before(deadline) {
						var method, path, body, token string
						write := rng.Intn(100) < 5
						put := func(m, p, b, t string) { method, path, body, token = m, p, b, t }
						switch {
						case !write:
							put("GET", "/v1/services/acme/orders", "", reader)
						case kind == 1:
							n++
							put("PUT", fmt.Sprintf("/v1/admin/windows/load-%d", c%8),
								fmt.Sprintf(`{"timezone": "UTC", "days": ["SUN"], "start": "%02d:00", "end": "23:00", "appliesTo": ["prod"]}`, n%20), admin)
						case kind == 2:
							n++
							put("PUT", "/v1/admin/accounts/777777777777", fmt.Sprintf(`{"name": "load", "kind": "test", "teams": ["*"], "description": "write %d of %d"}`, n, c), admin)
						case added == "":
							n++
							added = fmt.Sprintf("load-%d-%d", c, n)
							put("POST", "/v1/services/acme/orders/environments",
								fmt.Sprintf(`{"stage": %q, "name": %q, "account": "222222222222", "region": "eu-west-1"}`, stage, added), writer)
						default:
							put("DELETE", "/v1/services/acme/orders/environments/"+added, "", writer)
							added = ""
						}
						start := time.Now()
						code, raw, err := client.do(method, path, token, body)
						if err != nil {
							myFailures = append(myFailures, err.Error())
							continue
						}
						if code >= 300 {
							myFailures = append(myFailures, fmt.Sprintf("%s %s: %d %s", method, path, code, raw))
							continue
						}
						if write {
							myWrites = append(myWrites, time.Since(start))
						} else {
							myReads = append(myReads, time.Since(start))
						}
					}
					mu.Lock()
					reads, writes, failures = append(reads, myReads...), append(writes, myWrites...), append(failures, myFailures...)
					mu.Unlock()
				}()
			}
			wg.Wait()
			if len(failures) > 0 {
				b.Errorf("%d requests failed; the first: %s", len(failures), failures[0])
			}
			if len(reads) == 0 || len(writes) == 0 {
				b.Fatal("no read or no write succeeded")
			}
			p := func(lat []time.Duration, q float64) time.Duration {
				slices.Sort(lat)
				return lat[int(q*float64(len(lat)-1))]
			}
			b.ReportMetric(float64(len(reads))/float64(seconds), "reads/s")
			b.ReportMetric(float64(len(writes))/float64(seconds), "writes/s")
			b.ReportMetric(float64(p(reads, 0.99).Microseconds())/1000, "read-p99-ms")
			b.ReportMetric(float64(p(writes, 0.99).Microseconds())/1000, "write-p99-ms")
			fmt.Fprintf(os.Stderr, "%s: %d reads (p50 %s, p99 %s) and %d writes (p50 %s, p99 %s) in %d s, %d failed\n", db,
				len(reads), p(reads, 0.5), p(reads, 0.99), len(writes), p(writes, 0.5), p(writes, 0.99), seconds, len(failures))
		}
	})
}

// loadOnEachStore runs a load benchmark on SQLite and on PostgreSQL, each
// a seeded store served on loopback, for HANDSOFF_LOAD_SECONDS (default
// 5, at most 120).
func loadOnEachStore(b *testing.B, f func(b *testing.B, db string, s *Store, srv *httptest.Server, seconds int)) {
	seconds := 5
	if v, err := strconv.Atoi(os.Getenv("HANDSOFF_LOAD_SECONDS")); err == nil && v > 0 && v <= 120 {
		seconds = v
	}
	for _, db := range []string{"sqlite", "postgres"} {
		b.Run(db, func(b *testing.B) {
			var s *Store
			if db == "sqlite" {
				s = newSQLite(b)
			} else {
				s = newPostgres(b)
			}
			if err := s.Seed(ctx, exampleDoc()); err != nil {
				b.Fatal(err)
			}
			srv := httptest.NewServer((&Server{Store: s, Log: slog.New(slog.NewTextHandler(io.Discard, nil))}).Handler())
			defer srv.Close()
			f(b, db, s, srv, seconds)
		})
	}
}

// leanClient is one load client: a keep-alive connection on which it
// writes each request whole and reads the response in its own goroutine,
// as wrk does. net/http's client hands every request to two goroutines of
// its own and back; on two cores shared with the service that took 40% of
// the CPU (pprof), and the benchmark measured the client's scheduling as
// the service's latency. A connection that fails is closed and dialled
// again for the next request; the request is never sent twice.
type leanClient struct {
	addr string
	conn net.Conn
	br   *bufio.Reader
	buf  []byte
}

func (c *leanClient) do(method, path, token, body string) (int, []byte, error) {
	if c.conn == nil {
		conn, err := net.Dial("tcp", c.addr)
		if err != nil {
			return 0, nil, err
		}
		c.conn, c.br = conn, bufio.NewReaderSize(conn, 16<<10)
	}
	b := append(c.buf[:0], method...)
	b = append(b, ' ')
	b = append(b, path...)
	b = append(b, " HTTP/1.1\r\nHost: configsvc\r\nAuthorization: Bearer "...)
	b = append(b, token...)
	if body != "" || method != "GET" && method != "DELETE" {
		b = append(b, "\r\nContent-Type: application/json\r\nContent-Length: "...)
		b = strconv.AppendInt(b, int64(len(body)), 10)
	}
	b = append(b, "\r\n\r\n"...)
	b = append(b, body...)
	c.buf = b
	c.conn.SetDeadline(time.Now().Add(30 * time.Second))
	if _, err := c.conn.Write(b); err != nil {
		c.close()
		return 0, nil, err
	}
	resp, err := http.ReadResponse(c.br, &http.Request{Method: method})
	if err != nil {
		c.close()
		return 0, nil, err
	}
	raw, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil || resp.Close {
		c.close()
	}
	return resp.StatusCode, raw, err
}

func (c *leanClient) close() {
	if c.conn != nil {
		c.conn.Close()
		c.conn = nil
	}
}
