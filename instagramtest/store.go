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
	order []queued // insertion order; may name deleted or replaced entries
	limit int
	seq   uint64
}

type entry[V any] struct {
	value   V
	expires time.Time
	seq     uint64 // which put made it, to tell it from an older one of the same key
}

type queued struct {
	key string
	seq uint64
}

func newStore[V any](limit int) store[V] {
	return store[V]{items: make(map[string]entry[V]), limit: limit}
}

// put adds or replaces key. A replaced entry moves to the back of the queue;
// its old place is skipped when it reaches the front, so that it cannot
// take the new entry with it.
func (s *store[V]) put(key string, value V, expires, now time.Time) {
	s.seq++
	s.items[key] = entry[V]{value: value, expires: expires, seq: s.seq}
	s.order = append(s.order, queued{key: key, seq: s.seq})
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

// update replaces the value of key, if it exists and has not expired, with
// change(value), keeping its expiry and its place in the queue; it reports
// whether it did.
func (s *store[V]) update(key string, now time.Time, change func(V) V) bool {
	e, ok := s.items[key]
	if !ok || !now.Before(e.expires) {
		return false
	}
	e.value = change(e.value)
	s.items[key] = e
	return true
}

// updateIf is update for every entry whose value matches, expired or not.
// It visits them all, so it is for rare events, like deleteIf.
func (s *store[V]) updateIf(match func(V) bool, change func(V) V) {
	for key, e := range s.items {
		if match(e.value) {
			e.value = change(e.value)
			s.items[key] = e
		}
	}
}

// deleteIf deletes every entry whose value matches. It visits them all, so
// it is for rare events (a user removing the app), not for each request.
func (s *store[V]) deleteIf(match func(V) bool) {
	for key, e := range s.items {
		if match(e.value) {
			delete(s.items, key)
		}
	}
}

// values returns every value, expired or not, in no particular order.
func (s *store[V]) values() []V {
	out := make([]V, 0, len(s.items))
	for _, e := range s.items {
		out = append(out, e.value)
	}
	return out
}

func (s *store[V]) prune(now time.Time) {
	for len(s.order) > 0 {
		q := s.order[0]
		e, ok := s.items[q.key]
		current := ok && e.seq == q.seq
		if current && now.Before(e.expires) && len(s.order) <= s.limit {
			return
		}
		if current {
			delete(s.items, q.key)
		}
		s.order = s.order[1:]
	}
}
