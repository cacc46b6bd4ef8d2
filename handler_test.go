package instagramauth

// Behaviour tests through a real Caddy: each numbered behaviour of
// CONTRACT.md, and each past advisory of the auth proxies we learn from.

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
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
	sc := findSetCookie(resp, defaultCookieName)
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

// Behaviour 5: each token answer shape, ids above 2^53 kept exact.
func TestTokenAnswerShapes(t *testing.T) {
	h := newHarness(t, withOptions("long_lived_token off"))
	for _, shape := range []instagramtest.Shape{instagramtest.ShapeFlat, instagramtest.ShapeData, instagramtest.ShapeLegacy} {
		t.Run(string(shape), func(t *testing.T) {
			h.ig.SetShape(shape)
			c := newBrowser(t)
			user := "shape_" + string(shape)
			h.mustLogin(c, user, "/")
			e := h.upstreamSaw(h.do(c, http.MethodGet, siteURL+"/", nil))
			if got := e.Header.Get("X-Instagram-User-Id"); got != instagramtest.UserID(user) {
				t.Errorf("user id %q, want %q", got, instagramtest.UserID(user))
			}
			if got := e.Header.Get("X-Instagram-Username"); got != user {
				t.Errorf("username %q, want %q", got, user)
			}
		})
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
			if sameFolded(key, foldName("X-Instagram-User-Id")) || sameFolded(key, foldName("X-Instagram-Username")) ||
				sameFolded(key, foldName("X-Instagram-Access-Token")) {
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
	if n := liveHandlers.Load(); n != 1 {
		t.Errorf("%d live handlers, want 1: the cookies taken out are then not kept", n)
	}
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
	lookalike := defaultCookieName + "_theme=dark" // not ours: a name that merely starts like it
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
	if n := liveHandlers.Load(); n != 2 {
		t.Errorf("%d live handlers, want the 2 of this config", n)
	}
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

// Behaviour 3: the state cookie's attributes, and Secure by default.
func TestStateCookieAttributes(t *testing.T) {
	h := newHarness(t)
	resp := h.get("/x")
	var state *http.Cookie
	for _, c := range resp.Cookies() {
		if strings.HasPrefix(c.Name, defaultCookieName+"_state_") {
			state = c
		}
	}
	if state == nil || !state.HttpOnly || state.SameSite != http.SameSiteLaxMode || state.Secure {
		t.Fatalf("state cookie %+v: want HttpOnly, SameSite=Lax, not Secure under insecure_cookies", state)
	}
	if state.MaxAge <= 0 || state.MaxAge > 900 {
		t.Errorf("state cookie Max-Age %d, want a few minutes", state.MaxAge)
	}

	secure := newHarness(t, withOptions("cookie_name secure_site"))
	secure.load(strings.Replace(secure.caddyfile(), "insecure_cookies", "", 1))
	for _, c := range secure.get("/x").Cookies() {
		if !c.Secure {
			t.Errorf("cookie %s lacks Secure without insecure_cookies", c.Name)
		}
	}
}

// Behaviour 5: a denied consent shows an escaped page and asks no token.
func TestDeniedConsent(t *testing.T) {
	h := newHarness(t)
	cb := h.consent(h.client, h.startLogin(h.client, "/"), "dave", false)
	resp := h.do(h.client, http.MethodGet, stripFragment(cb), nil)
	if body := readAll(t, resp); resp.StatusCode != http.StatusForbidden || !strings.Contains(body, "denied") {
		t.Errorf("denied: status %d, body %q", resp.StatusCode, body)
	}
	// CVE-2023-52430: what the provider says is escaped.
	evil := siteURL + defaultRedirectPath + "?error=access_denied&error_description=" +
		url.QueryEscape(`<script>alert("x")</script>`)
	body := readAll(t, h.do(h.client, http.MethodGet, evil, nil))
	if strings.Contains(body, "<script>alert") || !strings.Contains(body, "&lt;script&gt;") {
		t.Errorf("description not escaped: %s", body)
	}
	if n := h.ig.TokenRequests(); n != 0 {
		t.Errorf("%d token requests after a denial", n)
	}
}

// Behaviour 5: the state is checked before the code is used, and a state
// is good for one callback only (caddy-security CVE-2024-21495; oauth2-proxy
// redeems before checking).
func TestStateGuardsTheCallback(t *testing.T) {
	h := newHarness(t)
	cb := stripFragment(h.consent(h.client, h.startLogin(h.client, "/"), "erin", true))
	cbURL, _ := url.Parse(cb)
	code, state := cbURL.Query().Get("code"), cbURL.Query().Get("state")
	cookieName := defaultCookieName + "_state_" + state[:stateIDLen]
	stateValue := jarCookie(h.client, cookieName)
	if stateValue == "" {
		t.Fatal("no state cookie in the browser")
	}
	callback := func(query string, c *http.Client) int {
		return h.do(c, http.MethodGet, siteURL+defaultRedirectPath+"?"+query, nil).StatusCode
	}
	attacker := newBrowser(t) // no state cookie: login CSRF
	forged := strings.Repeat("A", len(state))
	for name, status := range map[string]int{
		"missing state":      callback("code="+code, h.client),
		"forged state":       callback("code="+code+"&state="+forged, h.client),
		"state of another":   callback("code="+code+"&state="+state, attacker),
		"state, no cookie":   callback("code="+code+"&state="+url.QueryEscape(state[:20]), h.client),
		"state with garbage": callback("code="+code+"&state=%00%ff", h.client),
		"duplicated state[]": callback("code="+code+"&state="+forged+"&state="+state, h.client),
		"state cookie forged": func() int {
			setCookie(attacker, cookieName, stateValue[:len(stateValue)-2]+"AA")
			return callback("code="+code+"&state="+state, attacker)
		}(),
	} {
		if status != http.StatusForbidden {
			t.Errorf("%s: status %d, want 403", name, status)
		}
	}
	if n := h.ig.TokenRequests(); n != 0 {
		t.Fatalf("%d token requests before a good state", n)
	}

	// The code carries Instagram's "#_" as if the fragment had been sent.
	if status := callback("code="+url.QueryEscape(code+"#_")+"&state="+state, h.client); status != http.StatusFound {
		t.Fatalf("good callback with #_: status %d, want 302", status)
	}
	// Replayed with the state cookie put back: refused, no token request.
	setCookie(h.client, cookieName, stateValue)
	if status := callback("code="+code+"&state="+state, h.client); status != http.StatusForbidden {
		t.Errorf("replayed state: status %d, want 403", status)
	}
	if n := h.ig.TokenRequests(); n != 1 {
		t.Errorf("%d token requests, want exactly 1", n)
	}
}

// Behaviour 3: a state expires after a few minutes.
func TestStateExpires(t *testing.T) {
	h := newHarness(t)
	cb := stripFragment(h.consent(h.client, h.startLogin(h.client, "/"), "frank", true))
	advanceClock(t, stateLifetime+time.Second)
	if resp := h.do(h.client, http.MethodGet, cb, nil); resp.StatusCode != http.StatusForbidden {
		t.Errorf("late callback: status %d, want 403", resp.StatusCode)
	}
	if n := h.ig.TokenRequests(); n != 0 {
		t.Errorf("%d token requests for an expired state", n)
	}
}

// Behaviour 3: several tabs log in at once, each completes, and pending
// states stay bounded (oauth2-proxy's "invalid CSRF token" and 431s).
func TestParallelTabs(t *testing.T) {
	h := newHarness(t)
	first := h.startLogin(h.client, "/tab/1")
	second := h.startLogin(h.client, "/tab/2")
	third := h.startLogin(h.client, "/tab/3")
	for i, authorize := range []string{second, third, first} { // finish out of order
		cb := stripFragment(h.consent(h.client, authorize, "gina", true))
		resp := h.do(h.client, http.MethodGet, cb, nil)
		want := map[int]string{0: "/tab/2", 1: "/tab/3", 2: "/tab/1"}[i]
		if resp.StatusCode != http.StatusFound || resp.Header.Get("Location") != want {
			t.Errorf("tab %s: status %d, Location %q", want, resp.StatusCode, resp.Header.Get("Location"))
		}
	}

	// Many logins started, none finished: the Cookie header stays small.
	c := newBrowser(t)
	for i := 0; i < 30; i++ {
		h.startLogin(c, fmt.Sprintf("/page/%d", i))
	}
	pending, size := 0, 0
	for _, ck := range jarCookies(c) {
		size += len(ck.Name) + len(ck.Value) + 3
		if strings.HasPrefix(ck.Name, defaultCookieName+"_state_") {
			pending++
		}
	}
	if pending > maxPending || size > 4096 {
		t.Errorf("%d pending state cookies, %d bytes of Cookie header after 30 logins", pending, size)
	}
	// The newest of them still completes.
	last := h.startLogin(c, "/page/last")
	if resp := h.do(c, http.MethodGet, stripFragment(h.consent(c, last, "gina", true)), nil); resp.StatusCode != http.StatusFound {
		t.Errorf("latest tab: status %d", resp.StatusCode)
	}
}

// Behaviour 5: the return target is always a path on this site
// (oauth2-proxy CVE-2020-5233, GHSA-j7px-6hwj-hpjg; caddy-security
// CVE-2024-21497).
func TestNoOpenRedirectAfterLogin(t *testing.T) {
	h := newHarness(t)
	for _, target := range []string{
		"//evil.example/x",
		"/\\evil.example/x",
		"/%2F%2Fevil.example",
		"/%5Cevil.example",
		"/%09/evil.example",
		"///evil.example",
	} {
		c := newBrowser(t)
		authorize := rawRedirect(t, target)
		cb := stripFragment(h.consent(c, authorize.location, "henry", true))
		// The browser carries the state cookie that came with the redirect.
		setCookie(c, authorize.cookie.Name, authorize.cookie.Value)
		resp := h.do(c, http.MethodGet, cb, nil)
		loc := resp.Header.Get("Location")
		if resp.StatusCode != http.StatusFound || !isLocalPath(loc) {
			t.Errorf("request target %q: after login, status %d to %q", target, resp.StatusCode, loc)
		}
		if ref, err := url.Parse(siteURL + "/"); err == nil {
			if dest, err := ref.Parse(loc); err != nil || dest.Host != "localhost:9080" {
				t.Errorf("request target %q: Location %q leaves the site", target, loc)
			}
		}
	}
}

type rawAnswer struct {
	location string
	cookie   *http.Cookie
}

// rawRedirect sends a request line exactly as given, which http.Client
// would normalise, and returns where Caddy redirected it.
func rawRedirect(t *testing.T, target string) rawAnswer {
	t.Helper()
	conn, err := net.Dial("tcp", fmt.Sprintf("127.0.0.1:%d", sitePort))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	fmt.Fprintf(conn, "GET %s HTTP/1.1\r\nHost: localhost:%d\r\nAccept: text/html\r\nConnection: close\r\n\r\n", target, sitePort)
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var state *http.Cookie
	for _, c := range resp.Cookies() {
		if strings.HasPrefix(c.Name, defaultCookieName+"_state_") {
			state = c
		}
	}
	if resp.StatusCode != http.StatusFound || state == nil {
		t.Fatalf("request target %q: status %d, want a 302 to login with a state cookie", target, resp.StatusCode)
	}
	return rawAnswer{location: resp.Header.Get("Location"), cookie: state}
}

// Behaviour 3: X-Forwarded-* never shape the redirect_uri
// (caddy-security CVE-2024-21499).
func TestRedirectURIIgnoresForwardedHeaders(t *testing.T) {
	h := newHarness(t)
	resp := h.get("/", "X-Forwarded-Proto", "https", "X-Forwarded-Host", "evil.example", "Forwarded", "host=evil.example;proto=https")
	got := mustQuery(t, resp.Header.Get("Location")).Get("redirect_uri")
	if got != siteURL+defaultRedirectPath {
		t.Errorf("redirect_uri %q, want %q", got, siteURL+defaultRedirectPath)
	}
}

// Behaviour 5: allow_users by username and by id; others get 403 and no
// session.
func TestAllowUsers(t *testing.T) {
	h := newHarness(t, withOptions("allow_users ivan", "allow_users "+instagramtest.UserID("judy")))
	for _, user := range []string{"ivan", "judy"} {
		c := newBrowser(t)
		h.mustLogin(c, user, "/")
	}
	c := newBrowser(t)
	resp := h.login(c, "mallory", "/")
	if resp.StatusCode != http.StatusForbidden || findSetCookie(resp, defaultCookieName) != nil {
		t.Errorf("mallory: status %d, session cookie %v; want 403 and none", resp.StatusCode, findSetCookie(resp, defaultCookieName))
	}
}

// Behaviour 6: logout ends the session, also for a copied cookie
// (caddy-security CVE-2024-21492).
func TestLogout(t *testing.T) {
	h := newHarness(t)
	h.mustLogin(h.client, "kate", "/")
	stolen := sessionCookie(h.client)
	resp := h.get(defaultLogoutPath)
	if resp.StatusCode != http.StatusFound || resp.Header.Get("Location") != "/" {
		t.Fatalf("logout: %d to %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	if c := findSetCookie(resp, defaultCookieName); c == nil || c.MaxAge >= 0 {
		t.Errorf("logout did not clear the session cookie: %+v", c)
	}
	if resp := h.get("/"); resp.StatusCode != http.StatusFound {
		t.Errorf("after logout: status %d, want 302 to login", resp.StatusCode)
	}
	replay := newBrowser(t)
	setCookie(replay, defaultCookieName, stolen)
	if resp := h.do(replay, http.MethodGet, siteURL+"/", nil, "Accept", "application/json"); resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("logged-out cookie replayed: status %d, want 401", resp.StatusCode)
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

// Behaviour 5: a failing Instagram gets a 502 page and stores nothing.
func TestTokenEndpointFailures(t *testing.T) {
	h := newHarness(t)
	for name, fault := range map[string]func(){
		"500":      func() { h.ig.SetTokenFault(0, 500, "oops") },
		"html":     func() { h.ig.SetTokenFault(0, 200, "<html>hi</html>") },
		"error":    func() { h.ig.SetTokenFault(0, 400, `{"error_type":"OAuthException","code":400,"error_message":"bad"}`) },
		"too big":  func() { h.ig.SetTokenFault(0, 200, `{"access_token":"`+strings.Repeat("a", 10<<20)+`"}`) },
		"too slow": func() { h.ig.SetTokenFault(8*time.Second, 0, "") },
	} {
		t.Run(name, func(t *testing.T) {
			fault()
			defer h.ig.SetTokenFault(0, 0, "")
			c := newBrowser(t)
			start := time.Now()
			resp := h.login(c, "mike", "/")
			body := readAll(t, resp)
			if resp.StatusCode != http.StatusBadGateway || findSetCookie(resp, defaultCookieName) != nil {
				t.Errorf("status %d, session %v; want 502, none", resp.StatusCode, findSetCookie(resp, defaultCookieName))
			}
			if strings.Contains(body, "oops") || strings.Contains(body, "bad") {
				t.Errorf("the provider's answer leaked into the page: %s", body)
			}
			// The slow provider answers after 8s; the 2s timeout must cut
			// it off well before (loose bound: CI machines are busy).
			if d := time.Since(start); d > 6*time.Second {
				t.Errorf("took %v with a 2s timeout", d)
			}
		})
	}
}

// Behaviour 5: userinfo or the long-lived exchange failing still logs in.
func TestOptionalCallsMayFail(t *testing.T) {
	h := newHarness(t)
	h.ig.SetUserinfoFail(true)
	h.ig.SetExchangeFail(true)
	h.mustLogin(h.client, "nina", "/")
	e := h.upstreamSaw(h.get("/"))
	if e.Header.Get("X-Instagram-User-Id") != instagramtest.UserID("nina") || e.Header.Get("X-Instagram-Username") != "" {
		t.Errorf("got id %q, username %q", e.Header.Get("X-Instagram-User-Id"), e.Header.Get("X-Instagram-Username"))
	}
	if e.Header.Get("X-Instagram-Access-Token") == "" {
		t.Error("the short token was not kept")
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
		"", defaultCookieName + "=", defaultCookieName + "=" + good[:len(good)/2],
		defaultCookieName + "=" + strings.Repeat("A", 5000), defaultCookieName + "=%%%;;;==",
		defaultCookieName + "_state_AAAAAAAAAA=zzz", "=;=;=", defaultCookieName + "=" + good + "x",
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

func mustQuery(t *testing.T, rawURL string) url.Values {
	t.Helper()
	u, err := url.Parse(rawURL)
	if err != nil {
		t.Fatalf("bad URL %q: %v", rawURL, err)
	}
	return u.Query()
}

func readAll(t *testing.T, resp *http.Response) string {
	t.Helper()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// authorize_url may carry parameters of its own (force_reauth,
// enable_fb_login); ours are added, and a client_id or state in it is
// replaced, not doubled.
func TestAuthorizeURLKeepsItsParameters(t *testing.T) {
	h := &Handler{ClientID: "42"}
	h.authorize = authorizeBase("https://www.instagram.com/oauth/authorize?enable_fb_login=false&state=x&client_id=9", "42", "a,b")
	q := mustQuery(t, h.authorizeLocation(pendingLogin{state: "s1", redirectURI: "https://app.example/cb?x=1"}))
	want := url.Values{
		"enable_fb_login": {"false"}, "client_id": {"42"}, "response_type": {"code"},
		"scope": {"a,b"}, "redirect_uri": {"https://app.example/cb?x=1"}, "state": {"s1"},
	}
	if q.Encode() != want.Encode() {
		t.Errorf("authorize query %q, want %q", q.Encode(), want.Encode())
	}
}
