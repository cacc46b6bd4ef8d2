package integration

import (
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"
)

// Host-only sessions are bound to the host and port that issued them
// (the root package's session.go, sessionIsForHost).

// twoSitesOneHost is the harness's config with two sites on localhost,
// ports sitePort and site2Port, for the same Instagram app and storage;
// extraA and extraB are options of each site's directive.
func (h *harness) twoSitesOneHost(extraA, extraB string) string {
	site := func(port int, extra string) string {
		return h.mockSite(fmt.Sprintf("http://localhost:%d", port), "", "insecure_cookies", extra)
	}
	return h.globalOptions() + site(sitePort, extraA) + site(site2Port, extraB)
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
