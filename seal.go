package instagramauth

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

// Cookies are sealed with AES-256-GCM: base64url(nonce || ciphertext+tag).
// The additional data names the value's purpose, the cookie's name and the
// Instagram app, so a state cookie can never be presented as a session, nor
// one site's cookie under another name or for another app.

const (
	keySize      = 32
	gcmNonceSize = 12   // what cipher.NewGCM uses
	maxSealedLen = 3800 // a sealed value longer than this is not ours
)

// sealEncoding spells sealed values: base64url, unpadded, with the unused
// bits of the last character zero, so a sealed value has one spelling.
var sealEncoding = base64.RawURLEncoding.Strict()

// keyRing holds the cookie keys, ready for use: the first seals, all open.
type keyRing []cipher.AEAD

// Purposes of sealed values, the first part of their additional data.
var (
	sessionPurpose  = []byte("instagram_auth session\x00")
	pendingPurpose  = []byte("instagram_auth state\x00")
	deletionPurpose = []byte("instagram_auth data deletion\x00")
)

// additionalData binds sealed values to their purpose, the cookie name and
// the app: sites that share a key never accept each other's values.
type additionalData struct {
	session, pending, deletion []byte
	legacySession              []byte // sessions under the earlier default name
}

func newAdditionalData(names cookieNames, clientID string) additionalData {
	aad := additionalData{
		session:  bindTo(sessionPurpose, names.session, clientID),
		pending:  bindTo(pendingPurpose, names.session, clientID),
		deletion: bindTo(deletionPurpose, names.session, clientID),
	}
	if names.legacy != "" {
		aad.legacySession = bindTo(sessionPurpose, names.legacy, clientID)
	}
	return aad
}

func bindTo(purpose []byte, cookieName, clientID string) []byte {
	aad := append([]byte{}, purpose...)
	aad = append(aad, cookieName...)
	aad = append(aad, 0)
	return append(aad, clientID...)
}

// decodeSecret accepts base64 in any of its four common spellings.
func decodeSecret(s string) ([]byte, error) {
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

// checkCookieSecret accepts base64 of exactly 32 bytes. The message never
// quotes the secret: config errors end up in logs.
func checkCookieSecret(s string) error {
	if hasPlaceholder(s) {
		return nil // checked once Provision has resolved it
	}
	key, err := decodeSecret(s)
	if err != nil {
		return errors.New("must be base64 of 32 bytes (try: openssl rand -base64 32)")
	}
	if len(key) != keySize {
		return fmt.Errorf("must be base64 of 32 bytes, got %d bytes (try: openssl rand -base64 32)", len(key))
	}
	return nil
}

// newKeyRing turns checked cookie secrets into ready AEADs, built once
// here so no request pays for key setup.
func newKeyRing(secrets []string) (keyRing, error) {
	keys := make(keyRing, 0, len(secrets))
	for _, s := range secrets {
		key, err := decodeSecret(s)
		if err != nil || len(key) != keySize {
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

// seal encrypts plaintext with the first key.
func (keys keyRing) seal(aad, plaintext []byte) string {
	aead := keys[0]
	buf := make([]byte, aead.NonceSize(), aead.NonceSize()+len(plaintext)+aead.Overhead())
	if _, err := rand.Read(buf); err != nil {
		panic(err) // crypto/rand never fails on supported platforms
	}
	buf = aead.Seal(buf, buf, plaintext, aad)
	return sealEncoding.EncodeToString(buf)
}

// open decrypts a sealed value with any key of the ring. It returns the
// plaintext and the nonce, which identifies the sealed value.
func (keys keyRing) open(aad []byte, value string) (plain, nonce []byte, ok bool) {
	return keys.openInto(nil, aad, value)
}

// openInto is open working in buf, grown if it is too small: the hot path
// lends it a pooled buffer instead of allocating one per request.
func (keys keyRing) openInto(buf []byte, aad []byte, value string) (plain, nonce []byte, ok bool) {
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
