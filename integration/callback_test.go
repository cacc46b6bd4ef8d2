package integration

import (
	"net/http"
	"net/url"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/b4b0c547/caddy-instagram-auth/instagramtest"
)

// HEAD on the callback must not start a login that returns to the used
// callback URL.
func TestHeadOnCallback(t *testing.T) {
	h := newHarness(t)
	resp := h.do(h.client, http.MethodHead, siteURL+defaultRedirectPath+"?code=x&state=y", nil, "Accept", "text/html")
	if resp.StatusCode != http.StatusMethodNotAllowed {
		t.Errorf("HEAD on the callback: status %d, want 405", resp.StatusCode)
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
	cookieName, stateValue := stateCookieFor(h.client, state)
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
	// Replayed with the state cookie put back: refused, no token request;
	// with the session the login made, sent on to the site (behaviour 19).
	replayer := newBrowser(t)
	setCookie(replayer, cookieName, stateValue)
	if status := callback("code="+code+"&state="+state, replayer); status != http.StatusForbidden {
		t.Errorf("replayed state: status %d, want 403", status)
	}
	setCookie(h.client, cookieName, stateValue)
	if status := callback("code="+code+"&state="+state, h.client); status != http.StatusFound {
		t.Errorf("replayed state with the session: status %d, want 302", status)
	}
	if n := h.ig.TokenRequests(); n != 1 {
		t.Errorf("%d token requests, want exactly 1", n)
	}
}

// stateCookieFor finds the browser's state cookie of a pending login:
// <name>_state_<id>, where the id begins the state.
func stateCookieFor(c *http.Client, state string) (name, value string) {
	prefix := insecureCookieName + pendingInfix
	for _, ck := range jarCookies(c) {
		if id, ok := strings.CutPrefix(ck.Name, prefix); ok && id != "" && strings.HasPrefix(state, id) {
			return ck.Name, ck.Value
		}
	}
	return "", ""
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
			if resp.StatusCode != http.StatusBadGateway || findSetCookie(resp, insecureCookieName) != nil {
				t.Errorf("status %d, session %v; want 502, none", resp.StatusCode, findSetCookie(resp, insecureCookieName))
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

// Behaviour 19: a reloaded or double-clicked callback, with the session it
// made, goes on to the site; no code is spent on it. Without a session,
// the same callback is refused.
func TestCallbackReloadWithSession(t *testing.T) {
	h := newHarness(t)
	cb := stripFragment(h.consent(h.client, h.startLogin(h.client, "/deep/page"), "reload", true))
	if resp := h.do(h.client, http.MethodGet, cb, nil, "Accept", "text/html"); resp.StatusCode != http.StatusFound {
		t.Fatalf("callback: status %d", resp.StatusCode)
	}
	tokens := h.ig.TokenRequests()
	forged := siteURL + defaultRedirectPath + "?code=attacker-code&state=" + strings.Repeat("A", 43)
	for _, u := range []string{cb, cb, siteURL + defaultRedirectPath, forged} {
		resp := h.do(h.client, http.MethodGet, u, nil, "Accept", "text/html")
		if resp.StatusCode != http.StatusFound || resp.Header.Get("Location") != "/" {
			t.Errorf("callback %s again with a session: %d to %q, want 302 to /", u, resp.StatusCode, resp.Header.Get("Location"))
		}
	}
	if n := h.ig.TokenRequests() - tokens; n != 0 {
		t.Errorf("%d token requests for callbacks without a state", n)
	}
	if e := h.upstreamSaw(h.get("/")); e.Header.Get("X-Instagram-Username") != "reload" {
		t.Errorf("after the reloads the session is %q's", e.Header.Get("X-Instagram-Username"))
	}
	if resp := h.do(newBrowser(t), http.MethodGet, cb, nil, "Accept", "text/html"); resp.StatusCode != http.StatusForbidden {
		t.Errorf("the used callback without a session: status %d, want 403", resp.StatusCode)
	}
}

// Behaviour 1's placeholders are set on the callback that logs the user in
// too, so the access log's line of the login itself records user_id
// (found by a new user: it was empty there).
func TestCallbackAccessLogNamesTheUser(t *testing.T) {
	accessLog := filepath.Join(t.TempDir(), "access.log")
	h := newHarness(t, withSite("log {\n\toutput file "+accessLog+"\n\tformat json\n}"))
	h.mustLogin(h.client, "yara", "/x")
	want := `"user_id":"` + instagramtest.UserID("yara") + `"`
	for _, line := range strings.Split(readLog(t, accessLog, defaultRedirectPath), "\n") {
		if strings.Contains(line, defaultRedirectPath) && !strings.Contains(line, want) {
			t.Errorf("the callback's access log line lacks %s:\n%s", want, line)
		}
	}
}
