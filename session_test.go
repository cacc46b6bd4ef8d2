package instagramauth

import (
	"github.com/b4b0c547/caddy-instagram-auth/internal/record"

	"bytes"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/caddyserver/caddy/v2/caddyconfig"
)

func FuzzOpenSession(f *testing.F) {
	h := fuzzHandler(f)
	for v := range fuzzSessions {
		f.Add(v)
		f.Add(v[:len(v)-1])
		f.Add(v + "A")
	}
	f.Add("")
	f.Add(string(record.EncodeSession(&record.Session{UserID: "17841405793187218", Username: "alice", Token: "T", Expires: 1})))
	f.Add("\x01\x00\x00\x00\x00\x00\x00\x00\x2a\x01\x31\x00\x00")
	f.Fuzz(func(t *testing.T, value string) {
		plain, nonce, ok := h.keys.Open(h.cfg.aad.Session, value)
		if ok {
			want, known := fuzzSessions[value]
			if !known {
				t.Fatalf("a value never sealed opened: %q", value)
			}
			got, ok := record.DecodeSession(plain)
			if !ok || got != want {
				t.Fatalf("seed opened to %+v %v, want %+v", got, ok, want)
			}
			if len(nonce) != h.keys[0].NonceSize() {
				t.Fatalf("nonce of %d bytes", len(nonce))
			}
		}
		// Never a state value, whatever the input.
		if _, isState := fuzzPendings[value]; !isState {
			if _, _, ok := h.keys.Open(h.cfg.aad.Pending, value); ok {
				t.Fatalf("value opened as a state: %q", value)
			}
		}
		// The input steers a mutation of each sealed value: only the
		// unchanged value opens.
		for v := range fuzzSessions {
			if m := fuzzMutate(v, []byte(value)); m != v {
				if _, _, ok := h.keys.Open(h.cfg.aad.Session, m); ok {
					t.Fatalf("mutation %q of a sealed value opened", m)
				}
			}
		}
		// decodeSession of arbitrary bytes never panics; what it accepts
		// re-encodes to the very same bytes (one encoding per session).
		if s, ok := record.DecodeSession([]byte(value)); ok {
			enc := record.EncodeSession(&s)
			if s.Legacy {
				enc = record.V1{Time: s.Expires, Fields: [3]string{s.UserID, s.Username, s.Token}}.Encode()
			}
			if !bytes.Equal(enc, []byte(value)) {
				t.Fatalf("decodeSession(%x) = %+v re-encodes to %x", value, s, enc)
			}
		}
		// Any session seals and opens back to itself.
		s := record.Session{UserID: value, Username: value, Token: value, Host: value, Expires: int64(len(value)),
			Created: -int64(len(value)), Issued: 7, TokenExpires: 1 << 40, LongLived: len(value)%2 == 0}
		copy(s.ID[:], value)
		if p, _, ok := h.keys.Open(h.cfg.aad.Session, h.keys.Seal(h.cfg.aad.Session, record.EncodeSession(&s))); ok {
			if got, ok := record.DecodeSession(p); !ok || got != s {
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

// Behaviour 10: session_lifetime counts from login and is never extended:
// a session used constantly, its idle clock renewed at every use, still
// ends at login + session_lifetime, and no renewed cookie outlasts that.
func TestLifetimeNotExtendedByUse(t *testing.T) {
	h := newHarness(t, withOptions("session_lifetime 2h", "session_idle 30m"))
	h.mustLogin(h.client, "lena", "/")
	for used := 20 * time.Minute; used < 2*time.Hour; used += 20 * time.Minute {
		advanceClock(t, 20*time.Minute)
		resp := h.get("/")
		h.upstreamSaw(resp)
		c := findSetCookie(resp, insecureCookieName)
		if c == nil {
			t.Fatalf("used %v after login: the idle session was not renewed", used)
		}
		left := int((2*time.Hour - used) / time.Second)
		if want := min(left, 1800); c.MaxAge > want || c.MaxAge < want-2 {
			t.Errorf("used %v after login: renewed cookie's Max-Age %d, want %d", used, c.MaxAge, want)
		}
	}
	advanceClock(t, 20*time.Minute+time.Second) // login + 2h + 1s, last used 20 min ago
	if resp := h.get("/"); resp.StatusCode != http.StatusFound {
		t.Errorf("past session_lifetime, used all along: status %d, want 302", resp.StatusCode)
	}
}

// Behaviour 10: session_idle ends a session nobody used for that long;
// each use keeps it alive.
func TestIdleEndsUnusedSession(t *testing.T) {
	h := newHarness(t, withOptions("session_idle 30m"))
	h.mustLogin(h.client, "ivo", "/")
	for range 3 { // used every 29 minutes: 87 minutes in all, alive throughout
		advanceClock(t, 29*time.Minute)
		h.upstreamSaw(h.get("/"))
	}
	advanceClock(t, 30*time.Minute+time.Second)
	if resp := h.get("/"); resp.StatusCode != http.StatusFound {
		t.Errorf("unused for 30 minutes: status %d, want 302", resp.StatusCode)
	}
}

// Behaviour 10: the cookie is sealed again only once a tenth of
// session_idle (at most a minute) has passed since it was sealed: requests
// within that window get no Set-Cookie, the first one after it gets one,
// with the whole idle time as its Max-Age.
func TestIdleRenewalWindow(t *testing.T) {
	for _, c := range []struct {
		idle   string
		window time.Duration
		maxAge int
	}{
		{"30m", time.Minute, 1800},    // a tenth would be 3 minutes: capped at one
		{"5m", 30 * time.Second, 300}, // a tenth
	} {
		t.Run(c.idle, func(t *testing.T) {
			h := newHarness(t, withOptions("session_idle "+c.idle))
			h.mustLogin(h.client, "wanda", "/")
			expectRenewal := func(when string, want bool) {
				t.Helper()
				resp := h.get("/")
				h.upstreamSaw(resp)
				got := findSetCookie(resp, insecureCookieName)
				switch {
				case want && got == nil:
					t.Fatalf("%s: no Set-Cookie, want the session renewed", when)
				case !want && got != nil:
					t.Fatalf("%s: Set-Cookie, want none", when)
				case want && (got.MaxAge > c.maxAge || got.MaxAge < c.maxAge-2):
					t.Errorf("%s: renewed cookie's Max-Age %d, want %d", when, got.MaxAge, c.maxAge)
				}
			}
			for range 3 {
				expectRenewal("just after login", false)
			}
			advanceClock(t, c.window-10*time.Second)
			expectRenewal("within the window", false)
			advanceClock(t, 11*time.Second)
			expectRenewal("once the window has passed", true)
			expectRenewal("with the renewed cookie", false)
			advanceClock(t, c.window+time.Second)
			expectRenewal("a window later", true)
		})
	}
}

// Behaviour 10: never a seal per request, even when a tenth of
// session_idle is under a second.
func TestShortIdleNoSealPerRequest(t *testing.T) {
	h := newHarness(t, withOptions("session_idle 5s"))
	h.mustLogin(h.client, "otto", "/")
	start := time.Now()
	const requests = 10
	sealed := 0
	for range requests {
		resp := h.get("/")
		h.upstreamSaw(resp)
		if findSetCookie(resp, insecureCookieName) != nil {
			sealed++
		}
	}
	// At most one seal per second that passed.
	if allowed := int(time.Since(start)/time.Second) + 1; sealed > allowed {
		t.Errorf("%d requests within %v sealed the cookie %d times, want at most %d",
			requests, time.Since(start), sealed, allowed)
	}
}

// Behaviour 10: both durations apply as configured now. Shortening either
// on a reload shortens the sessions already issued; lengthening
// session_lifetime does not extend a session beyond its lifetime at login.
func TestReloadAppliesSessionDurations(t *testing.T) {
	for _, c := range []struct {
		name, before, after string
		wait                time.Duration
	}{
		{"session_lifetime shortened", "session_lifetime 24h", "session_lifetime 1h", time.Hour + time.Second},
		{"session_idle shortened", "session_idle 2h", "session_idle 30m", 30*time.Minute + time.Second},
		{"session_lifetime lengthened", "session_lifetime 1h", "session_lifetime 24h", time.Hour + time.Second},
	} {
		t.Run(c.name, func(t *testing.T) {
			h := newHarness(t, withOptions(c.before))
			h.mustLogin(h.client, "rhea", "/")
			h.options = strings.Replace(h.options, c.before, c.after, 1)
			h.load(h.caddyfile())
			h.upstreamSaw(h.get("/")) // still live right after the reload
			advanceClock(t, c.wait)
			if resp := h.get("/"); resp.StatusCode != http.StatusFound {
				t.Errorf("%v after login, with %s: status %d, want 302", c.wait, c.after, resp.StatusCode)
			}
		})
	}
}

// A session duration under a second would be truncated to none: a
// session_idle of 500ms would quietly turn the idle timeout off. Refused,
// with the line and the option.
func TestSubSecondSessionDurationsRefused(t *testing.T) {
	for _, line := range []string{"session_idle 500ms", "session_lifetime 999ms"} {
		option, _, _ := strings.Cut(line, " ")
		cfg := "example.com {\n\tinstagram_auth {\n\t\tclient_id 1\n\t\tclient_secret s\n\t\t" + line + "\n\t}\n}\n"
		_, _, err := caddyconfig.GetAdapter("caddyfile").Adapt([]byte(cfg), nil)
		if err == nil {
			t.Errorf("%s: adapted without error", line)
			continue
		}
		for _, want := range []string{option, "at least 1s", "Caddyfile:5"} {
			if !strings.Contains(err.Error(), want) {
				t.Errorf("%s: error %q lacks %q", line, err, want)
			}
		}
	}
}
