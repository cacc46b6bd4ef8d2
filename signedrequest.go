package instagramauth

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"strconv"
	"strings"
)

// Meta's signed_request: "<signature>.<payload>", both base64url (with or
// without padding); the signature is HMAC-SHA256 of the payload text as
// sent, keyed with the app secret; the payload is JSON such as
// {"algorithm":"HMAC-SHA256","issued_at":1291836800,"user_id":"218471"}.

// maxIssuedAhead is how far in the future issued_at may lie (Meta's clock
// against ours); further is not a request Meta made.
const maxIssuedAhead = 10 * 60

var (
	errBadSignature = errors.New("signature does not match: not signed with this app's client_secret")
	errMalformed    = errors.New("not <signature>.<payload> in base64url")
)

// signedRequest is what a verified signed_request says.
type signedRequest struct {
	userID   string
	issuedAt int64
}

// parseSignedRequest verifies value against the app secret, in constant
// time, before anything is read from its payload.
func parseSignedRequest(secret, value string) (signedRequest, error) {
	sigText, payload, ok := strings.Cut(value, ".")
	sig, okSig := decodeBase64URL(sigText)
	if !ok || !okSig || len(sig) != sha256.Size || payload == "" {
		return signedRequest{}, errMalformed
	}
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write([]byte(payload))
	if !hmac.Equal(sig, mac.Sum(nil)) {
		return signedRequest{}, errBadSignature
	}
	body, ok := decodeBase64URL(payload)
	if !ok {
		return signedRequest{}, errMalformed
	}
	return readSignedPayload(body)
}

func readSignedPayload(body []byte) (signedRequest, error) {
	var p struct {
		Algorithm string          `json:"algorithm"`
		IssuedAt  json.Number     `json:"issued_at"`
		UserID    json.RawMessage `json:"user_id"`
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	if err := dec.Decode(&p); err != nil {
		return signedRequest{}, errors.New("payload is not a JSON object")
	}
	if !strings.EqualFold(p.Algorithm, "HMAC-SHA256") {
		return signedRequest{}, errors.New("algorithm is not HMAC-SHA256")
	}
	issuedAt, err := strconv.ParseInt(p.IssuedAt.String(), 10, 64)
	if err != nil || issuedAt <= 0 || issuedAt > now().Unix()+maxIssuedAhead {
		return signedRequest{}, errors.New("issued_at is not a time in unix seconds")
	}
	userID, ok := signedUserID(p.UserID)
	if !ok {
		return signedRequest{}, errors.New("user_id is missing or not an Instagram id")
	}
	return signedRequest{userID: userID, issuedAt: issuedAt}, nil
}

// signedUserID reads user_id as a string or a number, digit for digit.
func signedUserID(raw json.RawMessage) (string, bool) {
	var id string
	if len(raw) > 0 && raw[0] == '"' {
		if json.Unmarshal(raw, &id) != nil {
			return "", false
		}
	} else {
		id = string(raw)
	}
	return id, isDigits(id)
}

// decodeBase64URL decodes base64url with or without its padding.
func decodeBase64URL(s string) ([]byte, bool) {
	b, err := base64.RawURLEncoding.DecodeString(strings.TrimRight(s, "="))
	return b, err == nil
}
