package instagramauth

import (
	"sync"
	"sync/atomic"
	"time"
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
		makeRoom(s.m, maxExpiringSet, func(exp int64) bool { return exp < t })
	}
	s.m[key] = expires
	s.size.Store(int64(len(s.m)))
	return true
}

// makeRoom makes room in a full bounded map: it drops the entries that
// are done and, if that frees too little (the map still holds nine tenths
// of limit), a tenth of the rest, chosen by map order (random: no attacker
// picks the victims). Evicting in a batch keeps a full map from being
// swept on every insert. The used states, the refresh memory and the
// login throttle's clients are bounded this way.
func makeRoom[K comparable, V any](m map[K]V, limit int, done func(V) bool) {
	for k, v := range m {
		if done(v) {
			delete(m, k)
		}
	}
	if len(m) < limit*9/10 {
		return
	}
	drop := len(m) / 10
	for k := range m {
		if drop == 0 {
			break
		}
		delete(m, k)
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
	return ok && exp >= s.now().Unix()
}

func (s *expiringSet) pruneLocked(t int64) {
	for k, exp := range s.m {
		if exp < t {
			delete(s.m, k)
		}
	}
}
