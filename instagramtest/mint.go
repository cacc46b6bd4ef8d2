package instagramtest

import "fmt"

// The second app every Provider knows besides its own: an app of someone
// else, whose tokens a test can hold to see a site refuse them. A site's
// /me call proves the token with its own secret; Graph checks the proof
// with the secret of the token's app, so for such a token it answers
// GraphCodeBadProof, MsgBadProof.
const (
	OtherClientID     = "mock-other-app"
	OtherClientSecret = "mock-other-app-secret"
)

// MintToken issues a token of the Provider's own app for username, as if
// the user had logged in (and, for a long-lived one, the site had
// exchanged it): short-lived (1 hour) or long-lived (60 days, or
// SetLongLifetime). The user counts as having allowed the app
// (AuthorizedUsers, RemoveApp). It is what a mobile app logged in with the
// same Instagram app would hold. An invalid username panics: it is a bug
// in the calling test.
func (p *Provider) MintToken(username string, long bool) string {
	mustBeUsername(username)
	token, _ := p.newToken(username, long)
	p.recordAuthorization(username)
	return token
}

// MintOtherAppToken issues a token for username that belongs to the
// second app (OtherClientID): /me with the proof of OtherClientSecret
// names the user, with the id the second app sees (not UserID(username),
// as app-scoped ids differ between apps); with the proof of the
// Provider's own secret it answers GraphCodeBadProof. RemoveApp does not
// touch it. An invalid username panics.
func (p *Provider) MintOtherAppToken(username string, long bool) string {
	mustBeUsername(username)
	token, _ := p.issue(tokenInfo{username: username, long: long, otherApp: true})
	return token
}

func mustBeUsername(username string) {
	if !validUsername.MatchString(username) {
		panic(fmt.Sprintf("instagramtest: %q is not an Instagram username", username))
	}
}

// secretOf is the secret of the app token t was issued to.
func (p *Provider) secretOf(t tokenInfo) string {
	if t.otherApp {
		return OtherClientSecret
	}
	return p.clientSecret
}

// appUserID is the id of t's user as t's app sees it.
func (p *Provider) appUserID(t tokenInfo) string {
	if t.otherApp {
		return instagramID("178414", "app-scoped id:"+OtherClientID+":"+t.username)
	}
	return UserID(t.username)
}
