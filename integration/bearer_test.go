package integration

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/b4b0c547/caddy-instagram-auth/instagramtest"
)

// Behaviour 31: bearer tokens for apps and APIs.

// appClient is an app's HTTP client: no cookies, redirects not followed.
var appClient = &http.Client{
	Timeout:       15 * time.Second,
	CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
}

// bearerCall is an app's API call: no cookie, the token in Authorization.
func (h *harness) bearerCall(path, token string, header ...string) *http.Response {
	h.t.Helper()
	header = append([]string{"Authorization", "Bearer " + token, "Accept", "application/json"}, header...)
	return h.do(appClient, http.MethodGet, siteURL+path, nil, header...)
}

// checkInvalidToken checks the answer to a refused or malformed token:
// 401, the RFC 6750 challenge, a JSON body, no cookie, no redirect.
func checkInvalidToken(t *testing.T, resp *http.Response, what string) {
	t.Helper()
	body := readAll(t, resp)
	if resp.StatusCode != http.StatusUnauthorized {
		t.Fatalf("%s: status %d, want 401; body %s", what, resp.StatusCode, body)
	}
	if got := resp.Header.Get("WWW-Authenticate"); got != `Bearer error="invalid_token"` {
		t.Errorf("%s: WWW-Authenticate %q", what, got)
	}
	var m map[string]any
	if err := json.Unmarshal([]byte(body), &m); err != nil || m["error"] != "invalid_token" {
		t.Errorf("%s: body %q, want JSON with error invalid_token", what, body)
	}
	if len(resp.Header.Values("Set-Cookie")) != 0 || resp.Header.Get("Location") != "" {
		t.Errorf("%s: a cookie or a redirect: %v", what, resp.Header)
	}
}

// The confused deputy: a token that Instagram issued to another app (its
// holder logged in there, or that app's owner replays its users' tokens)
// names a real user at /me. Only appsecret_proof, made with this site's
// secret, makes Instagram refuse it: the site must never accept it.
func TestBearerTokenOfAnotherAppRefused(t *testing.T) {
	h := newHarness(t, withOptions("allow_bearer"))
	stolen := h.ig.MintOtherAppToken("olga", true)
	before := h.ig.UserinfoRequests()
	for _, accept := range []string{"application/json", "text/html"} {
		checkInvalidToken(t, h.bearerCall("/api/notes", stolen, "Accept", accept), "another app's token")
	}
	if n := h.ig.UserinfoRequests() - before; n != 1 {
		t.Errorf("Instagram was asked %d times, want once (the refusal is kept)", n)
	}
	if h.up.calls.Load() != 0 {
		t.Error("the upstream was called")
	}
	// The same user's token of this app is accepted: the refusal was the
	// app's, not the user's.
	own := h.ig.MintToken("olga", true)
	e := h.upstreamSaw(h.bearerCall("/api/notes", own))
	if e.Header.Get(defaultHeaderUserID) != instagramtest.UserID("olga") {
		t.Errorf("own app's token: upstream saw user %q", e.Header.Get(defaultHeaderUserID))
	}
}

// A token that passes reaches the upstream as a session would, and its
// Authorization header does not; no cookie, no redirect, whatever Accept.
func TestBearerTokenPassesAsASession(t *testing.T) {
	h := newHarness(t, withOptions("allow_bearer"))
	token := h.ig.MintToken("bruno", true)
	resp := h.bearerCall("/api/notes?x=1", token, "Accept", "text/html", "X-Instagram-User-Id", "1")
	if len(resp.Header.Values("Set-Cookie")) != 0 {
		t.Errorf("a bearer request got cookies: %v", resp.Header.Values("Set-Cookie"))
	}
	e := h.upstreamSaw(resp)
	for name, want := range map[string]string{
		defaultHeaderUserID: instagramtest.UserID("bruno"), defaultHeaderUsername: "bruno", defaultHeaderToken: token,
	} {
		if got := e.Header.Values(name); len(got) != 1 || got[0] != want {
			t.Errorf("upstream saw %s %q, want %q", name, got, want)
		}
	}
	if got := e.Header.Values("Authorization"); len(got) != 0 {
		t.Errorf("the upstream saw Authorization %q", got)
	}
	// The placeholders, as Caddy's access log reads them.
	resp = h.bearerCall("/whoami", token)
	if body := readAll(t, resp); body != "id="+instagramtest.UserID("bruno")+" name=bruno" {
		t.Errorf("placeholders: %q", body)
	}
	if n := h.ig.UserinfoRequests(); n != 1 {
		t.Errorf("Instagram was asked %d times for one token, want once", n)
	}
}

// Refused tokens (revoked, expired, unknown, junk) get the 401 of RFC 6750,
// never a login; a malformed Authorization header too, without a call.
func TestBearerTokenRefused(t *testing.T) {
	h := newHarness(t, withOptions("allow_bearer"))
	revoked := h.ig.MintToken("carl", true)
	h.ig.RevokeToken(revoked)
	for what, token := range map[string]string{
		"revoked": revoked,
		"unknown": "IGAA" + strings.Repeat("x", 180),
	} {
		checkInvalidToken(t, h.bearerCall("/", token, "Accept", "text/html"), what)
	}
	calls := h.ig.UserinfoRequests()
	for what, value := range map[string]string{
		"two tokens":     "Bearer a b",
		"empty":          "Bearer ",
		"two spaces":     "Bearer  abc",
		"quoted":         `Bearer "abc"`,
		"over 16 KiB":    "Bearer " + strings.Repeat("A", 16<<10+1),
		"scheme and tab": "Bearer\tabc",
	} {
		resp := h.do(appClient, http.MethodGet, siteURL+"/", nil, "Authorization", value, "Accept", "text/html")
		checkInvalidToken(t, resp, what)
	}
	if n := h.ig.UserinfoRequests() - calls; n != 0 {
		t.Errorf("malformed headers cost %d calls to Instagram", n)
	}
	if h.up.calls.Load() != 0 {
		t.Error("the upstream was called")
	}
}
