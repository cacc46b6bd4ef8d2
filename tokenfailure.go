package instagramauth

import (
	"errors"
	"net/http"

	"github.com/b4b0c547/caddy-instagram-auth/internal/instagram"
	"go.uber.org/zap"
)

// The answers to a failed token request (internal/instagram tells what
// it means).

// The texts of {err.message} for a site with handle_errors: fixed, never
// Instagram's own words.
var (
	errMisconfigured = errors.New("this site's Instagram login is misconfigured")
	errCodeSpent     = errors.New("the login was already completed or has expired")
)

// tokenFailed answers a callback whose token request failed: 502 and
// nothing stored, with a page that says truthfully what happened, and a
// log line that tells the site owner what to do about it, sampled (junk
// codes are anyone's to send).
func (h *Handler) tokenFailed(w http.ResponseWriter, r *http.Request, err error, redirectURI string) error {
	if m, ok := instagram.MisconfigurationOf(err); ok {
		fields := []zap.Field{zap.String("check", m.Setting), zap.String("hint", m.Hint), zap.Error(err)}
		if m.Setting == "redirect_uri" {
			fields = append(fields, zap.String("redirect_uri", redirectURI))
		}
		h.sampled.log(&h.shared.callbackLogs.misconfigured, zap.ErrorLevel, "login failed: this site's Instagram login is misconfigured", fields...)
		return h.refuse(w, r, http.StatusBadGateway, errMisconfigured, pageMisconfigured)
	}
	if instagram.IsSpentCode(err) {
		h.sampled.log(&h.shared.callbackLogs.codeSpent, zap.WarnLevel,
			"login failed: the authorization code was already used or has expired (a reloaded or double callback)", zap.Error(err))
		return h.refuse(w, r, http.StatusBadGateway, errCodeSpent, pageCodeSpent)
	}
	h.sampled.log(&h.shared.callbackLogs.providerFailed, zap.ErrorLevel, "login failed: Instagram token endpoint", zap.Error(err))
	return h.refuse(w, r, http.StatusBadGateway, errProvider, pageProviderFailed)
}
