// Package signedrequest reads Meta's signed_request, the form field of the
// deauthorize and data deletion callbacks: "<signature>.<payload>", both
// base64url (with or without padding). The signature is HMAC-SHA256 of the
// payload text as sent, keyed with the app secret; the payload is JSON such
// as {"algorithm":"HMAC-SHA256","issued_at":1291836800,"user_id":"218471"}.
package signedrequest

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"strconv"
	"strings"

	"github.com/b4b0c547/caddy-instagram-auth/internal/ascii"
)

// maxIssuedAhead is how far in the future issued_at may lie (Meta's clock
// against ours); further is not a request Meta made.
const maxIssuedAhead = 10 * 60

// maxUserIDDigits bounds an app-scoped id: Instagram's have 17.
const maxUserIDDigits = 32

var (
	errBadSignature = errors.New("signature does not match: not signed with this app's client_secret")
	errMalformed    = errors.New("not <signature>.<payload> in base64url")
)

// Request is what a verified signed_request says.
type Request struct {
	UserID   string // decimal digits, as Meta sent them
	IssuedAt int64  // unix seconds
}

// Parse verifies value against the app secret, in constant time, before
// anything is read from its payload. now is unix seconds, for the bound on
// issued_at. Errors say what is wrong, never the value: it is the request's
// credential.
func Parse(secret, value string, now int64) (Request, error) {
	sigText, payload, ok := strings.Cut(value, ".")
	sig, okSig := decodeBase64URL(sigText)
	if !ok || !okSig || len(sig) != sha256.Size || payload == "" {
		return Request{}, errMalformed
	}
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write([]byte(payload))
	if !hmac.Equal(sig, mac.Sum(nil)) {
		return Request{}, errBadSignature
	}
	body, ok := decodeBase64URL(payload)
	if !ok {
		return Request{}, errMalformed
	}
	return readPayload(body, now)
}

func readPayload(body []byte, now int64) (Request, error) {
	var p struct {
		Algorithm string          `json:"algorithm"`
		IssuedAt  json.Number     `json:"issued_at"`
		UserID    json.RawMessage `json:"user_id"`
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	if err := dec.Decode(&p); err != nil {
		return Request{}, errors.New("payload is not a JSON object")
	}
	if !strings.EqualFold(p.Algorithm, "HMAC-SHA256") {
		return Request{}, errors.New("algorithm is not HMAC-SHA256")
	}
	issuedAt, err := strconv.ParseInt(p.IssuedAt.String(), 10, 64)
	if err != nil || issuedAt <= 0 || issuedAt > now+maxIssuedAhead {
		return Request{}, errors.New("issued_at is not a time in unix seconds")
	}
	userID, ok := userIDOf(p.UserID)
	if !ok {
		return Request{}, errors.New("user_id is missing or not an Instagram id")
	}
	return Request{UserID: userID, IssuedAt: issuedAt}, nil
}

// userIDOf reads user_id as a string or a number, digit for digit.
func userIDOf(raw json.RawMessage) (string, bool) {
	var id string
	if len(raw) > 0 && raw[0] == '"' {
		if json.Unmarshal(raw, &id) != nil {
			return "", false
		}
	} else {
		id = string(raw)
	}
	return id, ascii.Digits(id, maxUserIDDigits)
}

// decodeBase64URL decodes base64url with or without its padding. Go's
// decoder skips line breaks; a value holding one is not how Meta spells
// it, so it is refused: a signed request has one spelling.
func decodeBase64URL(s string) ([]byte, bool) {
	if strings.ContainsAny(s, "\r\n") {
		return nil, false
	}
	b, err := base64.RawURLEncoding.DecodeString(strings.TrimRight(s, "="))
	return b, err == nil
}
