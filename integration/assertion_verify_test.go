package integration

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/b4b0c547/caddy-instagram-auth/instagramtest"
	"github.com/b4b0c547/caddy-instagram-auth/internal/jwtverify"
	"github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"
)

// The assertion as clients we did not write see it: the verifiers of
// docs/examples (PyJWT, Node's jose, go-jose), run as the docs show them,
// accept the plugin's and refuse what an upstream must refuse (docs/
// identity-and-proxies.md): a forged one, an expired one, one made for
// another site of the same app.

// assertionAt is the assertion the upstream got for c's request to base.
func (h *harness) assertionAt(c *http.Client, base string) string {
	h.t.Helper()
	resp := h.do(c, http.MethodGet, base+"/", nil, "Accept", "text/html")
	token := h.upstreamSaw(resp).Header.Get(assertionHeader)
	if token == "" {
		h.t.Fatalf("%s: the upstream got no assertion", base)
	}
	return token
}

// forge signs token's claims again with a key of the forger's, under the
// kid the token names: what an attacker who can reach the upstream sends.
func forge(t *testing.T, token string) string {
	t.Helper()
	parts := strings.Split(token, ".")
	tok, err := jwt.ParseSigned(token, []jose.SignatureAlgorithm{jose.ES256})
	if err != nil {
		t.Fatal(err)
	}
	payload, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		t.Fatal(err)
	}
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	signer, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.ES256,
		Key: jose.JSONWebKey{Key: key, KeyID: tok.Headers[0].KeyID}}, (&jose.SignerOptions{}).WithType("JWT"))
	if err != nil {
		t.Fatal(err)
	}
	sig, err := signer.Sign(payload)
	if err != nil {
		t.Fatal(err)
	}
	forged, err := sig.CompactSerialize()
	if err != nil {
		t.Fatal(err)
	}
	return forged
}

func TestAssertionVerifiedByTheDocsSnippets(t *testing.T) {
	h := newHarness(t)
	on := "assertion_header " + assertionHeader
	h.load(h.twoSitesOneHost(on, on))
	h.loginAt(h.client, siteURL, "yara")
	good := h.assertionAt(h.client, siteURL)
	atB := newBrowser(t)
	h.loginAt(atB, site2URL, "yara")
	otherSite := h.assertionAt(atB, site2URL)

	// An assertion issued 10 minutes ago on the site's clock is expired
	// on the verifiers' (the system's).
	late := newBrowser(t)
	advanceClock(t, -10*time.Minute)
	h.loginAt(late, siteURL, "yara")
	expired := h.assertionAt(late, siteURL)
	clockOffset.Store(0)

	setA, _, bodyA := fetchJWKS(t, siteURL)
	if _, _, bodyB := fetchJWKS(t, site2URL); bodyB != bodyA {
		t.Fatalf("two sites of one app and storage publish different keys:\n%s\n%s", bodyA, bodyB)
	}
	if _, claims, err := verifyAssertion(setA, otherSite, site2URL); err != nil || claims["aud"] != site2URL {
		t.Fatalf("the other site's assertion, for the other site: %v %v", claims, err)
	}

	jwks := siteURL + jwksPath
	refused := []struct {
		name, token, issuer, reason string
	}{
		{"forged", forge(t, good), siteURL, "signature"},
		{"expired", expired, siteURL, "exp"},
		// Signed by the same keys, for the other site: only aud tells.
		{"for another site", otherSite, site2URL, "aud"},
	}
	for _, s := range jwtverify.Snippets() {
		t.Run(string(s), func(t *testing.T) {
			v := jwtverify.New(t, s)
			claims, err := v.Verify(t, jwtverify.Request{JWKSURL: jwks, Issuer: siteURL, Audience: siteURL, Token: good})
			if err != nil {
				t.Fatal(err)
			}
			if claims["sub"] != instagramtest.UserID("yara") || claims["instagram_username"] != "yara" ||
				claims["iss"] != siteURL || claims["aud"] != siteURL {
				t.Errorf("claims %v", claims)
			}
			for _, c := range refused {
				claims, err := v.Verify(t, jwtverify.Request{JWKSURL: jwks, Issuer: c.issuer, Audience: siteURL, Token: c.token})
				var refusal *jwtverify.Refusal
				if !errors.As(err, &refusal) {
					t.Errorf("%s: accepted, claims %v", c.name, claims)
					continue
				}
				if !strings.Contains(strings.ToLower(refusal.Reason), c.reason) {
					t.Errorf("%s: refused for %q, want a reason about %q", c.name, refusal.Reason, c.reason)
				}
			}
		})
	}
}

// Behaviour 30: a reload keeps the key, and so does a restart (the config
// unloaded, then loaded again: only storage remembers). A reload that
// changes the rotation changes the JWKS's max-age, and says so.
func TestAssertionKeyOutlivesReloadsAndRestarts(t *testing.T) {
	h := newHarness(t, withAssertion())
	_, _, before := fetchJWKS(t, siteURL)
	h.mustLogin(h.client, "zoe", "/")
	_, claims, err := verifyAssertion(mustJWKS(t), h.assertionAt(h.client, siteURL), siteURL)
	if err != nil {
		t.Fatal(err)
	}

	h.load(h.caddyfile())
	if _, _, after := fetchJWKS(t, siteURL); after != before {
		t.Fatalf("a reload changed the keys:\n%s\n%s", before, after)
	}
	fresh := newBrowser(t)
	h.mustLogin(fresh, "zoe", "/")
	hdr, again, err := verifyAssertion(mustJWKS(t), h.assertionAt(fresh, siteURL), siteURL)
	if err != nil || again["sid"] == claims["sid"] {
		t.Fatalf("after the reload: %v (sid %v, was %v)", err, again["sid"], claims["sid"])
	}

	h.options += "assertion_key_rotation 2m\n"
	h.load(h.caddyfile())
	set, resp, after := fetchJWKS(t, siteURL)
	if after != before || len(set.Key(hdr.KeyID)) != 1 {
		t.Fatalf("a reload with another rotation changed the keys:\n%s\n%s", before, after)
	}
	if cc := resp.Header.Get("Cache-Control"); cc != "public, max-age=15" {
		t.Errorf("after the reload to 2m: Cache-Control %q", cc)
	}
	if log := readLog(t, h.logFile, "one assertion key set"); !strings.Contains(log, `"rotation":"2m0s","was":"720h0m0s"`) {
		t.Error("no log line about the rotation a reload changed")
	}

	h.load(`{
	admin localhost:2999
	http_port 9080
}
`)
	h.load(h.caddyfile())
	if _, _, restarted := fetchJWKS(t, siteURL); restarted != before {
		t.Fatalf("after a restart the keys changed:\n%s\n%s", before, restarted)
	}
}

func mustJWKS(t *testing.T) jose.JSONWebKeySet {
	t.Helper()
	set, _, _ := fetchJWKS(t, siteURL)
	return set
}

// Behaviours 35 and 25: the start-up line names the JWKS URL; a signature
// is counted, a reused assertion is not.
func TestAssertionStartupLineAndMetric(t *testing.T) {
	h := newHarness(t, withAssertion())
	log := readLog(t, h.logFile, startupMessage)
	if !strings.Contains(log, `"jwks_url":"http://<your site>/oauth2/instagram/jwks.json"`) {
		t.Errorf("the start-up line does not name the JWKS URL:\n%s", log)
	}
	h.mustLogin(h.client, "ada", "/")
	before := scrape(t)
	h.assertionAt(h.client, siteURL)
	h.assertionAt(h.client, siteURL)
	after := scrape(t)
	if got := after[assertionsSignedSeries] - before[assertionsSignedSeries]; got != 1 {
		t.Errorf("two requests of a session: %v signatures counted, want 1 (the second reuses it)", got)
	}
}
