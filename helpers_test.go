package instagramauth

import (
	"bytes"
	"encoding/base64"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sync/atomic"
	"testing"
	"time"

	"github.com/b4b0c547/caddy-instagram-auth/internal/record"
	"github.com/b4b0c547/caddy-instagram-auth/internal/seal"
	"go.uber.org/zap"
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
	fuzzSessions = map[string]record.Session{
		fuzzSession1: {UserID: "17841405793187218", Username: "alice", Token: "IGQVJ-fuzz-token", Expires: unitEpoch.Add(24 * time.Hour).Unix(), Legacy: true},
		fuzzSession2: {UserID: "1", Token: "T", Expires: unitEpoch.Add(time.Hour).Unix(), Legacy: true},
	}
	fuzzPendings = map[string]record.Pending{
		fuzzPending1: {State: "c3RhdGUtc3RhdGUtc3RhdGUtc3RhdGUtc3RhdGUtc3Q", RedirectURI: "https://site.example/oauth2/instagram/callback", ReturnTo: "/admin?x=1", Created: unitEpoch.Unix()},
		fuzzPending2: {State: "b3RoZXItc3RhdGUtb3RoZXItc3RhdGUtb3RoZXItc3Q", RedirectURI: "/cb", ReturnTo: "/", Created: unitEpoch.Unix()},
	}
)

// unitHandler is a handler as Provision leaves it, with the test key A,
// for tests that call its methods directly.
func unitHandler(tb testing.TB) *Handler {
	h := &Handler{ClientID: "app-id", ClientSecret: "s", InsecureCookies: true, keys: unitRing(tb, unitKeyA)}
	applyDefaults(h)
	h.cfg = derive(h, false)
	h.now, h.logger = now, zap.NewNop()
	h.shared = newSharedState("", nil, now)
	h.wire()
	return h
}

// fuzzHandler opens the fixed seeds below: keys [B, A], and the additional
// data they were sealed with (purpose and cookie name).
func fuzzHandler(tb testing.TB) *Handler {
	h := unitHandler(tb)
	h.keys = unitRing(tb, unitKeyB, unitKeyA)
	h.cfg.aad.Session = unitAAD(seal.SessionPurpose, insecureCookieName)
	h.cfg.aad.Pending = unitAAD(seal.PendingPurpose, insecureCookieName)
	h.wire()
	return h
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
		plain, _, ok := h.keys.Open(h.cfg.aad.Session, v)
		got, ok2 := record.DecodeSession(plain)
		if !ok || !ok2 || got != want {
			t.Errorf("seed session %.12s... opens to %+v %v %v", v, got, ok, ok2)
		}
	}
	for v, want := range fuzzPendings {
		if got, ok := h.pending.open(v); !ok || got != want {
			t.Errorf("seed state %.12s... opens to %+v %v", v, got, ok)
		}
	}
}

// Fixed test keys: 32 bytes each, never used outside tests.
var (
	unitKeyA = bytes.Repeat([]byte{0xA1}, seal.KeySize)
	unitKeyB = bytes.Repeat([]byte{0xB2}, seal.KeySize)
)

func unitSecret(key []byte) string { return base64.StdEncoding.EncodeToString(key) }

// unitRing builds a key ring from raw keys, failing the test on error.
func unitRing(tb testing.TB, keys ...[]byte) seal.Ring {
	tb.Helper()
	secrets := make([]string, len(keys))
	for i, k := range keys {
		secrets[i] = unitSecret(k)
	}
	ring, err := seal.NewRing(secrets)
	if err != nil {
		tb.Fatalf("newKeyRing: %v", err)
	}
	return ring
}

func unitAAD(prefix []byte, cookieName string) []byte {
	return append(append([]byte{}, prefix...), cookieName...)
}

// The unit tests' clock: every handler they make (unitHandler) is given
// now, which a test stops at a time (unitFixClock). The integration tests
// have their own, which they give a real Caddy (integration/clock_test.go).
var clockFixed atomic.Pointer[time.Time]

func now() time.Time {
	if t := clockFixed.Load(); t != nil {
		return *t
	}
	return time.Now()
}

// unitFixClock stops the tests' clock at t for the test's duration.
func unitFixClock(tb testing.TB, t time.Time) {
	tb.Helper()
	clockFixed.Store(&t)
	tb.Cleanup(func() { clockFixed.Store(nil) })
}

var unitEpoch = time.Date(2026, 11, 24, 9, 0, 0, 0, time.UTC)

// sealForTest seals s as the handler seals session cookies.
func sealForTest(h *Handler, s record.Session) string {
	return h.keys.Seal(h.cfg.aad.Session, record.EncodeSession(&s))
}

// getWithCookie is a GET of url that sends the Cookie header given, if any.
func getWithCookie(url, cookie string) *http.Request {
	r := httptest.NewRequest(http.MethodGet, url, nil)
	if cookie != "" {
		r.Header.Set("Cookie", cookie)
	}
	return r
}

// mustQuery is the query of a URL, failing the test if it does not parse.
func mustQuery(t *testing.T, rawURL string) url.Values {
	t.Helper()
	u, err := url.Parse(rawURL)
	if err != nil {
		t.Fatalf("bad URL %q: %v", rawURL, err)
	}
	return u.Query()
}
