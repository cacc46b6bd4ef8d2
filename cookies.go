package instagramauth

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"net/http"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/caddyserver/caddy/v2/modules/caddyhttp"
)

const (
	stateLifetime = 10 * time.Minute // how long a login may sit on the consent page
	maxPending    = 4                // logins pending at once per browser (tabs)
	stateBytes    = 32               // entropy of a state
	stateIDLen    = 10               // characters of the state that name its cookie
)

var (
	stateLen      = base64.RawURLEncoding.EncodedLen(stateBytes)
	sessionPrefix = []byte("instagram_auth session\x00")
	pendingPrefix = []byte("instagram_auth state\x00")
)

// cookieScan walks the request's cookies of one name without allocating:
// this runs on every request. Values are ours, never quoted.
type cookieScan struct {
	lines []string // Cookie header lines not yet read
	line  string   // the rest of the current line
	name  string
}

// scanCookies walks the cookies the client sent, including those an
// earlier handler took out of the request.
func scanCookies(r *http.Request, name string) cookieScan {
	return cookieScan{lines: sentCookieLines(r), name: name}
}

// next returns the next value of a cookie of that name.
func (s *cookieScan) next() (string, bool) {
	for {
		for len(s.line) > 0 {
			var part string
			part, s.line, _ = strings.Cut(s.line, ";")
			part = strings.TrimSpace(part)
			if len(part) > len(s.name) && part[len(s.name)] == '=' && part[:len(s.name)] == s.name {
				return part[len(s.name)+1:], true
			}
		}
		if len(s.lines) == 0 {
			return "", false
		}
		s.line, s.lines = s.lines[0], s.lines[1:]
	}
}

// cookieValue returns the first cookie of that name.
func cookieValue(r *http.Request, name string) (string, bool) {
	scan := scanCookies(r, name)
	return scan.next()
}

// cookiesMention reports whether any Cookie line the client sent contains s.
func cookiesMention(r *http.Request, s string) bool {
	for _, line := range sentCookieLines(r) {
		if strings.Contains(line, s) {
			return true
		}
	}
	return false
}

// dropOwnCookies removes the plugin's cookies (the session and pending
// logins) from the request before it goes on. They are bearer credentials
// for the whole site: the upstream gets the identity as headers, and must
// not be able to log or replay them; they would also only swell its
// headers. Other cookies pass untouched. If another handler could come
// after this one, the first to take cookies out keeps them as sent.
func (h *Handler) dropOwnCookies(r *http.Request) {
	lines := r.Header["Cookie"]
	if !slices.ContainsFunc(lines, func(line string) bool { return strings.Contains(line, h.CookieName) }) {
		return
	}
	if liveHandlers.Load() > 1 && stashed(r) == nil {
		caddyhttp.SetVar(r.Context(), sentCookiesVar, &sentCookies{lines})
	}
	var kept []string
	for _, line := range lines {
		if rest := h.withoutOwnCookies(line); rest != "" {
			kept = append(kept, rest)
		}
	}
	if len(kept) == 0 {
		delete(r.Header, "Cookie")
	} else {
		r.Header["Cookie"] = kept
	}
}

// sentCookiesVar names the request variable that keeps the Cookie lines as
// the client sent them once a handler has taken its cookies out: a later
// instagram_auth handler of the same site (under another matcher, say)
// must still find them.
const sentCookiesVar = "instagram_auth_sent_cookies"

// sentCookies holds credentials, so as a placeholder it prints nothing.
type sentCookies struct{ lines []string }

func (*sentCookies) String() string { return "" }

func stashed(r *http.Request) *sentCookies {
	s, _ := caddyhttp.GetVar(r.Context(), sentCookiesVar).(*sentCookies)
	return s
}

// sentCookieLines are the request's Cookie lines as the client sent them.
func sentCookieLines(r *http.Request) []string {
	if s := stashed(r); s != nil {
		return s.lines
	}
	return r.Header["Cookie"]
}

// withoutOwnCookies returns a Cookie line without the plugin's cookies:
// the line itself when it holds none, "" when it holds nothing else. One
// pass; the copy is only made once a cookie of ours turns up.
func (h *Handler) withoutOwnCookies(line string) string {
	var b strings.Builder
	dropped := false
	for i := 0; i < len(line); {
		j := strings.IndexByte(line[i:], ';')
		if j < 0 {
			j = len(line)
		} else {
			j += i
		}
		part := strings.TrimSpace(line[i:j])
		own := h.isOwnCookie(part)
		switch {
		case own && !dropped:
			dropped = true
			// What is left is at most this long, and usually exactly.
			b.Grow(len(line) - len(part))
			b.WriteString(strings.TrimRight(line[:i], "; ")) // the cookies before ours, as sent
		case !own && dropped && part != "":
			if b.Len() > 0 {
				b.WriteString("; ")
			}
			b.WriteString(part)
		}
		i = j + 1
	}
	if !dropped {
		return line
	}
	return b.String()
}

// isOwnCookie tells the session cookie and pending logins' cookies from
// others by the name of a "name=value" pair.
func (h *Handler) isOwnCookie(pair string) bool {
	rest, ok := strings.CutPrefix(pair, h.CookieName)
	return ok && (rest == "" || rest[0] == '=' || strings.HasPrefix(rest, pendingInfix))
}

// newCookie gives every cookie of the plugin the same guarded attributes:
// HttpOnly, SameSite=Lax (so it survives the top-level redirect back from
// Instagram), Secure unless insecure_cookies, path /.
func (h *Handler) newCookie(name, value string, maxAge int) *http.Cookie {
	return &http.Cookie{
		Name:     name,
		Value:    value,
		Path:     "/",
		Domain:   h.CookieDomain,
		MaxAge:   maxAge,
		HttpOnly: true,
		Secure:   !h.InsecureCookies,
		SameSite: http.SameSiteLaxMode,
	}
}

func (h *Handler) clearCookie(w http.ResponseWriter, name string) {
	http.SetCookie(w, h.newCookie(name, "", -1))
}

// setSession seals s into the session cookie.
func (h *Handler) setSession(w http.ResponseWriter, s session) {
	maxAge := int(s.expires - now().Unix())
	http.SetCookie(w, h.newCookie(h.CookieName, seal(h.keys, h.aadSession, encodeSession(s)), maxAge))
}

// currentSession opens the request's session cookie, if it holds a live,
// unrevoked session of an allowed user.
func (h *Handler) currentSession(r *http.Request) (session, bool) {
	s, id, ok := h.openSession(r)
	if !ok || s.expires <= now().Unix() || revokedSessions.has(id[:]) || !h.allows(s.userID, s.username) {
		return session{}, false
	}
	return s, true
}

// sessionID names one sealed session: its GCM nonce, unique per seal.
type sessionID [gcmNonceSize]byte

const gcmNonceSize = 12 // what cipher.NewGCM uses

// openBuffers lend openSession room to decode and decrypt a cookie in:
// the session's fields are copied out, so the buffer goes back at once.
var openBuffers = sync.Pool{New: func() any { return new([512]byte) }}

// openSession opens the first session cookie that is ours: a stale cookie
// of the same name sent before it (an old host-only one, a sibling site's)
// must not hide it.
func (h *Handler) openSession(r *http.Request) (session, sessionID, bool) {
	buf := openBuffers.Get().(*[512]byte)
	defer openBuffers.Put(buf)
	// The header first: on the usual request no handler has taken our
	// cookie out yet, and looking for what was sent costs a context lookup.
	if s, id, ok := h.openSessionIn(r.Header["Cookie"], buf); ok {
		return s, id, true
	}
	if sent := stashed(r); sent != nil {
		return h.openSessionIn(sent.lines, buf)
	}
	return session{}, sessionID{}, false
}

func (h *Handler) openSessionIn(lines []string, buf *[512]byte) (session, sessionID, bool) {
	scan := cookieScan{lines: lines, name: h.CookieName}
	for value, ok := scan.next(); ok; value, ok = scan.next() {
		if plain, nonce, ok := openInto(buf[:0], h.keys, h.aadSession, value); ok && len(nonce) == gcmNonceSize {
			if s, ok := decodeSession(plain); ok {
				return s, sessionID(nonce), true
			}
		}
	}
	return session{}, sessionID{}, false
}

// randomState returns a fresh state: 32 bytes from crypto/rand, base64url.
func randomState() string {
	b := make([]byte, stateBytes)
	if _, err := rand.Read(b); err != nil {
		panic(err) // crypto/rand never fails on supported platforms
	}
	return base64.RawURLEncoding.EncodeToString(b)
}

// pendingCookieName gives each pending login a cookie of its own, so tabs
// that start logins at the same moment never overwrite each other's state.
func (h *Handler) pendingCookieName(state string) string {
	return h.pendingPrefix() + state[:stateIDLen]
}

func (h *Handler) pendingPrefix() string { return h.CookieName + pendingInfix }

// pendingInfix joins the cookie name and a state id in a pending login's cookie name.
const pendingInfix = "_state_"

// isStateShaped accepts only what randomState makes.
func isStateShaped(s string) bool {
	if len(s) != stateLen {
		return false
	}
	_, err := base64.RawURLEncoding.DecodeString(s)
	return err == nil
}

// isStateID accepts what pendingCookieName puts after the prefix.
func isStateID(id string) bool {
	return len(id) == stateIDLen && isAlnumOr(id, "-_")
}

// setPending seals a pending login into its own cookie.
func (h *Handler) setPending(w http.ResponseWriter, p pendingLogin) {
	value := seal(h.keys, h.aadPending, encodePending(p))
	http.SetCookie(w, h.newCookie(h.pendingCookieName(p.state), value, int(stateLifetime/time.Second)))
}

// pendingFor finds and checks the pending login that state names: sealed
// by us, not expired, and holding exactly this state (compared in constant
// time).
func (h *Handler) pendingFor(r *http.Request, state string) (pendingLogin, bool) {
	if !isStateShaped(state) {
		return pendingLogin{}, false
	}
	scan := scanCookies(r, h.pendingCookieName(state))
	for value, ok := scan.next(); ok; value, ok = scan.next() {
		p, ok := h.openPending(value)
		if ok && subtle.ConstantTimeCompare([]byte(p.state), []byte(state)) == 1 {
			return p, true
		}
	}
	return pendingLogin{}, false
}

// openPending opens a state cookie's value if it is ours and still live.
func (h *Handler) openPending(value string) (pendingLogin, bool) {
	plain, _, ok := open(h.keys, h.aadPending, value)
	if !ok {
		return pendingLogin{}, false
	}
	p, ok := decodePending(plain)
	t := now().Unix()
	if !ok || p.created > t+60 || p.created+int64(stateLifetime/time.Second) <= t {
		return pendingLogin{}, false
	}
	return p, true
}

// prunePending expires state cookies that are dead, and the oldest live
// ones beyond maxPending-1, to make room for one more: the Cookie header
// stays bounded however many logins a browser starts. Only names we could
// have made are looked at, each once, and the clearing stops at a few, so
// junk cookies cannot inflate the answer.
func (h *Handler) prunePending(w http.ResponseWriter, r *http.Request) {
	prefix := h.pendingPrefix()
	if !cookiesMention(r, prefix) {
		return // the usual case: no login pending
	}
	type live struct {
		name    string
		created int64
	}
	var alive []live
	seen := make(map[string]bool)
	clears := 0
	clear := func(name string) {
		if clears < 2*maxPending {
			h.clearCookie(w, name)
			clears++
		}
	}
	sent := &http.Request{Header: http.Header{"Cookie": sentCookieLines(r)}}
	for _, c := range sent.Cookies() {
		id, ok := strings.CutPrefix(c.Name, prefix)
		if !ok || !isStateID(id) || seen[c.Name] {
			continue
		}
		seen[c.Name] = true
		if p, ok := h.openPending(c.Value); ok {
			alive = append(alive, live{c.Name, p.created})
		} else {
			clear(c.Name)
		}
	}
	if len(alive) < maxPending {
		return
	}
	sort.Slice(alive, func(i, j int) bool { return alive[i].created < alive[j].created })
	for _, c := range alive[:len(alive)-maxPending+1] {
		clear(c.name)
	}
}
