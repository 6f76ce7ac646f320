package configsvc

import (
	"context"
	"sync"
)

// cache keeps projected documents and authenticated tokens while the
// database's generation (the count of changes, bumped in every change's
// transaction) is the one they were read at. Every request reads the
// generation (one row by its key): a change acknowledged by any instance
// counts from the next request to every instance, and a revoked token at
// once. What the cache saves is the projection and validation of a
// document, not the database round trip.
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
	var n int64
	if err := s.genStmt.QueryRowContext(ctx).Scan(&n); err != nil {
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
