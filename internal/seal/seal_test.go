package seal

import (
	"bytes"
	"encoding/base64"
	"strings"
	"testing"
)

func TestSealOpenRoundTrip(t *testing.T) {
	ring := unitRing(t, unitKeyA)
	aad := unitAAD(SessionPurpose, "_instagram_auth")
	for _, plain := range [][]byte{
		{},
		[]byte("x"),
		[]byte("hello, sealed world"),
		bytes.Repeat([]byte{0, 1, 2, 0xff}, 500),
	} {
		value := ring.Seal(aad, plain)
		got, nonce, ok := ring.Open(aad, value)
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
	aad := unitAAD(SessionPurpose, "_instagram_auth")
	a := ring.Seal(aad, []byte("same"))
	b := ring.Seal(aad, []byte("same"))
	if a == b {
		t.Fatal("two seals of the same plaintext are identical: nonce reuse")
	}
}

func TestSealedValueIsCookieSafe(t *testing.T) {
	ring := unitRing(t, unitKeyA)
	value := ring.Seal([]byte("aad"), []byte("some plaintext with ; and = and spaces"))
	for i := 0; i < len(value); i++ {
		c := value[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_') {
			t.Fatalf("sealed value has %q at %d: not base64url", c, i)
		}
	}
}

func TestOpenRejectsTampering(t *testing.T) {
	ring := unitRing(t, unitKeyA)
	aad := unitAAD(SessionPurpose, "_instagram_auth")
	// Several plaintext lengths, so the base64 text ends with 0, 2 and 4
	// padding bits.
	for _, n := range []int{0, 1, 2, 3, 10, 11, 12} {
		plain := bytes.Repeat([]byte{'p'}, n)
		value := ring.Seal(aad, plain)
		const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
		for i := 0; i < len(value); i++ {
			for j := 0; j < len(alphabet); j++ {
				if alphabet[j] == value[i] {
					continue
				}
				tampered := value[:i] + string(alphabet[j]) + value[i+1:]
				if _, _, ok := ring.Open(aad, tampered); ok {
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
				if _, _, ok := ring.Open(aad, base64.RawURLEncoding.EncodeToString(mut)); ok {
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
			if _, _, ok := ring.Open(aad, bad); ok {
				t.Fatalf("plaintext %d bytes: altered value %q opened", n, bad)
			}
		}
	}
}

func TestOpenRejectsOtherAAD(t *testing.T) {
	ring := unitRing(t, unitKeyA)
	sess := unitAAD(SessionPurpose, "_instagram_auth")
	pend := unitAAD(PendingPurpose, "_instagram_auth")
	otherName := unitAAD(SessionPurpose, "other_cookie")
	plain := []byte("a session record")

	v := ring.Seal(sess, plain)
	if _, _, ok := ring.Open(pend, v); ok {
		t.Fatal("a session value opened as a state value")
	}
	if _, _, ok := ring.Open(otherName, v); ok {
		t.Fatal("a session value opened under another cookie name")
	}
	w := ring.Seal(pend, plain)
	if _, _, ok := ring.Open(sess, w); ok {
		t.Fatal("a state value opened as a session value")
	}
	if _, _, ok := ring.Open(sess, v); !ok {
		t.Fatal("control: the session value does not open as a session")
	}
}

func TestKeyRotation(t *testing.T) {
	aad := unitAAD(SessionPurpose, "_instagram_auth")
	oldRing := unitRing(t, unitKeyA)
	rotated := unitRing(t, unitKeyB, unitKeyA) // new first, old kept
	newOnly := unitRing(t, unitKeyB)

	byOld := oldRing.Seal(aad, []byte("sealed by old"))
	byNew := rotated.Seal(aad, []byte("sealed by new"))

	if p, _, ok := rotated.Open(aad, byOld); !ok || string(p) != "sealed by old" {
		t.Fatalf("rotated ring does not open an old value: %q %v", p, ok)
	}
	if p, _, ok := rotated.Open(aad, byNew); !ok || string(p) != "sealed by new" {
		t.Fatalf("rotated ring does not open its own value: %q %v", p, ok)
	}
	// The rotated ring seals with the new key only.
	if _, _, ok := newOnly.Open(aad, byNew); !ok {
		t.Fatal("a value sealed by [new, old] does not open with [new]")
	}
	if _, _, ok := oldRing.Open(aad, byNew); ok {
		t.Fatal("a value sealed by [new, old] opens with [old]: not sealed by the first key")
	}
	// Once the old key is dropped, old values are refused.
	if _, _, ok := newOnly.Open(aad, byOld); ok {
		t.Fatal("a ring without the old key opened an old value")
	}
	// A failed try with the first key must not spoil the value for the
	// next key (in-place decryption), whatever the ring's length.
	long := unitRing(t, bytes.Repeat([]byte{1}, 32), bytes.Repeat([]byte{2}, 32), unitKeyB, unitKeyA)
	for i := 0; i < 2; i++ { // twice: the value must be unchanged by the first open
		if p, _, ok := long.Open(aad, byOld); !ok || string(p) != "sealed by old" {
			t.Fatalf("try %d: 4-key ring does not open a value sealed by its last key", i)
		}
	}
}

func TestOpenRejectsJunk(t *testing.T) {
	ring := unitRing(t, unitKeyA)
	aad := unitAAD(SessionPurpose, "_instagram_auth")
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
		strings.Repeat("A", maxSealedLen+1),
		strings.Repeat("A", 1<<20),
	} {
		if _, _, ok := ring.Open(aad, v); ok {
			t.Fatalf("junk value of %d bytes opened", len(v))
		}
	}
	// A genuine value longer than maxSealedLen is refused too.
	huge := ring.Seal(aad, bytes.Repeat([]byte{'h'}, maxSealedLen))
	if len(huge) <= maxSealedLen {
		t.Fatalf("test setup: sealed value only %d bytes", len(huge))
	}
	if _, _, ok := ring.Open(aad, huge); ok {
		t.Fatal("a value longer than maxSealedLen opened")
	}
	// An empty ring opens nothing.
	if _, _, ok := Ring(nil).Open(aad, ring.Seal(aad, []byte("x"))); ok {
		t.Fatal("an empty ring opened a value")
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
		if err := CheckSecret(s); err != nil {
			t.Errorf("%s spelling %q refused: %v", name, s, err)
		}
		if err := CheckSecret("  " + s + "\n"); err != nil {
			t.Errorf("%s spelling with surrounding space refused: %v", name, err)
		}
		got, err := DecodeSecret(s)
		if err != nil || !bytes.Equal(got, key) {
			t.Errorf("DecodeSecret(%s spelling) = %x, %v", name, got, err)
		}
		ring, err := NewRing([]string{s})
		if err != nil || len(ring) != 1 {
			t.Errorf("NewRing(%s spelling): %v", name, err)
		}
	}
	// All four spellings make the same key: a value sealed with one opens
	// with another.
	aad := []byte("aad")
	r1, _ := NewRing([]string{spellings["std"]})
	r2, _ := NewRing([]string{spellings["rawurl"]})
	if _, _, ok := r2.Open(aad, r1.Seal(aad, []byte("x"))); !ok {
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
		err := CheckSecret(s)
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
		if _, err := NewRing([]string{s}); err == nil {
			t.Errorf("%s: newKeyRing accepted it", name)
		} else if s != "" && strings.Contains(err.Error(), s) {
			t.Errorf("%s: newKeyRing error quotes the secret", name)
		}
	}
	// A ring is refused as a whole when any of its keys is bad.
	if _, err := NewRing([]string{spellings["std"], bad["31 bytes"]}); err == nil {
		t.Error("a ring with one bad key was accepted")
	}
}

// A key made with `openssl rand -hex 32` (64 hex digits, which also read as
// base64 of 48 bytes) is named as hex, with the command that makes a key,
// and the digits are never quoted.
func TestCheckSecretRecognisesHex(t *testing.T) {
	for _, s := range []string{
		strings.Repeat("0123456789abcdef", 4),
		strings.Repeat("0123456789ABCDEF", 4),
		" " + strings.Repeat("9f", 32) + "\n",
		strings.Repeat("a1", 16), // openssl rand -hex 16
	} {
		err := CheckSecret(s)
		if err == nil {
			t.Fatalf("%d hex digits accepted", len(strings.TrimSpace(s)))
		}
		for _, want := range []string{"looks like hex", "openssl rand -base64 32"} {
			if !strings.Contains(err.Error(), want) {
				t.Errorf("%d hex digits: error %q lacks %q", len(strings.TrimSpace(s)), err, want)
			}
		}
		if strings.Contains(err.Error(), strings.TrimSpace(s)[:8]) {
			t.Errorf("error %q quotes the secret", err)
		}
	}
	// Base64 that happens to hold no letter beyond f is still base64 when
	// it is the right length: only keys that fail are called hex.
	for _, s := range []string{"this is not base64 at all, is it?!", base64.StdEncoding.EncodeToString(make([]byte, 16))} {
		if err := CheckSecret(s); err == nil || strings.Contains(err.Error(), "hex") {
			t.Errorf("%q: error %v, want one that does not say hex", s, err)
		}
	}
}

// Fixed test keys: 32 bytes each, never used outside tests.
var (
	unitKeyA = bytes.Repeat([]byte{0xA1}, KeySize)
	unitKeyB = bytes.Repeat([]byte{0xB2}, KeySize)
)

// unitRing builds a key ring from raw keys, failing the test on error.
func unitRing(tb testing.TB, keys ...[]byte) Ring {
	tb.Helper()
	secrets := make([]string, len(keys))
	for i, k := range keys {
		secrets[i] = base64.StdEncoding.EncodeToString(k)
	}
	ring, err := NewRing(secrets)
	if err != nil {
		tb.Fatalf("NewRing: %v", err)
	}
	return ring
}

func unitAAD(prefix []byte, cookieName string) []byte {
	return append(append([]byte{}, prefix...), cookieName...)
}
