package instagramauth

import (
	"github.com/b4b0c547/caddy-instagram-auth/internal/record"

	"errors"
	"net/http"

	"go.uber.org/zap"
)

// serveLogout ends the session: the cookie is cleared and its session is
// revoked on every instance sharing the storage, so that a copy of the
// cookie kept elsewhere is refused too; with ?all=1 every session of the
// user ends, on every device. The browser is marked, so that its next
// login re-authenticates at Instagram, and sent to logout_redirect. A
// logout that the browser says came from elsewhere (another site's link
// or <img>) is refused and ends nothing.
func (h *Handler) serveLogout(w http.ResponseWriter, r *http.Request) error {
	if fromElsewhere(r) {
		return h.refuse(w, r, http.StatusForbidden, errLogoutElsewhere, pageLogoutElsewhere)
	}
	all := logoutAll(r)
	users := h.revokeSentSessions(r)
	// Also the sessions made within this very second: login times are in
	// whole seconds, and ending one too many is the safe side.
	notBefore := h.now().Unix() + 1
	for userID, username := range users {
		if all {
			if h.shared.revokeUser(userID, notBefore, notBefore+h.cfg.sessionLifetime) {
				countRevocation(revokedLogoutAll)
				h.events.revoked(userID, username, revokedLogoutAll)
			}
		}
		countRevocation(revokedLogout)
		h.events.logout(userID, username)
		h.logger.Info("logout", zap.String("user_id", userID), zap.String("username", username),
			zap.Bool("all_sessions", all))
	}
	if len(users) > 1 {
		h.logger.Warn("logout: the browser held sessions of several users, a planted cookie: all of them were ended",
			zap.Int("users", len(users)))
	}
	h.cfg.cookies.clear(w, h.cfg.cookies.session)
	if h.cfg.cookies.domain != "" {
		// A host-only cookie of the same name, from before cookie_domain
		// was set, would otherwise stay, revoked, and hide later logins.
		hostOnly := h.cfg.cookies.newCookie(h.cfg.cookies.session, "", -1)
		hostOnly.Domain = ""
		http.SetCookie(w, hostOnly)
	}
	h.cfg.cookies.clearLegacy(w)
	h.cfg.cookies.markForReauth(w)
	return redirect(w, h.cfg.logoutRedirect)
}

// revokeSentSessions revokes every session of ours the browser sent for
// this host that is still acceptable (live, not revoked, of an allowed
// user), and returns their users. Usually there is one; with a planted
// cookie (cookie tossing) there may be more, and a logout must not be the
// one request that takes none of them seriously. A cookie that is no
// longer acceptable is refused everywhere already: ending it again would
// change nothing, and would let anyone holding an old cookie write to the
// shared storage, count and log on demand (behaviour 12, docs/behaviour.md).
func (h *Handler) revokeSentSessions(r *http.Request) map[string]string {
	users := map[string]string{}
	t := h.now().Unix()
	// The cookies as sent hold ours, also when an earlier handler of the
	// site took its own out of the header.
	h.sessions.eachIn(r, sentCookieLines(r), t, func(s *record.Session) {
		if !h.sessions.acceptable(s, t) || !h.shared.revokeSession(s.ID, s.Expires) {
			return // the same cookie sent twice is revoked once
		}
		if users[s.UserID] == "" {
			users[s.UserID] = s.Username
		}
	})
	return users
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

// A logout from elsewhere: the message for handle_errors and the page.
var (
	errLogoutElsewhere  = errors.New("a logout that did not come from this site was refused")
	pageLogoutElsewhere = page{
		Title:   "Logout refused",
		Message: "This logout was asked for by another site or by an embedded link, not by this site, so it was refused: you are still logged in.",
		Detail:  "To log out, use this site's own Log out link.",
	}
)
