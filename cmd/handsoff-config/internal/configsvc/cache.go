package configsvc

import (
	"context"
	"sync"
	"time"
)

// cache keeps projected documents and authenticated tokens while the
// database's generation (the count of changes, bumped in every change's
// transaction) is the one they were read at. Every request reads the
// generation (one row by its key) after it arrives: a change acknowledged
// by any instance counts from the next request to every instance, and a
// revoked token at once. What the cache saves is the projection of a
// document and the lookup of a token; on PostgreSQL, requests also share
// the reads of the generation (genReads).
type cache struct {
	mu     sync.Mutex
	gen    int64
	docs   map[string]cachedDoc
	tokens map[string]Token
}

// at moves the cache to generation gen, emptying it when gen is newer, and
// reports whether gen is the cache's generation; call with mu held. The
// generation only grows: an older one (read before a change committed) is
// never taken back, and what was read at it is neither served nor kept.
func (c *cache) at(gen int64) bool {
	if c.docs == nil || gen > c.gen {
		c.gen, c.docs, c.tokens = gen, map[string]cachedDoc{}, map[string]Token{}
	}
	return gen == c.gen
}

// cachedDoc is a projected document and its entity tag.
type cachedDoc struct {
	body []byte
	etag string
}

// maxCached bounds each map of the cache.
const maxCached = 10000

// cached reads key from the map pick chooses, at generation gen.
func cached[T any](c *cache, gen int64, pick func(*cache) map[string]T, key string) (T, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.at(gen) {
		var zero T
		return zero, false
	}
	v, ok := pick(c)[key]
	return v, ok
}

// keep stores v under key in the map pick chooses, at generation gen.
func keep[T any](c *cache, gen int64, pick func(*cache) map[string]T, key string, v T) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.at(gen) {
		return
	}
	if m := pick(c); len(m) < maxCached {
		m[key] = v
	}
}

func docsOf(c *cache) map[string]cachedDoc { return c.docs }
func tokensOf(c *cache) map[string]Token   { return c.tokens }

// generation is the count of changes, as the database has it now: read
// once per request (the first read after the request began is as good as
// any later one for it), with a statement prepared once.
func (s *Store) generation(ctx context.Context) (int64, error) {
	held, _ := ctx.Value(generationKey{}).(*heldGeneration)
	if held != nil {
		held.mu.Lock()
		defer held.mu.Unlock()
		if held.read {
			return held.n, nil
		}
	}
	query := func(ctx context.Context) (n int64, err error) {
		err = s.genStmt.QueryRowContext(ctx).Scan(&n)
		return n, err
	}
	// On PostgreSQL the read is a round trip to another process, which
	// requests share. SQLite's is a call in this process that costs less
	// than waiting for a shared one (measured: a read p99 of 27 ms shared,
	// 16 ms not, under BenchmarkMixedLoad).
	var n int64
	var err error
	if s.postgres {
		n, err = s.genReads.read(ctx, query)
	} else {
		n, err = query(ctx)
	}
	if err != nil {
		return 0, err
	}
	if held != nil {
		held.n, held.read = n, true
	}
	c := &s.cache
	c.mu.Lock()
	c.at(n)
	c.mu.Unlock()
	return n, nil
}

// genReads shares reads of the generation between requests without ever
// answering one with a read that began before it did: a request joins the
// next read to start, never one already under way, so what it is answered
// with was read after it arrived, which is all linearizability asks of a
// read (Herlihy and Wing's; Raft's ReadIndex batches reads the same way).
// Under load one read of the database serves every request that arrived
// while the one before it was under way, instead of one each; a request
// waits for at most the rest of one read and the whole of the next.
type genReads struct {
	mu      sync.Mutex
	running bool     // a read is under way
	next    *genRead // the read that starts when the one under way ends
}

type genRead struct {
	done chan struct{}
	n    int64
	err  error
}

// genReadTimeout bounds one shared read: no request's context is its own.
const genReadTimeout = 5 * time.Second

// read returns the generation as a read that began after the call did
// has it.
func (g *genReads) read(ctx context.Context, query func(context.Context) (int64, error)) (int64, error) {
	g.mu.Lock()
	if g.next == nil {
		g.next = &genRead{done: make(chan struct{})}
	}
	r := g.next
	if !g.running {
		g.running, g.next = true, nil
		go g.run(r, query)
	}
	g.mu.Unlock()
	select {
	case <-r.done:
		return r.n, r.err
	case <-ctx.Done():
		return 0, ctx.Err()
	}
}

// run reads for r, then for whoever joined the next read meanwhile.
func (g *genReads) run(r *genRead, query func(context.Context) (int64, error)) {
	for r != nil {
		ctx, cancel := context.WithTimeout(context.Background(), genReadTimeout)
		r.n, r.err = query(ctx)
		cancel()
		close(r.done)
		g.mu.Lock()
		r, g.next = g.next, nil
		g.running = r != nil
		g.mu.Unlock()
	}
}

// generationKey holds a request's generation in its context.
type generationKey struct{}

type heldGeneration struct {
	mu   sync.Mutex
	n    int64
	read bool
}

// WithRequest is the context of one request: the generation is read once
// in it. The API's handler gives every request one.
func WithRequest(ctx context.Context) context.Context {
	return context.WithValue(ctx, generationKey{}, &heldGeneration{})
}

// sharedTimeout bounds work that requests share (a document's projection,
// a token's lookup): no one request's context is its own.
const sharedTimeout = 5 * time.Second

// shared runs f once for all the requests that ask for key at once, on a
// context of its own (the first request's values, not its cancellation,
// bounded by sharedTimeout), and each request waits on its own context:
// one client hanging up fails no other, and a slow database holds no
// request past its deadline.
func (s *Store) shared(ctx context.Context, key string, f func(context.Context) (any, error)) (any, error) {
	ch := s.flight.DoChan(key, func() (any, error) {
		c, cancel := context.WithTimeout(context.WithoutCancel(ctx), sharedTimeout)
		defer cancel()
		return f(c)
	})
	select {
	case r := <-ch:
		return r.Val, r.Err
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}
