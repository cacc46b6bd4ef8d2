package jwtverify

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"
)

// audience is the relying party's own origin, which tokens must name.
const audience = "https://app.example"

// jwksPath is where the plugin publishes its keys.
const jwksPath = "/oauth2/instagram/jwks.json"

// issuer stands in for the plugin: it signs with an ES256 key and publishes
// the public half at jwksPath, beside an RS256 key so that a verifier
// trusting the token's alg would have a key to accept an RS256 token with.
type issuer struct {
	es     *ecdsa.PrivateKey
	rsa    *rsa.PrivateKey
	origin string
}

func newIssuer(t testing.TB) *issuer {
	t.Helper()
	es, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	rs, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	set := jose.JSONWebKeySet{Keys: []jose.JSONWebKey{
		{Key: &es.PublicKey, KeyID: "es1", Algorithm: string(jose.ES256), Use: "sig"},
		{Key: &rs.PublicKey, KeyID: "rsa1", Algorithm: string(jose.RS256), Use: "sig"},
	}}
	body, err := json.Marshal(set)
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET "+jwksPath, func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Write(body)
	})
	srv := httptest.NewServer(mux) // 127.0.0.1
	t.Cleanup(srv.Close)
	return &issuer{es: es, rsa: rs, origin: srv.URL}
}

func (is *issuer) request(token string) Request {
	return Request{JWKSURL: is.origin + jwksPath, Issuer: is.origin, Audience: audience, Token: token}
}

// claims are a good token's claims, for a case to spoil.
func (is *issuer) claims() map[string]any {
	now := time.Now()
	return map[string]any{
		"iss": is.origin, "aud": audience, "sub": "17841400000000001",
		"iat": now.Unix(), "exp": now.Add(5 * time.Minute).Unix(),
	}
}

// sign serializes claims signed by key with alg, naming kid in the header.
func sign(t testing.TB, alg jose.SignatureAlgorithm, key any, kid string, claims map[string]any) string {
	t.Helper()
	signer, err := jose.NewSigner(jose.SigningKey{Algorithm: alg, Key: jose.JSONWebKey{Key: key, KeyID: kid}},
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

// unsigned is claims under alg "none", which no verifier may accept.
func unsigned(t testing.TB, claims map[string]any) string {
	t.Helper()
	payload, err := json.Marshal(claims)
	if err != nil {
		t.Fatal(err)
	}
	enc := base64.RawURLEncoding.EncodeToString
	return enc([]byte(`{"alg":"none","kid":"es1","typ":"JWT"}`)) + "." + enc(payload) + "."
}
