package assertion

import (
	"bytes"
	"time"
)

// jwksCache is the JWKS as made for one key set, good until the next of its
// keys retires (zero: none will).
type jwksCache struct {
	set   *keySet
	until time.Time
	body  []byte
}

// JWKS is the public half of every published key, as `{"keys":[...]}`:
// the keys signing now or soon, and older ones until every assertion they
// signed has expired. It is made again only when the key set changes or a
// key retires. The caller must not modify it.
func (k *Keys) JWKS() []byte {
	t := k.now()
	set := k.set.Load()
	if c := k.jwks.Load(); c != nil && c.set == set && (c.until.IsZero() || t.Before(c.until)) {
		return c.body
	}
	c := &jwksCache{set: set, body: set.jwks(t)}
	for i := range set.keys {
		if retire, ok := set.retiresAt(i); ok && t.Before(retire) && (c.until.IsZero() || retire.Before(c.until)) {
			c.until = retire
		}
	}
	k.jwks.Store(c)
	return c.body
}

func (s *keySet) jwks(t time.Time) []byte {
	var b bytes.Buffer
	b.WriteString(`{"keys":[`)
	for i, key := range s.published(t) {
		if i > 0 {
			b.WriteByte(',')
		}
		b.Write(key.jwk)
	}
	b.WriteString(`]}`)
	return b.Bytes()
}

// JWKSMaxAge is how long a verifier may cache the JWKS and still meet no
// unknown kid, for its Cache-Control: L-P, five minutes with the default
// rotation and less with a period under 40 minutes.
func (k *Keys) JWKSMaxAge() time.Duration {
	tm := k.tm()
	return tm.lead - tm.poll
}
