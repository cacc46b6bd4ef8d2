package instagramauth

import (
	"time"

	"github.com/b4b0c547/caddy-instagram-auth/internal/instagram"
	"github.com/b4b0c547/caddy-instagram-auth/internal/revocation"

	"github.com/b4b0c547/caddy-instagram-auth/internal/record"

	"github.com/b4b0c547/caddy-instagram-auth/internal/seal"

	"crypto/rand"
	"net/http"
	"strings"
	"sync"
)

// sessions opens the session cookie on every request, judges it against
// the config as it is now, and seals it again only when something changed
// (idle renewal, refresh, an upgrade from the earlier format).
type sessions struct {
	cfg     *runtimeConfig
	keys    seal.Ring
	revoked *revocation.Set
	now     func() time.Time
}

// openBuffers lend openSession room to decode and decrypt a cookie in:
// the session's fields are copied out, so the buffer goes back at once.
var openBuffers = sync.Pool{New: func() any { return new([512]byte) }}

// currentSession opens the request's session cookie, if it holds a live,
// unrevoked session of an allowed user.
func (ss *sessions) current(r *http.Request) (record.Session, bool) {
	t := ss.now().Unix()
	s, ok := ss.open(r, t)
	s.SeenAt = t
	return s, ok
}

// acceptable tells a session that may be used now: live, not revoked, of
// an allowed user.
func (ss *sessions) acceptable(s *record.Session, t int64) bool {
	return ss.isLive(s, t) && !ss.revoked.IsRevoked(s) && ss.cfg.allows(s.UserID, s.Username)
}

// isLive applies session_lifetime, session_idle and the token's own end.
func (ss *sessions) isLive(s *record.Session, t int64) bool {
	return t < ss.endOf(s) && s.Created <= t+60
}

// endOf is when s ends under the config as it is now: session_lifetime
// counted from login (never beyond what it was at login), the token's
// expiry, and session_idle counted from the last time the cookie was sealed.
func (ss *sessions) endOf(s *record.Session) int64 {
	end := min(s.Expires, s.Created+ss.cfg.sessionLifetime)
	if s.TokenExpires > 0 {
		end = min(end, s.TokenExpires)
	}
	if ss.cfg.sessionIdle > 0 {
		end = min(end, s.Issued+ss.cfg.sessionIdle)
	}
	return end
}

// open opens the session cookies the client sent and keeps those that
// count: the acceptable ones.
// A dead or stale cookie sent first (a revoked copy, an old host-only one,
// a sibling site's) must not hide the right one; but cookies that count
// for different users mean someone planted one (cookie tossing), and then
// there is no session.
func (ss *sessions) open(r *http.Request, t int64) (record.Session, bool) {
	buf := openBuffers.Get().(*[512]byte)
	defer openBuffers.Put(buf)
	// The header first: on the usual request no handler has taken our
	// cookie out yet, and looking for what was sent costs a context lookup.
	if s, found, ok := ss.openIn(r, r.Header["Cookie"], buf, t); found {
		return s, ok
	}
	if sent := stashed(r); sent != nil {
		s, _, ok := ss.openIn(r, sent.lines, buf, t)
		return s, ok
	}
	return record.Session{}, false
}

// openIn reports whether lines hold any session of ours that counts
// (found) and whether all such are one user's (ok). No callback: this runs
// on every request, and a closure would send the session to the heap.
func (ss *sessions) openIn(r *http.Request, lines []string, buf *[512]byte, t int64) (s record.Session, found, ok bool) {
	names := &ss.cfg.cookies
	scan := cookieScan{lines: lines, name: names.session, legacy: names.legacy}
	for value, legacy, more := scan.next(); more; value, legacy, more = scan.next() {
		next, opened := ss.openValue(buf, value, legacy, t)
		if !opened || !ss.forHost(&next, r.Host) || !ss.acceptable(&next, t) {
			continue
		}
		if found && next.UserID != s.UserID {
			return record.Session{}, true, false
		}
		if !found {
			s, found = next, true
		}
	}
	return s, found, found
}

// eachSessionIn calls visit with every session of ours in lines that opens
// for this host, dead or alive: logout judges each (logout.go).
func (ss *sessions) eachIn(r *http.Request, lines []string, t int64, visit func(*record.Session)) {
	buf := new([512]byte)
	names := &ss.cfg.cookies
	scan := cookieScan{lines: lines, name: names.session, legacy: names.legacy}
	for value, legacy, more := scan.next(); more; value, legacy, more = scan.next() {
		if s, opened := ss.openValue(buf, value, legacy, t); opened && ss.forHost(&s, r.Host) {
			visit(&s)
		}
	}
}

// openSessionValue opens one cookie value. Under the earlier release's
// default name only that release's record format is accepted, so that
// window closes by itself.
func (ss *sessions) openValue(buf *[512]byte, value string, legacyName bool, t int64) (record.Session, bool) {
	aad := ss.cfg.aad.Session
	if legacyName {
		aad = ss.cfg.aad.LegacySession
	}
	plain, nonce, ok := ss.keys.OpenInto(buf[:0], aad, value)
	if !ok || len(nonce) != seal.NonceSize {
		return record.Session{}, false
	}
	s, ok := record.DecodeSession(plain)
	if !ok || (legacyName && !s.Legacy) {
		return record.Session{}, false
	}
	if s.Legacy {
		ss.upgradeLegacy(&s, nonce, t)
	}
	return s, true
}

// upgradeLegacy fills in what a format 1 record lacks. It holds its end,
// not its login: the login is taken as the end minus session_lifetime, but
// never later than now, so a shorter session_lifetime than the earlier
// release's logs nobody out and ends the session at most that long from
// now. Its id is its seal's nonce, unique per login, so a logout of the
// upgraded session covers the old cookie too; and while it is in the old
// form, any "log out everywhere" covers it (isRevoked), whatever its login.
// It is not bound to a host: it was made before binding.
func (ss *sessions) upgradeLegacy(s *record.Session, nonce []byte, t int64) {
	copy(s.ID[:], nonce)
	s.Created = min(s.Expires-ss.cfg.sessionLifetime, t)
	s.Issued = t
	s.TokenExpires = s.Expires // a session never outlived its token
}

// sessionIsForHost binds a host-only session to the host and port that
// issued it: cookies do not separate ports, so two sites on one host would
// otherwise accept each other's sessions. Only a session of the earlier
// format, made before sessions had a host, opens unbound (it is bound on
// first use, renewIfDue); a current one without a host is no session of
// this site (behaviour 7, docs/behaviour.md).
func (ss *sessions) forHost(s *record.Session, host string) bool {
	return ss.cfg.cookies.domain != "" || s.Legacy || strings.EqualFold(s.Host, host)
}

// hostFor is the host a session issued or re-sealed for r is bound to: the
// request's Host; without one (HTTP/1.0 allows that), the host of an
// absolute redirect_uri, where the login comes back to. ok is false when
// there is neither, and then no session may be issued: an empty host would
// open on every site. With cookie_domain sessions are not bound ("").
func (ss *sessions) hostFor(r *http.Request) (host string, ok bool) {
	switch {
	case ss.cfg.cookies.domain != "":
		return "", true
	case r.Host != "":
		return r.Host, true
	case ss.cfg.callbackHost != "":
		return ss.cfg.callbackHost, true
	}
	return "", false
}

// newSession starts a session for a user who just logged in, bound to the
// host of r (hostFor). The callback refuses a request without one first;
// should another caller not, the session has no host and opens nowhere.
func (ss *sessions) start(id instagram.Identity, r *http.Request) record.Session {
	host, _ := ss.hostFor(r)
	t := ss.now().Unix()
	s := record.Session{
		UserID:    id.UserID,
		Username:  id.Username,
		Token:     id.Token,
		Created:   t,
		Issued:    t,
		Expires:   t + ss.cfg.sessionLifetime,
		LongLived: id.LongLived,
		Host:      host,
	}
	if !id.Expires.IsZero() {
		s.TokenExpires = id.Expires.Unix()
	}
	if _, err := rand.Read(s.ID[:]); err != nil {
		panic(err) // crypto/rand never fails on supported platforms
	}
	return s
}

// issueSession seals s into the session cookie, which the browser keeps
// until the session would end, and retires the earlier release's cookie.
func (ss *sessions) issue(w http.ResponseWriter, s *record.Session) {
	s.Legacy = false
	maxAge := int(ss.endOf(s) - s.Issued)
	ss.cfg.cookies.set(w, ss.cfg.cookies.session, ss.keys.Seal(ss.cfg.aad.Session, record.EncodeSession(s)), maxAge)
}
