package instagramauth

import (
	"sync"
	"sync/atomic"
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
	mu   sync.RWMutex
	m    map[string]int64
	adds int
	size atomic.Int64 // lets a reader skip the lock while the set is empty
}

func newExpiringSet() *expiringSet { return &expiringSet{m: make(map[string]int64)} }

// add records key until expires; it reports false if key was already
// there (a replay). A full set evicts live entries rather than refuse: a
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
	if s.adds%pruneEvery == 0 {
		s.pruneLocked(t)
	}
	if len(s.m) >= maxExpiringSet {
		s.makeRoomLocked(t)
	}
	s.m[key] = expires
	s.size.Store(int64(len(s.m)))
	return true
}

// makeRoomLocked drops expired entries and, if that frees too little, a
// tenth of the rest, chosen by map order (random: no attacker picks the
// victims). Evicting in a batch keeps a full set from sweeping on every add.
func (s *expiringSet) makeRoomLocked(t int64) {
	s.pruneLocked(t)
	if len(s.m) < maxExpiringSet*9/10 {
		return
	}
	drop := len(s.m) / 10
	for k := range s.m {
		if drop == 0 {
			break
		}
		delete(s.m, k)
		drop--
	}
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
