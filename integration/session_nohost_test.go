package integration

import (
	"net/http"
	"strings"
	"testing"

	"github.com/b4b0c547/caddy-instagram-auth/instagramtest"
	"github.com/b4b0c547/caddy-instagram-auth/internal/record"
	"github.com/b4b0c547/caddy-instagram-auth/internal/seal"
)

// A login whose requests name no host (HTTP/1.0 allows leaving Host out)
// on a catch-all site. The harness's site becomes one: any Host, or none,
// reaches it.

// catchAll is the harness's Caddyfile with its site for every host on
// sitePort.
func (h *harness) catchAll() string {
	return strings.Replace(h.caddyfile(), "\nhttp://localhost:9080 {", "\nhttp://:9080 {", 1)
}

// noHostGet sends GET target as HTTP/1.0 without a Host header, with the
// cookie if any, on a connection of its own.
func noHostGet(t *testing.T, target, cookie string) *http.Response {
	t.Helper()
	raw := "GET " + target + " HTTP/1.0\nAccept: text/html\n"
	if cookie != "" {
		raw += "Cookie: " + cookie + "\n"
	}
	return rawExchange(t, raw+"\n")
}

// userWithHost is the username the upstream sees for a request to / with
// the session cookie and that Host, or "" when the plugin refused it.
func (h *harness) userWithHost(cookie, host string) string {
	h.t.Helper()
	req, err := http.NewRequest(http.MethodGet, "http://127.0.0.1:9080/", nil)
	if err != nil {
		h.t.Fatal(err)
	}
	req.Host = host
	req.Header.Set("Accept", "application/json")
	req.Header.Set("Cookie", insecureCookieName+"="+cookie)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		h.t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode == http.StatusUnauthorized {
		return ""
	}
	return h.upstreamSaw(resp).Header.Get("X-Instagram-Username")
}

// Behaviour 7: with an absolute redirect_uri, a login and callback without
// Host give a session bound to redirect_uri's host: it opens there, and on
// no other site that shares the key, client_id and cookie name.
func TestLoginWithoutHostBindsToRedirectURI(t *testing.T) {
	h := newHarness(t, withOptions("redirect_uri "+siteURL+defaultRedirectPath))
	h.load(h.catchAll())
	start := noHostGet(t, "/page", "")
	authorize := start.Header.Get("Location")
	if start.StatusCode != http.StatusFound || !strings.HasPrefix(authorize, h.ig.AuthorizeURL()+"?") {
		t.Fatalf("a page load without Host: status %d to %q, want 302 to Instagram", start.StatusCode, authorize)
	}
	var state string
	for _, c := range start.Cookies() {
		if strings.HasPrefix(c.Name, insecureCookieName+pendingInfix) {
			state = c.Name + "=" + c.Value
		}
	}
	cb := stripFragment(h.consent(newBrowser(t), authorize, "hank", true))
	if !strings.HasPrefix(cb, siteURL+defaultRedirectPath+"?") {
		t.Fatalf("callback %q is not redirect_uri", cb)
	}
	resp := noHostGet(t, strings.TrimPrefix(cb, siteURL), state)
	session := findSetCookie(resp, insecureCookieName)
	if resp.StatusCode != http.StatusFound || session == nil {
		t.Fatalf("callback without Host: status %d, session cookie %v; want 302 with a session", resp.StatusCode, session != nil)
	}
	if user := h.userWithHost(session.Value, "localhost:9080"); user != "hank" {
		t.Errorf("the session on redirect_uri's host: upstream saw %q, want hank", user)
	}
	for _, host := range []string{"other.example", "other.example:9080", "localhost"} {
		if user := h.userWithHost(session.Value, host); user != "" {
			t.Errorf("the session made without Host opened on %s as %q", host, user)
		}
	}
}

// Behaviour 7: with a path redirect_uri there is no host to bind to: a
// callback without Host is refused with 400, before Instagram is called,
// and gives no session. (A page load without Host cannot even start a
// login: no redirect_uri can be made.)
func TestCallbackWithoutHostRefused(t *testing.T) {
	h := newHarness(t)
	h.load(h.catchAll())
	if resp := noHostGet(t, "/page", ""); resp.StatusCode != http.StatusBadRequest {
		t.Errorf("a page load without Host, path redirect_uri: status %d, want 400", resp.StatusCode)
	}
	authorize := h.startLogin(h.client, "/")
	cb := stripFragment(h.consent(h.client, authorize, "ivy", true))
	name, value := stateCookieFor(h.client, mustQuery(t, authorize).Get("state"))
	tokens := h.ig.TokenRequests()
	resp := noHostGet(t, strings.TrimPrefix(cb, siteURL), name+"="+value)
	if resp.StatusCode != http.StatusBadRequest || findSetCookie(resp, insecureCookieName) != nil {
		t.Errorf("callback without Host: status %d, session cookie %v; want 400 and none",
			resp.StatusCode, findSetCookie(resp, insecureCookieName) != nil)
	}
	if n := h.ig.TokenRequests() - tokens; n != 0 {
		t.Errorf("the callback without Host made %d token requests, want none", n)
	}
}

// Behaviour 7 and clause 14 of the upgrade guarantee: only a session made
// before host binding (the earlier release's format, bound on first use)
// opens without a host. A current-format session without one, as a login
// without Host made before such logins were bound, opens nowhere on a
// host-only site.
func TestCurrentSessionWithoutHostRefused(t *testing.T) {
	h := newHarness(t, withOptions("cookie_secret "+oldKey))
	keys, err := seal.NewRing([]string{oldKey})
	if err != nil {
		t.Fatal(err)
	}
	t0 := now().Unix()
	sealed := func(id byte, host string) string {
		s := record.Session{ID: record.ID{id}, UserID: instagramtest.UserID("jack"), Username: "jack", Token: "T",
			Host: host, Created: t0, Issued: t0, Expires: t0 + 3600, TokenExpires: t0 + 3600}
		return keys.Seal(seal.Bind(seal.SessionPurpose, insecureCookieName, testID), record.EncodeSession(&s))
	}
	if s := h.apiStatus(sealed(1, "localhost:9080")); s != http.StatusOK {
		t.Fatalf("a session bound to the site's host: status %d, want 200 (the forged cookie is wrong)", s)
	}
	if s := h.apiStatus(sealed(2, "")); s != http.StatusUnauthorized {
		t.Errorf("a current-format session without a host: status %d, want 401", s)
	}
}
