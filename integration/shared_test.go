package integration

import (
	"io/fs"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/b4b0c547/caddy-instagram-auth/instagramtest"
	"github.com/b4b0c547/caddy-instagram-auth/internal/revocation"
)

// Two sites of one config with different Instagram apps share storage but
// not revocations: logging a user out everywhere on one app leaves the
// other app's session alone, in memory and in storage.
func TestTwoAppsDoNotShareRevocations(t *testing.T) {
	h := newHarness(t)
	other := instagramtest.Start(t, "other-app", testSecret)
	second := strings.NewReplacer(
		"http://localhost:9080", "http://localhost:9081",
		"client_id "+testID, "client_id other-app",
		h.ig.AuthorizeURL(), other.AuthorizeURL(), h.ig.TokenURL(), other.TokenURL(),
		h.ig.UserinfoURL(), other.UserinfoURL(), h.ig.ExchangeURL(), other.ExchangeURL(),
	).Replace(h.caddyfile()[strings.Index(h.caddyfile(), "http://localhost:9080"):])
	h.load(h.caddyfile() + second)

	phone, laptop := newBrowser(t), newBrowser(t)
	h.mustLogin(phone, "yan", "/")
	h.mustLogin(laptop, "yan", "/")
	site2 := newBrowser(t)
	authorize := h.do(site2, http.MethodGet, "http://localhost:9081/", nil, "Accept", "text/html").Header.Get("Location")
	cb, err := instagramtest.Consent(site2, authorize, "yan", true)
	if err != nil {
		t.Fatal(err)
	}
	if resp := h.do(site2, http.MethodGet, stripFragment(cb), nil); resp.StatusCode != http.StatusFound {
		t.Fatalf("login to the second app: %d", resp.StatusCode)
	}

	h.do(phone, http.MethodGet, siteURL+defaultLogoutPath+"?all=1", nil)
	if s := h.apiStatusWith(laptop); s != http.StatusUnauthorized {
		t.Errorf("first app, the user's other device: status %d, want 401", s)
	}
	resp := h.do(site2, http.MethodGet, "http://localhost:9081/", nil, "Accept", "application/json")
	if resp.StatusCode != http.StatusOK {
		t.Errorf("second app after the first app's logout everywhere: status %d, want 200", resp.StatusCode)
	}
	// The write is in the background: wait for it.
	var apps map[string]bool
	waitFor(t, 5*time.Second, "a revocation record in storage", func() bool {
		apps = revocationApps(h.storage)
		return len(apps) > 0
	})
	firstApp := strings.Split(revocation.Prefix(testID, insecureCookieName), "/")[1]
	secondApp := strings.Split(revocation.Prefix("other-app", insecureCookieName), "/")[1]
	if !apps[firstApp] || apps[secondApp] || len(apps) != 1 {
		t.Errorf("revocation records under app folders %v, want only the first app's %s (the second's is %s)", apps, firstApp, secondApp)
	}
}

// revocationApps names the app folders of storage that hold revocations.
func revocationApps(storage string) map[string]bool {
	apps := map[string]bool{}
	root := filepath.Join(storage, "instagram_auth")
	_ = filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() && strings.Contains(p, "/revoked/") {
			rel, _ := filepath.Rel(root, p)
			apps[strings.Split(rel, string(filepath.Separator))[0]] = true
		}
		return nil
	})
	return apps
}

// waitFor polls cond until it holds, failing the test at the deadline:
// what the cluster promises is a bound, so tests wait with a deadline,
// never a fixed sleep.
func waitFor(t *testing.T, timeout time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("no %s within %v", what, timeout)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
