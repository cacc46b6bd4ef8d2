package integration

import (
	"net/http"
	"strings"
	"testing"
)

// Behaviour 21, cookie tossing, through a real Caddy; the browser's part
// of the defence (the prefixes) is tested in Chromium, e2e/tossing_test.go.

// A browser sends a cookie planted for the parent domain, or for a longer
// path, before the site's own. Sessions of
// two different users in one request mean someone planted one: no session,
// whichever comes first, rather than the attacker's account.
func TestSessionsOfTwoUsersMeanNoSession(t *testing.T) {
	h := newHarness(t)
	h.mustLogin(h.client, "vera", "/")
	victim := sessionCookie(h.client)
	attacker := newBrowser(t)
	h.mustLogin(attacker, "mallory", "/")
	planted := sessionCookie(attacker)
	second := newBrowser(t)
	h.mustLogin(second, "vera", "/") // vera again, on another device
	// No jar: the request carries the cookies below and nothing else.
	stranger := &http.Client{CheckRedirect: h.client.CheckRedirect}
	for name, cookies := range map[string]string{
		"planted first":  insecureCookieName + "=" + planted + "; " + insecureCookieName + "=" + victim,
		"planted second": insecureCookieName + "=" + victim + "; theme=dark; " + insecureCookieName + "=" + planted,
		"separate lines": insecureCookieName + "=" + planted + "\n" + insecureCookieName + "=" + victim,
	} {
		var header []string
		for _, line := range strings.Split(cookies, "\n") {
			header = append(header, "Cookie", line)
		}
		api := h.do(stranger, http.MethodGet, siteURL+"/", nil, append([]string{"Accept", "application/json"}, header...)...)
		if api.StatusCode != http.StatusUnauthorized {
			t.Errorf("%s: API call with vera's and mallory's sessions: status %d, want 401", name, api.StatusCode)
		}
		page := h.do(stranger, http.MethodGet, siteURL+"/", nil, append([]string{"Accept", "text/html"}, header...)...)
		if page.StatusCode != http.StatusFound || !strings.HasPrefix(page.Header.Get("Location"), h.ig.AuthorizeURL()) {
			t.Errorf("%s: page load: status %d to %q, want 302 to Instagram", name, page.StatusCode, page.Header.Get("Location"))
		}
	}
	// Two sessions of the same user (a stale cookie of another device, a
	// host-only and a domain one) are still that user.
	resp := h.do(stranger, http.MethodGet, siteURL+"/", nil, "Accept", "application/json",
		"Cookie", insecureCookieName+"="+sessionCookie(second)+"; "+insecureCookieName+"="+victim)
	if e := h.upstreamSaw(resp); e.Header.Get("X-Instagram-Username") != "vera" {
		t.Errorf("two sessions of vera: upstream saw %q", e.Header.Get("X-Instagram-Username"))
	}
}

// secureSite reloads the harness without insecure_cookies: the defaults a
// production site gets. Go's cookie jar keeps Secure cookies off plain
// HTTP, so tests carry them by hand.
func (h *harness) secureSite(options ...string) {
	h.t.Helper()
	cf := strings.Replace(h.caddyfile(), "insecure_cookies\n", strings.Join(options, "\n")+"\n", 1)
	h.load(cf)
}

// setCookieNamed finds the Set-Cookie of the response whose name starts
// with prefix.
func setCookieNamed(t *testing.T, resp *http.Response, prefix string) *http.Cookie {
	t.Helper()
	for _, c := range resp.Cookies() {
		if strings.HasPrefix(c.Name, prefix) {
			return c
		}
	}
	t.Fatalf("no cookie %s... among %q", prefix, resp.Header.Values("Set-Cookie"))
	return nil
}

// Behaviour 21: by default the session and state cookies carry __Host-
// (Secure, no Domain, path /), which a browser refuses from a sibling
// subdomain or with a Domain or another path; __Secure- with cookie_domain;
// no prefix with insecure_cookies, which both prefixes forbid.
func TestDefaultCookieNamesCarryPrefix(t *testing.T) {
	h := newHarness(t)
	for _, c := range []struct {
		options []string
		name    string
		domain  string
		secure  bool
	}{
		{nil, "__Host-instagram_auth", "", true},
		{[]string{"cookie_domain localhost"}, "__Secure-instagram_auth", "localhost", true},
		{[]string{"insecure_cookies"}, "_instagram_auth", "", false},
	} {
		h.secureSite(c.options...)
		browser := &http.Client{CheckRedirect: h.client.CheckRedirect}
		start := h.do(browser, http.MethodGet, siteURL+"/wanted", nil, "Accept", "text/html")
		state := setCookieNamed(t, start, c.name+pendingInfix)
		cb := stripFragment(h.consent(browser, start.Header.Get("Location"), "wendy", true))
		done := h.do(browser, http.MethodGet, cb, nil, "Cookie", state.Name+"="+state.Value)
		session := findSetCookie(done, c.name)
		if session == nil {
			t.Fatalf("%v: no %s cookie among %q", c.options, c.name, done.Header.Values("Set-Cookie"))
		}
		for _, ck := range []*http.Cookie{state, session} {
			if !strings.HasPrefix(ck.Name, c.name) || ck.Secure != c.secure || ck.Domain != c.domain || ck.Path != "/" || !ck.HttpOnly {
				t.Errorf("%v: cookie %s: Secure %v, Domain %q, Path %q, HttpOnly %v; want %s..., Secure %v, Domain %q, Path /",
					c.options, ck.Name, ck.Secure, ck.Domain, ck.Path, ck.HttpOnly, c.name, c.secure, c.domain)
			}
		}
		if done.Header.Get("Location") != "/wanted" {
			t.Fatalf("%v: the callback went to %q", c.options, done.Header.Get("Location"))
		}
		e := h.upstreamSaw(h.do(browser, http.MethodGet, siteURL+"/", nil, "Cookie", session.Name+"="+session.Value))
		if e.Header.Get("X-Instagram-Username") != "wendy" {
			t.Errorf("%v: the session opened to %q", c.options, e.Header.Get("X-Instagram-Username"))
		}
	}
}
