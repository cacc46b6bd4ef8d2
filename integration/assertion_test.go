package integration

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/b4b0c547/caddy-instagram-auth/instagramtest"
	"github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"
)

// Behaviours 28 and 29 (docs/behaviour.md) through a real Caddy: the signed
// assertion the upstream gets, the JWKS that verifies it, and the client's
// copies of the header, which never reach the upstream.

const (
	assertionHeader = "X-Instagram-Assertion"
	jwksPath        = "/oauth2/instagram/jwks.json"
)

// withAssertion turns the assertion on, with more options if given.
func withAssertion(more ...string) harnessOption {
	return withOptions(append([]string{"assertion_header " + assertionHeader}, more...)...)
}

// isAssertionHeader reports whether an upstream could read name as the
// assertion header: any case, '_' for '-'.
func isAssertionHeader(name string) bool { return foldHeader(name) == foldHeader(assertionHeader) }

// assertionsIn lists every value of hdr under any spelling of the header.
func assertionsIn(hdr http.Header) []string {
	var all []string
	for name, v := range hdr {
		if isAssertionHeader(name) {
			all = append(all, v...)
		}
	}
	return all
}

// fetchJWKS gets the site's JWKS as any verifier would.
func fetchJWKS(t *testing.T, base string) (jose.JSONWebKeySet, *http.Response, string) {
	t.Helper()
	resp, err := http.Get(base + jwksPath)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	var set jose.JSONWebKeySet
	if resp.StatusCode != http.StatusOK || json.Unmarshal(body, &set) != nil {
		t.Fatalf("GET %s: status %d, body %s", jwksPath, resp.StatusCode, body)
	}
	return set, resp, string(body)
}

var errUnknownKid = errors.New("unknown kid")

// verifyAssertion checks token as the docs tell an upstream to, with
// go-jose: ES256 only, typ JWT, the key its kid names in set, iss and aud
// equal to origin, exp not passed (on the tests' clock, which Caddy reads).
func verifyAssertion(set jose.JSONWebKeySet, token, origin string) (jose.Header, map[string]any, error) {
	return verifyAssertionAt(set, token, origin, now())
}

// verifyAssertionAt is verifyAssertion at t.
func verifyAssertionAt(set jose.JSONWebKeySet, token, origin string, t time.Time) (jose.Header, map[string]any, error) {
	tok, err := jwt.ParseSigned(token, []jose.SignatureAlgorithm{jose.ES256})
	if err != nil {
		return jose.Header{}, nil, err
	}
	hdr := tok.Headers[0]
	if typ := hdr.ExtraHeaders[jose.HeaderType]; typ != "JWT" {
		return hdr, nil, fmt.Errorf("typ %v, want JWT", typ)
	}
	keys := set.Key(hdr.KeyID)
	if len(keys) != 1 {
		return hdr, nil, fmt.Errorf("%w %q", errUnknownKid, hdr.KeyID)
	}
	var std jwt.Claims
	var all map[string]any
	if err := tok.Claims(keys[0].Key, &std, &all); err != nil {
		return hdr, nil, err
	}
	if std.Expiry == nil || std.IssuedAt == nil {
		return hdr, nil, errors.New("no exp or iat")
	}
	err = std.ValidateWithLeeway(jwt.Expected{Issuer: origin, AnyAudience: jwt.Audience{origin}, Time: t}, 0)
	return hdr, all, err
}

// Attacks first: a client's own assertion, in any spelling, as a header or
// a trailer, with a session or without one (outside the directive's
// matcher), never reaches the upstream; naming the header in Connection
// does not make reverse_proxy drop the plugin's.
func TestClientAssertionNeverReachesTheUpstream(t *testing.T) {
	up := trailerEcho(t)
	h := newHarness(t, withAssertion(), withMatcher("/private*"),
		withSite("@trailers path /echo-trailers* /private/echo-trailers*", "handle @trailers {\n\treverse_proxy "+up+"\n}"))
	h.mustLogin(h.client, "vera", "/private")
	session := sessionCookie(h.client)
	set, _, _ := fetchJWKS(t, siteURL)
	forged := "eyJhbGciOiJub25lIn0.eyJzdWIiOiIxIn0."
	for _, tc := range []struct {
		name, path, cookie string
	}{
		{"with a session", "/private/echo-trailers", session},
		{"without a session, outside the matcher", "/echo-trailers", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			raw := "POST " + tc.path + " HTTP/1.1\nHost: localhost:9080\nAccept: application/json\n" +
				"Content-Type: text/plain\nTransfer-Encoding: chunked\n" +
				"X-Instagram-Assertion: " + forged + "\nx_instagram_assertion: " + forged + "\n" +
				"X-INSTAGRAM-ASSERTION: " + forged + "\nConnection: keep-alive, x-instagram_ASSERTION\n" +
				"Trailer: X-Instagram-Assertion, x_instagram_assertion\n"
			if tc.cookie != "" {
				raw += "Cookie: " + insecureCookieName + "=" + tc.cookie + "\n"
			}
			raw += "\n5\nhello\n0\nX-Instagram-Assertion: " + forged + "\nx_instagram_assertion: " + forged +
				"\nX-Instagram_Assertion: " + forged + "\n\n"
			resp := rawExchange(t, raw)
			var got struct{ Header, Trailer http.Header }
			if body := readAll(t, resp); resp.StatusCode != http.StatusOK || json.Unmarshal([]byte(body), &got) != nil {
				t.Fatalf("status %d, body %s", resp.StatusCode, body)
			}
			if trailers := assertionsIn(got.Trailer); len(trailers) > 0 {
				t.Errorf("the upstream got assertion trailers %q", trailers)
			}
			values := assertionsIn(got.Header)
			if tc.cookie == "" {
				if len(values) > 0 {
					t.Fatalf("without a session the upstream got assertions %q", values)
				}
				return
			}
			if len(values) != 1 || values[0] == forged {
				t.Fatalf("the upstream got assertions %q, want the plugin's one", values)
			}
			if _, claims, err := verifyAssertion(set, values[0], siteURL); err != nil || claims["sub"] != instagramtest.UserID("vera") {
				t.Fatalf("the assertion the upstream got does not verify: %v %v", claims, err)
			}
		})
	}
}

// Behaviour 28: the claims, the header, and a session's one sid; one
// assertion serves the requests of a session; another session has another
// sid; nothing in it is the cookie or the token.
func TestAssertionNamesTheUserToTheSitesOrigin(t *testing.T) {
	h := newHarness(t, withAssertion())
	h.mustLogin(h.client, "wren", "/")
	first := h.upstreamSaw(h.get("/a")).Header
	second := h.upstreamSaw(h.get("/b")).Header
	token := first.Get(assertionHeader)
	if token == "" || second.Get(assertionHeader) != token {
		t.Fatalf("two requests of a session got %q and %q: want one cached assertion",
			token, second.Get(assertionHeader))
	}
	set, _, _ := fetchJWKS(t, siteURL)
	hdr, claims, err := verifyAssertion(set, token, siteURL)
	if err != nil {
		t.Fatal(err)
	}
	if hdr.Algorithm != "ES256" || hdr.KeyID == "" {
		t.Errorf("header alg %q kid %q", hdr.Algorithm, hdr.KeyID)
	}
	if claims["sub"] != instagramtest.UserID("wren") || claims["instagram_username"] != "wren" {
		t.Errorf("sub %v, instagram_username %v", claims["sub"], claims["instagram_username"])
	}
	iat, exp := claims["iat"].(float64), claims["exp"].(float64)
	if exp <= iat || exp-iat > 300 || iat > float64(now().Unix()) {
		t.Errorf("iat %v exp %v: at most 5 minutes, issued by now", iat, exp)
	}
	sid, _ := claims["sid"].(string)
	for _, secret := range []string{sessionCookie(h.client), first.Get("X-Instagram-Access-Token")} {
		if sid == "" || strings.Contains(secret, sid) || strings.Contains(token, secret) {
			t.Errorf("sid %q, or the assertion, holds the cookie or the token", sid)
		}
	}

	other := newBrowser(t)
	h.mustLogin(other, "wren", "/")
	resp := h.do(other, http.MethodGet, siteURL+"/", nil, "Accept", "text/html")
	_, otherClaims, err := verifyAssertion(set, h.upstreamSaw(resp).Header.Get(assertionHeader), siteURL)
	if err != nil || otherClaims["sid"] == sid || otherClaims["sub"] != claims["sub"] {
		t.Errorf("a second session of the same user: sid %v (first %v), %v", otherClaims["sid"], sid, err)
	}
}

// Behaviour 29: the JWKS, to anyone without a session, even where every
// request needs one; public keys only; GET and HEAD only.
func TestJWKSIsPublicAndHoldsPublicKeysOnly(t *testing.T) {
	h := newHarness(t, withAssertion())
	set, resp, body := fetchJWKS(t, siteURL)
	if ct := resp.Header.Get("Content-Type"); ct != "application/json" {
		t.Errorf("Content-Type %q", ct)
	}
	if cc := resp.Header.Get("Cache-Control"); cc != "public, max-age=300" {
		t.Errorf("Cache-Control %q, want public, max-age=300 with the default rotation", cc)
	}
	if len(set.Keys) != 1 {
		t.Fatalf("%d keys, want the one signing now: %s", len(set.Keys), body)
	}
	var raw struct{ Keys []map[string]any }
	if err := json.Unmarshal([]byte(body), &raw); err != nil {
		t.Fatal(err)
	}
	for _, k := range raw.Keys {
		if k["kty"] != "EC" || k["crv"] != "P-256" || k["use"] != "sig" || k["alg"] != "ES256" ||
			k["x"] == nil || k["y"] == nil || k["kid"] == nil {
			t.Errorf("key %v", k)
		}
		for _, private := range []string{"d", "p", "q", "dp", "dq", "qi", "k"} {
			if _, ok := k[private]; ok {
				t.Errorf("the JWKS holds %q, a private part: %v", private, k)
			}
		}
	}
	if !set.Keys[0].IsPublic() {
		t.Error("go-jose reads a private key in the JWKS")
	}

	head := h.do(h.client, http.MethodHead, siteURL+jwksPath, nil)
	if head.StatusCode != http.StatusOK || head.Header.Get("Cache-Control") != resp.Header.Get("Cache-Control") {
		t.Errorf("HEAD: status %d, Cache-Control %q", head.StatusCode, head.Header.Get("Cache-Control"))
	}
	for _, method := range []string{http.MethodPost, http.MethodPut, http.MethodDelete} {
		resp := h.do(h.client, method, siteURL+jwksPath, strings.NewReader("{}"), "Accept", "application/json")
		if resp.StatusCode != http.StatusMethodNotAllowed || resp.Header.Get("Allow") != "GET, HEAD" {
			t.Errorf("%s: status %d, Allow %q; want 405, GET, HEAD", method, resp.StatusCode, resp.Header.Get("Allow"))
		}
	}
	if h.up.calls.Load() != 0 {
		t.Errorf("the upstream was called %d times", h.up.calls.Load())
	}
}

// Without assertion_header there is no JWKS: its path is a page like any
// other, which needs a login.
func TestNoJWKSWithoutAnAssertionHeader(t *testing.T) {
	h := newHarness(t)
	if resp := h.get(jwksPath); resp.StatusCode != http.StatusFound {
		t.Errorf("GET %s without assertion_header: status %d, want the login's 302", jwksPath, resp.StatusCode)
	}
}

// A rotation period under 40 minutes publishes the next key less than 10
// minutes ahead: the JWKS says to keep it for less (the lead less the poll
// interval: 15 s for 2m).
func TestJWKSMaxAgeFollowsAShortRotation(t *testing.T) {
	newHarness(t, withAssertion("assertion_key_rotation 2m"))
	_, resp, _ := fetchJWKS(t, siteURL)
	if cc := resp.Header.Get("Cache-Control"); cc != "public, max-age=15" {
		t.Errorf("Cache-Control %q, want public, max-age=15 for a 2m rotation", cc)
	}
}
