package instagramauth

import (
	"sync"
	"sync/atomic"
)

// revocations are the sessions and users logged out: a session by its id
// (logout), or every session of a user that started before a time (logout
// everywhere, Meta's callbacks). Each record is kept until the sessions it
// names would have ended anyway. Requests only read this memory.
type revocations struct {
	mu       sync.RWMutex
	sessions map[sessionID]int64 // id → when the record may be forgotten
	users    map[string]userRevocation
	size     atomic.Int64 // lets the hot path skip the lock while empty
}

type userRevocation struct {
	notBefore int64 // sessions created before this are ended
	until     int64 // when the record may be forgotten
}

func newRevocations() *revocations {
	return &revocations{sessions: map[sessionID]int64{}, users: map[string]userRevocation{}}
}

// revokeSession ends one session; it reports whether that is news.
func (rv *revocations) revokeSession(id sessionID, until int64) bool {
	rv.mu.Lock()
	defer rv.mu.Unlock()
	if old, ok := rv.sessions[id]; ok && old >= until {
		return false
	}
	rv.sessions[id] = until
	rv.size.Store(int64(len(rv.sessions) + len(rv.users)))
	return true
}

// revokeUser ends every session of userID created before notBefore; it
// reports whether that is news (a replay changes nothing).
func (rv *revocations) revokeUser(userID string, notBefore, until int64) bool {
	rv.mu.Lock()
	defer rv.mu.Unlock()
	old, ok := rv.users[userID]
	if ok && old.notBefore >= notBefore {
		return false
	}
	rv.users[userID] = userRevocation{notBefore: notBefore, until: max(until, old.until)}
	rv.size.Store(int64(len(rv.sessions) + len(rv.users)))
	return true
}

// isRevoked reports whether s was logged out.
func (rv *revocations) isRevoked(s *session) bool {
	if rv.size.Load() == 0 {
		return false
	}
	rv.mu.RLock()
	_, gone := rv.sessions[s.id]
	if !gone {
		u, ok := rv.users[s.userID]
		gone = ok && s.created < u.notBefore
	}
	rv.mu.RUnlock()
	return gone
}

// forgetExpired drops the records whose sessions have all ended.
func (rv *revocations) forgetExpired(t int64) {
	rv.mu.Lock()
	defer rv.mu.Unlock()
	for id, until := range rv.sessions {
		if until < t {
			delete(rv.sessions, id)
		}
	}
	for u, rec := range rv.users {
		if rec.until < t {
			delete(rv.users, u)
		}
	}
	rv.size.Store(int64(len(rv.sessions) + len(rv.users)))
}
