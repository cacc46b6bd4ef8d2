package signedrequest

import (
	"encoding/base64"
	"strings"
	"testing"
	"time"

	"github.com/b4b0c547/caddy-instagram-auth/instagramtest"
)

const secret = "app-secret"

var epoch = time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)

func TestParse(t *testing.T) {
	user := "17841405793187218"
	now := epoch.Unix()
	valid := instagramtest.SignedRequest(secret, user, epoch)
	sig, payload, _ := strings.Cut(valid, ".")
	with := func(m map[string]any) string { return instagramtest.SignedRequestWith(secret, m) }
	for name, c := range map[string]struct {
		value string
		ok    bool
	}{
		"as the mock signs it":        {valid, true},
		"signature padded":            {sig + "=." + payload, true},
		"user_id a number":            {instagramtest.SignPayload(secret, b64(`{"algorithm":"HMAC-SHA256","issued_at":1,"user_id":`+user+`}`)), true},
		"algorithm lower case":        {with(map[string]any{"algorithm": "hmac-sha256", "issued_at": now, "user_id": user}), true},
		"other secret":                {instagramtest.SignedRequest("other", user, epoch), false},
		"payload changed":             {sig + "." + b64(`{"algorithm":"HMAC-SHA256","issued_at":1,"user_id":"1"}`), false},
		"algorithm none":              {with(map[string]any{"algorithm": "none", "issued_at": now, "user_id": user}), false},
		"user_id not an id":           {with(map[string]any{"algorithm": "HMAC-SHA256", "issued_at": now, "user_id": "1 OR 1=1"}), false},
		"user_id object":              {with(map[string]any{"algorithm": "HMAC-SHA256", "issued_at": now, "user_id": map[string]any{}}), false},
		"issued_at far ahead":         {with(map[string]any{"algorithm": "HMAC-SHA256", "issued_at": now + 86400, "user_id": user}), false},
		"issued_at text":              {with(map[string]any{"algorithm": "HMAC-SHA256", "issued_at": "soon", "user_id": user}), false},
		"payload not JSON":            {instagramtest.SignPayload(secret, b64("user_id=1")), false},
		"payload not base64":          {instagramtest.SignPayload(secret, "!!!"), false},
		"no dot":                      {sig + payload, false},
		"empty":                       {"", false},
		"signature too short":         {"YQ." + payload, false},
		"signature not base64":        {"***." + payload, false},
		"empty payload":               {sig + ".", false},
		"line break in the signature": {sig[:10] + "\n" + sig[10:] + "." + payload, false},
		"user_id past the bound":      {with(map[string]any{"algorithm": "HMAC-SHA256", "issued_at": now, "user_id": strings.Repeat("1", 33)}), false},
	} {
		req, err := Parse(secret, c.value, now)
		if ok := err == nil; ok != c.ok {
			t.Errorf("%s: accepted %v, want %v (err %v)", name, ok, c.ok, err)
		}
		if err == nil && req.UserID != user {
			t.Errorf("%s: user %q, want %q digit for digit", name, req.UserID, user)
		}
		if err != nil && strings.Contains(err.Error(), c.value) && c.value != "" {
			t.Errorf("%s: the error quotes the signed request", name)
		}
	}
}

func b64(s string) string { return base64.RawURLEncoding.EncodeToString([]byte(s)) }

// Whatever is posted, parsing never panics, and only a value signed with
// the app secret over exactly its payload text is accepted.
func FuzzParse(f *testing.F) {
	f.Add(instagramtest.SignedRequest(secret, "17841405793187218", epoch))
	f.Add(instagramtest.SignedRequestWith(secret, map[string]any{"algorithm": "HMAC-SHA256", "issued_at": 1, "user_id": 5}))
	f.Add(instagramtest.SignPayload(secret, "e30"))
	f.Add("a.b")
	f.Fuzz(func(t *testing.T, value string) {
		req, err := Parse(secret, value, epoch.Unix())
		if err != nil {
			return
		}
		sig, payload, _ := strings.Cut(value, ".")
		want, _, _ := strings.Cut(instagramtest.SignPayload(secret, payload), ".")
		if strings.TrimRight(sig, "=") != want {
			t.Fatalf("accepted a value not signed with the secret: %q", value)
		}
		if strings.Trim(req.UserID, "0123456789") != "" || req.UserID == "" || req.IssuedAt <= 0 {
			t.Fatalf("accepted %+v", req)
		}
	})
}
