package instagram

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
)

// FuzzParseTokenResponse and its oracle: a generic JSON decoder reading
// the user id the way the README describes the three response shapes.

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
		id, err := parseTokenResponse(body, unitEpoch)
		if err == nil {
			if !IsUserID(id.UserID) || len(id.UserID) < 1 || len(id.UserID) > 32 {
				t.Fatalf("user id %q is not 1 to 32 digits", id.UserID)
			}
			if !IsTokenShaped(id.Token) {
				t.Fatalf("token %q is not header-safe", id.Token)
			}
			if !IsUsernameShaped(id.Username) {
				t.Fatalf("username %q is not Instagram-shaped", id.Username)
			}
			if !id.Expires.After(unitEpoch) {
				t.Fatalf("token expires at %v, not after now", id.Expires)
			}
			if want, ok := fuzzExpectedID(body); ok && id.UserID != want {
				t.Fatalf("user id %q, but the answer says %q", id.UserID, want)
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
			id, err := parseTokenResponse([]byte(body), unitEpoch)
			if err != nil || id.UserID != d {
				t.Fatalf("%s: got %q, %v; want %q", body, id.UserID, err, d)
			}
		}
	})
}
