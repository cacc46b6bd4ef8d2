package instagramtest

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"strconv"
	"strings"
	"testing"
	"time"
)

// verifySignedRequest checks signed_request as a site must, and returns
// its payload.
func verifySignedRequest(secret, signed string) (map[string]any, error) {
	sig, payload, ok := strings.Cut(signed, ".")
	if !ok {
		return nil, errors.New("no dot")
	}
	got, err := base64.RawURLEncoding.DecodeString(sig)
	if err != nil {
		return nil, err
	}
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write([]byte(payload))
	if !hmac.Equal(got, mac.Sum(nil)) {
		return nil, errors.New("bad signature")
	}
	body, err := base64.RawURLEncoding.DecodeString(payload)
	if err != nil {
		return nil, err
	}
	var v map[string]any
	return v, json.Unmarshal(body, &v)
}

// TestSignedRequestKnownAnswer compares with a value computed by another
// implementation (Python's hmac and base64) from Meta's example payload.
func TestSignedRequestKnownAnswer(t *testing.T) {
	got := SignedRequest("app-secret", "218471", time.Unix(1291836800, 0))
	const want = "e4ceQm-XcbCvHuoHVaktFcsK2TKIC36fHF0Ymk8sF3c." +
		"eyJ1c2VyX2lkIjoiMjE4NDcxIiwiYWxnb3JpdGhtIjoiSE1BQy1TSEEyNTYiLCJpc3N1ZWRfYXQiOjEyOTE4MzY4MDAsImV4cGlyZXMiOjEyOTE4NDA0MDB9"
	if got != want {
		t.Fatalf("SignedRequest\n%s want\n%s", got, want)
	}
	_, payload, _ := strings.Cut(got, ".")
	body, _ := base64.RawURLEncoding.DecodeString(payload)
	if string(body) != `{"user_id":"218471","algorithm":"HMAC-SHA256","issued_at":1291836800,"expires":1291840400}` {
		t.Fatalf("payload %s", body)
	}
}

func TestSignedRequestIsURLSafe(t *testing.T) {
	// Many ids and times, so that '+', '/' and '=' would have shown up.
	for i := range 200 {
		sr := SignedRequest(testSecret, UserID("user"+strconv.Itoa(i)), time.Unix(int64(1700000000+i*7919), 0))
		if strings.ContainsAny(sr, "+/=") || strings.Count(sr, ".") != 1 {
			t.Fatalf("%s is not base64url without padding", sr)
		}
		if _, err := verifySignedRequest(testSecret, sr); err != nil {
			t.Fatalf("%s: %v", sr, err)
		}
		if _, err := verifySignedRequest(testSecret+"x", sr); err == nil {
			t.Fatal("verified with the wrong secret")
		}
	}
}

func TestSignedRequestWith(t *testing.T) {
	sr := SignedRequestWith(testSecret, map[string]any{"user_id": 218471, "algorithm": "HMAC-SHA1"})
	v, err := verifySignedRequest(testSecret, sr)
	if err != nil || v["user_id"] != 218471.0 || v["algorithm"] != "HMAC-SHA1" {
		t.Fatalf("%v %v", v, err)
	}
	_, payload, _ := strings.Cut(sr, ".")
	body, _ := base64.RawURLEncoding.DecodeString(payload)
	if string(body) != `{"algorithm":"HMAC-SHA1","user_id":218471}` {
		t.Fatalf("payload %s, want sorted keys", body)
	}
}

func TestSignPayloadSignsTheTextAsGiven(t *testing.T) {
	padded := base64.URLEncoding.EncodeToString([]byte(`{"user_id":"1"}`)) // ends in '='
	sr := SignPayload(testSecret, padded)
	sig, payload, _ := strings.Cut(sr, ".")
	if payload != padded {
		t.Fatalf("payload changed to %q", payload)
	}
	mac := hmac.New(sha256.New, []byte(testSecret))
	mac.Write([]byte(padded))
	if sig != base64.RawURLEncoding.EncodeToString(mac.Sum(nil)) {
		t.Fatal("signature is not over the text as given")
	}
	if got := SignPayload(testSecret, "not base64!"); !strings.HasSuffix(got, ".not base64!") {
		t.Fatalf("%q", got)
	}
}

func TestSignedRequestWithPanicsOnBadPayload(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Fatal("no panic")
		}
	}()
	SignedRequestWith(testSecret, map[string]any{"f": func() {}})
}
