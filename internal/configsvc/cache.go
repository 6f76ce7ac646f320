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
	changes int64     // counts changed(): a read of gen that began before one is stale
	docs    map[string]cachedDoc
	tokens  map[string]Token
}

// generationTTL bounds how stale another instance's view may be.
const generationTTL = 250 * time.Millisecond

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

// generation is the count of changes, read at most every generationTTL.
// A read that a change of this instance overtook (changed() was called
// while it ran) does not count as a check: the next read looks again.
func (s *Store) generation(ctx context.Context) (int64, error) {
	c := &s.cache
	c.mu.Lock()
	if !c.checked.IsZero() && time.Since(c.checked) < generationTTL {
		g := c.gen
		c.mu.Unlock()
		return g, nil
	}
	changes := c.changes
	c.mu.Unlock()
	var n int64
	if err := s.db.QueryRowContext(ctx, `SELECT n FROM generation WHERE id = 1`).Scan(&n); err != nil {
		return 0, err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.at(n)
	if c.changes == changes && n == c.gen {
		c.checked = time.Now()
	}
	return n, nil
}

// changed makes the next read look at the generation again.
func (c *cache) changed() {
	c.mu.Lock()
	c.changes++
	c.checked = time.Time{}
	c.mu.Unlock()
}
