package instagramauth

import (
	"sync"
	"sync/atomic"
	"time"

	"github.com/b4b0c547/caddy-instagram-auth/internal/bounded"
)

const (
	// maxExpiringSet bounds the memory of an expiringSet.
	maxExpiringSet = 100_000
	// pruneEvery is how many additions pass between sweeps of expired
	// entries, so the set shrinks back (and the hot path's empty check
	// works again) without a sweep per request.
	pruneEvery = 1024
)

// expiringSet remembers keys until their expiry (unix seconds): the states
// already used at the callback, so that each is good for one callback only.
type expiringSet struct {
	now  func() time.Time
	mu   sync.RWMutex
	m    map[string]int64
	adds int
	size atomic.Int64 // lets a reader skip the lock while the set is empty
}

func newExpiringSet(now func() time.Time) *expiringSet {
	return &expiringSet{now: now, m: make(map[string]int64)}
}

// add records key until expires; it reports false if key was already
// there (a replay). A full set evicts live entries rather than refuse: a
// refusing set would let anyone who fills it block every login. What an
// evicted state loses is little, since its cookie is already cleared and
// Instagram's codes work once only.
func (s *expiringSet) add(key string, expires int64) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	t := s.now().Unix()
	if exp, ok := s.m[key]; ok && exp >= t {
		return false
	}
	s.adds++
	if s.adds%pruneEvery == 0 {
		s.pruneLocked(t)
	}
	if len(s.m) >= maxExpiringSet {
		bounded.MakeRoom(s.m, maxExpiringSet, func(exp int64) bool { return exp < t })
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
	return ok && exp >= s.now().Unix()
}

func (s *expiringSet) pruneLocked(t int64) {
	for k, exp := range s.m {
		if exp < t {
			delete(s.m, k)
		}
	}
}
