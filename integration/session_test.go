package integration

import (
	"net/http"
	"strings"
	"testing"
	"time"
)

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
