package instagramtest

import "time"

// store is a map of expiring entries with bounded memory. Benchmarks run
// hundreds of thousands of logins against one Provider, so codes and tokens
// must not pile up: every put drops entries from the front of the insertion
// queue while they are expired, gone, or beyond the size limit. Dropping the
// oldest first means a token that a login is still using is never the one
// evicted. The caller holds the Provider's mutex.
type store[V any] struct {
	items map[string]entry[V]
	order []string // keys in insertion order; may name deleted keys
	limit int
}

type entry[V any] struct {
	value   V
	expires time.Time
}

func newStore[V any](limit int) store[V] {
	return store[V]{items: make(map[string]entry[V]), limit: limit}
}

func (s *store[V]) put(key string, value V, expires, now time.Time) {
	s.items[key] = entry[V]{value: value, expires: expires}
	s.order = append(s.order, key)
	s.prune(now)
}

// get returns the value for key if it exists and has not expired.
func (s *store[V]) get(key string, now time.Time) (V, bool) {
	e, ok := s.items[key]
	if !ok || !now.Before(e.expires) {
		var zero V
		return zero, false
	}
	return e.value, true
}

// take is get followed by delete: the key can be used once only.
func (s *store[V]) take(key string, now time.Time) (V, bool) {
	v, ok := s.get(key, now)
	delete(s.items, key)
	return v, ok
}

func (s *store[V]) prune(now time.Time) {
	for len(s.order) > 0 {
		key := s.order[0]
		e, ok := s.items[key]
		if ok && now.Before(e.expires) && len(s.order) <= s.limit {
			return
		}
		delete(s.items, key)
		s.order = s.order[1:]
	}
}
