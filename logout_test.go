package instagramauth

import (
	"net/http"
	"testing"
)

// Behaviour 6: logout ends the session, also for a copied cookie
// (caddy-security CVE-2024-21492).
func TestLogout(t *testing.T) {
	h := newHarness(t)
	h.mustLogin(h.client, "kate", "/")
	stolen := sessionCookie(h.client)
	resp := h.get(defaultLogoutPath)
	if resp.StatusCode != http.StatusFound || resp.Header.Get("Location") != "/" {
		t.Fatalf("logout: %d to %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	if c := findSetCookie(resp, insecureCookieName); c == nil || c.MaxAge >= 0 {
		t.Errorf("logout did not clear the session cookie: %+v", c)
	}
	if resp := h.get("/"); resp.StatusCode != http.StatusFound {
		t.Errorf("after logout: status %d, want 302 to login", resp.StatusCode)
	}
	replay := newBrowser(t)
	setCookie(replay, insecureCookieName, stolen)
	if resp := h.do(replay, http.MethodGet, siteURL+"/", nil, "Accept", "application/json"); resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("logged-out cookie replayed: status %d, want 401", resp.StatusCode)
	}
}
