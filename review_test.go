package instagramauth

// Attacks and failures found in review, each shown through a real Caddy
// before its fix.

import (
	"net/http"
	"strings"
	"testing"
)

// A rewrite before the directive (try_files, rewrite, uri) must not hide
// the callback or logout path: the login would loop forever.
func TestLoginThroughRewrite(t *testing.T) {
	h := newHarness(t, withSite("rewrite * /app{uri}"))
	h.mustLogin(h.client, "amy", "/page?x=1")
	e := h.upstreamSaw(h.get("/page?x=1"))
	if e.Path != "/app/page?x=1" || e.Header.Get("X-Instagram-Username") != "amy" {
		t.Errorf("upstream saw %q as %q", e.Path, e.Header.Get("X-Instagram-Username"))
	}
	if resp := h.get(defaultLogoutPath); resp.StatusCode != http.StatusFound || resp.Header.Get("Location") != "/" {
		t.Errorf("logout through a rewrite: %d to %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	if c := sessionCookie(h.client); c != "" {
		t.Error("logout through a rewrite kept the session")
	}
}

// A stale cookie of the same name sent first (an old host-only cookie, a
// sibling site's) must not hide the valid one.
func TestStaleSessionCookieFirst(t *testing.T) {
	h := newHarness(t)
	h.mustLogin(h.client, "ben", "/")
	good := sessionCookie(h.client)
	resp := h.do(http.DefaultClient, http.MethodGet, siteURL+"/", nil,
		"Accept", "application/json", "Cookie", defaultCookieName+"=stale; "+defaultCookieName+"="+good)
	if resp.StatusCode != http.StatusOK {
		t.Errorf("stale cookie first: status %d, want 200", resp.StatusCode)
	}
}

// A very long URL must not make a state cookie too big to come back.
func TestLongReturnPath(t *testing.T) {
	h := newHarness(t)
	h.mustLogin(h.client, "cleo", "/search")
	c := newBrowser(t)
	long := "/search?q=" + strings.Repeat("x", 3000)
	resp := h.login(c, "cleo", long)
	if resp.StatusCode != http.StatusFound || resp.Header.Get("Location") != "/search" {
		t.Errorf("long URL: callback %d to %.40q, want 302 to /search", resp.StatusCode, resp.Header.Get("Location"))
	}
}

// Junk cookies with the state prefix must not inflate the answer.
func TestJunkStateCookiesBounded(t *testing.T) {
	h := newHarness(t)
	junk := strings.Repeat(defaultCookieName+"_state_a=1; ", 500) + defaultCookieName + "_state_AAAAAAAAAA=2"
	resp := h.do(newBrowser(t), http.MethodGet, siteURL+"/", nil, "Accept", "text/html", "Cookie", junk)
	if n := len(resp.Header.Values("Set-Cookie")); resp.StatusCode != http.StatusFound || n > 2*maxPending+1 {
		t.Errorf("status %d with %d Set-Cookie headers", resp.StatusCode, n)
	}
}

// HEAD on the callback must not start a login that returns to the used
// callback URL.
func TestHeadOnCallback(t *testing.T) {
	h := newHarness(t)
	resp := h.do(h.client, http.MethodHead, siteURL+defaultRedirectPath+"?code=x&state=y", nil, "Accept", "text/html")
	if resp.StatusCode != http.StatusMethodNotAllowed {
		t.Errorf("HEAD on the callback: status %d, want 405", resp.StatusCode)
	}
}

// Sessions are bound to the Instagram app: another client_id with the same
// key does not accept them.
func TestSessionBoundToApp(t *testing.T) {
	h := newHarness(t, withOptions("cookie_secret "+oldKey))
	h.mustLogin(h.client, "dora", "/")
	cookie := sessionCookie(h.client)
	h.load(strings.Replace(h.caddyfile(), "client_id "+testID, "client_id other-app", 1))
	if status := h.apiStatus(cookie); status != http.StatusUnauthorized {
		t.Errorf("session of another app: status %d, want 401", status)
	}
}
