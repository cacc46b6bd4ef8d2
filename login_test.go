package instagramauth

import (
	"net/url"
	"testing"

	"github.com/b4b0c547/caddy-instagram-auth/internal/record"
)

// authorize_url may carry parameters of its own (force_reauth,
// enable_fb_login); ours are added, and a client_id or state in it is
// replaced, not doubled.
func TestAuthorizeURLKeepsItsParameters(t *testing.T) {
	h := &Handler{ClientID: "42"}
	h.cfg.authorizeBase = authorizeBase("https://www.instagram.com/oauth/authorize?enable_fb_login=false&state=x&client_id=9", "42", "a,b")
	q := mustQuery(t, h.cfg.authorizeLocation(record.Pending{State: "s1", RedirectURI: "https://app.example/cb?x=1"}, false))
	want := url.Values{
		"enable_fb_login": {"false"}, "client_id": {"42"}, "response_type": {"code"},
		"scope": {"a,b"}, "redirect_uri": {"https://app.example/cb?x=1"}, "state": {"s1"},
	}
	if q.Encode() != want.Encode() {
		t.Errorf("authorize query %q, want %q", q.Encode(), want.Encode())
	}
}
