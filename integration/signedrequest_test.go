package integration

import (
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/b4b0c547/caddy-instagram-auth/instagramtest"
)

// Attacks on the callbacks: nothing but a valid signed_request for this
// app revokes anything, and the signed request is never logged.
func TestSignedRequestAttacks(t *testing.T) {
	h := newHarness(t)
	h.ig.SetClock(now)
	h.mustLogin(h.client, "quin", "/")
	user := instagramtest.UserID("quin")
	issued := now().Unix()
	good := func(p map[string]any) map[string]any {
		m := map[string]any{"algorithm": "HMAC-SHA256", "issued_at": issued, "user_id": user}
		for k, v := range p {
			if v == nil {
				delete(m, k)
			} else {
				m[k] = v
			}
		}
		return m
	}
	valid := instagramtest.SignedRequest(testSecret, user, now())
	sig, payload, _ := strings.Cut(valid, ".")
	cases := []struct {
		name   string
		body   string
		status int
	}{
		{"other secret", form(instagramtest.SignedRequest("not-the-secret", user, now())), 400},
		{"signature flipped", form(flipChar(sig) + "." + payload), 400},
		{"payload changed after signing", form(sig + "." + base64.RawURLEncoding.EncodeToString([]byte(`{"algorithm":"HMAC-SHA256","issued_at":1,"user_id":"1"}`))), 400},
		{"algorithm HMAC-SHA1", form(instagramtest.SignedRequestWith(testSecret, good(map[string]any{"algorithm": "HMAC-SHA1"}))), 400},
		{"algorithm none", form(instagramtest.SignedRequestWith(testSecret, good(map[string]any{"algorithm": "none"}))), 400},
		{"no algorithm", form(instagramtest.SignedRequestWith(testSecret, good(map[string]any{"algorithm": nil}))), 400},
		{"no user_id", form(instagramtest.SignedRequestWith(testSecret, good(map[string]any{"user_id": nil}))), 400},
		{"user_id empty", form(instagramtest.SignedRequestWith(testSecret, good(map[string]any{"user_id": ""}))), 400},
		{"user_id not an id", form(instagramtest.SignedRequestWith(testSecret, good(map[string]any{"user_id": "1 OR 1=1"}))), 400},
		{"user_id object", form(instagramtest.SignedRequestWith(testSecret, good(map[string]any{"user_id": map[string]any{}}))), 400},
		{"no issued_at", form(instagramtest.SignedRequestWith(testSecret, good(map[string]any{"issued_at": nil}))), 400},
		{"issued_at text", form(instagramtest.SignedRequestWith(testSecret, good(map[string]any{"issued_at": "soon"}))), 400},
		{"issued_at far ahead", form(instagramtest.SignedRequestWith(testSecret, good(map[string]any{"issued_at": issued + 86400}))), 400},
		{"payload not JSON", form(instagramtest.SignPayload(testSecret, base64.RawURLEncoding.EncodeToString([]byte("user_id=1")))), 400},
		{"payload not base64", form(instagramtest.SignPayload(testSecret, "!!!")), 400},
		{"no dot", form(sig + payload), 400},
		{"empty", form(""), 400},
		{"no field", "other=1", 400},
		{"field twice", form(valid) + "&" + form(valid), 400},
		{"huge body", form(valid) + "&pad=" + strings.Repeat("a", 70<<10), 413},
	}
	for _, c := range cases {
		for _, path := range []string{defaultDeauthorizePath, defaultDataDeletionPath} {
			resp := h.do(http.DefaultClient, http.MethodPost, siteURL+path, strings.NewReader(c.body),
				"Content-Type", "application/x-www-form-urlencoded")
			if resp.StatusCode != c.status {
				t.Errorf("%s at %s: status %d, want %d", c.name, path, resp.StatusCode, c.status)
			}
		}
	}
	// In the query string, not the body: not Meta's request.
	resp := h.do(http.DefaultClient, http.MethodPost, siteURL+defaultDeauthorizePath+"?"+form(valid), nil)
	if resp.StatusCode != http.StatusBadRequest {
		t.Errorf("signed_request in the query: status %d, want 400", resp.StatusCode)
	}
	for _, m := range []string{http.MethodGet, http.MethodPut, http.MethodDelete} {
		resp := h.do(http.DefaultClient, m, siteURL+defaultDeauthorizePath, strings.NewReader(form(valid)),
			"Content-Type", "application/x-www-form-urlencoded")
		if resp.StatusCode != http.StatusMethodNotAllowed || resp.Header.Get("Allow") != http.MethodPost {
			t.Errorf("%s on the deauthorize path: %d, Allow %q; want 405, POST", m, resp.StatusCode, resp.Header.Get("Allow"))
		}
	}
	resp = h.do(http.DefaultClient, http.MethodPut, siteURL+defaultDataDeletionPath, strings.NewReader(form(valid)))
	if resp.StatusCode != http.StatusMethodNotAllowed || !strings.Contains(resp.Header.Get("Allow"), "POST") {
		t.Errorf("PUT on the data deletion path: %d, Allow %q", resp.StatusCode, resp.Header.Get("Allow"))
	}
	if s := h.apiStatusWith(h.client); s != http.StatusOK {
		t.Fatalf("after the attacks the session is gone: status %d", s)
	}
	log := readLog(t, h.logFile, "Meta callback refused")
	if !strings.Contains(log, "Meta callback refused") {
		t.Error("refused callbacks are not logged at all")
	}
	if n := strings.Count(log, "Meta callback refused"); n >= 2*len(cases) {
		t.Errorf("%d refusals logged %d times: not sampled", 2*len(cases), n)
	}
	for _, secret := range []string{sig, payload, testSecret} {
		if strings.Contains(log, secret) {
			for _, line := range strings.Split(log, "\n") {
				if strings.Contains(line, secret) {
					t.Errorf("the log holds a signed request or the secret: %s", logSource(line))
				}
			}
		}
	}
}

// Padding and shapes Meta or its libraries use: base64url with or without
// "=", user_id as a string or a JSON number.
func TestSignedRequestVariants(t *testing.T) {
	h := newHarness(t)
	h.ig.SetClock(now)
	user := instagramtest.UserID("ruth")
	payloadJSON := func() string {
		return `{"algorithm":"HMAC-SHA256","issued_at":` + jsonInt(now().Unix()) + `,"user_id":` + user + `}`
	}
	for name, value := range map[string]func() string{
		"user_id a number": func() string {
			return instagramtest.SignPayload(testSecret, base64.RawURLEncoding.EncodeToString([]byte(payloadJSON())))
		},
		"payload padded": func() string {
			return instagramtest.SignPayload(testSecret, paddedBase64(payloadJSON()))
		},
		"signature padded": func() string {
			sig, payload, _ := strings.Cut(instagramtest.SignedRequest(testSecret, user, now()), ".")
			return sig + "=." + payload
		},
		"as the mock signs it": func() string { return instagramtest.SignedRequest(testSecret, user, now()) },
		"algorithm lower case": func() string {
			return instagramtest.SignedRequestWith(testSecret, map[string]any{"algorithm": "hmac-sha256", "issued_at": now().Unix(), "user_id": user})
		},
		"extra fields": func() string {
			return instagramtest.SignedRequestWith(testSecret, map[string]any{"algorithm": "HMAC-SHA256", "issued_at": now().Unix(),
				"expires": now().Unix() + 3600, "user_id": user, "oauth_token": "x"})
		},
	} {
		advanceClock(t, 2*time.Second) // each login a new session, after the last request
		c := newBrowser(t)
		h.mustLogin(c, "ruth", "/")
		resp := h.do(http.DefaultClient, http.MethodPost, siteURL+defaultDeauthorizePath, strings.NewReader(form(value())),
			"Content-Type", "application/x-www-form-urlencoded")
		if resp.StatusCode != http.StatusOK {
			t.Errorf("%s: status %d, want 200: %s", name, resp.StatusCode, readAll(t, resp))
			continue
		}
		if s := h.apiStatusWith(c); s != http.StatusUnauthorized {
			t.Errorf("%s: the session survived (status %d)", name, s)
		}
	}
}

// paddedBase64 is base64url with "=" padding: the JSON gets trailing
// spaces until the encoding needs some.
func paddedBase64(s string) string {
	for len(s)%3 == 0 {
		s += " "
	}
	return base64.URLEncoding.EncodeToString([]byte(s))
}

// A replayed request changes nothing new: a login after the first one
// survives the replay.
func TestSignedRequestReplay(t *testing.T) {
	h := newHarness(t)
	h.ig.SetClock(now)
	signed := form(instagramtest.SignedRequest(testSecret, instagramtest.UserID("sara"), now()))
	post := func() int {
		resp := h.do(http.DefaultClient, http.MethodPost, siteURL+defaultDataDeletionPath, strings.NewReader(signed),
			"Content-Type", "application/x-www-form-urlencoded")
		var answer struct{ URL, ConfirmationCode string }
		_ = json.NewDecoder(resp.Body).Decode(&answer)
		return resp.StatusCode
	}
	if s := post(); s != http.StatusOK {
		t.Fatalf("first: %d", s)
	}
	advanceClock(t, 2*time.Second)
	h.mustLogin(h.client, "sara", "/")
	if s := post(); s != http.StatusOK {
		t.Fatalf("replay: %d", s)
	}
	if s := h.apiStatusWith(h.client); s != http.StatusOK {
		t.Errorf("a replay ended a session made after the request: status %d", s)
	}
}

func form(signed string) string { return url.Values{"signed_request": {signed}}.Encode() }

func flipChar(s string) string {
	b := []byte(s)
	if b[0] == 'A' {
		b[0] = 'B'
	} else {
		b[0] = 'A'
	}
	return string(b)
}

func jsonInt(n int64) string {
	b, _ := json.Marshal(n)
	return string(b)
}
