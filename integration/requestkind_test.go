package integration

import (
	"net/http"
	"strings"
	"testing"
)

// Behaviour 15 through Caddy: fetch(), scripts and WebSocket handshakes get
// the 401 and never a state cookie; a navigation is redirected.
func TestNonNavigationsGet401(t *testing.T) {
	h := newHarness(t)
	for _, header := range [][]string{
		{"Sec-Fetch-Mode", "cors", "Sec-Fetch-Dest", "empty", "Accept", "*/*"},
		{"Sec-Fetch-Mode", "no-cors", "Sec-Fetch-Dest", "script", "Accept", "*/*"},
		{"Sec-Fetch-Mode", "cors", "Sec-Fetch-Dest", "empty", "Accept", "text/event-stream"},
		{"Sec-Fetch-Mode", "websocket", "Upgrade", "websocket", "Connection", "Upgrade", "Sec-WebSocket-Version", "13",
			"Sec-WebSocket-Key", "dGhlIHNhbXBsZSBub25jZQ=="},
		{"Upgrade", "websocket", "Connection", "Upgrade", "Sec-WebSocket-Version", "13", "Sec-WebSocket-Key", "dGhlIHNhbXBsZSBub25jZQ=="},
	} {
		resp := h.do(h.client, http.MethodGet, siteURL+"/api/poll", nil, header...)
		body := readAll(t, resp)
		if resp.StatusCode != http.StatusUnauthorized || resp.Header.Get("Location") != "" || !strings.Contains(body, `"error"`) {
			t.Errorf("%q: status %d, Location %q, body %q; want the 401", header, resp.StatusCode, resp.Header.Get("Location"), body)
		}
		if sc := resp.Header.Values("Set-Cookie"); len(sc) != 0 {
			t.Errorf("%q: a request that is no page load set cookies: %q", header, sc)
		}
	}
	if n := h.up.calls.Load(); n != 0 {
		t.Errorf("upstream called %d times without a session", n)
	}
	resp := h.do(h.client, http.MethodGet, siteURL+"/page", nil, "Sec-Fetch-Mode", "navigate", "Sec-Fetch-Dest", "document", "Accept", "*/*")
	if resp.StatusCode != http.StatusFound {
		t.Errorf("a navigation: status %d, want 302", resp.StatusCode)
	}
}

// Behaviour 15: background polls of an open page never evict the login the
// user is doing in another tab.
func TestPollsKeepTheLoginInProgress(t *testing.T) {
	h := newHarness(t)
	authorize := h.startLogin(h.client, "/inbox")
	for range 2 * maxPending {
		h.do(h.client, http.MethodGet, siteURL+"/api/unread", nil, "Sec-Fetch-Mode", "cors", "Accept", "*/*")
	}
	cb := h.consent(h.client, authorize, "polly", true)
	resp := h.do(h.client, http.MethodGet, stripFragment(cb), nil, "Sec-Fetch-Mode", "navigate", "Accept", "text/html")
	if resp.StatusCode != http.StatusFound || resp.Header.Get("Location") != "/inbox" {
		t.Fatalf("callback after the polls: status %d, Location %q; want 302 to /inbox", resp.StatusCode, resp.Header.Get("Location"))
	}
}

// Behaviour 17: with allow_preflight, a CORS preflight reaches the next
// handler without a session, and with nobody's identity even when it
// brings a session cookie and headers of its own.
func TestAllowPreflight(t *testing.T) {
	h := newHarness(t, withOptions("allow_preflight"))
	h.mustLogin(h.client, "pia", "/")
	preflight := []string{"Origin", "https://spa.example", "Access-Control-Request-Method", "PUT",
		"Access-Control-Request-Headers", "content-type", "X-Instagram-User-Id", "1", "Cookie", "theme=dark"}
	e := h.upstreamSaw(h.do(h.client, http.MethodOptions, siteURL+"/api/items", nil, preflight...))
	for name := range e.Header {
		if strings.HasPrefix(strings.ToLower(name), "x-instagram") {
			t.Errorf("the preflight reached the upstream with %s: %q", name, e.Header.Get(name))
		}
	}
	if cookie := strings.Join(e.Header.Values("Cookie"), "; "); strings.Contains(cookie, insecureCookieName) || !strings.Contains(cookie, "theme=dark") {
		t.Errorf("the upstream got Cookie %q: want the site's cookies without the plugin's", cookie)
	}
	anonymous := newBrowser(t)
	before := scrape(t)
	h.upstreamSaw(h.do(anonymous, http.MethodOptions, siteURL+"/api/items", nil, preflight[:4]...))
	movedBy(t, "preflight without a session", before, scrape(t), map[string]float64{requestsSeries("preflight"): 1})

	// Not a preflight: an OPTIONS without Origin or without the method asked.
	for _, header := range [][]string{
		{"Access-Control-Request-Method", "PUT"},
		{"Origin", "https://spa.example"},
		{"Origin", "https://spa.example", "Access-Control-Request-Method", ""},
	} {
		if resp := h.do(anonymous, http.MethodOptions, siteURL+"/api/items", nil, header...); resp.StatusCode != http.StatusUnauthorized {
			t.Errorf("OPTIONS %q: status %d, want 401", header, resp.StatusCode)
		}
	}
}

// Behaviour 17: without allow_preflight a preflight is an API call like
// any other.
func TestPreflightNeedsTheOption(t *testing.T) {
	h := newHarness(t)
	resp := h.do(h.client, http.MethodOptions, siteURL+"/api/items", nil, "Origin", "https://spa.example", "Access-Control-Request-Method", "PUT")
	if resp.StatusCode != http.StatusUnauthorized || h.up.calls.Load() != 0 {
		t.Errorf("preflight without allow_preflight: status %d, upstream calls %d; want 401 and none", resp.StatusCode, h.up.calls.Load())
	}
}

// A cross-origin SPA can read the 401 when the site adds CORS headers with
// Caddy's header directive, which runs before instagram_auth; with
// allow_preflight, its preflight is answered by the site's own route.
func TestCORSOnThe401(t *testing.T) {
	h := newHarness(t, withOptions("allow_preflight"), withSite(`header Access-Control-Allow-Origin https://spa.example
	header Access-Control-Allow-Credentials true
	@preflight method OPTIONS
	respond @preflight 204`))
	resp := h.do(h.client, http.MethodGet, siteURL+"/api/items", nil, "Origin", "https://spa.example", "Sec-Fetch-Mode", "cors", "Accept", "*/*")
	if resp.StatusCode != http.StatusUnauthorized || resp.Header.Get("Access-Control-Allow-Origin") != "https://spa.example" {
		t.Errorf("cross-origin fetch: status %d, Access-Control-Allow-Origin %q; want 401 with the site's CORS headers",
			resp.StatusCode, resp.Header.Get("Access-Control-Allow-Origin"))
	}
	resp = h.do(h.client, http.MethodOptions, siteURL+"/api/items", nil, "Origin", "https://spa.example", "Access-Control-Request-Method", "PUT")
	if resp.StatusCode != http.StatusNoContent || resp.Header.Get("Access-Control-Allow-Credentials") != "true" {
		t.Errorf("preflight: status %d, headers %v; want the site's 204", resp.StatusCode, resp.Header)
	}
}
