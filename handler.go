package instagramauth

import (
	"github.com/b4b0c547/caddy-instagram-auth/internal/record"

	"net/http"
	"net/url"

	"github.com/caddyserver/caddy/v2"
	"github.com/caddyserver/caddy/v2/modules/caddyhttp"
)

// ServeHTTP reads as the flow: strip the client's identity headers, serve
// the handler's own paths, let allowed CORS preflights by, pass a request
// with a session on with its identity, and send everyone else to Instagram
// (page loads) or away (401).
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request, next caddyhttp.Handler) error {
	h.headers.stripFrom(r)

	if route, u := h.ownRoute(r); route != notOwn {
		return h.serveOwn(w, r, route, u)
	}
	if h.cfg.allowPreflight && isPreflight(r) {
		countRequest(outcomePreflight)
		h.cfg.cookies.dropOwn(r)
		passPreflight(r)
		return next.ServeHTTP(w, r)
	}
	if s, ok := h.sessions.current(r); ok {
		countRequest(outcomeAuthenticated)
		h.renewIfDue(w, r, &s)
		if err := h.passIdentity(r, &s); err != nil {
			return err
		}
		return next.ServeHTTP(w, r)
	}
	if protected, err := h.protects(r); err != nil {
		return caddyhttp.Error(http.StatusBadRequest, err)
	} else if !protected {
		countRequest(outcomePassed)
		h.cfg.cookies.dropOwn(r)
		return next.ServeHTTP(w, r)
	}
	if handled, err := h.serveBearer(w, r, next); handled { // allow_bearer (bearer.go)
		return err
	}
	if wantsLoginPage(r) {
		return h.startLogin(w, r, returnPath(r))
	}
	countRequest(outcomeUnauthorized)
	return h.unauthorized(w, r)
}

// ownRoute names the handler's own paths.
type ownRoute int

const (
	notOwn ownRoute = iota
	callbackRoute
	logoutRoute
	whoamiRoute
	deauthorizeRoute
	dataDeletionRoute
	jwksRoute
	authRoute
	startRoute
)

// ownRoute finds a request for one of the handler's own paths, as the
// client sent it or as rewritten before this handler (try_files, rewrite
// and uri run first, and must not hide these paths).
func (h *Handler) ownRoute(r *http.Request) (ownRoute, *url.URL) {
	if route := h.cfg.routeOf(r.URL.Path); route != notOwn {
		return route, r.URL
	}
	if orig := originalURL(r); orig != r.URL {
		return h.cfg.routeOf(orig.Path), orig
	}
	return notOwn, nil
}

func (cfg *runtimeConfig) routeOf(path string) ownRoute {
	switch path {
	case cfg.redirectPath:
		return callbackRoute
	case cfg.paths.logout:
		return logoutRoute
	case cfg.paths.whoami:
		return whoamiRoute
	case cfg.paths.deauthorize:
		return deauthorizeRoute
	case cfg.paths.dataDeletion:
		return dataDeletionRoute
	case cfg.paths.jwks:
		if cfg.assertionHeader != "" {
			return jwksRoute
		}
	case cfg.paths.auth:
		return authRoute
	case cfg.paths.start:
		return startRoute
	}
	return notOwn
}

// originalURL is the request's URL as the client sent it, before any
// rewrite.
func originalURL(r *http.Request) *url.URL {
	if orig, ok := r.Context().Value(caddyhttp.OriginalRequestCtxKey).(http.Request); ok && orig.URL != nil {
		return orig.URL
	}
	return r.URL
}

func (h *Handler) serveOwn(w http.ResponseWriter, r *http.Request, route ownRoute, u *url.URL) error {
	switch route {
	case logoutRoute:
		return h.serveLogout(w, r)
	case whoamiRoute:
		return h.serveWhoami(w, r)
	case callbackRoute:
		if r.Method != http.MethodGet {
			w.Header().Set("Allow", http.MethodGet)
			return caddyhttp.Error(http.StatusMethodNotAllowed, errCallbackMethod)
		}
		return h.serveCallback(w, r, u.Query())
	case deauthorizeRoute:
		return h.serveDeauthorize(w, r)
	case dataDeletionRoute:
		return h.serveDataDeletion(w, r)
	case jwksRoute:
		return h.assertions.serveJWKS(w, r)
	case authRoute:
		return h.serveAuth(w, r)
	case startRoute:
		return h.serveStart(w, r, u)
	}
	return nil
}

// passIdentity hands the user's identity to the next handlers: headers for
// the upstream (and the signed assertion, when on), placeholders for Caddy
// (the access log's user_id), in place of the cookies it came from.
func (h *Handler) passIdentity(r *http.Request, s *record.Session) error {
	if err := h.putIdentity(r.Header, r, s); err != nil {
		return err
	}
	h.cfg.cookies.dropOwn(r)
	return nil
}

// putIdentity puts s's identity (and its signed assertion, when on) on hdr
// and names the user to Caddy.
func (h *Handler) putIdentity(hdr http.Header, r *http.Request, s *record.Session) error {
	var assertion string
	if h.assertions != nil {
		var err error
		if assertion, err = h.assertions.forSession(r, s, h.sessions.endOf(s)); err != nil {
			return err
		}
	}
	h.headers.setAll(hdr, s, assertion)
	setUserPlaceholders(r, s.UserID, s.Username)
	return nil
}

// setUserPlaceholders names the user to Caddy, as caddyauth does: the
// access log records {http.auth.user.id} as user_id.
func setUserPlaceholders(r *http.Request, userID, username string) {
	if repl, ok := r.Context().Value(caddy.ReplacerCtxKey).(*caddy.Replacer); ok {
		repl.Set("http.auth.user.id", userID)
		if username != "" {
			repl.Set("http.auth.user.instagram_username", username)
		}
	}
}

// protects reports whether the request needs a session: every request,
// unless the directive was given a matcher.
func (h *Handler) protects(r *http.Request) (bool, error) {
	if len(h.protect) == 0 {
		return true, nil
	}
	return h.protect.AnyMatchWithError(r)
}
