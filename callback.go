package instagramauth

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"go.uber.org/zap"
)

var (
	errBadHost        = errors.New("the Host header cannot make a redirect_uri")
	errCallbackMethod = errors.New("the callback takes GET only")
)

// serveCallback finishes a login. The state is checked before anything is
// done with the code, and is good for one callback only.
func (h *Handler) serveCallback(w http.ResponseWriter, r *http.Request, q url.Values) error {
	state := q.Get("state")
	if reason := q.Get("error"); reason != "" {
		h.forgetPending(w, r, state)
		h.logger.Info("login refused at Instagram", zap.String("error", clip(reason, 64)),
			zap.String("error_reason", clip(q.Get("error_reason"), 64)))
		denied := pageDenied
		denied.Detail = clip(q.Get("error_description"), 300)
		return writePage(w, http.StatusForbidden, denied)
	}

	p, ok := h.pendingFor(r, state)
	if !ok || !usedStates.add(state, p.created+int64(stateLifetime/time.Second)) {
		h.logger.Warn("callback refused: missing, expired, forged or used state",
			zap.String("remote_ip", remoteIP(r)))
		return writePage(w, http.StatusForbidden, pageBadState)
	}
	h.clearCookie(w, h.pendingCookieName(state))

	code := trimCodeFragment(q.Get("code"))
	if code == "" {
		return writePage(w, http.StatusBadRequest, pageBadCallback)
	}
	id, err := h.instagram.exchangeCode(r.Context(), code, p.redirectURI)
	if err != nil {
		h.logger.Error("login failed: Instagram token endpoint", zap.Error(err))
		return writePage(w, http.StatusBadGateway, pageProviderFailed)
	}
	h.complete(r.Context(), &id)

	if !h.allows(id.userID, id.username) {
		h.logger.Warn("login denied by allow_users", zap.String("user_id", id.userID), zap.String("username", id.username))
		return writePage(w, http.StatusForbidden, pageNotAllowed)
	}
	h.setSession(w, h.newSession(id))
	h.logger.Info("login", zap.String("user_id", id.userID), zap.String("username", id.username))
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Location", safeReturnPath(p.returnTo))
	w.WriteHeader(http.StatusFound)
	return nil
}

// trimCodeFragment drops the "#_" Instagram appends to the code, should a
// client send the fragment along.
func trimCodeFragment(code string) string {
	code, _, _ = strings.Cut(code, "#")
	return code
}

// forgetPending clears the state cookie a refused login named, if any.
func (h *Handler) forgetPending(w http.ResponseWriter, r *http.Request, state string) {
	if isStateShaped(state) {
		name := h.pendingCookieName(state)
		if _, ok := cookieValue(r, name); ok {
			h.clearCookie(w, name)
		}
	}
}

// complete adds what the first token alone can fetch: the 60-day token
// and the username, side by side. Either may fail: the login goes on with
// what is known, and a warning says what was missed.
func (h *Handler) complete(ctx context.Context, id *identity) {
	var wg sync.WaitGroup
	shortToken := id.token
	if h.LongLivedToken != off {
		wg.Add(1)
		go func() {
			defer wg.Done()
			token, expires, err := h.instagram.longLived(ctx, shortToken)
			if err != nil {
				h.logger.Warn("keeping the 1-hour token", zap.String("user_id", id.userID), zap.Error(err))
				return
			}
			id.token, id.expires = token, expires
		}()
	}
	var username string
	if h.UserinfoURL != off && id.username == "" {
		wg.Add(1)
		go func() {
			defer wg.Done()
			name, err := h.instagram.username(ctx, shortToken)
			if err != nil {
				h.logger.Warn("login without a username", zap.String("user_id", id.userID), zap.Error(err))
				return
			}
			username = name
		}()
	}
	wg.Wait()
	if username != "" {
		id.username = username
	}
}

// newSession lasts session_lifetime, never beyond the token's expiry.
func (h *Handler) newSession(id identity) session {
	expires := now().Add(time.Duration(h.SessionLifetime))
	if !id.expires.IsZero() && id.expires.Before(expires) {
		expires = id.expires
	}
	return session{userID: id.userID, username: id.username, token: id.token, expires: expires.Unix()}
}

func remoteIP(r *http.Request) string {
	host := r.RemoteAddr
	if i := strings.LastIndexByte(host, ':'); i > 0 {
		host = host[:i]
	}
	return host
}
