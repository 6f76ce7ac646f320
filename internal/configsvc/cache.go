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

func (c *cache) document(gen int64, repo string) (cachedDoc, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.at(gen)
	d, ok := c.docs[repo]
	return d, ok
}

func (c *cache) putDocument(gen int64, repo string, doc cachedDoc) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.at(gen)
	if len(c.docs) < 10000 {
		c.docs[repo] = doc
	}
}

func (c *cache) token(gen int64, hash string) (Token, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.at(gen)
	t, ok := c.tokens[hash]
	return t, ok
}

func (c *cache) putToken(gen int64, hash string, t Token) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.at(gen)
	if len(c.tokens) < 10000 {
		c.tokens[hash] = t
	}
}

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
