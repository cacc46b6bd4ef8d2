package instagramauth

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
