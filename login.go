package instagramauth

import (
	"github.com/b4b0c547/caddy-instagram-auth/internal/record"

	"errors"
	"net/http"
	"net/url"
	"strings"

	"github.com/caddyserver/caddy/v2/modules/caddyhttp"
)

var errBadHost = errors.New("the Host header cannot make a redirect_uri")

// startLogin sends a browser to Instagram with a fresh state that returns
// to returnTo (judged already: a path of this site, or under return_hosts
// an absolute URL on an allowed host), bound to this browser by a cookie
// of its own.
func (h *Handler) startLogin(w http.ResponseWriter, r *http.Request, returnTo string) error {
	redirectURI, ok := h.cfg.redirectURIFor(r)
	if !ok {
		return caddyhttp.Error(http.StatusBadRequest, errBadHost)
	}
	returnTo, fromHost := h.cfg.loginReturn(r, returnTo) // behaviour 34
	if !fromHost {
		h.warnings.notReturnHost(r)
	}
	p := record.Pending{
		State:       randomState(),
		RedirectURI: redirectURI,
		ReturnTo:    returnTo,
		Created:     h.now().Unix(),
	}
	h.pending.prune(w, r)
	h.pending.set(w, p)
	h.warnings.check(r)
	countRequest(outcomeRedirected)
	return redirect(w, h.cfg.authorizeLocation(p, h.cfg.cookies.marked(r)))
}

// authorizeLocation is Instagram's authorize URL for this login; reauth
// asks Instagram to log the user in again (a browser that logged out).
func (cfg *runtimeConfig) authorizeLocation(p record.Pending, reauth bool) string {
	base := cfg.authorizeBase
	if reauth {
		base = cfg.authorizeReauth
	}
	return base + "&redirect_uri=" + url.QueryEscape(p.RedirectURI) + "&state=" + url.QueryEscape(p.State)
}

// hasQueryKey reports whether the URL's encoded query has key.
func hasQueryKey(rawURL, key string) bool {
	return strings.Contains(rawURL, "?"+key+"=") || strings.Contains(rawURL, "&"+key+"=")
}

// redirectURIFor completes a path-only redirect_uri with the origin the
// browser reached (requestOrigin: the connection's scheme and the Host, or
// a trusted proxy's X-Forwarded-Proto and -Host, never a client's).
func (cfg *runtimeConfig) redirectURIFor(r *http.Request) (string, bool) {
	if cfg.callbackOrigin != "" {
		return cfg.redirectURI, true
	}
	origin, ok := requestOrigin(r)
	return origin.String() + cfg.redirectURI, ok
}

// authorizeBase is the authorize URL with the parameters every login
// shares, keeping any query it already has (enable_fb_login, or a
// force_reauth that asks every login to re-authenticate), so a login only
// appends redirect_uri and state.
func authorizeBase(authorizeURL, clientID, scope string) string {
	u, err := url.Parse(authorizeURL)
	if err != nil {
		return authorizeURL // refused by validate
	}
	q := u.Query()
	for _, k := range []string{"client_id", "response_type", "scope", "redirect_uri", "state"} {
		q.Del(k)
	}
	fixed := url.Values{"client_id": {clientID}, "response_type": {"code"}, "scope": {scope}}.Encode()
	if extra := q.Encode(); extra != "" {
		fixed = extra + "&" + fixed
	}
	u.RawQuery = fixed
	return u.String()
}

// pathOf is the path part of redirect_uri: where the callback is served.
func pathOf(redirectURI string) string {
	u, err := url.Parse(redirectURI)
	if err != nil || u.Path == "" {
		return "/"
	}
	return u.Path
}
