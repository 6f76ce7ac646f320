package configsvc

import (
	"context"
	"errors"
	"math/rand"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"pgregory.net/rapid"
)

// TestSharedGenerationReadsBeginAfterTheirRequests: whatever the timing,
// a request sharing a read of the generation is answered by a read that
// began after the request did, so it sees every change acknowledged
// before it arrived. The oracle is a clock ticked by each request as it
// arrives and by each read as it begins: the read's tick must be later.
func TestSharedGenerationReadsBeginAfterTheirRequests(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		var g genReads
		var clock, reads atomic.Int64
		queryDelay := rapid.IntRange(0, 300).Draw(t, "query µs")
		failEvery := rapid.IntRange(0, 5).Draw(t, "fail every")
		query := func(ctx context.Context) (int64, error) {
			n := clock.Add(1)
			if r := reads.Add(1); failEvery > 0 && r%int64(failEvery) == 0 {
				return 0, errors.New("database down")
			}
			time.Sleep(time.Duration(rand.Intn(queryDelay+1)) * time.Microsecond)
			return n, nil
		}
		callers := rapid.IntRange(1, 40).Draw(t, "callers")
		delays := rapid.SliceOfN(rapid.IntRange(0, 500), callers, callers).Draw(t, "arrival µs")
		var wg sync.WaitGroup
		var mu sync.Mutex
		var bad []string
		for _, d := range delays {
			wg.Add(1)
			go func() {
				defer wg.Done()
				time.Sleep(time.Duration(d) * time.Microsecond)
				arrived := clock.Add(1)
				n, err := g.read(context.Background(), query)
				if err == nil && n <= arrived {
					mu.Lock()
					bad = append(bad, "a request was answered by a read that began before it arrived")
					mu.Unlock()
				}
			}()
		}
		wg.Wait()
		if len(bad) > 0 {
			t.Fatalf("%d of %d: %s", len(bad), callers, bad[0])
		}
		if int(reads.Load()) > callers {
			t.Fatalf("%d reads for %d requests", reads.Load(), callers)
		}
	})
}

// A request that gives up waiting is answered with its context's error,
// and the read goes on for the others.
func TestSharedGenerationReadHonoursTheContext(t *testing.T) {
	var g genReads
	release := make(chan struct{})
	query := func(ctx context.Context) (int64, error) { <-release; return 7, nil }
	cctx, cancel := context.WithCancel(context.Background())
	type answer struct {
		n   int64
		err error
	}
	done := make(chan answer)
	go func() { n, err := g.read(cctx, query); done <- answer{n, err} }()
	cancel()
	if a := <-done; !errors.Is(a.err, context.Canceled) {
		t.Fatalf("read with a cancelled context = %v, want context.Canceled", a.err)
	}
	go func() { n, err := g.read(context.Background(), query); done <- answer{n, err} }()
	close(release)
	if a := <-done; a.n != 7 || a.err != nil {
		t.Fatalf("the next read = %d, %v, want 7", a.n, a.err)
	}
}
