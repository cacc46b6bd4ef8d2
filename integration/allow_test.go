package integration

import (
	"net/http"
	"testing"

	"github.com/b4b0c547/caddy-instagram-auth/instagramtest"
)

// Behaviour 5: allow_users by username and by id; others get 403 and no
// session.
func TestAllowUsers(t *testing.T) {
	h := newHarness(t, withOptions("allow_users ivan", "allow_users "+instagramtest.UserID("judy")))
	for _, user := range []string{"ivan", "judy"} {
		c := newBrowser(t)
		h.mustLogin(c, user, "/")
	}
	c := newBrowser(t)
	resp := h.login(c, "mallory", "/")
	if resp.StatusCode != http.StatusForbidden || findSetCookie(resp, insecureCookieName) != nil {
		t.Errorf("mallory: status %d, session cookie %v; want 403 and none", resp.StatusCode, findSetCookie(resp, insecureCookieName))
	}
}

// Behaviour 23: entries of digits only are ids, others usernames, and the
// two never mix: Instagram lets an account take a username of digits
// only, so an account named like an allowed id must not pass as it, and a
// username entry (written with @) must not admit the account whose id it
// spells.
func TestAllowUsersNeverMixesIDsAndUsernames(t *testing.T) {
	kimID, judyID := instagramtest.UserID("kim"), instagramtest.UserID("judy")
	h := newHarness(t, withOptions("allow_users "+kimID+" 17841400000000001", "allow_users @"+judyID))
	refused := func(username string) {
		t.Helper()
		resp := h.login(newBrowser(t), username, "/")
		if resp.StatusCode != http.StatusForbidden || findSetCookie(resp, insecureCookieName) != nil {
			t.Errorf("%s (id %s): status %d, session %v; want 403 and none",
				username, instagramtest.UserID(username), resp.StatusCode, findSetCookie(resp, insecureCookieName) != nil)
		}
	}
	h.mustLogin(newBrowser(t), "kim", "/")  // listed by id
	refused(kimID)                          // named like kim's id
	refused("17841400000000001")            // named like a listed id
	refused("judy")                         // her id is listed only as a username
	h.mustLogin(newBrowser(t), judyID, "/") // the account of that username
}
