package instagramauth

import (
	"bytes"
	"crypto/cipher"
	"encoding/base64"
	"encoding/binary"
	"strings"
	"testing"
)

// Fixed test keys: 32 bytes each, never used outside tests.
var (
	unitKeyA = bytes.Repeat([]byte{0xA1}, keySize)
	unitKeyB = bytes.Repeat([]byte{0xB2}, keySize)
)

func unitSecret(key []byte) string { return base64.StdEncoding.EncodeToString(key) }

// unitRing builds a key ring from raw keys, failing the test on error.
func unitRing(tb testing.TB, keys ...[]byte) []cipher.AEAD {
	tb.Helper()
	secrets := make([]string, len(keys))
	for i, k := range keys {
		secrets[i] = unitSecret(k)
	}
	ring, err := newKeyRing(secrets)
	if err != nil {
		tb.Fatalf("newKeyRing: %v", err)
	}
	return ring
}

func unitAAD(prefix []byte, cookieName string) []byte {
	return append(append([]byte{}, prefix...), cookieName...)
}

func TestSealOpenRoundTrip(t *testing.T) {
	ring := unitRing(t, unitKeyA)
	aad := unitAAD(sessionPrefix, defaultCookieName)
	for _, plain := range [][]byte{
		{},
		[]byte("x"),
		[]byte("hello, sealed world"),
		bytes.Repeat([]byte{0, 1, 2, 0xff}, 500),
	} {
		value := seal(ring, aad, plain)
		got, nonce, ok := open(ring, aad, value)
		if !ok {
			t.Fatalf("open(seal(%d bytes)) failed", len(plain))
		}
		if !bytes.Equal(got, plain) {
			t.Fatalf("open(seal(p)) = %q, want %q", got, plain)
		}
		if len(nonce) != ring[0].NonceSize() {
			t.Fatalf("nonce length %d, want %d", len(nonce), ring[0].NonceSize())
		}
		raw, _ := base64.RawURLEncoding.DecodeString(value)
		if !bytes.Equal(nonce, raw[:len(nonce)]) {
			t.Fatal("open returned a nonce that is not the sealed value's")
		}
	}
}

func TestSealIsRandomized(t *testing.T) {
	ring := unitRing(t, unitKeyA)
	aad := unitAAD(sessionPrefix, defaultCookieName)
	a := seal(ring, aad, []byte("same"))
	b := seal(ring, aad, []byte("same"))
	if a == b {
		t.Fatal("two seals of the same plaintext are identical: nonce reuse")
	}
}

func TestSealedValueIsCookieSafe(t *testing.T) {
	ring := unitRing(t, unitKeyA)
	value := seal(ring, []byte("aad"), []byte("some plaintext with ; and = and spaces"))
	for i := 0; i < len(value); i++ {
		c := value[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_') {
			t.Fatalf("sealed value has %q at %d: not base64url", c, i)
		}
	}
}

func TestOpenRejectsTampering(t *testing.T) {
	ring := unitRing(t, unitKeyA)
	aad := unitAAD(sessionPrefix, defaultCookieName)
	// Several plaintext lengths, so the base64 text ends with 0, 2 and 4
	// padding bits.
	for _, n := range []int{0, 1, 2, 3, 10, 11, 12} {
		plain := bytes.Repeat([]byte{'p'}, n)
		value := seal(ring, aad, plain)
		const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
		for i := 0; i < len(value); i++ {
			for j := 0; j < len(alphabet); j++ {
				if alphabet[j] == value[i] {
					continue
				}
				tampered := value[:i] + string(alphabet[j]) + value[i+1:]
				if _, _, ok := open(ring, aad, tampered); ok {
					t.Fatalf("plaintext %d bytes: value with char %d changed %q->%q opened", n, i, value[i], alphabet[j])
				}
			}
		}
		// Flipping any bit of the decoded bytes, re-encoded, fails too.
		raw, _ := base64.RawURLEncoding.DecodeString(value)
		for i := range raw {
			for bit := 0; bit < 8; bit++ {
				mut := bytes.Clone(raw)
				mut[i] ^= 1 << bit
				if _, _, ok := open(ring, aad, base64.RawURLEncoding.EncodeToString(mut)); ok {
					t.Fatalf("plaintext %d bytes: byte %d bit %d flipped, still opened", n, i, bit)
				}
			}
		}
		// Truncated, extended, and re-spelled values fail.
		for _, bad := range []string{
			value[:len(value)-1],
			value[1:],
			value + "A",
			value + "=",
			value + "==",
			value[:len(value)/2] + "\n" + value[len(value)/2:],
			value[:len(value)/2] + "\r\n" + value[len(value)/2:],
			value + "\n",
			" " + value,
			strings.NewReplacer("-", "+", "_", "/").Replace(value), // std alphabet
		} {
			if bad == value {
				continue
			}
			if _, _, ok := open(ring, aad, bad); ok {
				t.Fatalf("plaintext %d bytes: altered value %q opened", n, bad)
			}
		}
	}
}

func TestOpenRejectsOtherAAD(t *testing.T) {
	ring := unitRing(t, unitKeyA)
	sess := unitAAD(sessionPrefix, defaultCookieName)
	pend := unitAAD(pendingPrefix, defaultCookieName)
	otherName := unitAAD(sessionPrefix, "other_cookie")
	plain := encodeSession(session{userID: "1", token: "T", expires: 1})

	v := seal(ring, sess, plain)
	if _, _, ok := open(ring, pend, v); ok {
		t.Fatal("a session value opened as a state value")
	}
	if _, _, ok := open(ring, otherName, v); ok {
		t.Fatal("a session value opened under another cookie name")
	}
	w := seal(ring, pend, plain)
	if _, _, ok := open(ring, sess, w); ok {
		t.Fatal("a state value opened as a session value")
	}
	if _, _, ok := open(ring, sess, v); !ok {
		t.Fatal("control: the session value does not open as a session")
	}
}

func TestKeyRotation(t *testing.T) {
	aad := unitAAD(sessionPrefix, defaultCookieName)
	oldRing := unitRing(t, unitKeyA)
	rotated := unitRing(t, unitKeyB, unitKeyA) // new first, old kept
	newOnly := unitRing(t, unitKeyB)

	byOld := seal(oldRing, aad, []byte("sealed by old"))
	byNew := seal(rotated, aad, []byte("sealed by new"))

	if p, _, ok := open(rotated, aad, byOld); !ok || string(p) != "sealed by old" {
		t.Fatalf("rotated ring does not open an old value: %q %v", p, ok)
	}
	if p, _, ok := open(rotated, aad, byNew); !ok || string(p) != "sealed by new" {
		t.Fatalf("rotated ring does not open its own value: %q %v", p, ok)
	}
	// The rotated ring seals with the new key only.
	if _, _, ok := open(newOnly, aad, byNew); !ok {
		t.Fatal("a value sealed by [new, old] does not open with [new]")
	}
	if _, _, ok := open(oldRing, aad, byNew); ok {
		t.Fatal("a value sealed by [new, old] opens with [old]: not sealed by the first key")
	}
	// Once the old key is dropped, old values are refused.
	if _, _, ok := open(newOnly, aad, byOld); ok {
		t.Fatal("a ring without the old key opened an old value")
	}
	// A failed try with the first key must not spoil the value for the
	// next key (in-place decryption), whatever the ring's length.
	long := unitRing(t, bytes.Repeat([]byte{1}, 32), bytes.Repeat([]byte{2}, 32), unitKeyB, unitKeyA)
	for i := 0; i < 2; i++ { // twice: the value must be unchanged by the first open
		if p, _, ok := open(long, aad, byOld); !ok || string(p) != "sealed by old" {
			t.Fatalf("try %d: 4-key ring does not open a value sealed by its last key", i)
		}
	}
}

func TestOpenRejectsJunk(t *testing.T) {
	ring := unitRing(t, unitKeyA)
	aad := unitAAD(sessionPrefix, defaultCookieName)
	minLen := base64.RawURLEncoding.EncodedLen(ring[0].NonceSize() + ring[0].Overhead())
	for _, v := range []string{
		"",
		"A",
		"AAAA",
		strings.Repeat("A", minLen-1),
		strings.Repeat("A", minLen),
		strings.Repeat("A", 200),
		"not base64 at all!",
		"%%%%",
		"\x00\x01\x02",
		`"quoted"`,
		strings.Repeat("A", maxCookieLen+1),
		strings.Repeat("A", 1<<20),
	} {
		if _, _, ok := open(ring, aad, v); ok {
			t.Fatalf("junk value of %d bytes opened", len(v))
		}
	}
	// A genuine value longer than maxCookieLen is refused too.
	huge := seal(ring, aad, bytes.Repeat([]byte{'h'}, maxCookieLen))
	if len(huge) <= maxCookieLen {
		t.Fatalf("test setup: sealed value only %d bytes", len(huge))
	}
	if _, _, ok := open(ring, aad, huge); ok {
		t.Fatal("a value longer than maxCookieLen opened")
	}
	// An empty ring opens nothing.
	if _, _, ok := open(nil, aad, seal(ring, aad, []byte("x"))); ok {
		t.Fatal("an empty ring opened a value")
	}
}

func TestSessionEncoding(t *testing.T) {
	for _, s := range []session{
		{},
		{userID: "17841405793187218", username: "alice", token: "IGQVJ-token_value", expires: 1767225600},
		{userID: "123456789012345678901234567890", expires: -1},
		{userID: "9007199254740993", username: "", token: "", expires: 0},
		{userID: "1", username: "a.b_c", token: strings.Repeat("t", 300), expires: 1<<63 - 1},
		{userID: "\x00\xff", username: "\n;=", token: "ü", expires: -1 << 63},
	} {
		b := encodeSession(s)
		got, ok := decodeSession(b)
		if !ok || got != s {
			t.Fatalf("decodeSession(encodeSession(%+v)) = %+v, %v", s, got, ok)
		}
		if !bytes.Equal(encodeSession(got), b) {
			t.Fatalf("re-encoding %+v changed the bytes", s)
		}
	}
}

func TestPendingEncoding(t *testing.T) {
	for _, p := range []pendingLogin{
		{},
		{state: randomState(), redirectURI: "https://site.example/oauth2/instagram/callback", returnTo: "/admin?x=1", created: 1767225600},
		{state: "s", redirectURI: "", returnTo: "", created: -5},
		{state: "", redirectURI: strings.Repeat("u", 200), returnTo: "/" + strings.Repeat("r", 1000), created: 1<<63 - 1},
	} {
		b := encodePending(p)
		got, ok := decodePending(b)
		if !ok || got != p {
			t.Fatalf("decodePending(encodePending(%+v)) = %+v, %v", p, got, ok)
		}
		if !bytes.Equal(encodePending(got), b) {
			t.Fatalf("re-encoding %+v changed the bytes", p)
		}
	}
}

func TestDecodeRejectsMalformed(t *testing.T) {
	good := encodeSession(session{userID: "17841405793187218", username: "alice", token: "T", expires: 42})
	goodP := encodePending(pendingLogin{state: "st", redirectURI: "https://x/cb", returnTo: "/", created: 42})
	var cases = map[string][][]byte{}
	for name, b := range map[string][]byte{"session": good, "pending": goodP} {
		var bad [][]byte
		for i := 0; i < len(b); i++ {
			bad = append(bad, b[:i]) // every truncation
		}
		bad = append(bad,
			append(bytes.Clone(b), 0),              // an extra empty field's worth
			append(bytes.Clone(b), 'x'),            // a trailing byte
			append([]byte{0}, b[1:]...),            // version 0
			append([]byte{2}, b[1:]...),            // version 2
			append([]byte{0xff}, b[1:]...),         // version 255
			append(bytes.Clone(b[:9]), 1, 'a'),     // too few fields
			append(bytes.Clone(b[:9]), 0, 0),       // two fields
			append(bytes.Clone(b[:9]), 0, 0, 0, 0), // four fields
			append(bytes.Clone(b[:9]), 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01),       // huge length
			append(bytes.Clone(b[:9]), 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80), // varint overflow
			append(bytes.Clone(b[:9]), 0x80, 0x00, 0, 0),                                                 // overlong (non-minimal) length of 0
			append(bytes.Clone(b[:9]), 0x81, 0x00, 'a', 0, 0),                                            // overlong length of 1
		)
		cases[name] = bad
	}
	for _, b := range cases["session"] {
		if s, ok := decodeSession(b); ok {
			t.Fatalf("decodeSession(%x) = %+v, want failure", b, s)
		}
	}
	for _, b := range cases["pending"] {
		if p, ok := decodePending(b); ok {
			t.Fatalf("decodePending(%x) = %+v, want failure", b, p)
		}
	}
}

// A session sealed and opened as a whole, the way cookies carry it: ids
// beyond 2^53 keep every digit.
func TestSessionThroughSeal(t *testing.T) {
	ring := unitRing(t, unitKeyA)
	aad := unitAAD(sessionPrefix, defaultCookieName)
	s := session{userID: "17841405793187219", username: "alice", token: "IGAA.secret-token", expires: 1767225600}
	value := seal(ring, aad, encodeSession(s))
	if strings.Contains(value, s.token) || strings.Contains(value, s.userID) || strings.Contains(value, s.username) {
		t.Fatal("sealed value shows its contents")
	}
	plain, _, ok := open(ring, aad, value)
	if !ok {
		t.Fatal("open failed")
	}
	got, ok := decodeSession(plain)
	if !ok || got != s {
		t.Fatalf("got %+v, %v; want %+v", got, ok, s)
	}
}

func TestCheckCookieSecret(t *testing.T) {
	key := make([]byte, 32)
	for i := range key {
		key[i] = byte(i*37 + 250) // covers the characters that differ between alphabets
	}
	spellings := map[string]string{
		"std":    base64.StdEncoding.EncodeToString(key),
		"rawstd": base64.RawStdEncoding.EncodeToString(key),
		"url":    base64.URLEncoding.EncodeToString(key),
		"rawurl": base64.RawURLEncoding.EncodeToString(key),
	}
	if spellings["std"] == spellings["url"] {
		t.Fatal("test setup: the key's std and url spellings do not differ")
	}
	for name, s := range spellings {
		if err := checkCookieSecret(s); err != nil {
			t.Errorf("%s spelling %q refused: %v", name, s, err)
		}
		if err := checkCookieSecret("  " + s + "\n"); err != nil {
			t.Errorf("%s spelling with surrounding space refused: %v", name, err)
		}
		got, err := decodeSecret(s)
		if err != nil || !bytes.Equal(got, key) {
			t.Errorf("decodeSecret(%s spelling) = %x, %v", name, got, err)
		}
		ring, err := newKeyRing([]string{s})
		if err != nil || len(ring) != 1 {
			t.Errorf("newKeyRing(%s spelling): %v", name, err)
		}
	}
	// All four spellings make the same key: a value sealed with one opens
	// with another.
	aad := []byte("aad")
	r1, _ := newKeyRing([]string{spellings["std"]})
	r2, _ := newKeyRing([]string{spellings["rawurl"]})
	if _, _, ok := open(r2, aad, seal(r1, aad, []byte("x"))); !ok {
		t.Error("std and raw url spellings give different keys")
	}

	bad := map[string]string{
		"16 bytes":  base64.StdEncoding.EncodeToString(make([]byte, 16)),
		"31 bytes":  base64.StdEncoding.EncodeToString(bytes.Repeat([]byte{7}, 31)),
		"33 bytes":  base64.StdEncoding.EncodeToString(bytes.Repeat([]byte{7}, 33)),
		"64 bytes":  base64.RawURLEncoding.EncodeToString(bytes.Repeat([]byte{7}, 64)),
		"empty":     "",
		"not b64":   "this is not base64 at all, is it?!",
		"hex":       strings.Repeat("ab", 32),
		"bad chars": "q2Vj*ZXQtc2VjcmV0LXNlY3JldC1zZWNyZXQtc2VjcmU=",
		"mixed":     strings.Replace(spellings["std"], "=", "", 1)[:40] + "-+/_",
	}
	for name, s := range bad {
		err := checkCookieSecret(s)
		if err == nil {
			t.Errorf("%s (%q) accepted", name, s)
			continue
		}
		if s != "" && strings.Contains(err.Error(), s) {
			t.Errorf("%s: error %q quotes the secret", name, err)
		}
		if len(s) >= 8 && strings.Contains(err.Error(), s[:8]) {
			t.Errorf("%s: error %q quotes part of the secret", name, err)
		}
		if _, err := newKeyRing([]string{s}); err == nil {
			t.Errorf("%s: newKeyRing accepted it", name)
		} else if s != "" && strings.Contains(err.Error(), s) {
			t.Errorf("%s: newKeyRing error quotes the secret", name)
		}
	}
	// A ring is refused as a whole when any of its keys is bad.
	if _, err := newKeyRing([]string{spellings["std"], bad["31 bytes"]}); err == nil {
		t.Error("a ring with one bad key was accepted")
	}
	// A placeholder is left for Provision to resolve and check.
	if err := checkCookieSecret("{env.COOKIE_SECRET}"); err != nil {
		t.Errorf("placeholder refused: %v", err)
	}
}

func TestReadFieldsCanonical(t *testing.T) {
	// Lengths are minimal uvarints: one plaintext, one encoding.
	for _, n := range []int{0, 1, 127, 128, 300, 16384} {
		f := strings.Repeat("z", n)
		b := appendFields(nil, f)
		var out [1]string
		if !readFields(b, out[:]) || out[0] != f {
			t.Fatalf("field of %d bytes did not round-trip", n)
		}
		if want := binary.PutUvarint(make([]byte, binary.MaxVarintLen64), uint64(n)); len(b) != want+n {
			t.Fatalf("length prefix of %d is %d bytes, want %d", n, len(b)-n, want)
		}
	}
}
