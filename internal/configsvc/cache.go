package configsvc

import (
	"context"
	"sync"
	"time"
)

// cache keeps projected documents and authenticated tokens while the
// database's generation (the count of changes, bumped in every change's
// transaction) is the one they were read at. An instance reads the
// generation at most every generationTTL, and at once after a change it
// made itself: its own changes, and a token it revoked, count from the next
// request; another instance's (on PostgreSQL) within generationTTL.
type cache struct {
	mu      sync.Mutex
	gen     int64
	checked time.Time // when gen was read
	docs    map[string]cachedDoc
	tokens  map[string]Token
}

// generationTTL bounds how stale another instance's view may be.
const generationTTL = 250 * time.Millisecond

// at resets the cache when the generation moved; call with mu held.
func (c *cache) at(gen int64) {
	if gen != c.gen || c.docs == nil {
		c.gen, c.docs, c.tokens = gen, map[string]cachedDoc{}, map[string]Token{}
	}
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
	c.at(gen)
	v, ok := pick(c)[key]
	return v, ok
}

// keep stores v under key in the map pick chooses, at generation gen.
func keep[T any](c *cache, gen int64, pick func(*cache) map[string]T, key string, v T) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.at(gen)
	if m := pick(c); len(m) < maxCached {
		m[key] = v
	}
}

func docsOf(c *cache) map[string]cachedDoc { return c.docs }
func tokensOf(c *cache) map[string]Token   { return c.tokens }

// generation is the count of changes, read at most every generationTTL.
func (s *Store) generation(ctx context.Context) (int64, error) {
	c := &s.cache
	c.mu.Lock()
	if !c.checked.IsZero() && time.Since(c.checked) < generationTTL {
		g := c.gen
		c.mu.Unlock()
		return g, nil
	}
	c.mu.Unlock()
	var n int64
	if err := s.db.QueryRowContext(ctx, `SELECT n FROM generation WHERE id = 1`).Scan(&n); err != nil {
		return 0, err
	}
	c.mu.Lock()
	c.at(n)
	c.checked = time.Now()
	c.mu.Unlock()
	return n, nil
}

// changed makes the next read look at the generation again.
func (c *cache) changed() {
	c.mu.Lock()
	c.checked = time.Time{}
	c.mu.Unlock()
}
