package integration

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
)

// Look-alikes of allowed hosts never become return targets (behaviour
// 34), whichever way they reach the plugin: as the Host header (here a
// plain-HTTP site for every host, so Caddy's own host matching lets
// everything through to the plugin), as the X-Forwarded-Host of a trusted
// proxy in front (which may pass on whatever a client sent), or as the
// host of an absolute-form request target.

const catchAllCallback = "http://auth.example.com:9080/oauth2/instagram/callback"

// catchAllConfig serves every host on the harness's HTTP port, trusts
// 127.0.0.1 as a proxy, and allows example.com and the hosts under it.
func (h *harness) catchAllConfig() string {
	global := h.globalOptions()
	global = strings.Replace(global, "grace_period 1ns", "grace_period 1ns\n\tservers {\n\t\ttrusted_proxies static 127.0.0.1/32\n\t}", 1)
	return global + fmt.Sprintf(`
http://:%d {
	instagram_auth {
		client_id %s
		client_secret %s
		authorize_url %s
		token_url %s
		userinfo_url off
		long_lived_token off
		insecure_cookies
		login_rate_limit off
		cookie_domain example.com
		redirect_uri %s
		return_hosts example.com *.example.com
	}
	reverse_proxy %s
}
`, sitePort, testID, testSecret, h.ig.AuthorizeURL(), h.ig.TokenURL(), catchAllCallback, strings.TrimPrefix(h.up.URL, "http://"))
}

// landing sends the start request as written; if it starts a login, it
// allows it at the mock and returns where the callback sends the browser.
// started is false when the plugin did not start a login (Caddy refused
// the request, say); any other redirect fails the test.
func (h *harness) landing(target string, header ...string) (loc string, started bool) {
	h.t.Helper()
	resp := rawGet(h.t, target, append([]string{"Accept", "text/html"}, header...)...)
	authorize := resp.Header.Get("Location")
	if !strings.HasPrefix(authorize, h.ig.AuthorizeURL()+"?") {
		if authorize != "" {
			h.t.Errorf("GET %q %q: redirected to %q", target, header, authorize)
		}
		return "", false
	}
	state := stateCookieIn(resp, insecureCookieName)
	if state == nil || state.Domain != "example.com" {
		h.t.Fatalf("GET %q %q: state cookie %+v, want one for example.com", target, header, state)
	}
	browser := &http.Client{
		Transport:     &http.Transport{DialContext: dialNamesOnLoopback},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
	cb := stripFragment(h.consent(browser, authorize, "eve", true))
	if !strings.HasPrefix(cb, catchAllCallback+"?") {
		h.t.Fatalf("callback %q is not the one redirect URI", cb)
	}
	resp = h.do(browser, http.MethodGet, cb, nil, "Cookie", state.Name+"="+state.Value)
	if resp.StatusCode != http.StatusFound {
		h.t.Fatalf("GET %q %q: callback status %d, want 302", target, header, resp.StatusCode)
	}
	return resp.Header.Get("Location"), true
}

// The look-alikes the README names, and the spellings a browser
// normalises: each lands where the hand-written answer says ("" for a
// login that must not start), by Host and by X-Forwarded-Host alike.
func TestCrossHostLookAlikes(t *testing.T) {
	h := newHarness(t)
	h.load(h.catchAllConfig())
	for _, c := range []struct{ host, want, wantForwarded string }{
		{"app1.example.com:9080", "http://app1.example.com:9080/x", "http://app1.example.com:9080/x"},
		{"evil-example.com", "/", "/"},
		{"evil-example.com:9080", "/", "/"},
		{"example.com.evil.net", "/", "/"},
		{"app1.example.com.evil.net:9080", "/", "/"},
		{"auth.example.com@evil.net", "", "/"},
		{"app1.example.com:9080@evil.net", "", "/"},
		{"evil.net@app1.example.com:9080", "", "/"},
		{"app1.ex%61mple.com:9080", "http://app1.example.com:9080/x", "http://app1.example.com:9080/x"},
		{"APP1.Example.COM:9080", "http://app1.example.com:9080/x", "http://app1.example.com:9080/x"},
		{"example.com.", "http://example.com/x", "http://example.com/x"},
		{"app1.example.com.:9080", "http://app1.example.com:9080/x", "http://app1.example.com:9080/x"},
		{"127.0.0.1:9080", "/", "/"},
		{"2130706433:9080", "/", "/"},
		{"[::1]:9080", "/", "/"},
		{"app1.example.com:9080/evil", "", "/"},
		{"evil.net/.example.com", "", "/"},
		{"evil.net?.example.com", "", "/"},
		{"evil.net#.example.com", "", "/"},
		{`evil.net\.example.com`, "", "/"},
		{"evil.net%2F.example.com", "/", "/"},
		{"app1.example.com:0443", "/", "/"},
		{"app1.example.com, evil.net", "", "http://app1.example.com:9080/x"}, // a list names no one host: Host is taken
	} {
		if loc, started := h.landing("/x", "Host", c.host); loc != c.want || started != (c.want != "") {
			t.Errorf("Host %q: lands on %q (started %v), want %q", c.host, loc, started, c.want)
		}
		loc, _ := h.landing("/x", "Host", "app1.example.com:9080", "X-Forwarded-Proto", "http", "X-Forwarded-Host", c.host)
		if loc != c.wantForwarded {
			t.Errorf("X-Forwarded-Host %q: lands on %q, want %q", c.host, loc, c.wantForwarded)
		}
	}
	// An absolute-form request target names the host (RFC 9112 3.2.2).
	for target, want := range map[string]string{
		"http://evil.net/x":                    "/",
		"http://app1.example.com:9080/x":       "http://app1.example.com:9080/x",
		"http://example.com.evil.net:9080/x":   "/",
		"http://app1.example.com:9080//evil/x": "http://app1.example.com:9080/",
	} {
		if loc, _ := h.landing(target, "Host", "app1.example.com:9080"); loc != want {
			t.Errorf("GET %s: lands on %q, want %q", target, loc, want)
		}
	}
}

// The open-redirect corpus of internal/target's tests, through the
// cross-host path of a real Caddy: every look-alike as Host, as
// X-Forwarded-Host and as an absolute-form target, every off-site return
// path on an allowed host. No login lands anywhere but a path of the
// callback's site or an allowed host (allowedLanding, which is written
// without the plugin's code).
func TestCrossHostRedirectCorpus(t *testing.T) {
	h := newHarness(t)
	h.load(h.catchAllConfig())
	logins, toHost := 0, 0
	check := func(what string, loc string, started bool) {
		t.Helper()
		if started {
			logins++
			if loc != "/" && !strings.HasPrefix(loc, "/") {
				toHost++
			}
		}
		if started && !allowedLanding(loc) {
			t.Errorf("%s: lands on %q, off the allowed hosts", what, loc)
		}
	}
	lookalikes := redirectCorpus(t, "lookalike")
	for _, e := range lookalikes {
		host := authorityOf(e)
		loc, started := h.landing("/x", "Host", host)
		check(fmt.Sprintf("Host %q", host), loc, started)
		loc, started = h.landing("/x", "Host", "app1.example.com:9080", "X-Forwarded-Host", host)
		check(fmt.Sprintf("X-Forwarded-Host %q", host), loc, started)
		if strings.HasPrefix(strings.ToLower(e), "http") {
			loc, started = h.landing(e, "Host", "app1.example.com:9080")
			check(fmt.Sprintf("GET %q", e), loc, started)
		}
	}
	for _, p := range redirectCorpus(t, "offsite") {
		loc, started := h.landing(p, "Host", "app1.example.com:9080")
		check(fmt.Sprintf("GET %q on app1", p), loc, started)
		if started && loc != "/" && !strings.HasPrefix(loc, "http://app1.example.com:9080/") {
			t.Errorf("GET %q on app1: lands on %q, want app1 or / of the callback's site", p, loc)
		}
	}
	// Not a vacuous pass: most requests got to the plugin, and a few are
	// allowed hosts however they look (the look-alike is in their path).
	t.Logf("%d logins completed, %d of them back to an allowed host", logins, toHost)
	if logins < len(lookalikes) || toHost == 0 {
		t.Errorf("%d logins (%d to an allowed host) for %d look-alikes: the corpus barely reached the plugin", logins, toHost, len(lookalikes))
	}
}

// authorityOf is the part of a corpus entry a browser would send as Host:
// after "scheme://", up to the path, query or fragment.
func authorityOf(e string) string {
	if _, rest, ok := strings.Cut(e, "://"); ok {
		e = rest
	}
	if i := strings.IndexAny(e, "/?#"); i >= 0 {
		e = e[:i]
	}
	return e
}
