package jwtverify

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"
)

func TestSnippetsAcceptAGoodToken(t *testing.T) {
	is := newIssuer(t)
	good := is.claims()
	token := sign(t, jose.ES256, is.es, "es1", good)
	for _, s := range Snippets() {
		t.Run(string(s), func(t *testing.T) {
			claims, err := New(t, s).Verify(t, is.request(token))
			if err != nil {
				t.Fatal(err)
			}
			for _, name := range []string{"iss", "aud", "sub"} {
				if claims[name] != good[name] {
					t.Errorf("claim %s = %v, want %v", name, claims[name], good[name])
				}
			}
			if exp, _ := claims["exp"].(float64); int64(exp) != good["exp"] {
				t.Errorf("claim exp = %v, want %v", claims["exp"], good["exp"])
			}
		})
	}
}

// refusal is a bad token and a word each verifier's reason must contain,
// so that a token refused for another reason (an unreachable JWKS) fails.
type refusal struct {
	name, token, reason string
}

func refusals(t *testing.T, is *issuer) []refusal {
	forger, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	with := func(name string, value any) map[string]any {
		c := is.claims()
		if value == nil {
			delete(c, name)
		} else {
			c[name] = value
		}
		return c
	}
	good := is.claims()
	return []refusal{
		{"wrong audience", sign(t, jose.ES256, is.es, "es1", with("aud", "https://other.example")), "aud"},
		{"wrong issuer", sign(t, jose.ES256, is.es, "es1", with("iss", "https://evil.example")), "iss"},
		{"expired", sign(t, jose.ES256, is.es, "es1", with("exp", time.Now().Add(-10*time.Minute).Unix())), "exp"},
		{"no expiry", sign(t, jose.ES256, is.es, "es1", with("exp", nil)), "exp"},
		{"no subject", sign(t, jose.ES256, is.es, "es1", with("sub", nil)), "sub"},
		{"forged", sign(t, jose.ES256, forger, "es1", good), "signature verification failed"},
		{"unknown kid", sign(t, jose.ES256, is.es, "es2", good), "key"},
		{"RS256 with a published key", sign(t, jose.RS256, is.rsa, "rsa1", good), "alg"},
		{"alg none", unsigned(t, good), "alg"},
	}
}

func TestSnippetsRefuseBadTokens(t *testing.T) {
	is := newIssuer(t)
	cases := refusals(t, is)
	for _, s := range Snippets() {
		t.Run(string(s), func(t *testing.T) {
			v := New(t, s)
			for _, c := range cases {
				claims, err := v.Verify(t, is.request(c.token))
				var refused *Refusal
				if !errors.As(err, &refused) {
					t.Errorf("%s: accepted, claims %v", c.name, claims)
					continue
				}
				t.Logf("%s: %s", c.name, refused.Reason)
				if !strings.Contains(strings.ToLower(refused.Reason), c.reason) {
					t.Errorf("%s: refused for %q, want a reason about %q", c.name, refused.Reason, c.reason)
				}
			}
		})
	}
}

func BenchmarkVerify(b *testing.B) {
	is := newIssuer(b)
	token := sign(b, jose.ES256, is.es, "es1", is.claims())
	for _, s := range Snippets() {
		b.Run(string(s), func(b *testing.B) {
			v := New(b, s)
			for b.Loop() {
				if _, err := v.Verify(b, is.request(token)); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
