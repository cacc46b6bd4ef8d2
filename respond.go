package instagramauth

import (
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/caddyserver/caddy/v2/modules/caddyhttp"
	"go.uber.org/zap"
)

// The handler's own responses that are not pages: redirects, the 401 of
// API calls, and refuse, which every error answer goes through.

// redirect sends the browser to location with a 302 that no cache keeps.
func redirect(w http.ResponseWriter, location string) error {
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Location", location)
	w.WriteHeader(http.StatusFound)
	return nil
}

// answer is a built-in error answer: a page, or the JSON of API calls.
type answer interface {
	write(w http.ResponseWriter, status int)
}

// refuse answers with an error status (401, 403, 429, 502, 503). When the
// site's handle_errors routes take the error, it is returned as a Caddy
// error, as caddyauth does, so that {err.status_code} and {err.message}
// work there and the site renders its own page; otherwise the built-in
// answer is written. err's message is what handle_errors shows and Caddy
// logs: a fixed text, never a secret, token, code, cookie or anything the
// client sent. Headers set before (Set-Cookie, Retry-After) go out either
// way.
func (h *Handler) refuse(w http.ResponseWriter, r *http.Request, status int, err error, builtin answer) error {
	if routes := errorRoutesOf(r); len(routes) > 0 && siteTakes(routes, r, status, err) {
		return caddyhttp.Error(status, err)
	}
	builtin.write(w, status)
	return nil
}

var errLoginRequired = errors.New("an Instagram login is required")

// jsonAnswer is a fixed JSON body.
type jsonAnswer string

// answerUnauthorized is the 401 body of API calls.
const answerUnauthorized jsonAnswer = `{"error":"unauthorized","message":"an Instagram login is required"}` + "\n"

func (a jsonAnswer) write(w http.ResponseWriter, status int) { writeJSON(w, status, []byte(a)) }

// writeJSON sends a JSON body that no cache keeps: the 401 of API calls,
// whoami, Meta's callbacks. A failed write means the client left.
func writeJSON(w http.ResponseWriter, status int, body []byte) {
	hdr := w.Header()
	hdr.Set("Content-Type", "application/json")
	hdr.Set("Cache-Control", "no-store")
	hdr.Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	_, _ = w.Write(body)
}

// unauthorized answers a request without a session that is no page load:
// 401, a short JSON body a script can read, no redirect, and the request
// body left unread.
func (h *Handler) unauthorized(w http.ResponseWriter, r *http.Request) error {
	return h.refuse(w, r, http.StatusUnauthorized, errLoginRequired, answerUnauthorized)
}

// The messages of the throttle's refusals, for handle_errors and the log.
var (
	errThrottled = errors.New("too many logins from this network: try again later")
	errBusy      = errors.New("too many logins at once: try again in a moment")
)

// refuseLogin answers a callback the throttle refused (behaviour 22,
// docs/behaviour.md): 429 when this client made too many token requests, 503
// when too many are in flight, with Retry-After in whole seconds (kept by
// handle_errors too), and nothing called. The state is not spent, so the
// same callback works once the delay has passed, and the page says so.
func (h *Handler) refuseLogin(w http.ResponseWriter, r *http.Request, status int, retry time.Duration) error {
	seconds := int(retry / time.Second)
	countLogin(loginThrottled)
	h.sampled.log(&h.shared.callbackLogs.throttled, zap.WarnLevel, "login throttled: too many token requests",
		zap.Int("status", status), zap.String("client_ip", clientIP(r)), zap.Int("retry_after_seconds", seconds))
	w.Header().Set("Retry-After", strconv.Itoa(seconds))
	p, err := pageTooManyLogins, errThrottled
	if status == http.StatusServiceUnavailable {
		p, err = pageLoginsBusy, errBusy
	}
	p.Detail = fmt.Sprintf("Reload this page in %d seconds to finish logging in.", seconds)
	return h.refuse(w, r, status, err, p)
}
