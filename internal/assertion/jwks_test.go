package assertion

import (
	"crypto/ecdsa"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"
)

func TestJWKSHoldsPublicKeysOnly(t *testing.T) {
	k := newInstance(t, fileStorage(t), newFakeClock(), DefaultRotation)
	body := k.JWKS()
	var doc struct {
		Keys []map[string]string `json:"keys"`
	}
	if err := json.Unmarshal(body, &doc); err != nil {
		t.Fatalf("%s: %v", body, err)
	}
	if len(doc.Keys) != 1 {
		t.Fatalf("JWKS %s", body)
	}
	key := doc.Keys[0]
	want := map[string]string{"kty": "EC", "crv": "P-256", "kid": k.Status().KeyID, "use": "sig", "alg": "ES256"}
	for name, v := range want {
		if key[name] != v {
			t.Errorf("%s = %q, want %q", name, key[name], v)
		}
	}
	if len(key) != len(want)+2 || key["x"] == "" || key["y"] == "" {
		t.Errorf("JWK fields %v, want exactly %v, x and y", key, want)
	}
	if strings.Contains(string(body), `"d"`) {
		t.Fatalf("JWKS shows a private key: %s", body)
	}

	var set jose.JSONWebKeySet
	if err := json.Unmarshal(body, &set); err != nil {
		t.Fatal(err)
	}
	pub, ok := set.Keys[0].Key.(*ecdsa.PublicKey)
	if !ok || !pub.Equal(&k.set.Load().keys[0].priv.PublicKey) {
		t.Fatal("the published key is not the signing key's public half")
	}
}

func TestJWKSIsMadeAgainOnlyWhenTheSetChanges(t *testing.T) {
	clock := newFakeClock()
	k := newInstance(t, fileStorage(t), clock, 2*time.Minute)
	first := k.JWKS()
	clock.advance(30 * time.Second)
	if again := k.JWKS(); &again[0] != &first[0] {
		t.Fatal("JWKS made again for an unchanged key set")
	}
	// Rotate twice: the first key retires retireAfter after the second
	// takes over; until then the JWKS made for the set holds.
	for clock.now().Before(k.set.Load().keys[0].from.Add(5 * time.Minute)) {
		k.poll(t.Context())
		clock.advance(5 * time.Second)
	}
	set := k.set.Load()
	retire, _ := set.retiresAt(0)
	clock.advance(retire.Sub(clock.now()) - time.Second)
	before := k.JWKS()
	if !strings.Contains(string(before), set.keys[0].kid) {
		t.Fatal("a key left before its assertions expired")
	}
	if again := k.JWKS(); &again[0] != &before[0] {
		t.Fatal("JWKS made again for an unchanged key set")
	}
	clock.advance(time.Second)
	if after := k.JWKS(); strings.Contains(string(after), set.keys[0].kid) {
		t.Fatalf("retired key %s still published", set.keys[0].kid)
	}
}
