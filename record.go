package instagramauth

import (
	"encoding/binary"
)

// The plaintexts inside sealed cookies: compact binary records, no JSON,
// since a session is read on every request. Each starts with a format
// byte. Format 1 (the release before sessions gained login time, idle
// renewal, refresh and revocation) is still read, for the upgrade
// guarantee; format 2 is what sessions are sealed in now.
const (
	formatV1 = 1 // time, then three length-prefixed fields
	formatV2 = 2 // session: four times, flags, five length-prefixed fields
)

// sessionIDLen is the length of a session's stable id. It stays the same
// when the cookie is sealed again (idle renewal, refresh, upgrade), so a
// revocation covers every copy of the session.
const sessionIDLen = 16

type sessionID [sessionIDLen]byte

// session is what a session cookie holds.
type session struct {
	id           sessionID
	userID       string
	username     string // may be empty
	token        string
	host         string // the host[:port] that issued it; "" with cookie_domain
	created      int64  // login, unix seconds
	issued       int64  // when this cookie was sealed: the session's last recorded use
	expires      int64  // created + session_lifetime at login: never extended
	tokenExpires int64  // when the token stops working
	longLived    bool   // the token is a 60-day one, which can be refreshed
	legacy       bool   // read from a format 1 record: seal again in the current form
	seenAt       int64  // when this request judged it (not sealed): one clock reading per request
}

const flagLongLived = 1

func encodeSession(s *session) []byte {
	b := make([]byte, 0, 34+5*binary.MaxVarintLen16+sessionIDLen+len(s.userID)+len(s.username)+len(s.token)+len(s.host))
	b = append(b, formatV2)
	for _, t := range []int64{s.created, s.issued, s.expires, s.tokenExpires} {
		b = binary.BigEndian.AppendUint64(b, uint64(t))
	}
	var flags byte
	if s.longLived {
		flags |= flagLongLived
	}
	b = append(b, flags)
	return appendFields(b, string(s.id[:]), s.userID, s.username, s.token, s.host)
}

// decodeSession reads a session record of either format, with a single
// string allocation. A format 1 record holds only the user, the token and
// the session's end; the rest is filled in by the caller (see upgrade).
func decodeSession(plain []byte) (session, bool) {
	if len(plain) > 0 && plain[0] == formatV1 {
		rec, ok := decodeRecordV1(plain)
		if !ok {
			return session{}, false
		}
		f := rec.fields
		return session{userID: f[0], username: f[1], token: f[2], expires: rec.time, legacy: true}, true
	}
	const fixed = 1 + 4*8 + 1
	if len(plain) < fixed || plain[0] != formatV2 || plain[fixed-1]&^flagLongLived != 0 {
		return session{}, false
	}
	var s session
	times := []*int64{&s.created, &s.issued, &s.expires, &s.tokenExpires}
	for i, t := range times {
		*t = int64(binary.BigEndian.Uint64(plain[1+8*i:]))
	}
	s.longLived = plain[fixed-1]&flagLongLived != 0
	var f [5]string
	if !readFields(plain[fixed:], f[:]) || len(f[0]) != sessionIDLen {
		return session{}, false
	}
	copy(s.id[:], f[0])
	s.userID, s.username, s.token, s.host = f[1], f[2], f[3], f[4]
	return s, true
}

// pendingLogin is what a state cookie holds.
type pendingLogin struct {
	state       string // the random state sent to Instagram
	redirectURI string // byte-identical in the authorize and token requests
	returnTo    string // the page first asked for
	created     int64  // unix seconds
}

func encodePending(p pendingLogin) []byte {
	return recordV1{p.created, [3]string{p.state, p.redirectURI, p.returnTo}}.encode()
}

func decodePending(plain []byte) (pendingLogin, bool) {
	rec, ok := decodeRecordV1(plain)
	if !ok {
		return pendingLogin{}, false
	}
	f := rec.fields
	return pendingLogin{state: f[0], redirectURI: f[1], returnTo: f[2], created: rec.time}, true
}

// recordV1 is format 1: a time (unix seconds), then three fields. Pending
// logins still use it; sessions did before format 2.
type recordV1 struct {
	time   int64
	fields [3]string
}

func (rec recordV1) encode() []byte {
	f := rec.fields
	b := make([]byte, 0, 9+3*binary.MaxVarintLen16+len(f[0])+len(f[1])+len(f[2]))
	b = append(b, formatV1)
	b = binary.BigEndian.AppendUint64(b, uint64(rec.time))
	return appendFields(b, f[:]...)
}

func decodeRecordV1(plain []byte) (recordV1, bool) {
	var rec recordV1
	if len(plain) < 9 || plain[0] != formatV1 {
		return rec, false
	}
	rec.time = int64(binary.BigEndian.Uint64(plain[1:9]))
	return rec, readFields(plain[9:], rec.fields[:])
}

func appendFields(b []byte, fields ...string) []byte {
	for _, f := range fields {
		b = binary.AppendUvarint(b, uint64(len(f)))
		b = append(b, f...)
	}
	return b
}

// readFields splits length-prefixed fields out of b, all sharing one
// string; it fails unless b holds exactly len(out) fields.
func readFields(b []byte, out []string) bool {
	all := string(b)
	pos := 0
	for i := range out {
		n, w := binary.Uvarint(b[pos:])
		// An overlong length ends in a zero byte: refused, so that a
		// plaintext has one encoding only.
		if w <= 0 || (w > 1 && b[pos+w-1] == 0) || n > uint64(len(b)-pos-w) {
			return false
		}
		pos += w
		out[i] = all[pos : pos+int(n)]
		pos += int(n)
	}
	return pos == len(b)
}
