package instagramauth

import (
	"net/http"
	"strings"

	"github.com/caddyserver/caddy/v2/modules/caddyhttp"
)

// cookieJar holds the names of every cookie the plugin sets or reads,
// matched in one place, and the attributes it sets them with.
type cookieJar struct {
	domain string // cookie_domain; "" for host-only cookies
	secure bool   // not insecure_cookies

	session string // the session cookie
	// legacy is the earlier release's default session name, read (only
	// for records of that release's format) so that an upgrade logs nobody
	// out; "" when cookie_name was given or the name did not change.
	legacy  string
	pending string // prefix of pending logins' cookies: <session>_state_<id>
	reauth  string // marks a browser that logged out: its next login re-authenticates
	marker  string // held by every name above: a cheap first look at a Cookie line
}

const (
	pendingInfix = "_state_"
	reauthSuffix = "_reauth"
)

func newCookieJar(session string, nameGiven bool, domain string, secure bool) cookieJar {
	n := cookieJar{domain: domain, secure: secure, session: session, pending: session + pendingInfix, reauth: session + reauthSuffix}
	if !nameGiven && session != insecureCookieName {
		n.legacy = insecureCookieName
	}
	n.marker = markerOf(n.session, n.legacy)
	return n
}

// mentionedIn is a cheap first look: could line hold a cookie of ours?
// It looks for the part both names share (the default names all hold
// "instagram_auth"), so a line is scanned once.
func (n *cookieJar) mentionedIn(line string) bool {
	return strings.Contains(line, n.marker)
}

// markerOf is the text every cookie name of ours holds.
func markerOf(session, legacy string) string {
	const common = "instagram_auth"
	switch {
	case legacy == "":
		return session
	case strings.Contains(session, common) && strings.Contains(legacy, common):
		return common
	}
	return session // not reached: legacy is set only with the default names
}

// isOwn tells the plugin's cookies from others by a "name=value" pair.
// Most pairs are the site's own and fail the first byte's comparison.
func (n *cookieJar) isOwn(pair string) bool {
	return isOwnPair(pair, n.session) || (n.legacy != "" && isOwnPair(pair, n.legacy))
}

// isOwnPair reports whether pair names base, one of its pending logins
// (base_state_<id>) or its re-authentication mark (base_reauth).
func isOwnPair(pair, base string) bool {
	rest, ok := strings.CutPrefix(pair, base)
	if !ok {
		return false
	}
	if rest == "" || rest[0] == '=' || strings.HasPrefix(rest, pendingInfix) {
		return true
	}
	rest, ok = strings.CutPrefix(rest, reauthSuffix)
	return ok && (rest == "" || rest[0] == '=')
}

// cookieScan walks the values of one or two cookie names without
// allocating: this runs on every request. Values are ours, never quoted.
type cookieScan struct {
	lines        []string // Cookie header lines not yet read
	line         string   // the rest of the current line
	name, legacy string   // legacy may be ""
}

// next returns the next value of a cookie of either name, and whether it
// came under the legacy name.
func (s *cookieScan) next() (value string, legacy, ok bool) {
	for {
		for len(s.line) > 0 {
			var part string
			part, s.line, _ = strings.Cut(s.line, ";")
			part = strings.TrimSpace(part)
			if v, ok := pairValue(part, s.name); ok {
				return v, false, true
			}
			if s.legacy != "" {
				if v, ok := pairValue(part, s.legacy); ok {
					return v, true, true
				}
			}
		}
		if len(s.lines) == 0 {
			return "", false, false
		}
		s.line, s.lines = s.lines[0], s.lines[1:]
	}
}

func pairValue(part, name string) (string, bool) {
	if len(part) > len(name) && part[len(name)] == '=' && part[:len(name)] == name {
		return part[len(name)+1:], true
	}
	return "", false
}

// cookieValue returns the first value the client sent for name.
func cookieValue(r *http.Request, name string) (string, bool) {
	scan := cookieScan{lines: sentCookieLines(r), name: name}
	v, _, ok := scan.next()
	return v, ok
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

// sentCookiesVar names the request variable that keeps the Cookie lines as
// the client sent them once a handler has taken its cookies out: a later
// instagram_auth handler of the same site (under another matcher, say)
// must still find them.
const sentCookiesVar = "instagram_auth_sent_cookies"

// sentCookies holds credentials, so as a placeholder it prints nothing.
// It also lends its array to the lines that go on, so that keeping the
// cookies as sent costs no allocation of its own.
type sentCookies struct {
	lines []string
	kept  [2]string
}

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

// dropOwnCookies removes the plugin's cookies (the session, pending logins,
// the re-authentication mark) from the request before it goes on. They are
// bearer credentials for the whole site: the upstream gets the identity as
// headers, and must not be able to log or replay them. Other cookies pass
// untouched and in order. The first handler to take cookies out keeps them
// as sent, for any instagram_auth handler after it.
func (names *cookieJar) dropOwn(r *http.Request) {
	lines := r.Header["Cookie"]
	mentioned := false
	for _, line := range lines {
		if names.mentionedIn(line) {
			mentioned = true
			break
		}
	}
	if !mentioned {
		return
	}
	// One lookup of the request's variables for both reading and keeping.
	vars, _ := r.Context().Value(caddyhttp.VarsCtxKey).(map[string]any)
	var kept []string // a later handler's: the stash's array holds the first one's
	if _, stashed := vars[sentCookiesVar].(*sentCookies); !stashed {
		sent := &sentCookies{lines: lines}
		if vars != nil {
			vars[sentCookiesVar] = sent
		}
		kept = sent.kept[:0:len(sent.kept)] // the first handler: lent by the stash
	}
	for _, line := range lines {
		if rest := withoutOwnCookies(names, line); rest != "" {
			kept = append(kept, rest)
		}
	}
	if len(kept) == 0 {
		delete(r.Header, "Cookie")
	} else {
		r.Header["Cookie"] = kept
	}
}

// withoutOwnCookies returns a Cookie line without the plugin's cookies:
// the line itself when it holds none, "" when it holds nothing else. One
// pass; the copy is only made once a cookie of ours turns up.
func withoutOwnCookies(names *cookieJar, line string) string {
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
		own := names.isOwn(part)
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

// newCookie gives every cookie of the plugin the same guarded attributes:
// HttpOnly, SameSite=Lax (so it survives the top-level redirect back from
// Instagram), Secure unless insecure_cookies, path /.
func (names *cookieJar) newCookie(name, value string, maxAge int) *http.Cookie {
	return &http.Cookie{
		Name:     name,
		Value:    value,
		Path:     "/",
		Domain:   names.domain,
		MaxAge:   maxAge,
		HttpOnly: true,
		Secure:   names.secure,
		SameSite: http.SameSiteLaxMode,
	}
}

func (names *cookieJar) set(w http.ResponseWriter, name, value string, maxAge int) {
	http.SetCookie(w, names.newCookie(name, value, maxAge))
}

func (names *cookieJar) clear(w http.ResponseWriter, name string) {
	http.SetCookie(w, names.newCookie(name, "", -1))
}

// clearLegacy removes the earlier release's session cookie, with the
// attributes that release set it with (no Secure prefix rules applied).
func (names *cookieJar) clearLegacy(w http.ResponseWriter) {
	if names.legacy != "" {
		names.clear(w, names.legacy)
	}
}
