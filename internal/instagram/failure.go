package instagram

import (
	"errors"
	"net/http"
	"strings"
)

// What a failed token request means. Instagram refuses a site's own
// settings with the same HTTP 400 as anything else, so its message tells a
// misconfiguration, which only the site owner can fix, from a reused code
// (a reloaded or double callback) and from an outage.

// Misconfiguration is a token endpoint refusal caused by a setting.
type Misconfiguration struct {
	prefix  string // the start of Instagram's error_message
	Setting string // the option to check
	Hint    string // what to check, for the log
}

var misconfigurations = []Misconfiguration{
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
	var e *Error
	if !errors.As(err, &e) || e.Status != http.StatusBadRequest {
		return "", false
	}
	return e.Message, true
}

// MisconfigurationOf tells whether a failed code exchange was refused
// because of one of the site's settings.
func MisconfigurationOf(err error) (Misconfiguration, bool) {
	msg, ok := tokenErrorMessage(err)
	for _, m := range misconfigurations {
		if ok && strings.HasPrefix(msg, m.prefix) {
			return m, true
		}
	}
	return Misconfiguration{}, false
}

// IsSpentCode tells a code that was already exchanged, or has expired.
func IsSpentCode(err error) bool {
	msg, ok := tokenErrorMessage(err)
	for _, prefix := range spentCodeMessages {
		if ok && strings.HasPrefix(msg, prefix) {
			return true
		}
	}
	return false
}

// Graph error codes that refuse a token rather than fail to answer.
const (
	codeInvalidToken = 190 // unknown, expired or revoked
	codeBadProof     = 100 // invalid appsecret_proof: a token of another app
)

// IsRefusal tells an answer about the token itself (invalid, expired,
// revoked, issued to another app), which a bearer check keeps for a
// while, from a failure to answer (an outage, a timeout), which it does
// not.
func IsRefusal(err error) bool {
	var e *Error
	return errors.As(err, &e) && e.Status >= 400 && e.Status < 500 && (e.Code == codeInvalidToken || e.Code == codeBadProof)
}
