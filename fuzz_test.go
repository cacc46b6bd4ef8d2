package instagramauth

import (
	"bytes"
	"encoding/json"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/caddyserver/caddy/v2/caddyconfig/caddyfile"
)

// Values sealed once with the fixed test keys (ring [unitKeyB, unitKeyA],
// AAD of the default cookie name). Nonces are random, so these are the
// only sealed values a fuzz worker can know about: every worker process
// runs the fuzz target's setup anew, so values sealed there would differ
// between the coordinator and the workers.
const (
	fuzzSession1 = "I64b-N8hrTRDmjld4sBaek0_NMD2SA-zd6IdYGVbGTEjHawH5hbbzOBKA2bFk1EKbJlJjtQtiuRX0sqt9UP9d_q99nbItKY2QSpfbiQD"                                                                                   // by B
	fuzzSession2 = "hC1erWrMSJdpFCZlCj2vXgddSXtYBjV0zzCAPTVzdopBtl5nxq6Kx1X_"                                                                                                                                   // by A
	fuzzPending1 = "01evTdTtZOcwAhxhMR46juxaZebxdCyH8j9jJkdKoIsupGJ7RYie9xuLhPecOzFZRnS0pxWgGEVyZKalsdunjpM6mkfXpZqyGtNk68Wlz5-JIMcijS9jJVUrbjtrTS4J5gtFlimvHgEe-usnpS_aKnG-SD60r8qxlFEG7h8SCgzEfRjjb3ebQgs2zQ" // by B
	fuzzPending2 = "oJa8qfIBaaiY9fsHV_Ii1lsXyPdBD6BeQqiUm1wUFanWDlLyA1Ax5F6zfvKWD8RupJptcZlNERR4Owi_SdkmZBkj4Czzwz32izr4S_e5wgjLSibARnAq"                                                                       // by A
)

var (
	fuzzSessions = map[string]session{
		fuzzSession1: {userID: "17841405793187218", username: "alice", token: "IGQVJ-fuzz-token", expires: unitEpoch.Add(24 * time.Hour).Unix()},
		fuzzSession2: {userID: "1", token: "T", expires: unitEpoch.Add(time.Hour).Unix()},
	}
	fuzzPendings = map[string]pendingLogin{
		fuzzPending1: {state: "c3RhdGUtc3RhdGUtc3RhdGUtc3RhdGUtc3RhdGUtc3Q", redirectURI: "https://site.example/oauth2/instagram/callback", returnTo: "/admin?x=1", created: unitEpoch.Unix()},
		fuzzPending2: {state: "b3RoZXItc3RhdGUtb3RoZXItc3RhdGUtb3RoZXItc3Q", redirectURI: "/cb", returnTo: "/", created: unitEpoch.Unix()},
	}
)

func fuzzHandler(tb testing.TB) *Handler {
	return &Handler{
		CookieName: defaultCookieName,
		keys:       unitRing(tb, unitKeyB, unitKeyA),
		aadSession: unitAAD(sessionPrefix, defaultCookieName),
		aadPending: unitAAD(pendingPrefix, defaultCookieName),
	}
}

// fuzzMutate changes one character of v, chosen by seed: a mutation the
// fuzzer steers, applied to a value known to open.
func fuzzMutate(v string, seed []byte) string {
	if len(seed) == 0 || len(v) == 0 {
		return v
	}
	pos := 0
	for _, c := range seed {
		pos = pos*31 + int(c)
		pos %= len(v)
	}
	switch seed[0] % 4 {
	case 0: // replace
		return v[:pos] + string(seed[len(seed)-1]) + v[pos+1:]
	case 1: // delete
		return v[:pos] + v[pos+1:]
	case 2: // insert
		return v[:pos] + string(seed[len(seed)-1]) + v[pos:]
	default: // replace with a neighbour in the alphabet (pad-bit changes)
		return v[:pos] + string(v[pos]^1) + v[pos+1:]
	}
}

// TestFuzzSeedsOpen guards the fixed seeds: if the key ring, the AAD or
// the encodings change, the fuzz targets would lose their only valid
// values without failing.
func TestFuzzSeedsOpen(t *testing.T) {
	unitFixClock(t, unitEpoch.Add(time.Minute))
	h := fuzzHandler(t)
	for v, want := range fuzzSessions {
		plain, _, ok := open(h.keys, h.aadSession, v)
		got, ok2 := decodeSession(plain)
		if !ok || !ok2 || got != want {
			t.Errorf("seed session %.12s... opens to %+v %v %v", v, got, ok, ok2)
		}
	}
	for v, want := range fuzzPendings {
		if got, ok := h.openPending(v); !ok || got != want {
			t.Errorf("seed state %.12s... opens to %+v %v", v, got, ok)
		}
	}
}

func FuzzOpenSession(f *testing.F) {
	h := fuzzHandler(f)
	for v := range fuzzSessions {
		f.Add(v)
		f.Add(v[:len(v)-1])
		f.Add(v + "A")
	}
	f.Add("")
	f.Add(string(encodeSession(session{userID: "17841405793187218", username: "alice", token: "T", expires: 1})))
	f.Add("\x01\x00\x00\x00\x00\x00\x00\x00\x2a\x01\x31\x00\x00")
	f.Fuzz(func(t *testing.T, value string) {
		plain, nonce, ok := open(h.keys, h.aadSession, value)
		if ok {
			want, known := fuzzSessions[value]
			if !known {
				t.Fatalf("a value never sealed opened: %q", value)
			}
			got, ok := decodeSession(plain)
			if !ok || got != want {
				t.Fatalf("seed opened to %+v %v, want %+v", got, ok, want)
			}
			if len(nonce) != h.keys[0].NonceSize() {
				t.Fatalf("nonce of %d bytes", len(nonce))
			}
		}
		// Never a state value, whatever the input.
		if _, isState := fuzzPendings[value]; !isState {
			if _, _, ok := open(h.keys, h.aadPending, value); ok {
				t.Fatalf("value opened as a state: %q", value)
			}
		}
		// The input steers a mutation of each sealed value: only the
		// unchanged value opens.
		for v := range fuzzSessions {
			if m := fuzzMutate(v, []byte(value)); m != v {
				if _, _, ok := open(h.keys, h.aadSession, m); ok {
					t.Fatalf("mutation %q of a sealed value opened", m)
				}
			}
		}
		// decodeSession of arbitrary bytes never panics; what it accepts
		// re-encodes to the very same bytes (one encoding per session).
		if s, ok := decodeSession([]byte(value)); ok {
			if enc := encodeSession(s); !bytes.Equal(enc, []byte(value)) {
				t.Fatalf("decodeSession(%x) = %+v re-encodes to %x", value, s, enc)
			}
		}
		// Any session seals and opens back to itself.
		s := session{userID: value, username: value, token: value, expires: int64(len(value))}
		if p, _, ok := open(h.keys, h.aadSession, seal(h.keys, h.aadSession, encodeSession(s))); ok {
			if got, ok := decodeSession(p); !ok || got != s {
				t.Fatalf("round trip of %+v gave %+v %v", s, got, ok)
			}
		} else if len(value) < 500 { // small enough to fit maxCookieLen
			t.Fatalf("a freshly sealed session of %d bytes did not open", len(value))
		}
	})
}

func FuzzOpenPending(f *testing.F) {
	h := fuzzHandler(f)
	saved := now
	now = func() time.Time { return unitEpoch.Add(time.Minute) }
	f.Cleanup(func() { now = saved })
	for v := range fuzzPendings {
		f.Add(v)
		f.Add(v[:len(v)-1])
	}
	f.Add("")
	f.Add(string(encodePending(pendingLogin{state: "s", redirectURI: "/cb", returnTo: "/", created: unitEpoch.Unix()})))
	f.Fuzz(func(t *testing.T, value string) {
		p, ok := h.openPending(value)
		if ok {
			want, known := fuzzPendings[value]
			if !known {
				t.Fatalf("a value never sealed opened as a state: %q", value)
			}
			if p != want {
				t.Fatalf("seed opened to %+v, want %+v", p, want)
			}
		}
		if _, isSession := fuzzSessions[value]; !isSession {
			if _, _, ok := open(h.keys, h.aadSession, value); ok {
				t.Fatalf("value opened as a session: %q", value)
			}
		}
		for v := range fuzzPendings {
			if m := fuzzMutate(v, []byte(value)); m != v {
				if _, ok := h.openPending(m); ok {
					t.Fatalf("mutation %q of a sealed state opened", m)
				}
			}
		}
		if p, ok := decodePending([]byte(value)); ok {
			if enc := encodePending(p); !bytes.Equal(enc, []byte(value)) {
				t.Fatalf("decodePending(%x) = %+v re-encodes to %x", value, p, enc)
			}
		}
		// A pending login sealed now opens; one created out of the
		// window does not.
		for _, c := range []struct {
			created int64
			live    bool
		}{
			{now().Unix(), true},
			{now().Unix() - int64(stateLifetime/time.Second) + 1, true},
			{now().Unix() - int64(stateLifetime/time.Second), false},
			{now().Unix() + 61, false},
		} {
			p := pendingLogin{state: value, redirectURI: value, returnTo: value, created: c.created}
			got, ok := h.openPending(seal(h.keys, h.aadPending, encodePending(p)))
			if len(value) < 500 && (ok != c.live || (ok && got != p)) {
				t.Fatalf("pending created %d (now %d): opened %v, want %v", c.created, now().Unix(), ok, c.live)
			}
		}
	})
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

func FuzzParseTokenAnswer(f *testing.F) {
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
		id, err := parseTokenAnswer(body)
		if err == nil {
			if !isDigits(id.userID) || len(id.userID) < 1 || len(id.userID) > 32 {
				t.Fatalf("user id %q is not 1 to 32 digits", id.userID)
			}
			if !isTokenShaped(id.token) {
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
			id, err := parseTokenAnswer([]byte(body))
			if err != nil || id.userID != d {
				t.Fatalf("%s: got %q, %v; want %q", body, id.userID, err, d)
			}
		}
	})
}

func FuzzSafeReturnPath(f *testing.F) {
	for _, p := range []string{
		"/", "/admin/page?x=1&y=%2F%2Fz", "/a/b/", "/search?q=https://x.com", "/%E2%9C%93",
		"//evil.com", `/\evil.com`, "/\t/evil.com", "%2F%2Fevil.com", "/%2F/evil.com", "/%5Cevil.com",
		"/%5C%5Cevil.com", "https://evil.com", "http:evil.com", "javascript:alert(1)", `\\evil.com`,
		"/\r\n/evil.com", "", "evil.com", "/ /x", "/.//evil.com", "/%09/evil.com", "/a?%zz",
	} {
		f.Add(p)
	}
	base, _ := url.Parse("https://site.example/")
	f.Fuzz(func(t *testing.T, p string) {
		got := safeReturnPath(p)
		if got != "/" && got != p {
			t.Fatalf("safeReturnPath(%q) = %q: neither \"/\" nor the input", p, got)
		}
		if strings.HasPrefix(got, "//") || strings.HasPrefix(got, `/\`) || got == "" || got[0] != '/' {
			t.Fatalf("safeReturnPath(%q) = %q", p, got)
		}
		for i := 0; i < len(got); i++ {
			if c := got[i]; c < 0x20 || c == 0x7f || c == '\\' || c == ' ' {
				t.Fatalf("safeReturnPath(%q) = %q holds %q", p, got, c)
			}
		}
		for _, s := range []string{got, browserStrips.Replace(got)} {
			ref, err := url.Parse(s)
			if err != nil {
				t.Fatalf("safeReturnPath(%q) = %q does not parse: %v", p, s, err)
			}
			if ref.Scheme != "" || ref.Host != "" || ref.User != nil || ref.Opaque != "" {
				t.Fatalf("safeReturnPath(%q) = %q has scheme %q host %q", p, s, ref.Scheme, ref.Host)
			}
			dest := base.ResolveReference(ref)
			if dest.Scheme != "https" || dest.Host != "site.example" || dest.User != nil {
				t.Fatalf("safeReturnPath(%q) = %q resolves to %s", p, s, dest)
			}
			// The decoded path is no network path either (an upstream
			// may decode it before redirecting).
			if dec, err := url.PathUnescape(ref.EscapedPath()); err == nil && got != "/" && startsOffSite(dec) {
				t.Fatalf("safeReturnPath(%q) = %q decodes to %q", p, s, dec)
			}
		}
		// Idempotent.
		if again := safeReturnPath(got); again != got {
			t.Fatalf("safeReturnPath(%q) = %q, but of that %q", p, got, again)
		}
	})
}

// fuzzOptions are the Caddyfile options an error may name.
var fuzzOptions = func() map[string]bool {
	m := map[string]bool{"scope": true, "cookie_secret": true, "allow_users": true, "insecure_cookies": true}
	for k := range singleOptions {
		m[k] = true
	}
	return m
}()

func FuzzCaddyfile(f *testing.F) {
	for _, body := range []string{
		"client_id 123\nclient_secret s3cret",
		"client_id 123\nclient_secret {env.IG_SECRET}\nredirect_uri https://site.example/cb\nscope instagram_business_basic instagram_business_manage_messages",
		"client_id 1\nclient_secret 2\ncookie_secret " + unitSecret(unitKeyB) + " " + unitSecret(unitKeyA),
		"client_id 1\nclient_secret 2\ncookie_secret c2hvcnQ=",
		"client_id 1\nclient_secret 2\nuserinfo_url off\nlong_lived_token off\nheader_token off",
		"client_id 1\nclient_secret 2\nsession_lifetime 1h\ntimeout 5s\ninsecure_cookies\ncookie_domain example.com",
		"client_id 1\nclient_secret 2\nlogout_path /oauth2/instagram/callback",
		"client_id 1\nclient_secret 2\nallow_users alice 17841405793187218\nallow_users @bob",
		"client_id 1\nclient_secret 2\nheader_user_id Remote-User\nheader_username X_Name\ncookie_name sess",
		"client_id 1\nclient_id 2\nclient_secret 3",
		"client_id 1\nclient_secret 2\nsession_lifetime -1h",
		"client_id 1\nclient_secret 2\nauthorize_url ftp://x",
		"client_id 1\nclient_secret 2\nredirect_uri //evil/cb",
		"client_id 1\nclient_secret 2\nbogus x",
		"client_id 1\nclient_secret 2\ninsecure_cookies yes",
		"client_id 1 {\nclient_secret 2\n}",
		"client_id \"a b\"\nclient_secret `x`",
		"",
	} {
		f.Add(body)
	}
	f.Fuzz(func(t *testing.T, body string) {
		input := "instagram_auth {\n" + body + "\n}\n"
		// NewTestDispenser exits the process on a lexer error, and
		// replaces {$ENV} before lexing: keep to input that lexes.
		if strings.Contains(input, "{$") {
			return
		}
		if _, err := caddyfile.Tokenize([]byte(input), "Testfile"); err != nil {
			return
		}
		h := new(Handler)
		err := h.UnmarshalCaddyfile(caddyfile.NewTestDispenser(input))
		if err != nil {
			if msg := err.Error(); !strings.Contains(msg, "instagram_auth") || !strings.Contains(msg, "Testfile:") {
				t.Fatalf("error does not name the directive and the line: %q", msg)
			}
			return
		}
		if h.ClientID == "" || h.ClientSecret == "" {
			t.Fatalf("accepted without client_id/client_secret: %+v", h)
		}
		h.applyDefaults()
		verr := h.validateOptions()
		if verr == nil {
			return
		}
		var errs []error
		if j, ok := verr.(interface{ Unwrap() []error }); ok {
			errs = j.Unwrap()
		} else {
			errs = []error{verr}
		}
		for _, e := range errs {
			rest, ok := strings.CutPrefix(e.Error(), "instagram_auth: ")
			option, _, found := strings.Cut(rest, ":")
			if !ok || !found || !fuzzOptions[option] {
				t.Fatalf("validation error does not name an option: %q", e)
			}
		}
	})
}
