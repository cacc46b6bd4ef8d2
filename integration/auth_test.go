package integration

import (
	"net/http"
	"strings"
	"testing"

	"github.com/b4b0c547/caddy-instagram-auth/instagramtest"
)

// Behaviour 32: the auth endpoint that nginx auth_request, Traefik
// forwardAuth and another Caddy's forward_auth ask.

const defaultAuthPath = "/oauth2/instagram/auth"

// askAuth asks the auth endpoint as a proxy does: with the browser's
// cookies (c's jar) and the headers given.
func (h *harness) askAuth(c *http.Client, method string, header ...string) *http.Response {
	h.t.Helper()
	return h.do(c, method, siteURL+defaultAuthPath, nil, header...)
}

// trustLoopbackProxy reloads the harness's Caddy with 127.0.0.1 (where the
// tests' requests come from) in trusted_proxies, as behind nginx.
func (h *harness) trustLoopbackProxy() {
	h.t.Helper()
	h.load(strings.Replace(h.caddyfile(), "grace_period 1ns",
		"grace_period 1ns\n\tservers {\n\t\ttrusted_proxies static 127.0.0.1/32\n\t}", 1))
}

// forwardedLies are the headers proxies set to say which request they are
// asking about, pointing at what the directive's matcher leaves open, at
// the callback and at other own paths.
func forwardedLies() [][]string {
	var lies [][]string
	for _, uri := range []string{
		"/public/page", "/public/", "/", defaultRedirectPath + "?code=x&state=y", defaultLogoutPath,
		defaultWhoamiPath, "/oauth2/instagram/start?rd=/public", "/public/../app/x",
	} {
		lies = append(lies, []string{
			"X-Forwarded-Uri", uri, "X-Original-URI", uri, "X-Original-URL", uri, "X-Rewrite-URL", uri,
			"X-Forwarded-Prefix", uri, "X-Forwarded-Path", uri, "X-Forwarded-Method", "OPTIONS",
			"X-Original-Method", "OPTIONS", "X-Forwarded-Host", "public.example", "X-Forwarded-Proto", "https",
			"X-Forwarded-For", "10.0.0.1", "X-Real-IP", "10.0.0.1", "Forwarded", "for=10.0.0.1;host=public.example",
		})
	}
	return lies
}

// oauth2-proxy's GHSA-7x63-xv5r-3p2x: its auth endpoint matched its
// skip-auth routes against X-Forwarded-Uri, so a client that set the
// header to an open path got a 200 for any request. Here the matcher
// protects /app/* only, leaving the rest open, and the auth endpoint's
// decision is the session's alone, from any address, trusted proxy or not.
func TestAuthEndpointIgnoresForwardedURIs(t *testing.T) {
	h := newHarness(t, withMatcher("/app/*"))
	loggedIn := newBrowser(t)
	h.mustLogin(loggedIn, "ida", "/app/x")
	for _, trusted := range []bool{false, true} {
		if trusted {
			h.trustLoopbackProxy()
		}
		for _, lie := range forwardedLies() {
			for _, method := range []string{http.MethodGet, http.MethodHead} {
				resp := h.askAuth(newBrowser(t), method, append([]string{"Accept", "text/html"}, lie...)...)
				if resp.StatusCode != http.StatusUnauthorized {
					t.Fatalf("trusted %v, %s with %q: status %d, want 401", trusted, method, lie[1], resp.StatusCode)
				}
				resp = h.askAuth(loggedIn, method, lie...)
				if resp.StatusCode != http.StatusOK || resp.Header.Get(defaultHeaderUserID) != instagramtest.UserID("ida") {
					t.Fatalf("trusted %v, %s with a session and %q: status %d, user %q", trusted, method, lie[1],
						resp.StatusCode, resp.Header.Get(defaultHeaderUserID))
				}
			}
		}
	}
	if n := h.up.calls.Load(); n != 0 {
		t.Errorf("the upstream was called %d times", n)
	}
}
