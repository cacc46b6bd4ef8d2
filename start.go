package instagramauth

import (
	"net/http"
	"net/url"

	"github.com/b4b0c547/caddy-instagram-auth/internal/target"
)

// The start endpoint (behaviour 33, docs/behaviour.md) begins a login on
// request, for pages the plugin does not guard itself: nginx's error_page
// for a 401 of the auth endpoint, a "Log in with Instagram" link. Its rd
// is judged by the one judge of every return target (internal/target),
// the same as the page a login started from: a path of this site, an
// absolute URL on the origin the browser reached (read through
// trusted_proxies, behaviour 36) or on a return_hosts host; anything else
// returns to "/".

// serveStart sends a page load to Instagram with a login that returns to
// rd, or straight to rd with a session; anything else gets the 401 of API
// calls, so that an API behind nginx keeps its 401.
func (h *Handler) serveStart(w http.ResponseWriter, r *http.Request, u *url.URL) error {
	if !wantsLoginPage(r) {
		return h.unauthorized(w, r)
	}
	returnTo := startTarget(r, u.RawQuery, h.cfg.returnHosts)
	if _, ok := h.sessions.current(r); ok {
		return redirect(w, returnTo)
	}
	return h.startLogin(w, r, returnTo)
}

// startTarget judges the rd of a start request's query as sent: rd is the
// last parameter and takes the rest of the query, so nginx's unencoded
// $request_uri arrives whole.
func startTarget(r *http.Request, rawQuery string, allowed target.Patterns) string {
	rd, found := target.RD(rawQuery)
	if !found {
		return "/"
	}
	self, _ := requestOrigin(r) // none: only paths are this site's
	returnTo, _ := target.Judge(rd, self, allowed)
	return returnTo
}
