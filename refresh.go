package instagramauth

import (
	"time"

	"github.com/b4b0c547/caddy-instagram-auth/internal/instagram"
	"github.com/b4b0c547/caddy-instagram-auth/internal/record"

	"context"
	"net/http"

	"go.uber.org/zap"
)

// Token refresh (behaviour 11, docs/behaviour.md). A 60-day token dies before a
// longer session does, so while the session is in use, in the last 7 days
// of its token, the plugin asks Instagram for a new one, forwards it and
// seals it into the cookie. Instagram's answer is awaited at most timeout;
// when it refuses or fails, the old token goes on and the session is left
// alone for an hour. The session still ends with the token it forwards
// (endOf caps it at tokenExpires).

const (
	refreshWindow     = 7 * 24 * 3600 // seconds before the token's end from which a refresh is due
	refreshRetryAfter = 3600          // seconds before a session is tried again on this instance
)

// refresher renews the tokens of sessions in use, through the memory of
// refreshes this instance shares across reloads.
type refresher struct {
	cfg       *runtimeConfig
	instagram *instagram.Client
	memory    *refreshes
	logger    *zap.Logger
	now       func() time.Time
}

// due is the hot path's test: a few comparisons. A refresh is due
// for a 60-day token (only those can be refreshed) within refreshWindow of
// its end, in a session that would last longer than that token.
func (rr *refresher) due(s *record.Session, t int64) bool {
	return rr.cfg.tokenRefresh && s.LongLived && s.TokenExpires-t <= refreshWindow &&
		min(s.Expires, s.Created+rr.cfg.sessionLifetime) > s.TokenExpires
}

// refresh gives s a new token, when Instagram gives one in time; it
// reports whether s changed, and so must be sealed again. It joins the
// session's refresh in flight, or starts one, and waits for it: at most
// timeout, since the call ends by then, and less for a request that joins
// late.
func (rr *refresher) refresh(r *http.Request, s *record.Session, t int64) bool {
	out, f, lead := rr.memory.begin(s.ID, t)
	if f == nil {
		return out.applyTo(s)
	}
	if lead {
		go rr.run(f, s.ID, s.UserID, s.Token)
	}
	select {
	case <-f.done:
		return f.out.applyTo(s)
	case <-r.Context().Done():
		return false
	}
}

// run calls Instagram for every request of the session, waiting or
// still to come: it does not end with the request that started it, and it
// ends within timeout, which bounds every wait. Its outcome is kept for the
// session's next requests, even those that come with the cookie from
// before the refresh. It logs once per call, never the token.
func (rr *refresher) run(f *refreshFlight, id record.ID, userID, token string) {
	// Not the request's context: the call serves every request of the
	// session. The client's timeout ends it.
	newToken, expires, err := rr.instagram.Refresh(context.Background(), token)
	out := refreshOutcome{retryAt: rr.now().Unix() + refreshRetryAfter}
	countRefresh(err)
	if err != nil {
		rr.logger.Warn("token refresh failed: forwarding the current token, next try in an hour",
			zap.String("user_id", userID), zap.Error(err))
	} else {
		out.token, out.tokenExpires = newToken, expires.Unix()
		rr.logger.Info("token refreshed", zap.String("user_id", userID), timeField("token_expires", expires))
	}
	rr.memory.end(id, f, out)
}

// renewIfDue seals a session in use again when that is due: an idle
// session once a tenth of session_idle (at most a minute, at least a
// second: renewAfter) has passed since its cookie was sealed, never once
// per request; a session whose token was just refreshed (refresh.go); a
// session of the earlier format at once, in the current form and name.
func (h *Handler) renewIfDue(w http.ResponseWriter, r *http.Request, s *record.Session) {
	t := s.SeenAt
	refreshed := h.refresher.due(s, t) && h.refresher.refresh(r, s, t)
	idleDue := h.cfg.sessionIdle > 0 && t-s.Issued >= h.cfg.renewAfter
	if !idleDue && !s.Legacy && !refreshed {
		return
	}
	if s.Legacy {
		host, ok := h.sessions.hostFor(r)
		if !ok {
			return // it stays in the earlier form until a request names a host to bind it to
		}
		h.cfg.cookies.clearLegacy(w)
		s.Host = host
	}
	s.Issued = t
	h.sessions.issue(w, s)
}
