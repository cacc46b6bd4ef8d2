package instagramauth

import (
	"net/http"

	"go.uber.org/zap"
)

// serveLogout ends the session: the cookie is cleared and its session is
// revoked, so that a copy of the cookie kept elsewhere is refused too. The
// browser is marked, so that its next login re-authenticates at Instagram,
// and sent to logout_redirect.
func (h *Handler) serveLogout(w http.ResponseWriter, r *http.Request) error {
	if s, ok := h.openSession(r); ok {
		h.shared.revocations.revokeSession(s.id, s.expires)
		countRevocation(revokedLogout)
		h.emitLogout(s.userID, s.username)
		h.logger.Info("logout", zap.String("user_id", s.userID), zap.String("username", s.username))
	}
	h.clearCookie(w, h.cfg.cookieNames.session)
	h.clearLegacyCookie(w)
	h.markForReauth(w)
	return redirect(w, h.LogoutRedirect)
}
