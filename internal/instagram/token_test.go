package instagram

import (
	"strings"
	"testing"
	"time"
)

func TestParseTokenResponseShapes(t *testing.T) {
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
			id, err := parseTokenResponse([]byte(tc.body), unitEpoch)
			if err != nil {
				t.Fatalf("parseTokenResponse: %v", err)
			}
			if id.UserID != tc.id || id.Username != tc.username || id.Token != tc.token {
				t.Errorf("got id %q username %q token %q; want %q %q %q", id.UserID, id.Username, id.Token, tc.id, tc.username, tc.token)
			}
			if want := unitEpoch.Add(tc.expiresIn); !id.Expires.Equal(want) {
				t.Errorf("expires %v, want %v", id.Expires, want)
			}
		})
	}
}

func TestParseTokenResponseHugeExpiresIn(t *testing.T) {
	// Seconds that overflow a time.Duration must not make a token that
	// expired before it was issued.
	for _, secs := range []string{"9223372037", "10000000000", "9223372036854775807"} {
		id, err := parseTokenResponse([]byte(`{"access_token":"T","user_id":1,"expires_in":`+secs+`}`), unitEpoch)
		if err != nil {
			t.Fatalf("expires_in %s: %v", secs, err)
		}
		if !id.Expires.After(unitEpoch) {
			t.Errorf("expires_in %s: token expires at %v, not after now (%v)", secs, id.Expires, unitEpoch)
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
			id, err := parseTokenResponse([]byte(body), unitEpoch)
			if err != nil {
				t.Errorf("%s: %v", body, err)
				continue
			}
			if id.UserID != digits {
				t.Errorf("%s: user id %q, want %q", body, id.UserID, digits)
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
		if id, err := parseTokenResponse([]byte(body), unitEpoch); err == nil {
			t.Errorf("%s: accepted as %+v", name, id)
		} else if strings.Contains(err.Error(), "IGQV") {
			t.Errorf("%s: error %q quotes the token", name, err)
		}
	}
}

func TestShapeChecks(t *testing.T) {
	for s, want := range map[string]bool{
		"": false, "0": true, "17841405793187218": true, strings.Repeat("9", 32): true,
		strings.Repeat("9", 33): false, "1a": false, "-1": false, "1.0": false, " 1": false, "١": false,
	} {
		if got := IsUserID(s); got != want {
			t.Errorf("IsUserID(%q) = %v", s, got)
		}
	}
	for s, want := range map[string]bool{
		"": false, "T": true, "IGQVJ-_.~+/=": true, strings.Repeat("t", 2048): true,
		strings.Repeat("t", 2049): false, "a b": false, "a\tb": false, "a\x7f": false, "é": false,
	} {
		if got := IsTokenShaped(s); got != want {
			t.Errorf("IsTokenShaped(%q) = %v", s, got)
		}
	}
	for s, want := range map[string]bool{
		"": true, "alice": true, "a.b_c": true, strings.Repeat("a", 30): true,
		strings.Repeat("a", 31): false, "a-b": false, "a b": false, "élise": false, "a@b": false,
	} {
		if got := IsUsernameShaped(s); got != want {
			t.Errorf("IsUsernameShaped(%q) = %v", s, got)
		}
	}
}
