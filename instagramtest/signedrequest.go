package instagramtest

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"time"
)

// signedRequestLifetime is how far expires lies after issued_at in the
// signed requests Meta sends (an hour in its examples).
const signedRequestLifetime = time.Hour

// signedPayload is the JSON Meta signs, in its field order.
type signedPayload struct {
	UserID    string `json:"user_id"` // app-scoped, as a string
	Algorithm string `json:"algorithm"`
	IssuedAt  int64  `json:"issued_at"`
	Expires   int64  `json:"expires"`
}

// SignedRequest is the signed_request value Meta sends to an app's
// deauthorize callback and data deletion URL for userID (the app-scoped id,
// UserID(username)), signed with the app secret as Meta signs it:
// "<sig>.<payload>", where payload is the JSON
// {"user_id":..,"algorithm":"HMAC-SHA256","issued_at":..,"expires":..}
// in base64url without padding, and sig is HMAC-SHA256 of that payload text
// (not of the JSON) keyed with secret, in base64url without padding.
// expires is an hour after issuedAt.
func SignedRequest(secret, userID string, issuedAt time.Time) string {
	body, err := json.Marshal(signedPayload{
		UserID:    userID,
		Algorithm: "HMAC-SHA256",
		IssuedAt:  issuedAt.Unix(),
		Expires:   issuedAt.Add(signedRequestLifetime).Unix(),
	})
	if err != nil {
		panic(err) // a fixed struct of strings and numbers
	}
	return SignPayload(secret, base64.RawURLEncoding.EncodeToString(body))
}

// SignedRequestWith signs an arbitrary payload, for attack tests: a missing
// or numeric user_id, another algorithm, an old issued_at. The JSON has its
// keys sorted. A payload that does not marshal panics: it is a bug in the
// calling test.
func SignedRequestWith(secret string, payload map[string]any) string {
	body, err := json.Marshal(payload)
	if err != nil {
		panic("instagramtest: SignedRequestWith: " + err.Error())
	}
	return SignPayload(secret, base64.RawURLEncoding.EncodeToString(body))
}

// SignPayload signs encodedPayload exactly as given and returns
// "<sig>.<encodedPayload>": for payloads no JSON encoder makes, such as
// padded or standard base64, invalid JSON, or not base64 at all. The
// signature covers the text as sent, as Meta's does.
func SignPayload(secret, encodedPayload string) string {
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write([]byte(encodedPayload))
	return base64.RawURLEncoding.EncodeToString(mac.Sum(nil)) + "." + encodedPayload
}
