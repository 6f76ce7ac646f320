package configsvc

import (
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"sort"
	"strconv"
	"sync"
	"testing"
	"time"
)

// BenchmarkReadLoad is the load test of document reads, what pipelines do:
// 200 concurrent clients on loopback for HANDSOFF_LOAD_SECONDS (default 5;
// the README's numbers use 30), against SQLite and PostgreSQL. It reports
// requests per second and the p50 and p99 latency. Bounded in clients and
// time, and only to 127.0.0.1:
//
//	HANDSOFF_LOAD_SECONDS=30 go test ./internal/configsvc -run '^$' -bench ReadLoad -benchtime 1x
func BenchmarkReadLoad(b *testing.B) {
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
			_, secret, _ := s.CreateToken(ctx, "load", RolePipeline, "acme/orders", "load")
			srv := httptest.NewServer((&Server{Store: s, Log: slog.New(slog.NewTextHandler(io.Discard, nil))}).Handler())
			defer srv.Close()
			for b.Loop() {
				const clients = 200
				deadline := time.Now().Add(time.Duration(seconds) * time.Second)
				var mu sync.Mutex
				var lat []time.Duration
				errs := 0
				var wg sync.WaitGroup
				tr := &http.Transport{MaxIdleConnsPerHost: clients}
				client := &http.Client{Transport: tr, Timeout: 10 * time.Second}
				for c := 0; c < clients; c++ {
					wg.Add(1)
					go func() {
						defer wg.Done()
						var mine []time.Duration
						bad := 0
						for time.Now().Before(deadline) {
							req, _ := http.NewRequest("GET", srv.URL+"/v1/services/acme/orders", nil)
							req.Header.Set("Authorization", "Bearer "+secret)
							start := time.Now()
							resp, err := client.Do(req)
							if err != nil {
								bad++
								continue
							}
							io.Copy(io.Discard, resp.Body)
							resp.Body.Close()
							if resp.StatusCode != 200 {
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
				tr.CloseIdleConnections()
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
}
