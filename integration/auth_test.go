package integration

import (
	"net/http"
	"strings"
	"testing"
	"time"

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

// With a session: 200, an empty body, the identity on the response, no
// cache; without: the 401 of API calls whatever Accept, never a redirect
// or a pending login. GET and HEAD only. The upstream is never asked.
func TestAuthEndpoint(t *testing.T) {
	h := newHarness(t, withMatcher("/private/*"))
	for _, accept := range []string{"text/html", "application/json", "*/*", ""} {
		resp := h.askAuth(newBrowser(t), http.MethodGet, "Accept", accept, "Sec-Fetch-Mode", "navigate")
		body := readAll(t, resp)
		if resp.StatusCode != http.StatusUnauthorized || !strings.Contains(body, `"unauthorized"`) ||
			resp.Header.Get("Location") != "" || len(resp.Cookies()) != 0 {
			t.Errorf("Accept %q without a session: status %d, cookies %v, body %s", accept, resp.StatusCode, resp.Cookies(), body)
		}
	}
	h.mustLogin(h.client, "sven", "/private/x")
	token := h.upstreamSaw(h.get("/private/x")).Header.Get(defaultHeaderToken)
	calls := h.up.calls.Load()
	for _, method := range []string{http.MethodGet, http.MethodHead} {
		resp := h.askAuth(h.client, method)
		if body := readAll(t, resp); resp.StatusCode != http.StatusOK || body != "" {
			t.Fatalf("%s with a session: status %d, body %q", method, resp.StatusCode, body)
		}
		for name, want := range map[string]string{
			defaultHeaderUserID: instagramtest.UserID("sven"), defaultHeaderUsername: "sven", defaultHeaderToken: token,
			"Cache-Control": "no-store",
		} {
			if got := resp.Header.Values(name); len(got) != 1 || got[0] != want {
				t.Errorf("%s: response %s %q, want %q", method, name, got, want)
			}
		}
		if n := len(resp.Header.Values("Set-Cookie")); n != 0 {
			t.Errorf("%s: %d Set-Cookie lines, want none (nothing to renew)", method, n)
		}
	}
	resp := h.askAuth(h.client, http.MethodPost)
	if resp.StatusCode != http.StatusMethodNotAllowed || resp.Header.Get("Allow") != "GET, HEAD" {
		t.Errorf("POST: status %d, Allow %q", resp.StatusCode, resp.Header.Get("Allow"))
	}
	if n := h.up.calls.Load() - calls; n != 0 {
		t.Errorf("the upstream was called %d times by the auth endpoint", n)
	}
}

// A cookie renewed for idle time and for a token refresh at once comes as
// one Set-Cookie: nginx passes on only the first.
func TestAuthEndpointRenewsWithOneCookie(t *testing.T) {
	h := newRefreshHarness(t, 10*24*time.Hour, withOptions("session_idle 30d"))
	h.mustLogin(h.client, "tove", "/")
	advanceClock(t, 4*24*time.Hour) // 6 days left of the token: a refresh is due, and the idle renewal
	resp := h.askAuth(h.client, http.MethodGet)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("status %d", resp.StatusCode)
	}
	if got := resp.Header.Values("Set-Cookie"); len(got) != 1 || !strings.HasPrefix(got[0], insecureCookieName+"=") {
		t.Errorf("Set-Cookie %q, want exactly the session's", got)
	}
	h.wantRefreshes(1, "after the auth request")
	if fresh := h.tokenWith(findSetCookie(resp, insecureCookieName).Value); fresh != resp.Header.Get(defaultHeaderToken) {
		t.Errorf("the renewed cookie forwards %q, the answer said %q", fresh, resp.Header.Get(defaultHeaderToken))
	}
}

// With allow_bearer, an app's token is judged here as on any path.
func TestAuthEndpointBearer(t *testing.T) {
	h := newHarness(t, withOptions("allow_bearer"))
	token := h.ig.MintToken("uma", true)
	resp := h.askAuth(appClient, http.MethodGet, "Authorization", "Bearer "+token)
	if resp.StatusCode != http.StatusOK || resp.Header.Get(defaultHeaderUserID) != instagramtest.UserID("uma") ||
		resp.Header.Get(defaultHeaderToken) != token || len(resp.Cookies()) != 0 {
		t.Errorf("a valid token: status %d, headers %v", resp.StatusCode, resp.Header)
	}
	checkInvalidToken(t, h.askAuth(appClient, http.MethodGet, "Authorization", "Bearer "+h.ig.MintOtherAppToken("uma", true)),
		"another app's token at the auth endpoint")
}
