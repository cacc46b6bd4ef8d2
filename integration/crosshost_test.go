package integration

import (
	"net/http"
	"strings"
	"testing"
)

// Behaviour 34: a login that starts on app1 finishes on auth's callback
// (the one redirect URI registered) and comes back to the very URL first
// asked for on app1, logged in; app2 is then logged in too; a logout on
// app2 logs app1 out, and so does the session's cookie replayed.
func TestCrossHostLoginComesBack(t *testing.T) {
	h := newHarness(t)
	h.load(h.crossHostConfig(""))
	c := h.crossBrowser(t)
	asked := app1URL + "/reports/q3?tab=2&next=%2Fx"

	resp := h.do(c, http.MethodGet, asked, nil, "Accept", "text/html")
	authorize := resp.Header.Get("Location")
	if resp.StatusCode != http.StatusFound || !strings.HasPrefix(authorize, h.ig.AuthorizeURL()+"?") {
		t.Fatalf("GET %s: status %d to %q, want 302 to Instagram", asked, resp.StatusCode, authorize)
	}
	if got := mustQuery(t, authorize).Get("redirect_uri"); got != crossCallback {
		t.Errorf("redirect_uri %q, want the one registered, %q", got, crossCallback)
	}
	state := stateCookieIn(resp, domainCookie)
	if state == nil || state.Domain != "example.test" || !state.Secure || !state.HttpOnly || state.SameSite != http.SameSiteLaxMode {
		t.Fatalf("state cookie %+v, want %s_state_* for Domain example.test, Secure, HttpOnly, SameSite=Lax", state, domainCookie)
	}

	cb := stripFragment(h.consent(c, authorize, "amy", true))
	if !strings.HasPrefix(cb, crossCallback+"?") {
		t.Fatalf("Instagram sent the browser to %q, not to the callback", cb)
	}
	resp = h.do(c, http.MethodGet, cb, nil, "Accept", "text/html")
	if loc := resp.Header.Get("Location"); resp.StatusCode != http.StatusFound || loc != asked {
		t.Fatalf("callback: status %d to %q, want 302 back to %q", resp.StatusCode, loc, asked)
	}
	session := findSetCookie(resp, domainCookie)
	if session == nil || session.Domain != "example.test" || !session.Secure || !session.HttpOnly {
		t.Fatalf("session cookie %+v, want %s for Domain example.test, Secure, HttpOnly", session, domainCookie)
	}

	saw := h.upstreamSaw(h.do(c, http.MethodGet, asked, nil, "Accept", "text/html"))
	if saw.Header.Get("X-Instagram-Username") != "amy" || saw.Path != "/reports/q3?tab=2&next=%2Fx" {
		t.Errorf("back on app1: upstream saw user %q at %q, want amy at the page asked for",
			saw.Header.Get("X-Instagram-Username"), saw.Path)
	}
	if user := h.userAt(c, app2URL); user != "amy" {
		t.Errorf("app2 after logging in on app1: upstream saw %q, want amy", user)
	}

	resp = h.do(c, http.MethodGet, app2URL+"/oauth2/instagram/logout", nil, "Accept", "text/html")
	if resp.StatusCode != http.StatusFound {
		t.Fatalf("logout on app2: status %d, want 302", resp.StatusCode)
	}
	if cleared := findSetCookie(resp, domainCookie); cleared == nil || cleared.Domain != "example.test" || cleared.MaxAge >= 0 {
		t.Errorf("logout on app2 cleared %+v, want the example.test cookie", cleared)
	}
	for _, base := range []string{app1URL, app2URL} {
		if user := h.userAt(c, base); user != "" {
			t.Errorf("%s after logout on app2: upstream saw %q, want no session", base, user)
		}
		replay := &http.Client{Transport: c.Transport}
		if user := h.userAt(replay, base, "Cookie", domainCookie+"="+session.Value); user != "" {
			t.Errorf("%s: the logged-out session's cookie, replayed, still opens for %q", base, user)
		}
	}
}

// "Log out everywhere" (behaviour 12) from one host ends the user's
// sessions on every host and in every browser.
func TestCrossHostLogoutEverywhere(t *testing.T) {
	h := newHarness(t)
	h.load(h.crossHostConfig(""))
	laptop, phone := h.crossBrowser(t), h.crossBrowser(t)
	h.crossLogin(laptop, app1URL+"/", "bea", app1URL+"/")
	h.crossLogin(phone, app2URL+"/", "bea", app2URL+"/")
	if user := h.userAt(phone, app1URL); user != "bea" {
		t.Fatalf("phone on app1: upstream saw %q, want bea", user)
	}
	h.do(laptop, http.MethodGet, app1URL+"/oauth2/instagram/logout?all=1", nil, "Accept", "text/html")
	for _, base := range []string{app1URL, app2URL} {
		if user := h.userAt(phone, base); user != "" {
			t.Errorf("phone on %s after log out everywhere on the laptop: upstream saw %q", base, user)
		}
	}
}

// crossLogin logs c in as username, starting at asked, and checks that
// the callback sends it to want.
func (h *harness) crossLogin(c *http.Client, asked, username, want string) {
	h.t.Helper()
	resp := h.do(c, http.MethodGet, asked, nil, "Accept", "text/html")
	cb := stripFragment(h.consent(c, resp.Header.Get("Location"), username, true))
	resp = h.do(c, http.MethodGet, cb, nil, "Accept", "text/html")
	if loc := resp.Header.Get("Location"); resp.StatusCode != http.StatusFound || loc != want {
		h.t.Fatalf("login from %s: callback %d to %q, want 302 to %q", asked, resp.StatusCode, loc, want)
	}
}

// A login that starts on the callback's own host comes back there as a
// path, as without return_hosts; one over plain HTTP on an allowed host is
// never sent back to http:// from the https callback (docs/behaviour.md 34).
func TestCrossHostOnTheCallbackHostAndNoDowngrade(t *testing.T) {
	h := newHarness(t)
	h.load(h.crossHostConfig(""))
	c := h.crossBrowser(t)
	h.crossLogin(c, "https://auth.example.test:9443/settings?x=1", "cai", "/settings?x=1")

	// Caddy's own redirect sends plain HTTP to HTTPS before the plugin; a
	// proxy in front may not, and says so in X-Forwarded-Proto.
	cfg := strings.Replace(h.crossHostConfig(""), "grace_period 1ns", "grace_period 1ns\n\tservers {\n\t\ttrusted_proxies static 127.0.0.1/32\n\t}", 1)
	h.load(cfg)
	d := h.crossBrowser(t)
	resp := h.do(d, http.MethodGet, app1URL+"/plain", nil, "Accept", "text/html", "X-Forwarded-Proto", "http")
	cb := stripFragment(h.consent(d, resp.Header.Get("Location"), "cai", true))
	resp = h.do(d, http.MethodGet, cb, nil, "Accept", "text/html")
	if loc := resp.Header.Get("Location"); resp.StatusCode != http.StatusFound || loc != "/" {
		t.Errorf("login started on http://app1: callback %d to %q, want 302 to / of the callback host", resp.StatusCode, loc)
	}
}

// Behaviour 27: the start-up line names the one URI to register, and
// that every host of return_hosts shares it.
func TestCrossHostStartupLine(t *testing.T) {
	h := newHarness(t)
	h.load(h.crossHostConfig(""))
	line := ""
	for l := range strings.SplitSeq(readLog(t, h.logFile, `"return_hosts":[`), "\n") {
		if strings.Contains(l, `"msg":"`+startupMessage+`"`) {
			line = l // the last load's
		}
	}
	if !strings.Contains(line, `"msg":"`+startupMessage+`"`) || !strings.Contains(line, `"redirect_uri":"`+crossCallback+`"`) ||
		!strings.Contains(line, `"return_hosts":["*.example.test"]`) {
		t.Errorf("start-up line %s, want the one redirect URI and the return_hosts that share it", line)
	}
}
