package instagramauth

import (
	"sync"
	"sync/atomic"
)

// maxLedger bounds the memory of an expiringSet: past it, new entries are
// refused until old ones expire, so a flood cannot exhaust memory.
const maxLedger = 100_000

// expiringSet remembers keys until their expiry (unix seconds). It keeps
// the two small pieces of server memory the plugin has: states already
// used at the callback, and sessions ended by logout. Both are defence in
// depth on top of the cookies themselves, which stay stateless.
type expiringSet struct {
	mu   sync.Mutex
	m    map[string]int64
	size atomic.Int64 // lets the hot path skip the lock while empty
}

type (
	stateLedger = expiringSet
	revocations = expiringSet
)

func newStateLedger() *stateLedger { return &expiringSet{m: make(map[string]int64)} }
func newRevocations() *revocations { return &expiringSet{m: make(map[string]int64)} }

// add records key until expires; it reports false if key was already
// there (a replay), and also when the set is full.
func (s *expiringSet) add(key string, expires int64) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	t := now().Unix()
	if exp, ok := s.m[key]; ok && exp >= t {
		return false
	}
	if len(s.m) >= maxLedger {
		s.pruneLocked(t)
		if len(s.m) >= maxLedger {
			return false
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
	s.mu.Lock()
	exp, ok := s.m[string(key)]
	s.mu.Unlock()
	return ok && exp >= now().Unix()
}

func (s *expiringSet) pruneLocked(t int64) {
	for k, exp := range s.m {
		if exp < t {
			delete(s.m, k)
		}
	}
}
