package instagramauth

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// unitFixClock sets the package clock to t for the test's duration.
func unitFixClock(tb testing.TB, t time.Time) {
	tb.Helper()
	saved := now
	now = func() time.Time { return t }
	tb.Cleanup(func() { now = saved })
}

var unitEpoch = time.Date(2026, 11, 24, 9, 0, 0, 0, time.UTC)

func TestParseTokenResponseShapes(t *testing.T) {
	unitFixClock(t, unitEpoch)
	for _, tc := range []struct {
		name, body          string
		id, username, token string
		expiresIn           time.Duration
	}{
		{
			name: "legacy",
			body: `{"access_token":"T","user":{"id":"17841405793187218","username":"alice","full_name":"Alice","profile_picture":"https://x/p.jpg"}}`,
			id:   "17841405793187218", username: "alice", token: "T", expiresIn: time.Hour,
		},
		{
			name: "legacy, numeric id",
			body: `{"access_token":"T","user":{"id":1574083,"username":"snoopdogg"}}`,
			id:   "1574083", username: "snoopdogg", token: "T", expiresIn: time.Hour,
		},
		{
			name: "flat, bare number beyond 2^53",
			body: `{"access_token":"IGQVJ-abc","user_id":17841405793187219}`,
			id:   "17841405793187219", token: "IGQVJ-abc", expiresIn: time.Hour,
		},
		{
			name: "flat, 2^53+1",
			body: `{"access_token":"T","user_id":9007199254740993}`,
			id:   "9007199254740993", token: "T", expiresIn: time.Hour,
		},
		{
			name: "flat, 32 digits",
			body: `{"access_token":"T","user_id":12345678901234567890123456789012}`,
			id:   "12345678901234567890123456789012", token: "T", expiresIn: time.Hour,
		},
		{
			name: "flat, string id",
			body: `{"access_token":"T","user_id":"17841405793187218"}`,
			id:   "17841405793187218", token: "T", expiresIn: time.Hour,
		},
		{
			name: "flat, permissions array and expires_in",
			body: `{"access_token":"T","user_id":17841405793187218,"permissions":["instagram_business_basic","instagram_business_manage_messages"],"expires_in":3600}`,
			id:   "17841405793187218", token: "T", expiresIn: time.Hour,
		},
		{
			name: "data array, permissions string",
			body: `{"data":[{"access_token":"T","user_id":"17841405793187218","permissions":"instagram_business_basic,instagram_business_manage_messages"}]}`,
			id:   "17841405793187218", token: "T", expiresIn: time.Hour,
		},
		{
			name: "data array, permissions array, number id",
			body: `{"data":[{"access_token":"T","user_id":17841405793187218,"permissions":["instagram_business_basic"]}]}`,
			id:   "17841405793187218", token: "T", expiresIn: time.Hour,
		},
		{
			name: "data array, expires_in",
			body: `{"data":[{"access_token":"T","user_id":"1","expires_in":5183944}]}`,
			id:   "1", token: "T", expiresIn: 5183944 * time.Second,
		},
		{
			name: "data array wins over the top level",
			body: `{"access_token":"TOP","user_id":"2","data":[{"access_token":"T","user_id":"1"}]}`,
			id:   "1", token: "T", expiresIn: time.Hour,
		},
		{
			name: "empty data array: top level",
			body: `{"access_token":"T","user_id":"3","data":[]}`,
			id:   "3", token: "T", expiresIn: time.Hour,
		},
		{
			name: "user_id wins over user.id, username kept",
			body: `{"access_token":"T","user_id":"5","user":{"id":"6","username":"bob"}}`,
			id:   "5", username: "bob", token: "T", expiresIn: time.Hour,
		},
		{
			name: "expires_in 60 days, token_type",
			body: `{"access_token":"T","token_type":"bearer","expires_in":5183944,"user_id":7}`,
			id:   "7", token: "T", expiresIn: 5183944 * time.Second,
		},
		{
			name: "expires_in zero: one hour",
			body: `{"access_token":"T","expires_in":0,"user_id":7}`,
			id:   "7", token: "T", expiresIn: time.Hour,
		},
		{
			name: "expires_in negative: one hour",
			body: `{"access_token":"T","expires_in":-5,"user_id":7}`,
			id:   "7", token: "T", expiresIn: time.Hour,
		},
		{
			name: "expires_in fractional: one hour",
			body: `{"access_token":"T","expires_in":3600.5,"user_id":7}`,
			id:   "7", token: "T", expiresIn: time.Hour,
		},
		{
			name: "expires_in as a string",
			body: `{"access_token":"T","expires_in":"7200","user_id":7}`,
			id:   "7", token: "T", expiresIn: 2 * time.Hour,
		},
		{
			name: "bad username dropped",
			body: `{"access_token":"T","user":{"id":"8","username":"<script>alert(1)</script>"}}`,
			id:   "8", token: "T", expiresIn: time.Hour,
		},
		{
			name: "username with header-breaking characters dropped",
			body: `{"access_token":"T","user":{"id":"8","username":"a\r\nX-Instagram-User-Id: 1"}}`,
			id:   "8", token: "T", expiresIn: time.Hour,
		},
		{
			name: "overlong username dropped",
			body: `{"access_token":"T","user":{"id":"8","username":"` + strings.Repeat("a", 31) + `"}}`,
			id:   "8", token: "T", expiresIn: time.Hour,
		},
		{
			name: "username with dots and underscores kept",
			body: `{"access_token":"T","user":{"id":"8","username":"a.b_c9"}}`,
			id:   "8", username: "a.b_c9", token: "T", expiresIn: time.Hour,
		},
		{
			name: "unknown fields and whitespace",
			body: "\n {\"x\":{\"y\":[1,2,3]},\"access_token\" : \"T\" , \"user_id\" : 9 }\n",
			id:   "9", token: "T", expiresIn: time.Hour,
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			id, err := parseTokenResponse([]byte(tc.body))
			if err != nil {
				t.Fatalf("parseTokenResponse: %v", err)
			}
			if id.userID != tc.id || id.username != tc.username || id.token != tc.token {
				t.Errorf("got id %q username %q token %q; want %q %q %q", id.userID, id.username, id.token, tc.id, tc.username, tc.token)
			}
			if want := unitEpoch.Add(tc.expiresIn); !id.expires.Equal(want) {
				t.Errorf("expires %v, want %v", id.expires, want)
			}
		})
	}
}

func TestParseTokenResponseHugeExpiresIn(t *testing.T) {
	unitFixClock(t, unitEpoch)
	// Seconds that overflow a time.Duration must not make a token that
	// expired before it was issued.
	for _, secs := range []string{"9223372037", "10000000000", "9223372036854775807"} {
		id, err := parseTokenResponse([]byte(`{"access_token":"T","user_id":1,"expires_in":` + secs + `}`))
		if err != nil {
			t.Fatalf("expires_in %s: %v", secs, err)
		}
		if !id.expires.After(unitEpoch) {
			t.Errorf("expires_in %s: token expires at %v, not after now (%v)", secs, id.expires, unitEpoch)
		}
	}
}

func TestParseTokenResponseKeepsEveryDigit(t *testing.T) {
	// Above 2^53 float64 loses the last digits; every one must survive,
	// whichever shape and whether number or string.
	for _, digits := range []string{
		"17841405793187218", "17841405793187219", "9007199254740993", "99999999999999999",
		"18446744073709551617", "0",
	} {
		bodies := []string{
			`{"access_token":"T","user_id":"` + digits + `"}`,
			`{"access_token":"T","user":{"id":"` + digits + `"}}`,
			`{"data":[{"access_token":"T","user_id":"` + digits + `"}]}`,
			`{"access_token":"T","user_id":` + digits + `}`,
			`{"access_token":"T","user":{"id":` + digits + `}}`,
			`{"data":[{"access_token":"T","user_id":` + digits + `}]}`,
		}
		for _, body := range bodies {
			id, err := parseTokenResponse([]byte(body))
			if err != nil {
				t.Errorf("%s: %v", body, err)
				continue
			}
			if id.userID != digits {
				t.Errorf("%s: user id %q, want %q", body, id.userID, digits)
			}
		}
	}
}

func TestParseTokenResponseRejects(t *testing.T) {
	for name, body := range map[string]string{
		"empty body":          ``,
		"whitespace":          "  \n",
		"HTML":                `<!doctype html><html><body>Sorry, this page isn't available.</body></html>`,
		"null":                `null`,
		"array":               `[{"access_token":"T","user_id":1}]`,
		"string":              `"T"`,
		"truncated":           `{"access_token":"T","user_id":178414`,
		"no token":            `{"user_id":"17841405793187218"}`,
		"empty token":         `{"access_token":"","user_id":"1"}`,
		"null token":          `{"access_token":null,"user_id":"1"}`,
		"numeric token":       `{"access_token":12345,"user_id":"1"}`,
		"token with space":    `{"access_token":"IG QV","user_id":"1"}`,
		"token with newline":  `{"access_token":"IGQV\nX-Evil: 1","user_id":"1"}`,
		"token with CR":       `{"access_token":"IGQV\r","user_id":"1"}`,
		"token with tab":      `{"access_token":"\tIGQV","user_id":"1"}`,
		"token with NUL":      `{"access_token":"IG\u0000QV","user_id":"1"}`,
		"token non-ASCII":     `{"access_token":"IGQVé","user_id":"1"}`,
		"token too long":      `{"access_token":"` + strings.Repeat("t", 2049) + `","user_id":"1"}`,
		"no id":               `{"access_token":"T"}`,
		"null id":             `{"access_token":"T","user_id":null}`,
		"empty string id":     `{"access_token":"T","user_id":""}`,
		"id with letters":     `{"access_token":"T","user_id":"1784abc"}`,
		"id with letters hex": `{"access_token":"T","user_id":"0x1f"}`,
		"negative id":         `{"access_token":"T","user_id":-1}`,
		"negative string id":  `{"access_token":"T","user_id":"-1"}`,
		"plus id":             `{"access_token":"T","user_id":"+1"}`,
		"decimal id":          `{"access_token":"T","user_id":1.5}`,
		"decimal string id":   `{"access_token":"T","user_id":"1.5"}`,
		"exponent id":         `{"access_token":"T","user_id":1e5}`,
		"exponent string id":  `{"access_token":"T","user_id":"1e5"}`,
		"capital exponent id": `{"access_token":"T","user_id":1E5}`,
		"id with space":       `{"access_token":"T","user_id":" 1"}`,
		// An id in a string must read as a JSON number: no leading zeros.
		// Instagram's ids never have any.
		"leading zero string id": `{"access_token":"T","user_id":"00012"}`,
		"id 33 digits":           `{"access_token":"T","user_id":123456789012345678901234567890123}`,
		"id bool":                `{"access_token":"T","user_id":true}`,
		"id object":              `{"access_token":"T","user_id":{"id":1}}`,
		"legacy id letters":      `{"access_token":"T","user":{"id":"abc","username":"a"}}`,
		"legacy id sign":         `{"access_token":"T","user":{"id":-7,"username":"a"}}`,
		"legacy no id":           `{"access_token":"T","user":{"username":"a"}}`,
		"data entry no token":    `{"access_token":"T","data":[{"user_id":"1"}]}`,
		"data entry null":        `{"data":[null]}`,
		"data not an array":      `{"data":{"access_token":"T","user_id":"1"}}`,
		"error answer":           `{"error_type":"OAuthException","code":400,"error_message":"Invalid platform app"}`,
		"graph error":            `{"error":{"message":"Invalid OAuth access token.","type":"OAuthException","code":190}}`,
	} {
		if id, err := parseTokenResponse([]byte(body)); err == nil {
			t.Errorf("%s: accepted as %+v", name, id)
		} else if strings.Contains(err.Error(), "IGQV") {
			t.Errorf("%s: error %q quotes the token", name, err)
		}
	}
}

func TestResponseError(t *testing.T) {
	err := responseError(400, []byte(`{"error_type":"OAuthException","code":400,"error_message":"Matching code was not found or was already used"}`))
	if want := "instagram answered HTTP 400 OAuthException: Matching code was not found or was already used"; err.Error() != want {
		t.Errorf("token endpoint error: %q, want %q", err, want)
	}
	err = responseError(400, []byte(`{"error":{"message":"Error validating access token: Session has expired","type":"OAuthException","code":190,"error_subcode":463,"fbtrace_id":"Abc"}}`))
	if want := "instagram answered HTTP 400 OAuthException: Error validating access token: Session has expired"; err.Error() != want {
		t.Errorf("graph error: %q, want %q", err, want)
	}
	if _, ok := err.(*providerError); !ok {
		t.Errorf("responseError returned %T, want *providerError", err)
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

func TestShapeChecks(t *testing.T) {
	for s, want := range map[string]bool{
		"": false, "0": true, "17841405793187218": true, strings.Repeat("9", 32): true,
		strings.Repeat("9", 33): false, "1a": false, "-1": false, "1.0": false, " 1": false, "١": false,
	} {
		if got := isDigits(s); got != want {
			t.Errorf("isDigits(%q) = %v", s, got)
		}
	}
	for s, want := range map[string]bool{
		"": false, "T": true, "IGQVJ-_.~+/=": true, strings.Repeat("t", 2048): true,
		strings.Repeat("t", 2049): false, "a b": false, "a\tb": false, "a\x7f": false, "é": false,
	} {
		if got := isAccessTokenShaped(s); got != want {
			t.Errorf("isAccessTokenShaped(%q) = %v", s, got)
		}
	}
	for s, want := range map[string]bool{
		"": true, "alice": true, "a.b_c": true, strings.Repeat("a", 30): true,
		strings.Repeat("a", 31): false, "a-b": false, "a b": false, "élise": false, "a@b": false,
	} {
		if got := isUsernameShaped(s); got != want {
			t.Errorf("isUsernameShaped(%q) = %v", s, got)
		}
	}
}

// fuzzAmbiguousKeys reports JSON whose object keys would be matched
// differently by a struct (case-insensitive, merged) and by a map: two
// keys of one object equal but for case, or a key that matches one of the
// token answer's fields only case-insensitively. Also true for JSON that
// does not tokenize.
func fuzzAmbiguousKeys(body []byte) bool {
	fields := []string{"access_token", "user_id", "expires_in", "user", "id", "username", "data"}
	type frame struct {
		obj     bool
		wantKey bool
		keys    []string
	}
	var stack []*frame
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	for {
		tok, err := dec.Token()
		if err != nil {
			return true
		}
		var top *frame
		if len(stack) > 0 {
			top = stack[len(stack)-1]
		}
		if top != nil && top.obj && top.wantKey {
			if d, ok := tok.(json.Delim); ok && d == '}' {
				stack = stack[:len(stack)-1]
			} else {
				key, _ := tok.(string)
				for _, k := range top.keys {
					if strings.EqualFold(k, key) {
						return true
					}
				}
				for _, f := range fields {
					if key != f && strings.EqualFold(key, f) {
						return true
					}
				}
				top.keys = append(top.keys, key)
				top.wantKey = false
				continue
			}
		} else {
			if top != nil && top.obj {
				top.wantKey = true // after this value comes a key or '}'
			}
			switch tok {
			case json.Delim('{'):
				stack = append(stack, &frame{obj: true, wantKey: true})
			case json.Delim('['):
				stack = append(stack, &frame{})
			case json.Delim(']'):
				stack = stack[:len(stack)-1]
			}
		}
		if len(stack) == 0 {
			return false // the first value is complete
		}
	}
}

// fuzzExpectedID reads the user id the way the contract describes it,
// with a generic decoder: data[0] if any, then user_id, then user.id.
func fuzzExpectedID(body []byte) (string, bool) {
	if fuzzAmbiguousKeys(body) {
		return "", false
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	var v any
	if dec.Decode(&v) != nil {
		return "", false
	}
	level, ok := v.(map[string]any)
	if !ok {
		return "", false
	}
	if data, ok := level["data"].([]any); ok && len(data) > 0 {
		if level, ok = data[0].(map[string]any); !ok {
			return "", false
		}
	}
	scalar := func(x any) string {
		switch x := x.(type) {
		case json.Number:
			return string(x)
		case string:
			return x
		}
		return ""
	}
	if id := scalar(level["user_id"]); id != "" {
		return id, true
	}
	if user, ok := level["user"].(map[string]any); ok {
		return scalar(user["id"]), true
	}
	return "", true
}

func FuzzParseTokenResponse(f *testing.F) {
	saved := now
	now = func() time.Time { return unitEpoch }
	f.Cleanup(func() { now = saved })
	for _, body := range []string{
		`{"access_token":"T","user":{"id":"17841405793187218","username":"alice"}}`,
		`{"access_token":"IGQVJ-abc","user_id":17841405793187219}`,
		`{"access_token":"T","user_id":"17841405793187218","expires_in":5183944}`,
		`{"data":[{"access_token":"T","user_id":"17841405793187218","permissions":"instagram_business_basic"}]}`,
		`{"data":[{"access_token":"T","user_id":17841405793187218,"permissions":["a","b"]}]}`,
		`{"access_token":"T","user_id":1e5}`,
		`{"access_token":"T","user_id":-1}`,
		`{"access_token":"T","user_id":1.5}`,
		`{"access_token":"T","USER_ID":2,"user_id":1}`,
		`{"access_token":"T","user_id":"\u0031\u0032"}`,
		`<html></html>`,
		``,
	} {
		f.Add([]byte(body), "17841405793187218")
	}
	f.Add([]byte(`{"access_token":"a b","user_id":1}`), "0")
	f.Add([]byte(`{"access_token":"T","expires_in":9223372036854775807,"user_id":1}`), "123456789012345678901234567890123")
	f.Fuzz(func(t *testing.T, body []byte, digits string) {
		id, err := parseTokenResponse(body)
		if err == nil {
			if !isDigits(id.userID) || len(id.userID) < 1 || len(id.userID) > 32 {
				t.Fatalf("user id %q is not 1 to 32 digits", id.userID)
			}
			if !isAccessTokenShaped(id.token) {
				t.Fatalf("token %q is not header-safe", id.token)
			}
			if !isUsernameShaped(id.username) {
				t.Fatalf("username %q is not Instagram-shaped", id.username)
			}
			if !id.expires.After(unitEpoch) {
				t.Fatalf("token expires at %v, not after now", id.expires)
			}
			if want, ok := fuzzExpectedID(body); ok && id.userID != want {
				t.Fatalf("user id %q, but the answer says %q", id.userID, want)
			}
		} else if strings.Contains(err.Error(), "IGQV") {
			t.Fatalf("error quotes the token: %v", err)
		}

		// Any id of 1 to 32 digits, in any shape, as number or string,
		// comes out digit for digit.
		var b strings.Builder
		for i := 0; i < len(digits) && b.Len() < maxIDDigits; i++ {
			if digits[i] >= '0' && digits[i] <= '9' {
				b.WriteByte(digits[i])
			}
		}
		d := strings.TrimLeft(b.String(), "0")
		if d == "" {
			if b.Len() == 0 {
				return
			}
			d = "0"
		}
		for _, shape := range []string{
			`{"access_token":"T","user_id":%s}`,
			`{"access_token":"T","user_id":"%s"}`,
			`{"access_token":"T","user":{"id":%s,"username":"u"}}`,
			`{"access_token":"T","user":{"id":"%s","username":"u"}}`,
			`{"data":[{"access_token":"T","user_id":%s,"permissions":"a,b"}]}`,
			`{"data":[{"access_token":"T","user_id":"%s","permissions":["a"]}]}`,
		} {
			body := strings.Replace(shape, "%s", d, 1)
			id, err := parseTokenResponse([]byte(body))
			if err != nil || id.userID != d {
				t.Fatalf("%s: got %q, %v; want %q", body, id.userID, err, d)
			}
		}
	})
}

// The refresh call: a GET with grant_type=ig_refresh_token and the token;
// the new token's end from expires_in; refusals and unusable answers are
// errors that quote neither token.
func TestRefreshTokenCall(t *testing.T) {
	unitFixClock(t, unitEpoch)
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
			client := newInstagramClient(&Handler{TokenRefreshURL: srv.URL + "/refresh_access_token?v=1"}, time.Second)
			token, expires, err := client.refreshToken(context.Background(), oldToken)
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
