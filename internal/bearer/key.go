package bearer

import (
	"crypto/sha256"
	"unsafe"
)

// Key identifies a token in memory: its SHA-256. The cache keeps keys,
// never tokens, so a heap dump or a debugger shows nothing a client could
// replay.
type Key [32]byte

// KeyOf hashes token. It allocates nothing: a cache hit must not, and
// converting the token to a []byte would copy it to the heap.
func KeyOf(token string) Key {
	// sha256 only reads its input, so the string's own bytes can be lent
	// to it; nothing writes through this slice.
	return sha256.Sum256(unsafe.Slice(unsafe.StringData(token), len(token)))
}

// sidDomain separates the sid's hash from every other use of the key.
const sidDomain = "caddy-instagram-auth bearer sid\x00"

// SID is the opaque id that stands for the token in a signed assertion's
// sid claim: the same for every request carrying the token, on every
// instance (nothing random goes in), and different between tokens. It is
// neither the token nor its key, so publishing it in an assertion gives a
// reader nothing to look the token up by or replay.
func (k Key) SID() [16]byte {
	var in [len(sidDomain) + len(k)]byte
	copy(in[:], sidDomain)
	copy(in[len(sidDomain):], k[:])
	sum := sha256.Sum256(in[:])
	return [16]byte(sum[:16])
}
