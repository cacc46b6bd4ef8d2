// Package seal seals cookie values: AES-256-GCM under a key ring whose
// first key seals and all open, so a key can be rotated without logging
// everybody out. A sealed value is base64url(nonce || ciphertext+tag); its
// additional data names the value's purpose, the cookie's name and the
// Instagram app, so a state cookie can never be presented as a session,
// nor one site's cookie under another name or for another app.
package seal

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"slices"
	"strings"
)

const (
	// KeySize is the length of a cookie key: AES-256.
	KeySize = 32
	// NonceSize is the nonce length cipher.NewGCM uses; a sealed value's
	// nonce identifies it.
	NonceSize    = 12
	maxSealedLen = 3800 // a sealed value longer than this is not ours
)

// sealEncoding spells sealed values: base64url, unpadded, with the unused
// bits of the last character zero, so a sealed value has one spelling.
var sealEncoding = base64.RawURLEncoding.Strict()

// Ring holds the cookie keys, ready for use: the first seals, all open.
type Ring []cipher.AEAD

// Purposes of sealed values, the first part of their additional data.
var (
	SessionPurpose  = []byte("instagram_auth session\x00")
	PendingPurpose  = []byte("instagram_auth state\x00")
	DeletionPurpose = []byte("instagram_auth data deletion\x00")
)

// AdditionalData binds sealed values to their purpose, the cookie name and
// the app: sites that share a key never accept each other's values.
type AdditionalData struct {
	Session, Pending, Deletion []byte
	LegacySession              []byte // sessions under the earlier default name; nil without one
}

// NewAdditionalData binds each purpose to the session cookie's name and the
// app; legacyName, if not "", is the earlier default name sessions may
// still come under.
func NewAdditionalData(sessionName, legacyName, clientID string) AdditionalData {
	aad := AdditionalData{
		Session:  Bind(SessionPurpose, sessionName, clientID),
		Pending:  Bind(PendingPurpose, sessionName, clientID),
		Deletion: Bind(DeletionPurpose, sessionName, clientID),
	}
	if legacyName != "" {
		aad.LegacySession = Bind(SessionPurpose, legacyName, clientID)
	}
	return aad
}

// Bind is the additional data of one purpose: purpose, cookie name, a zero
// byte, client id.
func Bind(purpose []byte, cookieName, clientID string) []byte {
	aad := append([]byte{}, purpose...)
	aad = append(aad, cookieName...)
	aad = append(aad, 0)
	return append(aad, clientID...)
}

// DecodeSecret accepts base64 in any of its four common spellings.
func DecodeSecret(s string) ([]byte, error) {
	s = strings.TrimSpace(s)
	for _, enc := range []*base64.Encoding{
		base64.StdEncoding, base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding,
	} {
		if key, err := enc.DecodeString(s); err == nil {
			return key, nil
		}
	}
	return nil, errors.New("is not base64")
}

// CheckSecret accepts base64 of exactly 32 bytes. The message never
// quotes the secret: config errors end up in logs.
func CheckSecret(s string) error {
	key, err := DecodeSecret(s)
	switch {
	case err == nil && len(key) == KeySize:
		return nil
	case looksHex(s):
		// openssl rand -hex 32 is a common slip: its 64 digits also read
		// as base64, of 48 bytes, which would say nothing useful.
		return fmt.Errorf("looks like hex (%d hex digits, as openssl rand -hex writes): the key must be base64 of 32 bytes: "+
			"use openssl rand -base64 32", len(strings.TrimSpace(s)))
	case err != nil:
		return errors.New("must be base64 of 32 bytes (try: openssl rand -base64 32)")
	}
	return fmt.Errorf("must be base64 of 32 bytes, got %d bytes (try: openssl rand -base64 32)", len(key))
}

// looksHex tells a key written in hex: an even number of hex digits, at
// least 32 (openssl rand -hex 16), and nothing else.
func looksHex(s string) bool {
	s = strings.TrimSpace(s)
	if len(s) < 32 || len(s)%2 != 0 {
		return false
	}
	for _, c := range []byte(s) {
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F') {
			return false
		}
	}
	return true
}

// NewRing turns checked cookie secrets into ready AEADs, built once here
// so no request pays for key setup.
func NewRing(secrets []string) (Ring, error) {
	keys := make(Ring, 0, len(secrets))
	for _, s := range secrets {
		key, err := DecodeSecret(s)
		if err != nil || len(key) != KeySize {
			return nil, errors.New("cookie_secret: must be base64 of 32 bytes")
		}
		block, err := aes.NewCipher(key)
		if err != nil {
			return nil, err
		}
		aead, err := cipher.NewGCM(block)
		if err != nil {
			return nil, err
		}
		keys = append(keys, aead)
	}
	return keys, nil
}

// Seal encrypts plaintext with the first key.
func (keys Ring) Seal(aad, plaintext []byte) string {
	aead := keys[0]
	buf := make([]byte, aead.NonceSize(), aead.NonceSize()+len(plaintext)+aead.Overhead())
	if _, err := rand.Read(buf); err != nil {
		panic(err) // crypto/rand never fails on supported platforms
	}
	buf = aead.Seal(buf, buf, plaintext, aad)
	return sealEncoding.EncodeToString(buf)
}

// Open decrypts a sealed value with any key of the ring. It returns the
// plaintext and the nonce, which identifies the sealed value.
func (keys Ring) Open(aad []byte, value string) (plain, nonce []byte, ok bool) {
	return keys.OpenInto(nil, aad, value)
}

// OpenInto is Open working in buf, grown if it is too small: the hot path
// lends it a pooled buffer instead of allocating one per request.
func (keys Ring) OpenInto(buf []byte, aad []byte, value string) (plain, nonce []byte, ok bool) {
	if len(value) > maxSealedLen {
		return nil, nil, false
	}
	// Strict, and no line breaks (which the decoder skips): a sealed value
	// has one spelling only.
	raw := slices.Grow(buf[:0], sealEncoding.DecodedLen(len(value)))
	n, err := sealEncoding.Decode(raw[:cap(raw)], []byte(value))
	raw = raw[:n]
	if err != nil || sealEncoding.EncodedLen(n) != len(value) {
		return nil, nil, false
	}
	for i, aead := range keys {
		ns := aead.NonceSize()
		if len(raw) < ns+aead.Overhead() {
			return nil, nil, false
		}
		// A failed Open clears its output, so opening in place would
		// garble raw for the next key: only the last key may reuse it.
		var dst []byte
		if i == len(keys)-1 {
			dst = raw[ns:ns]
		}
		plain, err := aead.Open(dst, raw[:ns], raw[ns:], aad)
		if err == nil {
			return plain, raw[:ns], true
		}
	}
	return nil, nil, false
}
