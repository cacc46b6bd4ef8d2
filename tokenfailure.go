package instagramauth

import (
	"errors"
	"net/http"
	"strings"

	"go.uber.org/zap"
)

// What a failed token request means. Instagram refuses a site's own
// settings with the same HTTP 400 as anything else, so its message tells a
// misconfiguration, which only the site owner can fix, from a reused code
// (a reloaded or double callback) and from an outage.

// The texts of {err.message} for a site with handle_errors: fixed, never
// Instagram's own words.
var (
	errMisconfigured = errors.New("this site's Instagram login is misconfigured")
	errCodeSpent     = errors.New("the login was already completed or has expired")
)

// misconfiguration is a token endpoint refusal caused by a setting.
type misconfiguration struct {
	prefix  string // the start of Instagram's error_message
	setting string // the option to check
	hint    string // what to check, for the log
}

var misconfigurations = []misconfiguration{
	{"Invalid platform app", "client_id",
		"client_id must be the Instagram app ID (App Dashboard > Instagram > API setup with Instagram business login), " +
			"not the Facebook app ID"},
	{"Error validating client secret", "client_secret",
		"client_secret must be the Instagram app secret shown beside that Instagram app ID, not the Facebook app secret"},
	{"Error validating verification code", "redirect_uri",
		"the redirect_uri sent must be registered exactly (scheme, host, port, path, trailing slash) as a valid OAuth " +
			"redirect URI of the app; behind a TLS-terminating proxy or load balancer, set an absolute https redirect_uri"},
}

// spentCodeMessages start Instagram's answers to a code that was already
// exchanged, or has expired.
var spentCodeMessages = []string{"Matching code was not found", "This authorization code has been used"}

// tokenErrorMessage is Instagram's error_message, if err is its refusal.
func tokenErrorMessage(err error) (string, bool) {
	var perr *providerError
	if !errors.As(err, &perr) || perr.status != http.StatusBadRequest {
		return "", false
	}
	return perr.message, true
}

func misconfigurationOf(err error) (misconfiguration, bool) {
	msg, ok := tokenErrorMessage(err)
	for _, m := range misconfigurations {
		if ok && strings.HasPrefix(msg, m.prefix) {
			return m, true
		}
	}
	return misconfiguration{}, false
}

func isSpentCode(err error) bool {
	msg, ok := tokenErrorMessage(err)
	for _, prefix := range spentCodeMessages {
		if ok && strings.HasPrefix(msg, prefix) {
			return true
		}
	}
	return false
}

// tokenFailed answers a callback whose token request failed: 502 and
// nothing stored, with a page that says truthfully what happened, and a
// log line that tells the site owner what to do about it, sampled (junk
// codes are anyone's to send).
func (h *Handler) tokenFailed(w http.ResponseWriter, r *http.Request, err error, redirectURI string) error {
	if m, ok := misconfigurationOf(err); ok {
		fields := []zap.Field{zap.String("check", m.setting), zap.String("hint", m.hint), zap.Error(err)}
		if m.setting == "redirect_uri" {
			fields = append(fields, zap.String("redirect_uri", redirectURI))
		}
		h.logSampled(&h.shared.callbackLogs.misconfigured, zap.ErrorLevel, "login failed: this site's Instagram login is misconfigured", fields...)
		return h.refuse(w, r, http.StatusBadGateway, errMisconfigured, pageMisconfigured)
	}
	if isSpentCode(err) {
		h.logSampled(&h.shared.callbackLogs.codeSpent, zap.WarnLevel,
			"login failed: the authorization code was already used or has expired (a reloaded or double callback)", zap.Error(err))
		return h.refuse(w, r, http.StatusBadGateway, errCodeSpent, pageCodeSpent)
	}
	h.logSampled(&h.shared.callbackLogs.providerFailed, zap.ErrorLevel, "login failed: Instagram token endpoint", zap.Error(err))
	return h.refuse(w, r, http.StatusBadGateway, errProvider, pageProviderFailed)
}
