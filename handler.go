package instagramauth

import (
	"net/http"
	"net/url"
	"strings"

	"github.com/caddyserver/caddy/v2"
	"github.com/caddyserver/caddy/v2/modules/caddyhttp"
	"go.uber.org/zap"
)

// ServeHTTP reads as the flow: strip the client's identity headers, serve
// the callback and logout paths, pass a request with a session on with its
// identity, and send everyone else to Instagram (browsers) or away (401).
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request, next caddyhttp.Handler) error {
	h.headers.removeFrom(r.Header)

	if u := h.ownPath(r); u != nil {
		if u.Path == h.LogoutPath {
			return h.serveLogout(w, r)
		}
		if r.Method != http.MethodGet {
			w.Header().Set("Allow", http.MethodGet)
			return caddyhttp.Error(http.StatusMethodNotAllowed, errCallbackMethod)
		}
		return h.serveCallback(w, r, u.Query())
	}

	if s, ok := h.currentSession(r); ok {
		h.forward(r, &s)
		return next.ServeHTTP(w, r)
	}
	if protected, err := h.protects(r); err != nil {
		return caddyhttp.Error(http.StatusBadRequest, err)
	} else if !protected {
		h.dropOwnCookies(r)
		return next.ServeHTTP(w, r)
	}
	if wantsLoginPage(r) {
		return h.startLogin(w, r)
	}
	return unauthorized(w)
}

// ownPath returns the URL of a request for the callback or logout path,
// as the client sent it or as rewritten before this handler (try_files,
// rewrite and uri run first, and must not hide these paths), or nil.
func (h *Handler) ownPath(r *http.Request) *url.URL {
	if r.URL.Path == h.redirectPath || r.URL.Path == h.LogoutPath {
		return r.URL
	}
	if orig, ok := r.Context().Value(caddyhttp.OriginalRequestCtxKey).(http.Request); ok && orig.URL != nil &&
		(orig.URL.Path == h.redirectPath || orig.URL.Path == h.LogoutPath) {
		return orig.URL
	}
	return nil
}

// forward hands the user's identity to the next handlers: headers for the
// upstream, placeholders for Caddy (the access log's user_id), in place of
// the cookies it came from.
func (h *Handler) forward(r *http.Request, s *session) {
	h.dropOwnCookies(r)
	h.headers.set(r.Header, s)
	if repl, ok := r.Context().Value(caddy.ReplacerCtxKey).(*caddy.Replacer); ok {
		repl.Set("http.auth.user.id", s.userID)
		if s.username != "" {
			repl.Set("http.auth.user.instagram_username", s.username)
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

// wantsLoginPage tells a browser's page load from an API call: only a
// GET or HEAD that accepts HTML, and is not an XHR, is redirected.
func wantsLoginPage(r *http.Request) bool {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		return false
	}
	if strings.EqualFold(r.Header.Get("X-Requested-With"), "XMLHttpRequest") {
		return false
	}
	accept := strings.TrimSpace(r.Header.Get("Accept"))
	return accept == "" || accept == "*/*" || strings.Contains(strings.ToLower(accept), "text/html")
}

// startLogin sends a browser to Instagram with a fresh state, bound to
// this browser by a cookie of its own.
func (h *Handler) startLogin(w http.ResponseWriter, r *http.Request) error {
	redirectURI, ok := h.redirectURIFor(r)
	if !ok {
		return caddyhttp.Error(http.StatusBadRequest, errBadHost)
	}
	p := pendingLogin{
		state:       randomState(),
		redirectURI: redirectURI,
		returnTo:    returnPath(r),
		created:     now().Unix(),
	}
	h.prunePending(w, r)
	h.setPending(w, p)
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Location", h.authorizeLocation(p))
	w.WriteHeader(http.StatusFound)
	return nil
}

// authorizeLocation is Instagram's authorize URL for this login.
func (h *Handler) authorizeLocation(p pendingLogin) string {
	return h.authorize + "&redirect_uri=" + url.QueryEscape(p.redirectURI) + "&state=" + url.QueryEscape(p.state)
}

// redirectURIFor completes a path-only redirect_uri with the scheme of the
// connection itself and the request's host, never with X-Forwarded-*
// headers, which a client can forge.
func (h *Handler) redirectURIFor(r *http.Request) (string, bool) {
	if !strings.HasPrefix(h.RedirectURI, "/") {
		return h.RedirectURI, true
	}
	if !isHostShaped(r.Host) {
		return "", false
	}
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	return scheme + "://" + r.Host + h.RedirectURI, true
}

// isHostShaped accepts a host[:port] of letters, digits, dots, hyphens,
// colons and brackets: nothing that could change the URL it is put in.
func isHostShaped(host string) bool {
	return host != "" && len(host) <= 255 && isAlnumOr(host, ".-:[]")
}

// unauthorized answers an API call without a session: 401, a short JSON
// body, no redirect, and the request body left unread.
func unauthorized(w http.ResponseWriter) error {
	hdr := w.Header()
	hdr.Set("Content-Type", "application/json")
	hdr.Set("Cache-Control", "no-store")
	hdr.Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(http.StatusUnauthorized)
	_, _ = w.Write([]byte(`{"error":"unauthorized","message":"an Instagram login is required"}` + "\n"))
	return nil
}

// serveLogout ends the session: the cookie is cleared and, for a cookie
// copied elsewhere, its sealed value is refused by this instance until it
// would have expired.
func (h *Handler) serveLogout(w http.ResponseWriter, r *http.Request) error {
	if s, id, ok := h.openSession(r); ok {
		revokedSessions.add(string(id[:]), s.expires)
		h.logger.Info("logout", zap.String("user_id", s.userID), zap.String("username", s.username))
	}
	h.clearCookie(w, h.CookieName)
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Location", "/")
	w.WriteHeader(http.StatusFound)
	return nil
}
