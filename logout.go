package instagramauth

import (
	"net/http"

	"go.uber.org/zap"
)

// serveLogout ends the session: the cookie is cleared and its session is
// revoked on every instance sharing the storage, so that a copy of the
// cookie kept elsewhere is refused too; with ?all=1 every session of the
// user ends, on every device. The browser is marked, so that its next
// login re-authenticates at Instagram, and sent to logout_redirect.
func (h *Handler) serveLogout(w http.ResponseWriter, r *http.Request) error {
	if s, ok := h.openSession(r); ok {
		if logoutAll(r) {
			// Also the sessions made within this very second: login times
			// are in whole seconds, and ending one too many is the safe side.
			t := now().Unix() + 1
			if h.shared.revokeUser(s.userID, t, t+h.cfg.sessionLifetime) {
				countRevocation(revokedLogoutAll)
				h.emitRevoked(s.userID, s.username, revokedLogoutAll)
			}
		}
		h.shared.revokeSession(s.id, s.expires)
		countRevocation(revokedLogout)
		h.emitLogout(s.userID, s.username)
		h.logger.Info("logout", zap.String("user_id", s.userID), zap.String("username", s.username),
			zap.Bool("all_sessions", logoutAll(r)))
	}
	h.clearCookie(w, h.cfg.cookieNames.session)
	h.clearLegacyCookie(w)
	h.markForReauth(w)
	return redirect(w, h.LogoutRedirect)
}

// logoutAll reports whether the logout asks for every session of the user
// (logout_path?all=1), as the client sent it or as rewritten.
func logoutAll(r *http.Request) bool {
	for _, u := range [...]string{r.URL.Query().Get("all"), originalURL(r).Query().Get("all")} {
		if u == "1" || u == "true" {
			return true
		}
	}
	return false
}
