package instagramauth

import (
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"fmt"
	"io/fs"
	"slices"
	"strings"

	"github.com/caddyserver/caddy/v2"
)

// Cookies are sealed with AES-256-GCM: base64url(nonce || ciphertext+tag).
// The additional data names the cookie's purpose and name, so a state
// cookie can never be presented as a session, nor one site's cookie under
// another name.

const (
	keySize      = 32
	formatV1     = 1
	maxCookieLen = 3800 // a sealed value longer than this is not ours
	storageKey   = "instagram_auth/cookie_secret.b64"
)

// cookieEncoding spells sealed values: base64url, unpadded, with the
// unused bits of the last character zero.
var cookieEncoding = base64.RawURLEncoding.Strict()

// session is what a session cookie holds.
type session struct {
	userID   string
	username string
	token    string
	expires  int64 // unix seconds
}

// pendingLogin is what a state cookie holds.
type pendingLogin struct {
	state       string // the random state sent to Instagram
	redirectURI string // byte-identical in the authorize and token requests
	returnTo    string // the page first asked for
	created     int64  // unix seconds
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
	if strings.Contains(s, "{") {
		return nil // a placeholder, checked once resolved in Provision
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

// newKeyRing turns cookie secrets into ready AEADs, built once here so no
// request pays for key setup.
func newKeyRing(secrets []string) ([]cipher.AEAD, error) {
	keys := make([]cipher.AEAD, 0, len(secrets))
	for _, s := range secrets {
		key, err := decodeSecret(s)
		if err != nil || len(key) != keySize {
			return nil, errors.New("instagram_auth: cookie_secret: must be base64 of 32 bytes")
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

// storedCookieSecret gets the shared key from Caddy's storage, creating it
// once under a lock: every instance sharing the storage seals alike, and a
// restart keeps sessions.
func storedCookieSecret(ctx caddy.Context) (string, error) {
	storage := ctx.Storage()
	if err := storage.Lock(ctx, storageKey); err != nil {
		return "", fmt.Errorf("instagram_auth: locking the cookie key in storage: %w", err)
	}
	defer func() { _ = storage.Unlock(context.Background(), storageKey) }()

	data, err := storage.Load(ctx, storageKey)
	if err == nil {
		secret := strings.TrimSpace(string(data))
		if checkCookieSecret(secret) == nil {
			return secret, nil
		}
		return "", fmt.Errorf("instagram_auth: the cookie key in storage (%s) is not base64 of 32 bytes", storageKey)
	}
	if !errors.Is(err, fs.ErrNotExist) {
		return "", fmt.Errorf("instagram_auth: loading the cookie key from storage: %w", err)
	}
	key := make([]byte, keySize)
	if _, err := rand.Read(key); err != nil {
		return "", err
	}
	secret := base64.StdEncoding.EncodeToString(key)
	if err := storage.Store(ctx, storageKey, []byte(secret)); err != nil {
		return "", fmt.Errorf("instagram_auth: keeping the cookie key in storage: %w", err)
	}
	return secret, nil
}

// seal encrypts plaintext with the first key.
func seal(keys []cipher.AEAD, aad, plaintext []byte) string {
	aead := keys[0]
	buf := make([]byte, aead.NonceSize(), aead.NonceSize()+len(plaintext)+aead.Overhead())
	if _, err := rand.Read(buf); err != nil {
		panic(err) // crypto/rand never fails on supported platforms
	}
	buf = aead.Seal(buf, buf, plaintext, aad)
	return cookieEncoding.EncodeToString(buf)
}

// open decrypts a sealed value with any key of the ring. It returns the
// plaintext and the nonce, which identifies the sealed value.
func open(keys []cipher.AEAD, aad []byte, value string) (plain, nonce []byte, ok bool) {
	return openInto(nil, keys, aad, value)
}

// openInto is open working in buf, grown if it is too small: the hot path
// lends it a pooled buffer instead of allocating one per request.
func openInto(buf []byte, keys []cipher.AEAD, aad []byte, value string) (plain, nonce []byte, ok bool) {
	if len(value) > maxCookieLen {
		return nil, nil, false
	}
	// Strict, and no line breaks (which the decoder skips): a sealed value
	// has one spelling only.
	raw := slices.Grow(buf[:0], cookieEncoding.DecodedLen(len(value)))
	n, err := cookieEncoding.Decode(raw[:cap(raw)], []byte(value))
	raw = raw[:n]
	if err != nil || cookieEncoding.EncodedLen(n) != len(value) {
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

// Sessions and pending logins share one compact layout: a version byte,
// a time (unix seconds), then three length-prefixed fields. No JSON: a
// session is read on every request.
type record struct {
	time   int64
	fields [3]string
}

func (rec record) encode() []byte {
	f := rec.fields
	b := make([]byte, 0, 9+3*binary.MaxVarintLen16+len(f[0])+len(f[1])+len(f[2]))
	b = append(b, formatV1)
	b = binary.BigEndian.AppendUint64(b, uint64(rec.time))
	return appendFields(b, f[:]...)
}

// decodeRecord reverses encode with a single string allocation.
func decodeRecord(plain []byte) (record, bool) {
	var rec record
	if len(plain) < 9 || plain[0] != formatV1 {
		return rec, false
	}
	rec.time = int64(binary.BigEndian.Uint64(plain[1:9]))
	return rec, readFields(plain[9:], rec.fields[:])
}

func encodeSession(s session) []byte {
	return record{s.expires, [3]string{s.userID, s.username, s.token}}.encode()
}

func decodeSession(plain []byte) (session, bool) {
	rec, ok := decodeRecord(plain)
	if !ok {
		return session{}, false
	}
	f := rec.fields
	return session{userID: f[0], username: f[1], token: f[2], expires: rec.time}, true
}

func encodePending(p pendingLogin) []byte {
	return record{p.created, [3]string{p.state, p.redirectURI, p.returnTo}}.encode()
}

func decodePending(plain []byte) (pendingLogin, bool) {
	rec, ok := decodeRecord(plain)
	if !ok {
		return pendingLogin{}, false
	}
	f := rec.fields
	return pendingLogin{state: f[0], redirectURI: f[1], returnTo: f[2], created: rec.time}, true
}

func appendFields(b []byte, fields ...string) []byte {
	for _, f := range fields {
		b = binary.AppendUvarint(b, uint64(len(f)))
		b = append(b, f...)
	}
	return b
}

// readFields splits length-prefixed fields out of b, all sharing one
// string; it fails unless b holds exactly len(out) fields.
func readFields(b []byte, out []string) bool {
	all := string(b)
	pos := 0
	for i := range out {
		n, w := binary.Uvarint(b[pos:])
		// An overlong length ends in a zero byte: refused, so that a
		// plaintext has one encoding only.
		if w <= 0 || (w > 1 && b[pos+w-1] == 0) || n > uint64(len(b)-pos-w) {
			return false
		}
		pos += w
		out[i] = all[pos : pos+int(n)]
		pos += int(n)
	}
	return pos == len(b)
}
