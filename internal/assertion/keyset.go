package assertion

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"sort"
	"time"

	"github.com/go-jose/go-jose/v4"
)

// A key set is every key an app still needs: the key signing now, perhaps
// its successor (published before it signs), and older keys that signed
// assertions which have not expired yet. Each key signs from its `from`
// until its successor's: at time t the key with the latest from ≤ t signs,
// so every instance switches at the same moment without talking to the
// others.

const (
	// maxLife is the longest an assertion lives.
	maxLife = 5 * time.Minute
	// clockSkew is how far the clocks of instances and verifiers may differ.
	clockSkew = time.Minute
	// retireAfter is how long after its successor takes over a key leaves
	// the JWKS: by then every assertion it signed has expired.
	retireAfter = maxLife + clockSkew
)

type signingKey struct {
	kid    string
	from   time.Time
	priv   *ecdsa.PrivateKey
	signer jose.Signer
	jwk    []byte // the public key as a JWK, for the JWKS
}

// keySet is immutable once made: a change makes a new set.
type keySet struct {
	keys []*signingKey // sorted by from, oldest first; never empty
	raw  []byte        // the stored document it was read from or written as
}

func newKeySet(keys []*signingKey) *keySet {
	sort.SliceStable(keys, func(i, j int) bool { return keys[i].from.Before(keys[j].from) })
	return &keySet{keys: keys}
}

// signingAt is the key that signs at t. A clock behind the one that made
// the first key still signs, with that key.
func (s *keySet) signingAt(t time.Time) *signingKey {
	cur := s.keys[0]
	for _, k := range s.keys[1:] {
		if k.from.After(t) {
			break
		}
		cur = k
	}
	return cur
}

// next is the key waiting to take over after the one signing at t, or nil.
func (s *keySet) next(t time.Time) *signingKey {
	if last := s.keys[len(s.keys)-1]; last != s.signingAt(t) {
		return last
	}
	return nil
}

// retiresAt is when keys[i] leaves the JWKS; false for the newest key,
// which never does.
func (s *keySet) retiresAt(i int) (time.Time, bool) {
	if i+1 >= len(s.keys) {
		return time.Time{}, false
	}
	return s.keys[i+1].from.Add(retireAfter), true
}

// published is the keys a verifier may still meet at t: every key but the
// retired ones.
func (s *keySet) published(t time.Time) []*signingKey {
	var out []*signingKey
	for i, k := range s.keys {
		if retire, ok := s.retiresAt(i); ok && !t.Before(retire) {
			continue
		}
		out = append(out, k)
	}
	return out
}

// generateKey makes a new P-256 key that signs from from.
func generateKey(from time.Time) (*signingKey, error) {
	priv, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, fmt.Errorf("generating an assertion key: %w", err)
	}
	return newSigningKey(priv, from)
}

// newSigningKey prepares priv for signing and publishing. Errors say
// nothing about the key itself.
func newSigningKey(priv *ecdsa.PrivateKey, from time.Time) (*signingKey, error) {
	kid, err := kidOf(&priv.PublicKey)
	if err != nil {
		return nil, err
	}
	signer, err := jose.NewSigner(
		jose.SigningKey{Algorithm: jose.ES256, Key: jose.JSONWebKey{Key: priv, KeyID: kid}},
		(&jose.SignerOptions{}).WithType("JWT"))
	if err != nil {
		return nil, fmt.Errorf("preparing assertion key %s for signing failed", kid)
	}
	jwk, err := json.Marshal(jose.JSONWebKey{Key: &priv.PublicKey, KeyID: kid, Use: "sig", Algorithm: string(jose.ES256)})
	if err != nil {
		return nil, fmt.Errorf("writing assertion key %s as a JWK failed", kid)
	}
	return &signingKey{kid: kid, from: from, priv: priv, signer: signer, jwk: jwk}, nil
}

// kidOf names a public key by the first 12 bytes of its RFC 7638
// thumbprint, in base64url: stable, derived from the key alone (a reader
// of the stored set can check it), and short, since every assertion
// carries it.
func kidOf(pub *ecdsa.PublicKey) (string, error) {
	sum, err := (&jose.JSONWebKey{Key: pub}).Thumbprint(crypto.SHA256)
	if err != nil {
		return "", fmt.Errorf("the assertion key's thumbprint failed")
	}
	return base64.RawURLEncoding.EncodeToString(sum[:12]), nil
}
