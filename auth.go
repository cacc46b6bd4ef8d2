package instagramauth

import (
	"errors"
	"net/http"

	"github.com/b4b0c547/caddy-instagram-auth/internal/record"
	"github.com/caddyserver/caddy/v2/modules/caddyhttp"
)

// The auth endpoint (behaviour 32, docs/behaviour.md) answers another
// proxy's question "may this request through, and as whom?": nginx
// auth_request, Traefik forwardAuth, another Caddy's forward_auth. It is an
// own path, served whatever the directive's matcher says, and it judges
// the request it is sent by its cookies (and, with allow_bearer, its
// Authorization header) alone: no X-Forwarded-* or X-Original-* header
// names another request to judge, so a client cannot point it at a path
// the matcher leaves open (oauth2-proxy's GHSA-7x63-xv5r-3p2x).

var errAuthMethod = errors.New("the auth endpoint takes GET and HEAD only")

// serveAuth answers 200 with the identity on the response, or the 401 of
// API calls: never a redirect or a pending login, whatever the request's
// Accept, since the proxy asking decides what the browser gets.
func (h *Handler) serveAuth(w http.ResponseWriter, r *http.Request) error {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		return caddyhttp.Error(http.StatusMethodNotAllowed, errAuthMethod)
	}
	countRequest(outcomeAuthEndpoint)
	// The answer can carry the token: no cache keeps it.
	w.Header().Set("Cache-Control", "no-store")
	if s, ok := h.sessions.current(r); ok {
		// One Set-Cookie at most (nginx passes on only the first): idle
		// renewal and refresh seal the session once. A cookie under the
		// earlier release's name would need a second line to clear it, so
		// its upgrade waits for a page Caddy serves itself; it stays
		// valid, and idle time does not end it, until then.
		if !s.Legacy || h.cfg.cookies.legacy == "" {
			h.renewIfDue(w, r, &s)
		}
		return h.identityAnswer(w, r, &s)
	}
	if res, offered := h.bearers.judge(r); offered {
		if res.status != 0 {
			res.setHeaders(w.Header())
			return h.refuse(w, r, res.status, res.err, res.body)
		}
		return h.identityAnswer(w, r, &res.session)
	}
	return h.unauthorized(w, r)
}

// identityAnswer is the auth endpoint's 200: an empty body, the identity
// headers on the response for the proxy to hand its upstream, and the
// placeholders for Caddy's access log.
func (h *Handler) identityAnswer(w http.ResponseWriter, r *http.Request, s *record.Session) error {
	if err := h.putIdentity(w.Header(), r, s); err != nil {
		return err
	}
	w.Header().Set("Content-Length", "0")
	w.WriteHeader(http.StatusOK)
	return nil
}
