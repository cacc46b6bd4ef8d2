// Package record holds the plaintexts inside sealed cookies: the session
// and the pending login. They are compact binary records, no JSON, since a
// session is read on every request, and each starts with a format byte.
// Format 1 (the release before sessions gained login time, idle renewal,
// refresh and revocation) is still read, for the upgrade guarantee;
// format 2 is what sessions are sealed in now. The bytes are API: cookies
// sealed by one release must open in the next.
package record

import "encoding/binary"

const (
	formatV1 = 1 // time, then three length-prefixed fields
	formatV2 = 2 // session: four times, flags, five length-prefixed fields
)

// IDLen is the length of a session's stable id. It stays the same
// when the cookie is sealed again (idle renewal, refresh, upgrade), so a
// revocation covers every copy of the session.
const IDLen = 16

type ID [IDLen]byte

// Session is what a session cookie holds.
type Session struct {
	ID           ID
	UserID       string
	Username     string // may be empty
	Token        string
	Host         string // the host[:port] that issued it; "" with cookie_domain
	Created      int64  // login, unix seconds
	Issued       int64  // when this cookie was sealed: the session's last recorded use
	Expires      int64  // created + session_lifetime at login: never extended
	TokenExpires int64  // when the token stops working
	LongLived    bool   // the token is a 60-day one, which can be refreshed
	Legacy       bool   // read from a format 1 record: seal again in the current form
	SeenAt       int64  // when this request judged it (not sealed): one clock reading per request
}

const flagLongLived = 1

func EncodeSession(s *Session) []byte {
	b := make([]byte, 0, 34+5*binary.MaxVarintLen16+IDLen+len(s.UserID)+len(s.Username)+len(s.Token)+len(s.Host))
	b = append(b, formatV2)
	for _, t := range []int64{s.Created, s.Issued, s.Expires, s.TokenExpires} {
		b = binary.BigEndian.AppendUint64(b, uint64(t))
	}
	var flags byte
	if s.LongLived {
		flags |= flagLongLived
	}
	b = append(b, flags)
	return appendFields(b, string(s.ID[:]), s.UserID, s.Username, s.Token, s.Host)
}

// DecodeSession reads a session record of either format, with a single
// string allocation. A format 1 record holds only the user, the token and
// the session's end; the rest is filled in by the caller (see upgrade).
func DecodeSession(plain []byte) (Session, bool) {
	if len(plain) > 0 && plain[0] == formatV1 {
		rec, ok := DecodeV1(plain)
		if !ok {
			return Session{}, false
		}
		f := rec.Fields
		return Session{UserID: f[0], Username: f[1], Token: f[2], Expires: rec.Time, Legacy: true}, true
	}
	const fixed = 1 + 4*8 + 1
	if len(plain) < fixed || plain[0] != formatV2 || plain[fixed-1]&^flagLongLived != 0 {
		return Session{}, false
	}
	var s Session
	times := []*int64{&s.Created, &s.Issued, &s.Expires, &s.TokenExpires}
	for i, t := range times {
		*t = int64(binary.BigEndian.Uint64(plain[1+8*i:]))
	}
	s.LongLived = plain[fixed-1]&flagLongLived != 0
	var f [5]string
	if !readFields(plain[fixed:], f[:]) || len(f[0]) != IDLen {
		return Session{}, false
	}
	copy(s.ID[:], f[0])
	s.UserID, s.Username, s.Token, s.Host = f[1], f[2], f[3], f[4]
	return s, true
}

// Pending is what a state cookie holds.
type Pending struct {
	State       string // the random state sent to Instagram
	RedirectURI string // byte-identical in the authorize and token requests
	ReturnTo    string // the page first asked for
	Created     int64  // unix seconds
}

func EncodePending(p Pending) []byte {
	return V1{p.Created, [3]string{p.State, p.RedirectURI, p.ReturnTo}}.Encode()
}

func DecodePending(plain []byte) (Pending, bool) {
	rec, ok := DecodeV1(plain)
	if !ok {
		return Pending{}, false
	}
	f := rec.Fields
	return Pending{State: f[0], RedirectURI: f[1], ReturnTo: f[2], Created: rec.Time}, true
}

// V1 is format 1: a time (unix seconds), then three fields. Pending
// logins still use it; sessions did before format 2.
type V1 struct {
	Time   int64
	Fields [3]string
}

func (rec V1) Encode() []byte {
	f := rec.Fields
	b := make([]byte, 0, 9+3*binary.MaxVarintLen16+len(f[0])+len(f[1])+len(f[2]))
	b = append(b, formatV1)
	b = binary.BigEndian.AppendUint64(b, uint64(rec.Time))
	return appendFields(b, f[:]...)
}

func DecodeV1(plain []byte) (V1, bool) {
	var rec V1
	if len(plain) < 9 || plain[0] != formatV1 {
		return rec, false
	}
	rec.Time = int64(binary.BigEndian.Uint64(plain[1:9]))
	return rec, readFields(plain[9:], rec.Fields[:])
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
