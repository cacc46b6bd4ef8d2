package assertion

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"
)

var errUnknownKid = errors.New("unknown kid")

// verify checks token as a verifier holding jwks would, with go-jose: ES256
// only, typ JWT, a kid it knows, a good signature. It returns the header and
// the payload's claims as raw JSON values.
func verify(jwks []byte, token string) (jose.Header, map[string]json.RawMessage, error) {
	var set jose.JSONWebKeySet
	if err := json.Unmarshal(jwks, &set); err != nil {
		return jose.Header{}, nil, err
	}
	tok, err := jwt.ParseSigned(token, []jose.SignatureAlgorithm{jose.ES256})
	if err != nil {
		return jose.Header{}, nil, err
	}
	h := tok.Headers[0]
	if h.ExtraHeaders[jose.HeaderType] != "JWT" {
		return h, nil, fmt.Errorf("typ %v", h.ExtraHeaders[jose.HeaderType])
	}
	keys := set.Key(h.KeyID)
	if len(keys) != 1 {
		return h, nil, fmt.Errorf("%w %q", errUnknownKid, h.KeyID)
	}
	var claims map[string]json.RawMessage
	if err := tok.Claims(keys[0].Key, &claims); err != nil {
		return h, nil, err
	}
	return h, claims, nil
}

func claimInt(t *testing.T, claims map[string]json.RawMessage, name string) int64 {
	t.Helper()
	var v int64
	if err := json.Unmarshal(claims[name], &v); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return v
}

func subject(userID string, end time.Time) Subject {
	return Subject{Session: [16]byte{1, 2, 3}, HTTPS: true, Host: "app.example.com:8443",
		UserID: userID, Username: "jane.doe", SessionEnd: end}
}

func TestAssertionVerifiesWithExactlyItsClaims(t *testing.T) {
	clock := newFakeClock()
	k := newInstance(t, fileStorage(t), clock, DefaultRotation)
	const userID = "17841412345678901234" // 20 digits, past 2^53
	token, err := k.Assertion(subject(userID, clock.now().Add(time.Hour)), clock.now())
	if err != nil {
		t.Fatal(err)
	}
	h, claims, err := verify(k.JWKS(), token)
	if err != nil {
		t.Fatal(err)
	}
	if h.Algorithm != "ES256" || h.KeyID != k.Status().KeyID {
		t.Errorf("header alg %q kid %q", h.Algorithm, h.KeyID)
	}
	iat := clock.now().Unix()
	want := map[string]string{
		"iss":                `"https://app.example.com:8443"`,
		"aud":                `"https://app.example.com:8443"`,
		"sub":                `"` + userID + `"`, // a string, digit for digit
		"instagram_username": `"jane.doe"`,
		"sid":                `"` + sidOf([16]byte{1, 2, 3}) + `"`,
		"iat":                fmt.Sprint(iat),
		"exp":                fmt.Sprint(iat + 300),
	}
	if len(claims) != len(want) {
		t.Errorf("claims %v, want exactly %v", claims, want)
	}
	for name, v := range want {
		if string(claims[name]) != v {
			t.Errorf("%s = %s, want %s", name, claims[name], v)
		}
	}
}

func TestAssertionNeverOutlivesItsSession(t *testing.T) {
	clock := newFakeClock()
	k := newInstance(t, fileStorage(t), clock, DefaultRotation)
	end := clock.now().Add(2*time.Minute + 500*time.Millisecond)
	token, err := k.Assertion(subject("17841400000000001", end), clock.now())
	if err != nil {
		t.Fatal(err)
	}
	_, claims, err := verify(k.JWKS(), token)
	if err != nil {
		t.Fatal(err)
	}
	if exp := claimInt(t, claims, "exp"); exp != end.Unix() || exp > claimInt(t, claims, "iat")+300 {
		t.Fatalf("exp %d, session ends at %v", exp, end)
	}
	for _, ended := range []time.Time{clock.now(), clock.now().Add(-time.Hour), {}} {
		if _, err := k.Assertion(subject("17841400000000001", ended), clock.now()); !errors.Is(err, errSessionOver) {
			t.Errorf("session ended at %v: %v", ended, err)
		}
	}
}

func TestAssertionLeavesOutAnUnknownUsername(t *testing.T) {
	clock := newFakeClock()
	k := newInstance(t, fileStorage(t), clock, DefaultRotation)
	s := subject("17841400000000001", clock.now().Add(time.Hour))
	s.Username, s.HTTPS, s.Host = "", false, "localhost:8080"
	token, err := k.Assertion(s, clock.now())
	if err != nil {
		t.Fatal(err)
	}
	_, claims, err := verify(k.JWKS(), token)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := claims["instagram_username"]; ok || string(claims["iss"]) != `"http://localhost:8080"` {
		t.Fatalf("claims %v", claims)
	}
}

func TestSidIsOpaqueAndStable(t *testing.T) {
	a, b := sidOf([16]byte{1}), sidOf([16]byte{2})
	if a == b || a != sidOf([16]byte{1}) {
		t.Fatalf("sid %q %q", a, b)
	}
	raw := [16]byte{1}
	for _, form := range []string{string(raw[:]), base64.RawURLEncoding.EncodeToString(raw[:]), fmt.Sprintf("%x", raw)} {
		if strings.Contains(a, form) {
			t.Fatalf("sid %q shows the session id", a)
		}
	}
}

func TestAssertionNeedsAUserAndAHost(t *testing.T) {
	clock := newFakeClock()
	k := newInstance(t, fileStorage(t), clock, DefaultRotation)
	for _, s := range []Subject{
		{Host: "a.example", SessionEnd: clock.now().Add(time.Hour)},
		{UserID: "1", SessionEnd: clock.now().Add(time.Hour)},
	} {
		if _, err := k.Assertion(s, clock.now()); err == nil {
			t.Errorf("signed %+v", s)
		}
	}
}

func BenchmarkSign(b *testing.B) {
	clock := newFakeClock()
	k, err := tryInstance(fileStorage(b), clock, DefaultRotation)
	if err != nil {
		b.Fatal(err)
	}
	s := subject("17841400000000001", clock.now().Add(time.Hour))
	b.ReportAllocs()
	for b.Loop() {
		if _, _, _, err := k.sign(&s, clock.now()); err != nil {
			b.Fatal(err)
		}
	}
}
