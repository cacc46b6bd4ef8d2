package instagramauth

import (
	"sync"
	"sync/atomic"
)

const (
	// maxLedger bounds the memory of an expiringSet.
	maxLedger = 100_000
	// pruneEvery is how many additions pass between sweeps of expired
	// entries, so the set shrinks back (and the hot path's empty check
	// works again) without a sweep per request.
	pruneEvery = 1024
)

// expiringSet remembers keys until their expiry (unix seconds). It keeps
// the two small pieces of server memory the plugin has: states already
// used at the callback, and sessions ended by logout. Both are defence in
// depth on top of the cookies themselves, which stay stateless.
type expiringSet struct {
	mu   sync.RWMutex
	m    map[string]int64
	adds int
	size atomic.Int64 // lets the hot path skip the lock while empty
}

func newExpiringSet() *expiringSet { return &expiringSet{m: make(map[string]int64)} }

// The two sets are process-wide, shared by every handler instance and
// surviving config reloads, so a reload neither re-opens a used state nor
// forgets a logout.
var (
	usedStates      = newExpiringSet()
	revokedSessions = newExpiringSet()
)

// add records key until expires; it reports false if key was already
// there (a replay). A full set evicts a live entry rather than refuse: a
// refusing set would let anyone who fills it block every login. What an
// evicted state loses is little, since its cookie is already cleared and
// Instagram's codes work once only.
func (s *expiringSet) add(key string, expires int64) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	t := now().Unix()
	if exp, ok := s.m[key]; ok && exp >= t {
		return false
	}
	s.adds++
	if s.adds%pruneEvery == 0 || len(s.m) >= maxLedger {
		s.pruneLocked(t)
	}
	if len(s.m) >= maxLedger {
		for k := range s.m { // map order is random: no attacker picks the victim
			delete(s.m, k)
			break
		}
	}
	s.m[key] = expires
	s.size.Store(int64(len(s.m)))
	return true
}

// has reports whether key is remembered and not yet expired.
func (s *expiringSet) has(key []byte) bool {
	if s.size.Load() == 0 {
		return false
	}
	s.mu.RLock()
	exp, ok := s.m[string(key)]
	s.mu.RUnlock()
	return ok && exp >= now().Unix()
}

func (s *expiringSet) pruneLocked(t int64) {
	for k, exp := range s.m {
		if exp < t {
			delete(s.m, k)
		}
	}
}
