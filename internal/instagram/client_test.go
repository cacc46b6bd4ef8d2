package instagram

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

func TestResponseError(t *testing.T) {
	err := responseError(400, []byte(`{"error_type":"OAuthException","code":400,"error_message":"Matching code was not found or was already used"}`))
	if want := "instagram answered HTTP 400 OAuthException: Matching code was not found or was already used"; err.Error() != want {
		t.Errorf("token endpoint error: %q, want %q", err, want)
	}
	err = responseError(400, []byte(`{"error":{"message":"Error validating access token: Session has expired","type":"OAuthException","code":190,"error_subcode":463,"fbtrace_id":"Abc"}}`))
	if want := "instagram answered HTTP 400 OAuthException: Error validating access token: Session has expired"; err.Error() != want {
		t.Errorf("graph error: %q, want %q", err, want)
	}
	if _, ok := err.(*Error); !ok {
		t.Errorf("responseError returned %T, want *Error", err)
	}
	for body, want := range map[string]string{
		``:                                   "instagram answered HTTP 502",
		`<html>Bad</html>`:                   "instagram answered HTTP 502",
		`{}`:                                 "instagram answered HTTP 502",
		`{"error":"plain"}`:                  "instagram answered HTTP 502",
		`{"error_message":"only a message"}`: "instagram answered HTTP 502: only a message",
	} {
		if got := responseError(502, []byte(body)).Error(); got != want {
			t.Errorf("responseError(502, %q) = %q, want %q", body, got, want)
		}
	}

	// A long message and kind are clipped, so a hostile or broken server
	// cannot fill the logs.
	long := strings.Repeat("m", 5000)
	kind := strings.Repeat("k", 500)
	msg := responseError(400, []byte(`{"error_type":"`+kind+`","error_message":"`+long+`"}`)).Error()
	if len(msg) > 400 {
		t.Errorf("error message of %d bytes not clipped", len(msg))
	}
	if !strings.Contains(msg, strings.Repeat("m", 200)+"...") || strings.Contains(msg, strings.Repeat("m", 201)) {
		t.Errorf("message not clipped to 200 bytes: %q", msg)
	}
	if !strings.Contains(msg, strings.Repeat("k", 64)+"...") || strings.Contains(msg, strings.Repeat("k", 65)) {
		t.Errorf("kind not clipped to 64 bytes: %q", msg)
	}
	msg = responseError(400, []byte(`{"error":{"type":"T","message":"`+long+`"}}`)).Error()
	if len(msg) > 300 {
		t.Errorf("graph error message of %d bytes not clipped", len(msg))
	}
}

func TestAppSecretProof(t *testing.T) {
	// Vectors from: printf %s TOKEN | openssl dgst -sha256 -hmac SECRET
	for _, v := range []struct{ secret, token, want string }{
		{"secret", "token", "e941110e3d2bfe82621f0e3e1434730d7305d106c5f68c87165d0b27a4611a4a"},
		{"app-secret", "IGQVJ-test-token", "3b6b2141ca1dbf0b2a810e150a642e26b3d0fbfc36986cb84d26880787418e0f"},
	} {
		if got := appSecretProof(v.secret, v.token); got != v.want {
			t.Errorf("appSecretProof(%q, %q) = %s, want %s", v.secret, v.token, got, v.want)
		}
	}
	// And against crypto/hmac directly, key and message the right way round.
	mac := hmac.New(sha256.New, []byte("k"))
	mac.Write([]byte("m"))
	if got, want := appSecretProof("k", "m"), hex.EncodeToString(mac.Sum(nil)); got != want {
		t.Errorf("appSecretProof(k, m) = %s, want %s", got, want)
	}
	if appSecretProof("k", "m") == appSecretProof("m", "k") {
		t.Error("key and message are interchangeable")
	}
}

// The refresh call: a GET with grant_type=ig_refresh_token and the token;
// the new token's end from expires_in; refusals and unusable answers are
// errors that quote neither token.
func TestRefreshTokenCall(t *testing.T) {
	const oldToken = "IGAA-old-token"
	for _, c := range []struct {
		name, answer string
		status       int
		token        string // "" when an error is wanted
		err          string
	}{
		{"new token", `{"access_token":"IGAA-new","token_type":"bearer","expires_in":5183944}`, 200, "IGAA-new", ""},
		{"same token again", `{"access_token":"` + oldToken + `","token_type":"bearer","expires_in":"5183944"}`, 200, oldToken, ""},
		{"refused", `{"error":{"message":"Session has expired","type":"OAuthException","code":190}}`, 400, "", "Session has expired"},
		{"no expires_in", `{"access_token":"IGAA-new"}`, 200, "", "expires_in"},
		{"zero expires_in", `{"access_token":"IGAA-new","expires_in":0}`, 200, "", "expires_in"},
		{"no token", `{"expires_in":5183944}`, 200, "", "access_token"},
		{"not JSON", `<html>`, 200, "", "not the JSON"},
	} {
		t.Run(c.name, func(t *testing.T) {
			var got *http.Request
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				got = r
				w.WriteHeader(c.status)
				io.WriteString(w, c.answer)
			}))
			defer srv.Close()
			client := New(Config{RefreshURL: srv.URL + "/refresh_access_token?v=1", Timeout: time.Second, Now: func() time.Time { return unitEpoch }})
			token, expires, err := client.Refresh(context.Background(), oldToken)
			q := got.URL.Query()
			if got.Method != http.MethodGet || got.URL.Path != "/refresh_access_token" || q.Get("grant_type") != "ig_refresh_token" ||
				q.Get("access_token") != oldToken || q.Get("v") != "1" {
				t.Errorf("request %s %s, want GET with grant_type=ig_refresh_token and the token", got.Method, got.URL.Path)
			}
			if c.token == "" {
				if err == nil || !strings.Contains(err.Error(), c.err) {
					t.Fatalf("error %v, want one about %q", err, c.err)
				}
				if strings.Contains(err.Error(), "IGAA") {
					t.Errorf("error %q quotes a token", err)
				}
				return
			}
			if err != nil || token != c.token || !expires.Equal(unitEpoch.Add(5183944*time.Second)) {
				t.Errorf("got %q, %v, %v; want %q, expiring in 5183944 s", token, expires, err, c.token)
			}
		})
	}
}

var unitEpoch = time.Date(2026, 11, 24, 9, 0, 0, 0, time.UTC)
