package assertioncheck

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/caddyserver/caddy/v2"
	"github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"
)

const origin = "http://localhost:8080"

type site struct {
	key     *ecdsa.PrivateKey
	fetches atomic.Int64
	url     string
}

// newSite publishes one ES256 key as the plugin does, kept for 300 s.
func newSite(t *testing.T) *site {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	s := &site{key: key}
	body, _ := json.Marshal(jose.JSONWebKeySet{Keys: []jose.JSONWebKey{
		{Key: &key.PublicKey, KeyID: "k1", Use: "sig", Algorithm: "ES256"}}})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		s.fetches.Add(1)
		w.Header().Set("Cache-Control", "public, max-age=300")
		w.Write(body)
	}))
	t.Cleanup(srv.Close)
	s.url = srv.URL
	return s
}

func sign(t *testing.T, key *ecdsa.PrivateKey, kid string, claims map[string]any) string {
	t.Helper()
	signer, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.ES256, Key: jose.JSONWebKey{Key: key, KeyID: kid}},
		(&jose.SignerOptions{}).WithType("JWT"))
	if err != nil {
		t.Fatal(err)
	}
	token, err := jwt.Signed(signer).Claims(claims).Serialize()
	if err != nil {
		t.Fatal(err)
	}
	return token
}

func TestVerify(t *testing.T) {
	s := newSite(t)
	c := &Check{JWKSURL: s.url, Origin: origin}
	if err := c.Provision(caddy.Context{}); err != nil {
		t.Fatal(err)
	}
	clock := time.Now()
	c.now = func() time.Time { return clock }
	claims := func(change func(map[string]any)) map[string]any {
		m := map[string]any{"iss": origin, "aud": origin, "sub": "17841400000000001",
			"instagram_username": "alice", "iat": clock.Unix(), "exp": clock.Add(5 * time.Minute).Unix()}
		if change != nil {
			change(m)
		}
		return m
	}
	good := c.Verify(sign(t, s.key, "k1", claims(nil)))
	if !good.Verified || good.Subject != "17841400000000001" || good.Username != "alice" || good.KeyID != "k1" {
		t.Fatalf("a good assertion: %+v", good)
	}
	forger, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	for name, tc := range map[string]struct{ token, reason string }{
		"none":           {"", "no assertion"},
		"forged":         {sign(t, forger, "k1", claims(nil)), "signature"},
		"other site":     {sign(t, s.key, "k1", claims(func(m map[string]any) { m["aud"] = "http://shop.localhost:8080" })), "aud"},
		"expired":        {sign(t, s.key, "k1", claims(func(m map[string]any) { m["exp"] = clock.Add(-2 * time.Minute).Unix() })), "exp"},
		"unknown kid":    {sign(t, s.key, "k2", claims(nil)), "no key"},
		"not even a jwt": {"a.b.c", "illegal"},
	} {
		got := c.Verify(tc.token)
		if got.Verified || !strings.Contains(strings.ToLower(got.Error), tc.reason) {
			t.Errorf("%s: %+v, want refused for %q", name, got, tc.reason)
		}
	}
	if n := s.fetches.Load(); n != 1 {
		t.Errorf("%d JWKS fetches: one, kept for its max-age, should do (an unknown kid within 10 s fetches nothing)", n)
	}
	clock = clock.Add(11 * time.Second)
	c.Verify(sign(t, s.key, "k2", claims(nil)))
	if n := s.fetches.Load(); n != 2 {
		t.Errorf("an unknown kid 11 s later: %d fetches, want 2", n)
	}
}
