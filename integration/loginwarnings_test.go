package integration

import (
	"net/http"
	"strings"
	"testing"
)

// A plain-HTTP site with Secure cookies: browsers other than for localhost
// drop the state cookie, and the login ends in "Login expired". The first
// login started that way logs one warning naming the fix; the page that
// login ends on names blocked cookies as a cause.
func TestPlainHTTPWithSecureCookiesWarnsOnce(t *testing.T) {
	h := newHarness(t)
	secure := strings.Replace(h.caddyfile(), "insecure_cookies\n", "", 1)
	if secure == h.caddyfile() {
		t.Fatal("the harness's Caddyfile lacks insecure_cookies")
	}
	h.load(secure)
	for i := 0; i < 3; i++ {
		resp := h.do(newBrowser(t), http.MethodGet, siteURL+"/", nil, "Accept", "text/html")
		var state *http.Cookie
		for _, c := range resp.Cookies() {
			if strings.HasPrefix(c.Name, defaultCookieName+pendingInfix) {
				state = c
			}
		}
		if resp.StatusCode != http.StatusFound || state == nil || !state.Secure {
			t.Fatalf("login start: status %d, state cookie %v; want 302 and a Secure one", resp.StatusCode, state)
		}
	}
	h.load(h.caddyfile()) // with insecure_cookies: no warning
	h.startLogin(newBrowser(t), "/")
	log := readLog(t, h.logFile, "insecure_cookies")
	if n := strings.Count(log, "plain HTTP"); n != 1 {
		t.Errorf("%d warnings about plain HTTP, want 1 for the config without insecure_cookies", n)
	}
	if line := logLineWith(log, "plain HTTP"); !strings.Contains(line, `"level":"warn"`) || !strings.Contains(line, "insecure_cookies") ||
		!strings.Contains(line, "HTTPS") {
		t.Errorf("warning %s, want one naming HTTPS and insecure_cookies", line)
	}

	// The browser dropped the state cookie: the callback finds no state.
	cb := stripFragment(h.consent(newBrowser(t), h.startLogin(newBrowser(t), "/"), "ivy", true))
	resp := h.do(newBrowser(t), http.MethodGet, cb, nil)
	if body := readAll(t, resp); resp.StatusCode != http.StatusForbidden || !strings.Contains(body, "Login expired") ||
		!strings.Contains(body, "cookies") {
		t.Errorf("status %d, want 403 and a Login expired page that names blocked cookies: %s", resp.StatusCode, body)
	}
}

// A redirect_uri on another host than the one the login started on (www.
// vs the bare domain, localhost vs 127.0.0.1): the state cookie stays on the
// first host, and the callback says "Login expired".
func TestLoginExpiredWhenCallbackOnAnotherHost(t *testing.T) {
	h := newHarness(t)
	other := "http://127.0.0.1:9080"
	cfg := strings.Replace(h.caddyfile(), "\nhttp://localhost:9080 {", "\nhttp://localhost:9080, "+other+" {", 1)
	h.load(strings.Replace(cfg, "timeout 2s", "timeout 2s\n\t\tredirect_uri "+other+defaultRedirectPath, 1))
	cb := stripFragment(h.consent(h.client, h.startLogin(h.client, "/"), "jon", true))
	if !strings.HasPrefix(cb, other+"/") {
		t.Fatalf("callback %q is not on %s", cb, other)
	}
	resp := h.do(h.client, http.MethodGet, cb, nil)
	if body := readAll(t, resp); resp.StatusCode != http.StatusForbidden || !strings.Contains(body, "Login expired") {
		t.Errorf("status %d, want 403 Login expired: %s", resp.StatusCode, body)
	}
	// The log says why, once, when the first such login starts.
	h.startLogin(newBrowser(t), "/")
	log := readLog(t, h.logFile, "another host")
	if n := strings.Count(log, "another host"); n != 1 {
		t.Errorf("%d warnings about the callback's host, want 1", n)
	}
	if line := logLineWith(log, "another host"); !strings.Contains(line, `"host":"localhost:9080"`) ||
		!strings.Contains(line, `"callback_host":"127.0.0.1:9080"`) || !strings.Contains(line, "cookie_domain") {
		t.Errorf("warning %s, want one naming both hosts and cookie_domain", line)
	}
}
