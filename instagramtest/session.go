package instagramtest

import (
	"net/http"
	"net/url"
	"time"
)

// The mock keeps, like Instagram, a login session of its own in the
// browser: after an Allow, a cookie on the mock's origin remembers the
// username, and the next consent page offers "Continue as <username>"
// without typing. force_reauth=true on the authorize URL makes it ask
// again, as Instagram asks for the login again.
const (
	sessionCookie   = "ig_mock_session"
	sessionLifetime = 90 * 24 * time.Hour
)

// rememberedUser is the username of the browser's mock session, or "" if it
// has none (or a cookie that is not a username).
func rememberedUser(r *http.Request) string {
	c, err := r.Cookie(sessionCookie)
	if err != nil || !validUsername.MatchString(c.Value) {
		return ""
	}
	return c.Value
}

// setSession remembers username in the browser. The cookie's value is the
// bare username: the mock guards nothing, and a developer can read it.
func setSession(w http.ResponseWriter, r *http.Request, username string) {
	http.SetCookie(w, &http.Cookie{
		Name:     sessionCookie,
		Value:    username,
		Path:     "/",
		MaxAge:   int(sessionLifetime / time.Second),
		HttpOnly: true,
		Secure:   r.TLS != nil,
		SameSite: http.SameSiteLaxMode,
	})
}

// forceReauth reports whether the authorize URL asks for the login again.
// Instagram documents the value true only, so nothing else counts.
func forceReauth(q url.Values) bool { return q.Get("force_reauth") == "true" }

// noteAuthorize counts a GET of the authorize page for the counters.
func (p *Provider) noteAuthorize(force bool) {
	p.authorizeRequests.Add(1)
	if force {
		p.forceReauthRequests.Add(1)
	}
	p.lastForceReauth.Store(force)
}
