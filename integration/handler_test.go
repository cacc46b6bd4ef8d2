package integration

// Behaviour tests through a real Caddy: each numbered behaviour of the
// README, and each past advisory of the auth proxies we learn from.

import (
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/b4b0c547/caddy-instagram-auth/instagramtest"
)

// Behaviour 1, 3 and 5: the whole login, and what the upstream receives.
func TestLoginForwardsIdentity(t *testing.T) {
	h := newHarness(t)
	authorize := h.startLogin(h.client, "/dash/board?tab=2")
	q := mustQuery(t, authorize)
	for key, want := range map[string]string{
		"client_id":     testID,
		"redirect_uri":  siteURL + defaultRedirectPath,
		"response_type": "code",
		"scope":         defaultScope,
	} {
		if got := q.Get(key); got != want {
			t.Errorf("authorize %s = %q, want %q", key, got, want)
		}
	}
	if len(q.Get("state")) < 43 {
		t.Errorf("state %q is too short to be 32 random bytes", q.Get("state"))
	}

	resp := h.do(h.client, http.MethodGet, stripFragment(h.consent(h.client, authorize, "alice", true)), nil)
	if resp.StatusCode != http.StatusFound || resp.Header.Get("Location") != "/dash/board?tab=2" {
		t.Fatalf("callback: %d to %q, want 302 to the page first asked for", resp.StatusCode, resp.Header.Get("Location"))
	}
	sc := findSetCookie(resp, insecureCookieName)
	if sc == nil || !sc.HttpOnly || sc.SameSite != http.SameSiteLaxMode || sc.Path != "/" {
		t.Fatalf("session cookie %+v: want HttpOnly, SameSite=Lax, Path=/", sc)
	}
	if sc.MaxAge <= 0 || sc.MaxAge > int((24*time.Hour).Seconds()) {
		t.Errorf("session Max-Age %d, want within 24h", sc.MaxAge)
	}

	e := h.upstreamSaw(h.get("/dash/board?tab=2"))
	if got, want := e.Header.Get("X-Instagram-User-Id"), instagramtest.UserID("alice"); got != want {
		t.Errorf("upstream user id %q, want %q digit for digit", got, want)
	}
	if got := e.Header.Get("X-Instagram-Username"); got != "alice" {
		t.Errorf("upstream username %q, want alice", got)
	}
	token := e.Header.Get("X-Instagram-Access-Token")
	if token == "" {
		t.Fatal("upstream got no access token")
	}
	if strings.Contains(sc.Value, token) || strings.Contains(sc.Value, "alice") {
		t.Error("the session cookie shows its content")
	}
	if h.ig.ExchangeRequests() != 1 || h.ig.UserinfoRequests() != 1 {
		t.Errorf("exchange %d, userinfo %d calls; want one each", h.ig.ExchangeRequests(), h.ig.UserinfoRequests())
	}

	// The placeholders, which Caddy's access log reads for user_id.
	body := readAll(t, h.get("/whoami"))
	if want := "id=" + instagramtest.UserID("alice") + " name=alice"; body != want {
		t.Errorf("placeholders %q, want %q", body, want)
	}
}

// Behaviour 2, and Caddy GHSA-7r4p-vjf4-gxv4, oauth2-proxy CVE-2025-64484:
// a client never chooses the identity the upstream sees, on any path.
func TestClientIdentityHeadersAreStripped(t *testing.T) {
	h := newHarness(t, withMatcher("/private/*"))
	spoof := []string{
		"X-Instagram-User-Id", "1",
		"x-instagram-username", "mallory",
		"X_Instagram_User_Id", "2",
		"X-INSTAGRAM-ACCESS-TOKEN", "forged",
		"X-Instagram_Access-Token", "forged",
	}
	check := func(name string, e echo) {
		for key, vals := range e.Header {
			if isIdentityHeader(key) {
				for _, v := range vals {
					if v == "1" || v == "2" || v == "mallory" || v == "forged" {
						t.Errorf("%s: upstream got the client's %s: %q", name, key, v)
					}
				}
			}
		}
	}
	// Unauthenticated, outside the matcher.
	check("anonymous", h.upstreamSaw(h.get("/public", spoof...)))

	// Authenticated: only ours, one value each.
	h.mustLogin(h.client, "bob", "/private/x")
	e := h.upstreamSaw(h.get("/private/x", spoof...))
	check("authenticated", e)
	if got := e.Header.Values("X-Instagram-User-Id"); len(got) != 1 || got[0] != instagramtest.UserID("bob") {
		t.Errorf("authenticated user id values %q", got)
	}
	check("authenticated, outside the matcher", h.upstreamSaw(h.get("/public", spoof...)))
}

// The plugin's cookies are bearer credentials for the whole site: the
// upstream has no use for them (it gets the identity as headers) and must
// not be able to log or replay them. The app's own cookies pass untouched,
// on every Cookie line, inside the matcher or not.
func TestUpstreamNeverSeesOurCookies(t *testing.T) {
	h := newHarness(t, withMatcher("/private/*"))
	h.startLogin(h.client, "/private/other-tab") // leaves a pending state cookie
	h.mustLogin(h.client, "bob", "/private/x")
	var ours []string
	for _, ck := range jarCookies(h.client) {
		ours = append(ours, ck.Name+"="+ck.Value)
	}
	if len(ours) != 2 {
		t.Fatalf("want the session and a pending state cookie in the jar, have %q", ours)
	}
	plain := &http.Client{CheckRedirect: h.client.CheckRedirect}
	lookalike := insecureCookieName + "_theme=dark" // not ours: a name that merely starts like it
	for _, path := range []string{"/private/x", "/public"} {
		lines := []string{
			"Cookie", "app=1; " + strings.Join(ours, "; ") + "; " + lookalike,
			"Cookie", ours[0],
			"Cookie", "lang=en",
		}
		e := h.upstreamSaw(h.do(plain, http.MethodGet, siteURL+path, nil, append([]string{"Accept", "text/html"}, lines...)...))
		got := e.Header.Values("Cookie")
		if want := []string{"app=1; " + lookalike, "lang=en"}; !slices.Equal(got, want) {
			t.Errorf("%s: upstream's Cookie lines %q, want %q", path, got, want)
		}
		if path == "/private/x" && e.Header.Get("X-Instagram-Username") != "bob" {
			t.Errorf("%s: not authenticated by the cookies sent", path)
		}
	}
	// Only our cookies: no Cookie header at all.
	e := h.upstreamSaw(h.do(plain, http.MethodGet, siteURL+"/private/x", nil, "Accept", "text/html", "Cookie", strings.Join(ours, "; ")))
	if got := e.Header.Values("Cookie"); len(got) != 0 {
		t.Errorf("upstream got Cookie %q, want none", got)
	}
}

// Two directives in one site, the narrower first: /admin/ for alice, the
// rest for anyone. The first takes the cookies out of what goes on, and
// the second must still find them: the session, and a pending login's
// state on its way to the second's callback.
func TestTwoDirectivesInOneSite(t *testing.T) {
	h := newHarness(t, withMatcher("/admin/*"),
		withOptions("redirect_uri /oauth2/instagram/admin-callback", "allow_users alice"),
		func(h *harness) {
			h.siteTail += fmt.Sprintf("instagram_auth {\n%s\n}\n", strings.Join([]string{
				"client_id " + testID, "client_secret " + testSecret,
				"authorize_url " + h.ig.AuthorizeURL(), "token_url " + h.ig.TokenURL(),
				"userinfo_url " + h.ig.UserinfoURL(), "long_lived_token " + h.ig.ExchangeURL(),
				"insecure_cookies",
			}, "\n"))
		})
	h.mustLogin(h.client, "alice", "/admin/x") // through the /admin/ directive's callback
	for _, path := range []string{"/admin/x", "/shop"} {
		e := h.upstreamSaw(h.get(path))
		if e.Header.Get("X-Instagram-Username") != "alice" {
			t.Errorf("%s: upstream saw user %q, want alice", path, e.Header.Get("X-Instagram-Username"))
		}
		if c := e.Header.Get("Cookie"); c != "" {
			t.Errorf("%s: upstream got Cookie %q", path, c)
		}
	}

	// bob logs in through the other directive: his state cookie passes the
	// /admin/ directive (outside its matcher) on the way to the callback.
	bob := newBrowser(t)
	h.mustLogin(bob, "bob", "/shop")
	if e := h.upstreamSaw(h.do(bob, http.MethodGet, siteURL+"/shop", nil, "Accept", "text/html")); e.Header.Get("X-Instagram-Username") != "bob" {
		t.Errorf("/shop: upstream saw user %q, want bob", e.Header.Get("X-Instagram-Username"))
	}
	if resp := h.do(bob, http.MethodGet, siteURL+"/admin/x", nil, "Accept", "text/html"); resp.StatusCode != http.StatusFound {
		t.Errorf("/admin/x for bob: status %d, want 302 to a login (not allowed)", resp.StatusCode)
	}
}

// Behaviour 3 with a matcher: only matched requests need a session, and
// the callback outside the matcher still completes the login.
func TestMatcherLimitsProtection(t *testing.T) {
	h := newHarness(t, withMatcher("/admin/*"))
	if e := h.upstreamSaw(h.get("/")); e.Header.Get("X-Instagram-User-Id") != "" {
		t.Error("anonymous request got an identity")
	}
	h.mustLogin(h.client, "carol", "/admin/settings")
	if e := h.upstreamSaw(h.get("/admin/settings")); e.Header.Get("X-Instagram-Username") != "carol" {
		t.Errorf("username %q after login", e.Header.Get("X-Instagram-Username"))
	}
}

// Behaviour 4: API calls get a 401 with JSON, the upstream is not called,
// and nothing redirects.
func TestAPIRequestsGet401(t *testing.T) {
	h := newHarness(t)
	cases := []struct {
		method string
		header []string
	}{
		{http.MethodPost, []string{"Accept", "text/html", "Content-Type", "application/json"}},
		{http.MethodGet, []string{"Accept", "application/json"}},
		{http.MethodGet, []string{"Accept", "text/html", "X-Requested-With", "XMLHttpRequest"}},
		{http.MethodPut, nil},
		{http.MethodDelete, []string{"Accept", "*/*"}},
	}
	for _, c := range cases {
		resp := h.do(h.client, c.method, siteURL+"/api/items", strings.NewReader(`{"keep":"me"}`), c.header...)
		body := readAll(t, resp)
		if resp.StatusCode != http.StatusUnauthorized || resp.Header.Get("Location") != "" {
			t.Errorf("%s %v: status %d, Location %q; want 401 and no redirect", c.method, c.header, resp.StatusCode, resp.Header.Get("Location"))
		}
		if !strings.HasPrefix(resp.Header.Get("Content-Type"), "application/json") || !strings.Contains(body, `"error"`) {
			t.Errorf("%s: body %q, want short JSON", c.method, body)
		}
	}
	if n := h.up.calls.Load(); n != 0 {
		t.Errorf("upstream called %d times without a session", n)
	}
	// Browsers are redirected: no Accept, */* and text/html.
	for _, accept := range []string{"", "*/*", "text/html,application/xhtml+xml,*/*;q=0.8"} {
		resp := h.do(h.client, http.MethodGet, siteURL+"/page", nil, "Accept", accept)
		if resp.StatusCode != http.StatusFound {
			t.Errorf("Accept %q: status %d, want 302", accept, resp.StatusCode)
		}
	}
	if resp := h.do(h.client, http.MethodHead, siteURL+"/page", nil); resp.StatusCode != http.StatusFound {
		t.Errorf("HEAD: status %d, want 302", resp.StatusCode)
	}
}

// Behaviour 9: malformed input never gets a 500.
func TestMalformedRequests(t *testing.T) {
	h := newHarness(t)
	h.mustLogin(h.client, "oscar", "/")
	good := sessionCookie(h.client)
	targets := []string{
		defaultRedirectPath + "?state=%zz&code=%",
		defaultRedirectPath + "?code=" + strings.Repeat("x", 5000),
		defaultRedirectPath + "?error=",
		defaultRedirectPath,
		"/?" + strings.Repeat("&", 1000),
		defaultLogoutPath + "?x=%",
	}
	cookies := []string{
		"", insecureCookieName + "=", insecureCookieName + "=" + good[:len(good)/2],
		insecureCookieName + "=" + strings.Repeat("A", 5000), insecureCookieName + "=%%%;;;==",
		insecureCookieName + "_state_AAAAAAAAAA=zzz", "=;=;=", insecureCookieName + "=" + good + "x",
	}
	for _, target := range targets {
		for _, cookie := range cookies {
			for _, accept := range []string{"text/html", "application/json"} {
				resp := h.do(http.DefaultClient, http.MethodGet, siteURL+target, nil, "Cookie", cookie, "Accept", accept)
				if resp.StatusCode >= 500 {
					t.Errorf("GET %.60s with Cookie %.40q: status %d", target, cookie, resp.StatusCode)
				}
			}
		}
	}
}

// A rewrite before the directive (try_files, rewrite, uri) must not hide
// the callback or logout path: the login would loop forever.
func TestLoginThroughRewrite(t *testing.T) {
	h := newHarness(t, withSite("rewrite * /app{uri}"))
	h.mustLogin(h.client, "amy", "/page?x=1")
	e := h.upstreamSaw(h.get("/page?x=1"))
	if e.Path != "/app/page?x=1" || e.Header.Get("X-Instagram-Username") != "amy" {
		t.Errorf("upstream saw %q as %q", e.Path, e.Header.Get("X-Instagram-Username"))
	}
	if resp := h.get(defaultLogoutPath); resp.StatusCode != http.StatusFound || resp.Header.Get("Location") != "/" {
		t.Errorf("logout through a rewrite: %d to %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	if c := sessionCookie(h.client); c != "" {
		t.Error("logout through a rewrite kept the session")
	}
}
