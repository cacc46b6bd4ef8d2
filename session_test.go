package instagramauth

import (
	"bytes"
	"net/http"
	"strings"
	"testing"
	"time"
)

func FuzzOpenSession(f *testing.F) {
	h := fuzzHandler(f)
	for v := range fuzzSessions {
		f.Add(v)
		f.Add(v[:len(v)-1])
		f.Add(v + "A")
	}
	f.Add("")
	f.Add(string(encodeSession(&session{userID: "17841405793187218", username: "alice", token: "T", expires: 1})))
	f.Add("\x01\x00\x00\x00\x00\x00\x00\x00\x2a\x01\x31\x00\x00")
	f.Fuzz(func(t *testing.T, value string) {
		plain, nonce, ok := h.keys.open(h.cfg.aad.session, value)
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
			if _, _, ok := h.keys.open(h.cfg.aad.pending, value); ok {
				t.Fatalf("value opened as a state: %q", value)
			}
		}
		// The input steers a mutation of each sealed value: only the
		// unchanged value opens.
		for v := range fuzzSessions {
			if m := fuzzMutate(v, []byte(value)); m != v {
				if _, _, ok := h.keys.open(h.cfg.aad.session, m); ok {
					t.Fatalf("mutation %q of a sealed value opened", m)
				}
			}
		}
		// decodeSession of arbitrary bytes never panics; what it accepts
		// re-encodes to the very same bytes (one encoding per session).
		if s, ok := decodeSession([]byte(value)); ok {
			enc := encodeSession(&s)
			if s.legacy {
				enc = recordV1{s.expires, [3]string{s.userID, s.username, s.token}}.encode()
			}
			if !bytes.Equal(enc, []byte(value)) {
				t.Fatalf("decodeSession(%x) = %+v re-encodes to %x", value, s, enc)
			}
		}
		// Any session seals and opens back to itself.
		s := session{userID: value, username: value, token: value, host: value, expires: int64(len(value)),
			created: -int64(len(value)), issued: 7, tokenExpires: 1 << 40, longLived: len(value)%2 == 0}
		copy(s.id[:], value)
		if p, _, ok := h.keys.open(h.cfg.aad.session, h.keys.seal(h.cfg.aad.session, encodeSession(&s))); ok {
			if got, ok := decodeSession(p); !ok || got != s {
				t.Fatalf("round trip of %+v gave %+v %v", s, got, ok)
			}
		} else if len(value) < 500 { // small enough to fit maxSealedLen
			t.Fatalf("a freshly sealed session of %d bytes did not open", len(value))
		}
	})
}

// A stale cookie of the same name sent first (an old host-only cookie, a
// sibling site's) must not hide the valid one.
func TestStaleSessionCookieFirst(t *testing.T) {
	h := newHarness(t)
	h.mustLogin(h.client, "ben", "/")
	good := sessionCookie(h.client)
	resp := h.do(http.DefaultClient, http.MethodGet, siteURL+"/", nil,
		"Accept", "application/json", "Cookie", insecureCookieName+"=stale; "+insecureCookieName+"="+good)
	if resp.StatusCode != http.StatusOK {
		t.Errorf("stale cookie first: status %d, want 200", resp.StatusCode)
	}
}

// Sessions are bound to the Instagram app: another client_id with the same
// key does not accept them.
func TestSessionBoundToApp(t *testing.T) {
	h := newHarness(t, withOptions("cookie_secret "+oldKey))
	h.mustLogin(h.client, "dora", "/")
	cookie := sessionCookie(h.client)
	h.load(strings.Replace(h.caddyfile(), "client_id "+testID, "client_id other-app", 1))
	if status := h.apiStatus(cookie); status != http.StatusUnauthorized {
		t.Errorf("session of another app: status %d, want 401", status)
	}
}

// Behaviour 5: session_lifetime bounds the session, and so does the token.
func TestSessionExpires(t *testing.T) {
	h := newHarness(t, withOptions("session_lifetime 2h", "long_lived_token off"))
	h.mustLogin(h.client, "liam", "/")
	advanceClock(t, 61*time.Minute) // the 1-hour token has expired
	if resp := h.get("/"); resp.StatusCode != http.StatusFound {
		t.Errorf("after the token's expiry: status %d, want 302", resp.StatusCode)
	}
}

// Behaviour 7: a config reload (or restart on the same storage) keeps
// sessions.
func TestSessionsSurviveReload(t *testing.T) {
	h := newHarness(t)
	h.mustLogin(h.client, "paul", "/")
	h.load(strings.Replace(h.caddyfile(), "timeout 2s", "timeout 3s", 1))
	if e := h.upstreamSaw(h.get("/")); e.Header.Get("X-Instagram-Username") != "paul" {
		t.Errorf("after reload: username %q", e.Header.Get("X-Instagram-Username"))
	}
}
