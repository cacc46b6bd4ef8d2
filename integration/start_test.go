package integration

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// Behaviour 33: the start endpoint, which nginx's error_page sends
// browsers to.

const defaultStartPath = "/oauth2/instagram/start"

// loginVia completes a login that a start request began: the 302 to
// Instagram, the consent, the callback. It returns the callback's answer.
func (h *harness) loginVia(c *http.Client, start *http.Response, username string) *http.Response {
	h.t.Helper()
	loc := start.Header.Get("Location")
	if start.StatusCode != http.StatusFound || !strings.HasPrefix(loc, h.ig.AuthorizeURL()+"?") {
		h.t.Fatalf("start: status %d to %q, want a 302 to Instagram", start.StatusCode, loc)
	}
	return h.do(c, http.MethodGet, stripFragment(h.consent(c, loc, username, true)), nil)
}

// nginx's error_page sends $request_uri unencoded: rd takes the rest of the
// query, "&" and "?" included; a target sent encoded is decoded once.
func TestStartEndpointReturnsToRD(t *testing.T) {
	h := newHarness(t)
	for query, want := range map[string]string{
		"rd=/notes/7?tab=all&sort=new": "/notes/7?tab=all&sort=new",
		"rd=%2Fp%3Fa%3D1%26b%3D2":      "/p?a=1&b=2",
		"x=1&rd=/a?b=%2F":              "/a?b=%2F",
		"rd=http://localhost:9080/abs": "/abs", // this site's own origin counts as its path
		"":                             "/",
		"rd=https://evil.example/":     "/",
	} {
		c := newBrowser(t)
		start := h.do(c, http.MethodGet, siteURL+defaultStartPath+"?"+query, nil, "Accept", "text/html")
		cb := h.loginVia(c, start, "pia")
		if cb.StatusCode != http.StatusFound || cb.Header.Get("Location") != want {
			t.Errorf("start?%s: the login came back to %q (status %d), want %q", query, cb.Header.Get("Location"), cb.StatusCode, want)
		}
		// Logged in, the start endpoint sends the browser straight on.
		again := h.do(c, http.MethodGet, siteURL+defaultStartPath+"?"+query, nil, "Accept", "text/html")
		if again.StatusCode != http.StatusFound || again.Header.Get("Location") != want {
			t.Errorf("start?%s with a session: status %d to %q, want 302 to %q", query, again.StatusCode, again.Header.Get("Location"), want)
		}
	}
}

// A request that is not a page load gets the 401 of API calls, so an API
// behind nginx keeps its 401; it starts no login.
func TestStartEndpointAPIsKeepTheir401(t *testing.T) {
	h := newHarness(t)
	for _, header := range [][]string{
		{"Accept", "application/json"},
		{"Accept", "text/html", "Sec-Fetch-Mode", "cors"},
		{"Accept", "text/html", "X-Requested-With", "XMLHttpRequest"},
		{"Accept", "*/*", "Upgrade", "websocket", "Connection", "Upgrade"},
	} {
		resp := h.do(newBrowser(t), http.MethodGet, siteURL+defaultStartPath+"?rd=/api/x", nil, header...)
		if body := readAll(t, resp); resp.StatusCode != http.StatusUnauthorized || !strings.Contains(body, `"unauthorized"`) ||
			len(resp.Cookies()) != 0 {
			t.Errorf("%v: status %d, cookies %v, body %s; want the bare 401", header, resp.StatusCode, resp.Cookies(), body)
		}
	}
	resp := h.do(newBrowser(t), http.MethodPost, siteURL+defaultStartPath+"?rd=/", strings.NewReader("x"), "Accept", "text/html")
	if resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("POST: status %d, want 401", resp.StatusCode)
	}
	if n := h.ig.AuthorizeRequests(); n != 0 {
		t.Errorf("%d logins reached Instagram", n)
	}
}

// The open-redirect corpus of internal/target's tests, sent as rd encoded
// and, where a request line can carry it, as sent: with a session the
// start endpoint's 302, without one the login's return, never leave the
// site.
func TestStartEndpointNoOpenRedirect(t *testing.T) {
	h := newHarness(t, withOptions("login_rate_limit off"))
	h.mustLogin(h.client, "quentin", "/")
	session := insecureCookieName + "=" + sessionCookie(h.client)
	sent := 0
	defer func() { t.Logf("%d rd values sent, each with and without a session", sent) }()
	corpus := append(redirectCorpus(t, "offsite"), redirectCorpus(t, "lookalike")...)
	for _, raw := range corpus {
		forms := []string{percentEncodeAll(raw)}
		if sendableRaw(raw) {
			forms = append(forms, raw)
		}
		for _, rd := range forms {
			sent++
			resp := rawGet(t, defaultStartPath+"?rd="+rd, pageLoad("Cookie", session)...)
			checkStaysOnSite(t, "start with a session, rd="+rd, resp)
			start := rawGet(t, defaultStartPath+"?rd="+rd, pageLoad()...)
			c := newBrowser(t)
			setCookie(c, start.Cookies()[0].Name, start.Cookies()[0].Value)
			checkStaysOnSite(t, "login from start, rd="+rd, h.loginVia(c, start, "quentin"))
		}
	}
}

// pageLoad is a browser's page load on the harness's site, as headers of
// a raw request.
func pageLoad(header ...string) []string {
	return append([]string{"Host", fmt.Sprintf("localhost:%d", sitePort), "Accept", "text/html"}, header...)
}

// percentEncodeAll encodes every byte, so that rd arrives as a value its
// sender encoded, which the start endpoint decodes once.
func percentEncodeAll(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		fmt.Fprintf(&b, "%%%02X", s[i])
	}
	return b.String()
}

// sendableRaw: printable ASCII without a space or "#", which a request
// line carries as it is.
func sendableRaw(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] <= ' ' || s[i] >= 0x7f || s[i] == '#' {
			return false
		}
	}
	return true
}

// checkStaysOnSite fails unless resp is a 302 to a path of this site.
func checkStaysOnSite(t *testing.T, what string, resp *http.Response) {
	t.Helper()
	loc := resp.Header.Get("Location")
	if resp.StatusCode != http.StatusFound || !isSitePath(loc) {
		t.Errorf("%s: status %d to %q, want a 302 to a path of the site", what, resp.StatusCode, loc)
		return
	}
	base, _ := url.Parse(siteURL + "/")
	if dest, err := base.Parse(loc); err != nil || dest.Host != base.Host {
		t.Errorf("%s: Location %q leaves the site", what, loc)
	}
}

// Behaviour 36: behind nginx, rd's absolute URL is this site's when it
// names the origin the browser reached, which only a trusted proxy's
// X-Forwarded-Proto and -Host tell; a client sending the same headers
// straight to Caddy gets "/".
func TestStartEndpointBehindAProxy(t *testing.T) {
	h := newHarness(t)
	h.mustLogin(h.client, "rosa", "/")
	forwarded := []string{"X-Forwarded-Proto", "https", "X-Forwarded-Host", "app.example:8443"}
	ask := func(rd string) string {
		resp := h.do(h.client, http.MethodGet, siteURL+defaultStartPath+"?rd="+rd, nil,
			append([]string{"Accept", "text/html"}, forwarded...)...)
		return resp.Header.Get("Location")
	}
	cases := []struct{ rd, direct, trusted string }{
		{"https://app.example:8443/p?q=1", "/", "/p?q=1"},
		{"http://localhost:9080/p", "/p", "/"}, // behind the proxy, the browser never reached this origin
		{"http://app.example:8443/p", "/", "/"},
		{"https://app.example/p", "/", "/"},
		{"/p", "/p", "/p"},
	}
	for _, c := range cases {
		if got := ask(c.rd); got != c.direct {
			t.Errorf("direct client, rd=%s: Location %q, want %q", c.rd, got, c.direct)
		}
	}
	h.trustLoopbackProxy()
	for _, c := range cases {
		if got := ask(c.rd); got != c.trusted {
			t.Errorf("trusted proxy, rd=%s: Location %q, want %q", c.rd, got, c.trusted)
		}
	}
}
