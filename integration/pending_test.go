package integration

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
)

// Junk cookies with the state prefix must not inflate the answer.
func TestJunkStateCookiesBounded(t *testing.T) {
	h := newHarness(t)
	junk := strings.Repeat(insecureCookieName+"_state_a=1; ", 500) + insecureCookieName + "_state_AAAAAAAAAA=2"
	resp := h.do(newBrowser(t), http.MethodGet, siteURL+"/", nil, "Accept", "text/html", "Cookie", junk)
	if n := len(resp.Header.Values("Set-Cookie")); resp.StatusCode != http.StatusFound || n > 2*maxPending+1 {
		t.Errorf("status %d with %d Set-Cookie headers", resp.StatusCode, n)
	}
}

// Behaviour 3: the state cookie's attributes, and Secure by default.
func TestStateCookieAttributes(t *testing.T) {
	h := newHarness(t)
	resp := h.get("/x")
	var state *http.Cookie
	for _, c := range resp.Cookies() {
		if strings.HasPrefix(c.Name, insecureCookieName+"_state_") {
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
		if strings.HasPrefix(ck.Name, insecureCookieName+"_state_") {
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
