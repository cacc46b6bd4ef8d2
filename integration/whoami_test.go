package integration

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/b4b0c547/caddy-instagram-auth/instagramtest"
)

// whoami asks whoami_path with c and decodes its answer, which must
// have status want.
func (h *harness) whoami(c *http.Client, want int, header ...string) (map[string]any, *http.Response) {
	h.t.Helper()
	header = append([]string{"Sec-Fetch-Mode", "cors", "Accept", "*/*"}, header...)
	resp := h.do(c, http.MethodGet, siteURL+defaultWhoamiPath, nil, header...)
	body := readAll(h.t, resp)
	if resp.StatusCode != want {
		h.t.Fatalf("whoami: status %d, want %d; body %s", resp.StatusCode, want, body)
	}
	if !strings.HasPrefix(resp.Header.Get("Content-Type"), "application/json") {
		h.t.Errorf("whoami: Content-Type %q, want JSON", resp.Header.Get("Content-Type"))
	}
	var m map[string]any
	if err := json.Unmarshal([]byte(body), &m); err != nil {
		h.t.Fatalf("whoami: not JSON: %s", body)
	}
	return m, resp
}

// Behaviour 16: whoami tells an SPA who is logged in and until when; never
// the token, never cached, and the upstream is not asked.
func TestWhoami(t *testing.T) {
	h := newHarness(t)
	h.whoami(h.client, http.StatusUnauthorized)

	h.mustLogin(h.client, "wanda", "/")
	before := h.up.calls.Load()
	m, resp := h.whoami(h.client, http.StatusOK)
	if resp.Header.Get("Cache-Control") != "no-store" {
		t.Errorf("Cache-Control %q, want no-store", resp.Header.Get("Cache-Control"))
	}
	if m["user_id"] != instagramtest.UserID("wanda") || m["username"] != "wanda" || len(m) != 3 {
		t.Errorf("whoami %v: want user_id, username and expires_at", m)
	}
	end, err := time.Parse(time.RFC3339, m["expires_at"].(string))
	if err != nil {
		t.Fatalf("expires_at %q is not RFC 3339: %v", m["expires_at"], err)
	}
	if d := time.Until(end); d < 23*time.Hour || d > 24*time.Hour+time.Minute {
		t.Errorf("expires_at %v is %v away, want the 24h session_lifetime", end, d)
	}
	token := h.upstreamSaw(h.get("/")).Header.Get("X-Instagram-Access-Token")
	if body := readAll(t, h.do(h.client, http.MethodGet, siteURL+defaultWhoamiPath, nil)); token == "" || strings.Contains(body, token) {
		t.Errorf("whoami shows the token (or there is none): %s", body)
	}
	if n := h.up.calls.Load() - before; n != 1 {
		t.Errorf("the upstream was called %d times, want once (for the page, not for whoami)", n)
	}

	// A browser opening whoami as a page gets the 401 too, not a login.
	anonymous := newBrowser(t)
	if resp := h.do(anonymous, http.MethodGet, siteURL+defaultWhoamiPath, nil, "Sec-Fetch-Mode", "navigate", "Accept", "text/html"); resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("whoami opened as a page without a session: status %d, want 401", resp.StatusCode)
	}
	if resp := h.do(h.client, http.MethodPost, siteURL+defaultWhoamiPath, nil); resp.StatusCode != http.StatusMethodNotAllowed {
		t.Errorf("POST whoami: status %d, want 405", resp.StatusCode)
	}
}

// Behaviour 16: username left out when unknown; whoami_path moves it, and
// it is served outside the directive's matcher.
func TestWhoamiOptions(t *testing.T) {
	h := newHarness(t, withMatcher("/admin/*"), withOptions("userinfo_url off", "whoami_path /api/me"))
	h.mustLogin(h.client, "nobody_known", "/admin/")
	resp := h.do(h.client, http.MethodGet, siteURL+"/api/me", nil, "Accept", "application/json")
	var m map[string]any
	if err := json.NewDecoder(resp.Body).Decode(&m); err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("whoami at /api/me: status %d, %v", resp.StatusCode, err)
	}
	if _, ok := m["username"]; ok || m["user_id"] != instagramtest.UserID("nobody_known") {
		t.Errorf("whoami %v: want the id and no username", m)
	}
	if e := h.upstreamSaw(h.get(defaultWhoamiPath)); e.Path != defaultWhoamiPath {
		t.Errorf("the default path, no longer whoami's, reached the upstream as %q", e.Path)
	}
}

// Behaviour 16 with session_idle: expires_at is when the session ends if
// it is not used again, and asking whoami is no use: an SPA polling it must
// not keep an idle session alive.
func TestWhoamiWithSessionIdle(t *testing.T) {
	h := newHarness(t, withOptions("session_idle 30m"))
	h.mustLogin(h.client, "ida", "/")
	m, _ := h.whoami(h.client, http.StatusOK)
	end, _ := time.Parse(time.RFC3339, m["expires_at"].(string))
	if d := time.Until(end); d < 29*time.Minute || d > 30*time.Minute+time.Second {
		t.Errorf("expires_at %v away, want the 30m of session_idle", d)
	}
	for range 2 {
		advanceClock(t, 10*time.Minute)
		if _, resp := h.whoami(h.client, http.StatusOK); findSetCookie(resp, insecureCookieName) != nil {
			t.Fatal("whoami re-issued the session cookie: it counted as a use")
		}
	}
	advanceClock(t, 11*time.Minute)
	h.whoami(h.client, http.StatusUnauthorized)
}
