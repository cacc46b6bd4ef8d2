package instagramauth

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
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

// twoSitesOneHost is the harness's config with two sites on localhost,
// ports sitePort and site2Port, for the same Instagram app and storage;
// extraA and extraB are options of each site's directive.
func (h *harness) twoSitesOneHost(extraA, extraB string) string {
	site := func(port int, extra string) string {
		return fmt.Sprintf(`
http://localhost:%d {
	instagram_auth {
		client_id %s
		client_secret %s
		authorize_url %s
		token_url %s
		userinfo_url %s
		long_lived_token %s
		insecure_cookies
		%s
	}
	reverse_proxy %s
}
`, port, testID, testSecret, h.ig.AuthorizeURL(), h.ig.TokenURL(), h.ig.UserinfoURL(), h.ig.ExchangeURL(),
			extra, strings.TrimPrefix(h.up.URL, "http://"))
	}
	global, _, _ := strings.Cut(h.caddyfile(), "\nhttp://")
	return global + site(sitePort, extraA) + site(site2Port, extraB)
}

var site2URL = fmt.Sprintf("http://localhost:%d", site2Port)

// loginAt logs c in as username on the site at base.
func (h *harness) loginAt(c *http.Client, base, username string) {
	h.t.Helper()
	resp := h.do(c, http.MethodGet, base+"/", nil, "Accept", "text/html")
	if resp.StatusCode != http.StatusFound {
		h.t.Fatalf("%s without a session: status %d, want 302", base, resp.StatusCode)
	}
	cb := stripFragment(h.consent(c, resp.Header.Get("Location"), username, true))
	if !strings.HasPrefix(cb, base+"/") {
		h.t.Fatalf("callback %q is not on %s", cb, base)
	}
	if resp := h.do(c, http.MethodGet, cb, nil); resp.StatusCode != http.StatusFound {
		h.t.Fatalf("callback on %s: status %d, want 302", base, resp.StatusCode)
	}
}

// userAt is the username the upstream sees for c's request to base, or ""
// when the request got no further than the plugin (401).
func (h *harness) userAt(c *http.Client, base string, header ...string) string {
	h.t.Helper()
	resp := h.do(c, http.MethodGet, base+"/", nil, append([]string{"Accept", "application/json"}, header...)...)
	if resp.StatusCode == http.StatusUnauthorized {
		return ""
	}
	return h.upstreamSaw(resp).Header.Get("X-Instagram-Username")
}

// Two sites on one host, on different ports, for the same app: browsers
// send each site's cookie to the other (cookies do not separate ports), and
// neither accepts the other's session. With a cookie_name each, both stay
// logged in side by side.
func TestSitesOnOneHostDifferentPorts(t *testing.T) {
	h := newHarness(t)
	h.load(h.twoSitesOneHost("", ""))
	h.loginAt(h.client, siteURL, "amy")
	if user := h.userAt(h.client, site2URL); user != "" {
		t.Errorf("the other port accepted amy's session: upstream saw %q", user)
	}
	h.loginAt(h.client, site2URL, "bob") // the same cookie name: bob's cookie replaces amy's
	if user := h.userAt(h.client, siteURL); user != "" {
		t.Errorf("the first port accepted the second's session: upstream saw %q", user)
	}
	if user := h.userAt(h.client, site2URL); user != "bob" {
		t.Errorf("second port: upstream saw %q, want bob", user)
	}

	h.load(h.twoSitesOneHost("cookie_name site_a", "cookie_name site_b"))
	c := newBrowser(t)
	h.loginAt(c, siteURL, "amy")
	h.loginAt(c, site2URL, "bob")
	for base, want := range map[string]string{siteURL: "amy", site2URL: "bob"} {
		if user := h.userAt(c, base); user != want {
			t.Errorf("%s with its own cookie_name: upstream saw %q, want %q", base, user, want)
		}
	}
}

// Clause 14: a session sealed by the release before host binding opens on
// any port, as it did, and is sealed again bound to the host it is used on.
func TestEarlierSessionsBoundOnFirstUse(t *testing.T) {
	var old struct {
		CookieSecret string `json:"cookie_secret"`
		SealedAt     int64  `json:"sealed_at"`
		Sessions     []struct {
			CookieName string `json:"cookie_name"`
			Username   string
			Value      string
		}
	}
	data, err := os.ReadFile("testdata/upgrade/v1_sessions.json")
	if err != nil || json.Unmarshal(data, &old) != nil || old.Sessions[0].CookieName != insecureCookieName {
		t.Fatalf("testdata/upgrade/v1_sessions.json: %v", err)
	}
	advanceClock(t, time.Until(time.Unix(old.SealedAt+60, 0)))
	h := newHarness(t)
	h.load(h.twoSitesOneHost("cookie_secret "+old.CookieSecret, "cookie_secret "+old.CookieSecret))
	v1 := insecureCookieName + "=" + old.Sessions[0].Value
	for _, base := range []string{siteURL, site2URL} {
		if user := h.userAt(http.DefaultClient, base, "Cookie", v1); user != old.Sessions[0].Username {
			t.Errorf("%s: earlier release's session gave user %q, want %q", base, user, old.Sessions[0].Username)
		}
	}
	resp := h.do(http.DefaultClient, http.MethodGet, siteURL+"/", nil, "Accept", "application/json", "Cookie", v1)
	reissued := findSetCookie(resp, insecureCookieName)
	if reissued == nil || reissued.Value == "" {
		t.Fatal("the earlier release's session was not sealed again")
	}
	v2 := insecureCookieName + "=" + reissued.Value
	if user := h.userAt(http.DefaultClient, siteURL, "Cookie", v2); user != old.Sessions[0].Username {
		t.Errorf("re-sealed session on its host: user %q", user)
	}
	if user := h.userAt(http.DefaultClient, site2URL, "Cookie", v2); user != "" {
		t.Errorf("re-sealed session on the other port: user %q, want refused", user)
	}
}
