package instagramauth

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"net/http"
	"sort"
	"strings"
	"time"
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

// cookieValue finds a cookie in the request without allocating: this runs
// on every request. Values are ours, never quoted.
func cookieValue(r *http.Request, name string) (string, bool) {
	for _, line := range r.Header["Cookie"] {
		for len(line) > 0 {
			var part string
			part, line, _ = strings.Cut(line, ";")
			part = strings.TrimSpace(part)
			if len(part) > len(name) && part[len(name)] == '=' && part[:len(name)] == name {
				return part[len(name)+1:], true
			}
		}
	}
	return "", false
}

// headerMentions reports whether any Cookie line contains s.
func headerMentions(r *http.Request, s string) bool {
	for _, line := range r.Header["Cookie"] {
		if strings.Contains(line, s) {
			return true
		}
	}
	return false
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
	value, ok := cookieValue(r, h.CookieName)
	if !ok {
		return session{}, false
	}
	plain, nonce, ok := open(h.keys, h.aadSession, value)
	if !ok {
		return session{}, false
	}
	s, ok := decodeSession(plain)
	if !ok || s.expires <= now().Unix() || h.revoked.has(nonce) || !h.allows(s.userID, s.username) {
		return session{}, false
	}
	return s, true
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

func (h *Handler) pendingPrefix() string { return h.CookieName + "_state_" }

// isStateShaped accepts only what randomState makes.
func isStateShaped(s string) bool {
	if len(s) != stateLen {
		return false
	}
	_, err := base64.RawURLEncoding.DecodeString(s)
	return err == nil
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
	value, ok := cookieValue(r, h.pendingCookieName(state))
	if !ok {
		return pendingLogin{}, false
	}
	p, ok := h.openPending(value)
	if !ok || subtle.ConstantTimeCompare([]byte(p.state), []byte(state)) != 1 {
		return pendingLogin{}, false
	}
	return p, true
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
// stays bounded however many logins a browser starts.
func (h *Handler) prunePending(w http.ResponseWriter, r *http.Request) {
	type live struct {
		name    string
		created int64
	}
	prefix := h.pendingPrefix()
	if !headerMentions(r, prefix) {
		return // the usual case: no login pending
	}
	var alive []live
	for _, c := range r.Cookies() {
		if !strings.HasPrefix(c.Name, prefix) {
			continue
		}
		if p, ok := h.openPending(c.Value); ok {
			alive = append(alive, live{c.Name, p.created})
		} else {
			h.clearCookie(w, c.Name)
		}
	}
	if len(alive) < maxPending {
		return
	}
	sort.Slice(alive, func(i, j int) bool { return alive[i].created < alive[j].created })
	for _, c := range alive[:len(alive)-maxPending+1] {
		h.clearCookie(w, c.name)
	}
}
