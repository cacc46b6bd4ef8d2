package assertion

import (
	"strings"
	"sync"
	"time"

	"github.com/b4b0c547/caddy-instagram-auth/internal/bounded"
)

// The cache lets the requests of a session share one assertion while at
// least half of its life is left, so a request rarely pays for a
// signature. It is split in shards by the session id (random bytes), so
// requests of different sessions seldom meet on one lock.

const (
	// maxCached bounds the cache's memory: about 650 bytes an entry,
	// 65 MB when full (TestCacheMemoryPerEntry measures it).
	maxCached   = 100_000
	cacheShards = 16
	shardLimit  = maxCached / cacheShards
)

// cacheKey is built from the request without allocating: the host is the
// request's own string.
type cacheKey struct {
	host  string
	sid   [16]byte
	https bool
}

type cacheEntry struct {
	token, userID, username string
	exp, reuseUntil         int64 // unix seconds
}

type cacheShard struct {
	mu sync.RWMutex
	m  map[cacheKey]cacheEntry
	_  [64]byte // keeps neighbouring shards' locks off one cache line
}

type cache struct {
	shards [cacheShards]cacheShard
}

func newCache() *cache {
	c := &cache{}
	for i := range c.shards {
		c.shards[i].m = make(map[cacheKey]cacheEntry)
	}
	return c
}

func (c *cache) shard(key *cacheKey) *cacheShard {
	return &c.shards[key.sid[0]%cacheShards]
}

// Assertion is the assertion for s at t (the request's clock reading): a
// cached one if it still has half its life and says the same, else a new
// one. It never reads storage.
func (k *Keys) Assertion(s Subject, t time.Time) (string, error) {
	key := cacheKey{host: s.Host, sid: s.Session, https: s.HTTPS}
	if token, ok := k.assertion.get(&key, &s, t.Unix()); ok {
		return token, nil
	}
	token, iat, exp, err := k.sign(&s, t)
	if err != nil {
		return "", err
	}
	// Copies: the caller's strings may be parts of a larger buffer (the
	// request, a session's plaintext with its access token) that the
	// cache must not keep alive.
	key.host = strings.Clone(key.host)
	k.assertion.put(key, cacheEntry{
		token: token, userID: strings.Clone(s.UserID), username: strings.Clone(s.Username),
		exp: exp, reuseUntil: iat + (exp-iat)/2,
	}, iat)
	if k.signed != nil {
		k.signed()
	}
	return token, nil
}

func (c *cache) get(key *cacheKey, s *Subject, t int64) (string, bool) {
	sh := c.shard(key)
	sh.mu.RLock()
	e, ok := sh.m[*key]
	sh.mu.RUnlock()
	if !ok || t >= e.reuseUntil || e.userID != s.UserID || e.username != s.Username || e.exp > s.SessionEnd.Unix() {
		return "", false
	}
	return e.token, true
}

func (c *cache) put(key cacheKey, e cacheEntry, t int64) {
	sh := c.shard(&key)
	sh.mu.Lock()
	defer sh.mu.Unlock()
	if _, ok := sh.m[key]; !ok && len(sh.m) >= shardLimit {
		bounded.MakeRoom(sh.m, shardLimit, func(e cacheEntry) bool { return t >= e.reuseUntil })
	}
	sh.m[key] = e
}

func (sh *cacheShard) dropStale(t int64) {
	for k, e := range sh.m {
		if t >= e.reuseUntil {
			delete(sh.m, k)
		}
	}
}

// sweep drops what no request may reuse, so the cache shrinks back when
// sessions go quiet. The poll goroutine runs it.
func (c *cache) sweep(t int64) {
	for i := range c.shards {
		sh := &c.shards[i]
		sh.mu.Lock()
		sh.dropStale(t)
		sh.mu.Unlock()
	}
}
