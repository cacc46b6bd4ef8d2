package instagramtest

import (
	"net/http"
	"time"
)

// revocation is why a token stopped working before it expired.
type revocation uint8

const (
	notRevoked revocation = iota
	// appRemoved: the user removed the app (RemoveApp), which ends every
	// token the user gave it.
	appRemoved
	// invalidated: Instagram ended this one token (RevokeToken), as it
	// does after a password change or for security reasons.
	invalidated
)

// Answers for a revoked token, as Facebook words them (Instagram's Graph
// shares them); all come with GraphCodeInvalidToken.
const (
	// MsgAppNotAuthorized, followed by the app's client id and a period,
	// answers a token of a user who removed the app.
	MsgAppNotAuthorized = "Error validating access token: The user has not authorized application "
	// GraphSubcodeAppNotInstalled goes with MsgAppNotAuthorized.
	GraphSubcodeAppNotInstalled = 458
	// MsgSessionInvalidated answers a token ended by RevokeToken.
	MsgSessionInvalidated = "Error validating access token: The session has been invalidated because the user changed their password or Facebook has changed the session for security reasons."
	// GraphSubcodeSessionInvalidated goes with MsgSessionInvalidated.
	GraphSubcodeSessionInvalidated = 460
)

// RevokeToken ends token at once, as Instagram does after the user changes
// their password: every endpoint then refuses it with
// GraphCodeInvalidToken and MsgSessionInvalidated. The user's other tokens
// keep working. It reports whether the Provider knew the token.
func (p *Provider) RevokeToken(token string) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.tokens.update(token, p.now(), func(t tokenInfo) tokenInfo {
		t.revoked = invalidated
		return t
	})
}

// revokeUserTokens ends every token username gave the Provider's own app.
// The caller holds p.mu.
func (p *Provider) revokeUserTokens(username string) {
	p.tokens.updateIf(func(t tokenInfo) bool { return t.username == username && !t.otherApp },
		func(t tokenInfo) tokenInfo {
			t.revoked = appRemoved
			return t
		})
}

// tokenError answers for a token that lookupToken did not find, or found
// revoked or expired at now.
func (p *Provider) tokenError(w http.ResponseWriter, info tokenInfo, found bool, now time.Time) {
	switch {
	case !found:
		graphError(w, http.StatusBadRequest, GraphCodeInvalidToken, MsgInvalidToken)
	case info.revoked == appRemoved:
		writeGraphError(w, http.StatusBadRequest, GraphTypeOAuth, GraphCodeInvalidToken,
			GraphSubcodeAppNotInstalled, MsgAppNotAuthorized+p.clientID+".")
	case info.revoked == invalidated:
		writeGraphError(w, http.StatusBadRequest, GraphTypeOAuth, GraphCodeInvalidToken,
			GraphSubcodeSessionInvalidated, MsgSessionInvalidated)
	default:
		// Facebook's wording, with its date format; the mock says UTC
		// where Facebook says Pacific time.
		const layout = "Monday, 02-Jan-06 15:04:05 MST"
		writeGraphError(w, http.StatusBadRequest, GraphTypeOAuth, GraphCodeInvalidToken, GraphSubcodeExpired,
			"Error validating access token: Session has expired on "+info.expires.UTC().Format(layout)+
				". The current time is "+now.UTC().Format(layout)+".")
	}
}
