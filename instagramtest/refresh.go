package instagramtest

import (
	"fmt"
	"net/http"
	"time"
)

// Refresh refusals that Instagram does not document word for word; the
// mock's wording says what is wrong.
const (
	// MsgRefreshShortToken answers the refresh of a short-lived token,
	// with GraphCodeInvalidToken: only a long-lived one can be refreshed.
	MsgRefreshShortToken = "Invalid OAuth access token - a short-lived access token cannot be refreshed; exchange it for a long-lived one first"
	// GraphCodeRefreshTooEarly answers the refresh of a long-lived token
	// younger than 24 hours. It is not GraphCodeInvalidToken on purpose:
	// the token is still good, and a client must not give it up.
	GraphCodeRefreshTooEarly = 10
)

// serveRefresh is GET /refresh_access_token?grant_type=ig_refresh_token: a
// long-lived token renewed for another 60 days (or SetLongLifetime) from
// now. As at Instagram, only a long-lived token that is unexpired and at
// least 24 hours old (SetRefreshMinAge) by the Provider's clock qualifies.
func (p *Provider) serveRefresh(w http.ResponseWriter, r *http.Request) {
	p.refreshRequests.Add(1)
	p.mu.Lock()
	fail, minAge := p.refreshFail, p.refreshMinAge
	p.mu.Unlock()
	token := accessToken(r)
	info, found, now := p.lookupToken(token)
	switch {
	case fail:
		graphError(w, http.StatusBadRequest, 1, msgUnknownError)
	case r.URL.Query().Get("grant_type") != "ig_refresh_token":
		graphError(w, http.StatusBadRequest, 100, msgUnsupportedGrant)
	case !found || !info.validAt(now):
		p.tokenError(w, info, found, now)
	case !info.long:
		graphError(w, http.StatusBadRequest, GraphCodeInvalidToken, MsgRefreshShortToken)
	case now.Sub(info.issued) < minAge:
		graphError(w, http.StatusBadRequest, GraphCodeRefreshTooEarly, fmt.Sprintf(
			"(#10) This long-lived access token cannot be refreshed yet: it was issued %v ago, and a token must be at least %v old",
			now.Sub(info.issued).Round(time.Second), minAge))
	default:
		token, expiresIn := p.refreshToken(token, info)
		writeLongToken(w, token, expiresIn)
	}
}

// refreshToken issues the refreshed token, for the same user and app: a
// new string, or the same one with its lifetime restarted under
// SetRefreshKeepsToken.
func (p *Provider) refreshToken(token string, info tokenInfo) (string, int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if !p.refreshKeepsToken {
		token = randomString("IGAA", 96)
	}
	return token, p.putToken(token, tokenInfo{username: info.username, long: true, otherApp: info.otherApp})
}
