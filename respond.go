package instagramauth

import (
	"fmt"
	"net/http"
	"strconv"
	"time"

	"go.uber.org/zap"
)

// The handler's own responses that are not pages: redirects and the 401
// of API calls.

// redirect sends the browser to location with a 302 that no cache keeps.
func redirect(w http.ResponseWriter, location string) error {
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Location", location)
	w.WriteHeader(http.StatusFound)
	return nil
}

// unauthorized answers an API call without a session: 401, a short JSON
// body, no redirect, and the request body left unread.
func (h *Handler) unauthorized(w http.ResponseWriter, r *http.Request) error {
	hdr := w.Header()
	hdr.Set("Content-Type", "application/json")
	hdr.Set("Cache-Control", "no-store")
	hdr.Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(http.StatusUnauthorized)
	_, _ = w.Write([]byte(`{"error":"unauthorized","message":"an Instagram login is required"}` + "\n"))
	return nil
}

// refuseLogin answers a callback the throttle refused (the README's
// behaviour 22): 429 when this client made too many token requests, 503
// when too many are in flight, with Retry-After in whole seconds, and
// nothing called. The state is not spent, so the same callback works once
// the delay has passed, and the page says so.
//
// With handle_errors (behaviour 20) this answer must become a Caddy error
// that keeps Retry-After: this is the one place to route it through the
// helper that turns the plugin's answers into Caddy errors.
func (h *Handler) refuseLogin(w http.ResponseWriter, r *http.Request, status int, retry time.Duration) error {
	seconds := int(retry / time.Second)
	h.logSampled(&h.shared.callbackLogs.throttled, zap.WarnLevel, "login throttled: too many token requests",
		zap.Int("status", status), zap.String("client_ip", clientIP(r)), zap.Int("retry_after_seconds", seconds))
	// Metrics (behaviour 25): the login result "throttled" is counted here.
	w.Header().Set("Retry-After", strconv.Itoa(seconds))
	p := pageTooManyLogins
	if status == http.StatusServiceUnavailable {
		p = pageLoginsBusy
	}
	p.Detail = fmt.Sprintf("Reload this page in %d seconds to finish logging in.", seconds)
	return writePage(w, status, p)
}
