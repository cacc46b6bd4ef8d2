package instagramauth

import (
	"net/http"
	"time"
)

// The re-authentication mark. Logging out of the site leaves the browser
// logged in to Instagram, whose consent page would log the same account
// straight back in: on a shared computer, the next person would be the
// last one. So logout marks the browser, and its next login asks Instagram
// to re-authenticate (force_reauth=true) until a login completes.
//
// The mark is a plain cookie, <session cookie>_reauth=1, with the
// attributes of the plugin's other cookies (HttpOnly, SameSite=Lax, Secure
// unless insecure_cookies, the cookie_domain if any). Its value is never
// read, only its presence: a planted or forged mark costs one extra
// re-authentication and can do nothing else. It lasts as long as browsers
// keep cookies (400 days), since a logged-out browser may sit unused for
// long while Instagram's own login in it lasts.

const reauthMarkLifetime = 400 * 24 * time.Hour

// forceReauthParam is appended to the authorize URL of a marked browser.
const forceReauthParam = "&force_reauth=true"

// markForReauth marks the browser as logged out.
func (names *cookieJar) markForReauth(w http.ResponseWriter) {
	names.set(w, names.reauth, "1", int(reauthMarkLifetime/time.Second))
}

// marked reports whether the browser logged out since its last login.
func (names *cookieJar) marked(r *http.Request) bool {
	_, ok := cookieValue(r, names.reauth)
	return ok
}

// clearReauthMark removes the mark once a login has completed.
func (names *cookieJar) clearReauthMark(w http.ResponseWriter, r *http.Request) {
	if names.marked(r) {
		names.clear(w, names.reauth)
	}
}
