package instagramauth

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// Behaviour 3: X-Forwarded-* never shape the redirect_uri
// (caddy-security CVE-2024-21499).
func TestRedirectURIIgnoresForwardedHeaders(t *testing.T) {
	h := newHarness(t)
	resp := h.get("/", "X-Forwarded-Proto", "https", "X-Forwarded-Host", "evil.example", "Forwarded", "host=evil.example;proto=https")
	got := mustQuery(t, resp.Header.Get("Location")).Get("redirect_uri")
	if got != siteURL+defaultRedirectPath {
		t.Errorf("redirect_uri %q, want %q", got, siteURL+defaultRedirectPath)
	}
}

// authorize_url may carry parameters of its own (force_reauth,
// enable_fb_login); ours are added, and a client_id or state in it is
// replaced, not doubled.
func TestAuthorizeURLKeepsItsParameters(t *testing.T) {
	h := &Handler{ClientID: "42"}
	h.cfg.authorizeBase = authorizeBase("https://www.instagram.com/oauth/authorize?enable_fb_login=false&state=x&client_id=9", "42", "a,b")
	q := mustQuery(t, h.authorizeLocation(pendingLogin{state: "s1", redirectURI: "https://app.example/cb?x=1"}))
	want := url.Values{
		"enable_fb_login": {"false"}, "client_id": {"42"}, "response_type": {"code"},
		"scope": {"a,b"}, "redirect_uri": {"https://app.example/cb?x=1"}, "state": {"s1"},
	}
	if q.Encode() != want.Encode() {
		t.Errorf("authorize query %q, want %q", q.Encode(), want.Encode())
	}
}

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
