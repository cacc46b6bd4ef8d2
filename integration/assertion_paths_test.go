package integration

import (
	"net/http"
	"strings"
	"testing"

	"github.com/b4b0c547/caddy-instagram-auth/instagramtest"
)

// Behaviours 28 and 31: a request that passes with a bearer token carries
// the signed assertion too, naming the token's user, with a sid that is
// neither the token nor the same as a browser session's.
func TestAssertionOnBearerRequests(t *testing.T) {
	h := newHarness(t, withAssertion("allow_bearer"))
	token := h.ig.MintToken("tess", true)
	e := h.upstreamSaw(h.bearerCall("/api", token))
	assertion := e.Header.Get(assertionHeader)
	set, _, _ := fetchJWKS(t, siteURL)
	_, claims, err := verifyAssertion(set, assertion, siteURL)
	if err != nil {
		t.Fatalf("the bearer request's assertion: %v", err)
	}
	sid, _ := claims["sid"].(string)
	if claims["sub"] != instagramtest.UserID("tess") || claims["instagram_username"] != "tess" || sid == "" ||
		strings.Contains(token, sid) || strings.Contains(assertion, token) {
		t.Errorf("claims %v: want tess, and a sid that is not the token", claims)
	}
	again := h.upstreamSaw(h.bearerCall("/api", token)).Header.Get(assertionHeader)
	if _, c2, err := verifyAssertion(set, again, siteURL); err != nil || c2["sid"] != sid {
		t.Errorf("the token's next request: sid %v, want %v (%v)", c2["sid"], sid, err)
	}
	h.mustLogin(h.client, "tess", "/")
	browser := h.upstreamSaw(h.get("/")).Header.Get(assertionHeader)
	if _, c3, err := verifyAssertion(set, browser, siteURL); err != nil || c3["sid"] == sid {
		t.Errorf("the same user's browser session: sid %v, the token's %v (%v)", c3["sid"], sid, err)
	}
}

// Behaviour 32: the auth endpoint's 200 carries the assertion on the
// response, for a session and for a bearer token, for the proxy to hand on;
// its 401 carries none.
func TestAssertionOnTheAuthEndpoint(t *testing.T) {
	h := newHarness(t, withAssertion("allow_bearer"))
	set, _, _ := fetchJWKS(t, siteURL)
	check := func(what string, resp *http.Response, user string) {
		t.Helper()
		_, claims, err := verifyAssertion(set, resp.Header.Get(assertionHeader), siteURL)
		if resp.StatusCode != http.StatusOK || err != nil || claims["sub"] != instagramtest.UserID(user) {
			t.Errorf("%s: status %d, assertion %v, claims %v", what, resp.StatusCode, err, claims)
		}
	}
	h.mustLogin(h.client, "ugo", "/")
	check("a session", h.askAuth(h.client, http.MethodGet), "ugo")
	check("a bearer token", h.askAuth(appClient, http.MethodGet, "Authorization", "Bearer "+h.ig.MintToken("vic", true)), "vic")
	if resp := h.askAuth(appClient, http.MethodGet); resp.StatusCode != http.StatusUnauthorized || len(assertionsIn(resp.Header)) != 0 {
		t.Errorf("without a session: status %d, assertion %v", resp.StatusCode, assertionsIn(resp.Header))
	}
}

// Behaviours 29 and 30 as a Caddyfile writes them: a jwks_path of the
// site's own, and assertion_key_rotation off (one key, never replaced),
// whose JWKS is kept the default 5 minutes.
func TestJWKSPathAndRotationOff(t *testing.T) {
	h := newHarness(t, withAssertion("jwks_path /.well-known/jwks.json", "assertion_key_rotation off"))
	resp := h.do(appClient, http.MethodGet, siteURL+"/.well-known/jwks.json", nil)
	body := readAll(t, resp)
	if resp.StatusCode != http.StatusOK || !strings.Contains(body, `"keys"`) || resp.Header.Get("Cache-Control") != "public, max-age=300" {
		t.Errorf("GET jwks_path: status %d, Cache-Control %q, body %s", resp.StatusCode, resp.Header.Get("Cache-Control"), body)
	}
	if resp := h.do(appClient, http.MethodGet, siteURL+jwksPath, nil, "Accept", "application/json"); resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("the default path with jwks_path set: status %d, want the 401 of any protected path", resp.StatusCode)
	}
}
