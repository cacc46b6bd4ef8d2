package integration

import (
	"net/http"
	"strings"
	"testing"
)

const reauthCookie = insecureCookieName + reauthSuffix

// Behaviour 18: logout sends the browser to logout_redirect, and that
// browser's next login asks Instagram to re-authenticate, once.
func TestLogoutMarksTheBrowserForReauth(t *testing.T) {
	h := newHarness(t, withOptions("logout_redirect /goodbye?see=you"))
	h.mustLogin(h.client, "shared_pc", "/")
	if q := mustQuery(t, h.startLogin(newBrowser(t), "/")); q.Has("force_reauth") {
		t.Fatalf("a browser that never logged out asks force_reauth=%q", q.Get("force_reauth"))
	}

	resp := h.get(defaultLogoutPath)
	if resp.StatusCode != http.StatusFound || resp.Header.Get("Location") != "/goodbye?see=you" {
		t.Fatalf("logout: %d to %q, want 302 to logout_redirect", resp.StatusCode, resp.Header.Get("Location"))
	}
	mark := findSetCookie(resp, reauthCookie)
	if mark == nil || mark.MaxAge <= 0 || !mark.HttpOnly || mark.SameSite != http.SameSiteLaxMode || mark.Path != "/" {
		t.Fatalf("re-authentication mark %+v: want a lasting HttpOnly, SameSite=Lax cookie on /", mark)
	}

	// The next login, in any tab of that browser, forces a re-authentication
	// at Instagram; the mark stays until a login completes.
	authorize := h.startLogin(h.client, "/again")
	other := h.startLogin(h.client, "/other-tab")
	for _, u := range []string{authorize, other} {
		if got := mustQuery(t, u)["force_reauth"]; len(got) != 1 || got[0] != "true" {
			t.Fatalf("authorize URL after logout has force_reauth=%q, want one true: %s", got, u)
		}
	}
	cb := h.consent(h.client, authorize, "someone_else", true)
	if !h.ig.LastForceReauth() {
		t.Error("the mock's consent page was not asked to re-authenticate")
	}
	resp = h.do(h.client, http.MethodGet, stripFragment(cb), nil, "Accept", "text/html")
	if resp.StatusCode != http.StatusFound {
		t.Fatalf("callback: status %d", resp.StatusCode)
	}
	if c := findSetCookie(resp, reauthCookie); c == nil || c.MaxAge >= 0 {
		t.Errorf("the completed login did not clear the mark: %+v", c)
	}

	// Logged in again: the next login (the session gone) is a plain one.
	setCookie(h.client, insecureCookieName, "")
	if q := mustQuery(t, h.startLogin(h.client, "/")); q.Has("force_reauth") {
		t.Errorf("the mark outlived the login: force_reauth=%q", q.Get("force_reauth"))
	}
}

// Behaviour 18: logout_redirect may be another site's URL.
func TestLogoutRedirectToURL(t *testing.T) {
	h := newHarness(t, withOptions("logout_redirect https://www.example.com/signed-out"))
	if resp := h.get(defaultLogoutPath); resp.Header.Get("Location") != "https://www.example.com/signed-out" {
		t.Errorf("logout: %d to %q", resp.StatusCode, resp.Header.Get("Location"))
	}
}

// A planted or forged mark is worth one extra re-authentication and
// nothing more: its value never reaches the authorize URL or anything else.
func TestForgedReauthMark(t *testing.T) {
	h := newHarness(t)
	for _, value := range []string{"1", "x&client_id=evil&redirect_uri=https://evil.example/", "%26state%3Dx", ""} {
		c := newBrowser(t)
		if value != "" {
			setCookie(c, reauthCookie, value)
		}
		authorize := h.startLogin(c, "/")
		q := mustQuery(t, authorize)
		if len(q["client_id"]) != 1 || q.Get("client_id") != testID || len(q["state"]) != 1 ||
			q.Get("redirect_uri") != siteURL+defaultRedirectPath || strings.Contains(authorize, "evil") {
			t.Errorf("mark %q changed the authorize URL: %s", value, authorize)
		}
		if want := value != ""; q.Has("force_reauth") != want {
			t.Errorf("mark %q: force_reauth %q", value, q.Get("force_reauth"))
		}
	}
	// The mark never reaches the upstream either.
	c := newBrowser(t)
	h.mustLogin(c, "marked", "/")
	setCookie(c, reauthCookie, "1")
	if e := h.upstreamSaw(h.do(c, http.MethodGet, siteURL+"/", nil)); strings.Contains(strings.Join(e.Header.Values("Cookie"), ";"), reauthCookie) {
		t.Errorf("the upstream got the mark: %q", e.Header.Values("Cookie"))
	}
}

// force_reauth given in authorize_url asks every login to re-authenticate,
// and a mark does not double it.
func TestForceReauthInAuthorizeURL(t *testing.T) {
	h := newHarness(t)
	h.load(strings.Replace(h.caddyfile(), "authorize_url "+h.ig.AuthorizeURL(), "authorize_url "+h.ig.AuthorizeURL()+"?force_reauth=true", 1))
	for _, mark := range []bool{false, true} {
		c := newBrowser(t)
		if mark {
			setCookie(c, reauthCookie, "1")
		}
		if got := mustQuery(t, h.startLogin(c, "/"))["force_reauth"]; len(got) != 1 || got[0] != "true" {
			t.Errorf("mark %v: force_reauth %q, want one true", mark, got)
		}
	}
}
