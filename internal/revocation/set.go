// Package revocation ends sessions before their time, on every instance
// that shares Caddy's storage: a logout ends one session by its id, "log
// out everywhere" and Meta's callbacks every session of a user that began
// before a time. The Set in memory is what requests read (they never wait
// for storage); the Sync writes new records to storage and reads the other
// instances' in the background.
package revocation

import (
	"github.com/b4b0c547/caddy-instagram-auth/internal/record"

	"strings"
	"sync"
	"sync/atomic"
)

// Set are the sessions and users logged out: a session by its id
// (logout), or every session of a user that started before a time (logout
// everywhere, Meta's callbacks). Each record is kept until the sessions it
// names would have ended anyway. Requests only read this memory; the
// background sync (sync.go) fills it from storage.
type Set struct {
	mu       sync.RWMutex
	sessions map[record.ID]int64 // id → when the record may be forgotten
	users    map[string]userRevocation
	size     atomic.Int64 // lets the hot path skip the lock while empty
}

type userRevocation struct {
	notBefore int64 // sessions created before this are ended
	until     int64 // when the record may be forgotten
}

// Record is one record, as logout makes it and storage holds it:
// a session (user == "") or a user's sessions created before notBefore.
type Record struct {
	Session   record.ID
	User      string
	NotBefore int64
	Until     int64
}

func NewSet() *Set {
	return &Set{sessions: map[record.ID]int64{}, users: map[string]userRevocation{}}
}

// Merge adds records under one lock (a sync brings thousands) and returns
// how many of them ended sessions not ended before.
func (rv *Set) Merge(recs []Record) (news int) {
	rv.mu.Lock()
	defer rv.mu.Unlock()
	for _, rec := range recs {
		if rv.mergeLocked(rec) {
			news++
		}
	}
	rv.size.Store(int64(len(rv.sessions) + len(rv.users)))
	return news
}

func (rv *Set) mergeLocked(rec Record) bool {
	if rec.User == "" {
		old, ok := rv.sessions[rec.Session]
		rv.sessions[rec.Session] = max(old, rec.Until)
		return !ok
	}
	// One record per user: the latest notBefore covers every earlier one,
	// and it is kept as long as any of them had to be.
	old, ok := rv.users[rec.User]
	user := rec.User
	if !ok {
		// Its own copy: the id may be a slice of a listed file name,
		// which the map would otherwise keep whole.
		user = strings.Clone(user)
	}
	rv.users[user] = userRevocation{notBefore: max(old.notBefore, rec.NotBefore), until: max(old.until, rec.Until)}
	return !ok || rec.NotBefore > old.notBefore
}

// IsRevoked reports whether s was logged out.
func (rv *Set) IsRevoked(s *record.Session) bool {
	if rv.size.Load() == 0 {
		return false
	}
	rv.mu.RLock()
	_, gone := rv.sessions[s.ID]
	if !gone {
		u, ok := rv.users[s.UserID]
		// A session in the earlier release's form predates every record
		// of this one: its login time is a guess, so it is not relied on.
		gone = ok && (s.Legacy || s.Created < u.notBefore)
	}
	rv.mu.RUnlock()
	return gone
}

// RevokesUser reports whether a revocation of every session of userID
// (logout everywhere, Meta's callbacks) covers what began at t, unix
// seconds: a session created then, or Instagram's acceptance of a bearer
// token asked for then, which must be asked again. Like IsRevoked, it
// takes no lock while the set is empty.
func (rv *Set) RevokesUser(userID string, t int64) bool {
	if rv.size.Load() == 0 {
		return false
	}
	rv.mu.RLock()
	u, ok := rv.users[userID]
	rv.mu.RUnlock()
	return ok && t < u.notBefore
}

// Len is the number of records held.
func (rv *Set) Len() int { return int(rv.size.Load()) }

// ForgetExpired drops the records whose sessions have all ended.
func (rv *Set) ForgetExpired(t int64) {
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
