package instagramauth

import (
	"encoding/json"
	"errors"
	"net/http"
	"time"

	"github.com/caddyserver/caddy/v2/modules/caddyhttp"
)

var errWhoamiMethod = errors.New("whoami takes GET only")

// whoamiAnswer is what whoami_path tells a single-page app. Never the
// token: page JavaScript (and whatever script an XSS brings) can read it.
type whoamiAnswer struct {
	UserID   string `json:"user_id"`
	Username string `json:"username,omitempty"`
	// ExpiresAt is when the session ends if it is not used again: its
	// lifetime, its token's expiry and, with session_idle, the idle end
	// as of its last use, whichever comes first. Asking whoami is no
	// use: an SPA that polls it must not keep an idle session alive, so
	// the cookie is not re-issued here and the answer can only come
	// closer between uses.
	ExpiresAt string `json:"expires_at"`
}

// serveWhoami answers GET (and HEAD) with the session's user, or with the
// 401 of API calls, never with a login: a script asked.
func (h *Handler) serveWhoami(w http.ResponseWriter, r *http.Request) error {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		return caddyhttp.Error(http.StatusMethodNotAllowed, errWhoamiMethod)
	}
	s, ok := h.sessions.current(r)
	if !ok {
		return h.unauthorized(w, r)
	}
	// Strings only: Marshal cannot fail.
	body, _ := json.Marshal(whoamiAnswer{
		UserID:    s.UserID,
		Username:  s.Username,
		ExpiresAt: time.Unix(h.sessions.endOf(&s), 0).UTC().Format(time.RFC3339),
	})
	writeJSON(w, http.StatusOK, append(body, '\n'))
	return nil
}
