package instagramauth

import (
	"github.com/b4b0c547/caddy-instagram-auth/internal/instagram"
	"github.com/b4b0c547/caddy-instagram-auth/internal/throttle"

	"context"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/caddyserver/caddy/v2/modules/caddyhttp"
	"go.uber.org/zap"
)

// The messages of the callback's refusals, for handle_errors and Caddy's
// log: fixed texts, nothing the client or Instagram sent.
var (
	errCallbackMethod = errors.New("the callback takes GET only")
	errDenied         = errors.New("the Instagram login was cancelled or refused")
	errBadState       = errors.New("the login link is invalid, expired or was already used")
	errProvider       = errors.New("Instagram could not complete the login")
	errNotAllowed     = errors.New("this Instagram account is not allowed")
	errNoHost         = errors.New("the request names no host to bind the session to")
)

// serveCallback finishes a login. The state is checked before anything is
// done with the code, and is good for one callback only.
func (h *Handler) serveCallback(w http.ResponseWriter, r *http.Request, q url.Values) error {
	state := q.Get("state")
	if reason := q.Get("error"); reason != "" {
		h.pending.forget(w, r, state)
		countLogin(loginDenied)
		h.sampled.log(&h.shared.callbackLogs.denied, zap.InfoLevel, "login refused at Instagram",
			zap.String("oauth_error", instagram.Clip(reason, 64)), zap.String("error_reason", instagram.Clip(q.Get("error_reason"), 64)))
		denied := pageDenied
		denied.Detail = instagram.Clip(q.Get("error_description"), 300)
		return h.refuse(w, r, http.StatusForbidden, errDenied, denied)
	}

	p, ok := h.pending.find(r, state)
	if !ok || h.shared.usedStates.has([]byte(state)) {
		return h.refuseState(w, r)
	}
	if _, ok := h.sessions.hostFor(r); !ok {
		return caddyhttp.Error(http.StatusBadRequest, errNoHost) // before Instagram is called
	}
	code := trimCodeFragment(q.Get("code"))
	if code != "" {
		// Throttled after the state check, before the state is spent: a
		// refused callback stays good (Instagram's code too) for a retry
		// once Retry-After has passed.
		client := throttle.ClientKey(clientIP(r))
		if status, retry := h.shared.throttle.Admit(client, h.cfg.rateLimit, h.now()); status != 0 {
			return h.refuseLogin(w, r, status, retry)
		}
		defer h.shared.throttle.Leave(client)
	}
	if !h.shared.usedStates.add(state, p.Created+int64(stateLifetime/time.Second)) {
		return h.refuseState(w, r) // spent by a callback running at the same moment
	}
	h.cfg.cookies.clear(w, h.pending.cookieName(state))
	if code == "" { // Instagram sent the browser back with neither a code nor an error
		countLogin(loginProviderError)
		return writePage(w, http.StatusBadRequest, pageBadCallback)
	}
	id, err := h.instagram.ExchangeCode(r.Context(), code, p.RedirectURI)
	if err != nil {
		countLogin(loginProviderError)
		return h.tokenFailed(w, r, err, p.RedirectURI)
	}
	h.fetchLongLivedAndUsername(r.Context(), &id)

	if !h.cfg.allows(id.UserID, id.Username) {
		countLogin(loginNotAllowed)
		h.logger.Warn("login denied by allow_users", zap.String("user_id", id.UserID), zap.String("username", id.Username))
		return h.refuse(w, r, http.StatusForbidden, errNotAllowed, pageNotAllowed)
	}
	s := h.sessions.start(id, r)
	h.sessions.issue(w, &s)
	setUserPlaceholders(r, id.UserID, id.Username) // the login's own access log line
	countLogin(loginSuccess)
	h.events.login(id.UserID, id.Username)
	h.cfg.cookies.clearReauthMark(w, r)
	h.logger.Info("login", zap.String("user_id", id.UserID), zap.String("username", id.Username))
	return redirect(w, h.cfg.callbackReturn(r, p.ReturnTo))
}

// refuseState answers a callback whose state is missing, expired, forged
// or used. With a session it is a reload of the callback page or a double
// click, and the user goes on to the site; nothing is done with the code
// either way.
func (h *Handler) refuseState(w http.ResponseWriter, r *http.Request) error {
	if _, ok := h.sessions.current(r); ok {
		return redirect(w, "/")
	}
	countLogin(loginBadState)
	h.sampled.log(&h.shared.callbackLogs.badState, zap.WarnLevel, "callback refused: missing, expired, forged or used state",
		zap.String("client_ip", clientIP(r)))
	return h.refuse(w, r, http.StatusForbidden, errBadState, pageBadState)
}

// trimCodeFragment drops the "#_" Instagram appends to the code, should a
// client send the fragment along.
func trimCodeFragment(code string) string {
	code, _, _ = strings.Cut(code, "#")
	return code
}

// fetchLongLivedAndUsername adds what the first token alone can fetch: the
// 60-day token and the username, side by side. Either may fail: the login
// goes on with what is known, and a warning says what was missed.
func (h *Handler) fetchLongLivedAndUsername(ctx context.Context, id *instagram.Identity) {
	var wg sync.WaitGroup
	shortToken := id.Token
	if h.cfg.exchange {
		wg.Add(1)
		go func() {
			defer wg.Done()
			token, expires, err := h.instagram.ExchangeLongLived(ctx, shortToken)
			if err != nil {
				h.logger.Warn("keeping the 1-hour token", zap.String("user_id", id.UserID), zap.Error(err))
				return
			}
			id.Token, id.Expires, id.LongLived = token, expires, true
		}()
	}
	var username string
	if h.cfg.userinfo && id.Username == "" {
		wg.Add(1)
		go func() {
			defer wg.Done()
			name, err := h.instagram.Username(ctx, shortToken)
			if err != nil {
				h.logger.Warn("login without a username", zap.String("user_id", id.UserID), zap.Error(err))
				return
			}
			username = name
		}()
	}
	wg.Wait()
	if username != "" {
		id.Username = username
	}
}

// clientIP is the client's address as Caddy determined it, which honours
// the server's trusted_proxies.
func clientIP(r *http.Request) string {
	if ip, ok := caddyhttp.GetVar(r.Context(), caddyhttp.ClientIPVarKey).(string); ok && ip != "" {
		return ip
	}
	return r.RemoteAddr
}
