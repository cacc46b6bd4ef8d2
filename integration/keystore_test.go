package integration

import (
	"encoding/base64"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/b4b0c547/caddy-instagram-auth/internal/seal"
)

const (
	oldKey = "b2xkLWtleS1vbGQta2V5LW9sZC1rZXktb2xkLWtleSE="
	newKey = "bmV3LWtleS1uZXcta2V5LW5ldy1rZXktbmV3LWtleSE="
)

// apiStatus asks for / as an API client with the given session cookie.
func (h *harness) apiStatus(cookie string) int {
	h.t.Helper()
	c := newBrowser(h.t)
	setCookie(c, insecureCookieName, cookie)
	return h.do(c, http.MethodGet, siteURL+"/", nil, "Accept", "application/json").StatusCode
}

// Key rotation: the first key seals, all open; a removed key's sessions
// are refused.
func TestCookieSecretRotation(t *testing.T) {
	h := newHarness(t, withOptions("cookie_secret "+oldKey))
	h.mustLogin(h.client, "sam", "/")
	sealedOld := sessionCookie(h.client)

	h.load(strings.Replace(h.caddyfile(), "cookie_secret "+oldKey, "cookie_secret "+newKey+" "+oldKey, 1))
	if status := h.apiStatus(sealedOld); status != http.StatusOK {
		t.Fatalf("old session under [new old]: status %d, want 200", status)
	}
	c := newBrowser(t)
	h.mustLogin(c, "tess", "/")
	sealedNew := sessionCookie(c)

	h.load(strings.Replace(h.caddyfile(), "cookie_secret "+oldKey, "cookie_secret "+newKey, 1))
	if status := h.apiStatus(sealedNew); status != http.StatusOK {
		t.Errorf("session sealed after rotation, under [new]: status %d, want 200", status)
	}
	if status := h.apiStatus(sealedOld); status != http.StatusUnauthorized {
		t.Errorf("session of the removed key: status %d, want 401", status)
	}
}

// Without cookie_secret the key is made once and kept in Caddy storage:
// another storage means another key.
func TestGeneratedKeyLivesInStorage(t *testing.T) {
	h := newHarness(t)
	h.mustLogin(h.client, "uma", "/")
	cookie := sessionCookie(h.client)
	raw, err := os.ReadFile(filepath.Join(h.storage, filepath.FromSlash("instagram_auth/cookie_secret.b64")))
	if err != nil {
		t.Fatalf("no key in storage: %v", err)
	}
	if key, err := base64.StdEncoding.DecodeString(strings.TrimSpace(string(raw))); err != nil || len(key) != seal.KeySize {
		t.Fatalf("stored key is not base64 of 32 bytes")
	}

	other := h.storage + "-other"
	h.load(strings.Replace(h.caddyfile(), h.storage, other, 1))
	t.Cleanup(func() { _ = os.RemoveAll(other) })
	if status := h.apiStatus(cookie); status != http.StatusUnauthorized {
		t.Errorf("session under another storage's key: status %d, want 401", status)
	}
	h.load(h.caddyfile())
	if status := h.apiStatus(cookie); status != http.StatusOK {
		t.Errorf("session back under the first storage: status %d, want 200", status)
	}
}

// Two instances sharing storage (two separately provisioned handlers on
// two ports): a login started on one finishes on the other, and each
// accepts the other's session. As behind a load balancer, both see the
// site's one Host: a host-only session opens only on the host that
// issued it.
func TestInstancesSharingStorage(t *testing.T) {
	h := newHarness(t)
	site := func(port int) string {
		return h.mockSite(fmt.Sprintf("http://localhost:%d", port), "",
			fmt.Sprintf("redirect_uri http://localhost:%d%s", site2Port, defaultRedirectPath), "insecure_cookies")
	}
	h.load(h.globalOptions() + site(sitePort) + site(site2Port))

	cb := stripFragment(h.consent(h.client, h.startLogin(h.client, "/from/a"), "vera", true))
	if !strings.HasPrefix(cb, fmt.Sprintf("http://localhost:%d/", site2Port)) {
		t.Fatalf("callback %q is not on the second instance", cb)
	}
	resp := h.do(h.client, http.MethodGet, cb, nil)
	if resp.StatusCode != http.StatusFound || resp.Header.Get("Location") != "/from/a" {
		t.Fatalf("second instance finishing the first's login: %d to %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	for _, port := range []int{sitePort, site2Port} {
		req, _ := http.NewRequest(http.MethodGet, fmt.Sprintf("http://localhost:%d/", port), nil)
		req.Host = fmt.Sprintf("localhost:%d", site2Port)
		req.Header.Set("Accept", "text/html")
		resp, err := h.client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		e := h.upstreamSaw(resp)
		if e.Header.Get("X-Instagram-Username") != "vera" {
			t.Errorf("instance on %d: username %q", port, e.Header.Get("X-Instagram-Username"))
		}
	}
}

// client_secret {env.NAME} is read when the config loads and is what
// Instagram receives (the mock checks it).
func TestClientSecretFromEnvLogsIn(t *testing.T) {
	t.Setenv("IG_TEST_CLIENT_SECRET", testSecret)
	h := newHarness(t)
	h.load(strings.Replace(h.caddyfile(), "client_secret "+testSecret, "client_secret {env.IG_TEST_CLIENT_SECRET}", 1))
	h.mustLogin(h.client, "zoe", "/")
}
