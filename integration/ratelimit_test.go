package integration

import (
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"
)

// junkCallback takes a state from the site, as anyone can, and spends it
// on the callback with a code Instagram never issued.
func (h *harness) junkCallback(c *http.Client, header ...string) *http.Response {
	h.t.Helper()
	state := mustQuery(h.t, h.startLogin(c, "/")).Get("state")
	return h.do(c, http.MethodGet, siteURL+defaultRedirectPath+"?code=junk-"+state[:8]+"&state="+state, nil, header...)
}

// retryAfter reads a refusal's Retry-After, which must be whole seconds
// within the bounds.
func retryAfter(t *testing.T, resp *http.Response, lo, hi int) int {
	t.Helper()
	s, err := strconv.Atoi(resp.Header.Get("Retry-After"))
	if err != nil || s < lo || s > hi {
		t.Fatalf("Retry-After %q, want whole seconds in [%d, %d]", resp.Header.Get("Retry-After"), lo, hi)
	}
	return s
}

// behindLoopbackProxy makes cfg's Caddy trust X-Forwarded-For from
// 127.0.0.1, where the tests and their load balancer send from; strict
// adds trusted_proxies_strict, as docs/security.md's recipe does.
func behindLoopbackProxy(cfg string, strict bool) string {
	servers := "grace_period 1ns\n\tservers {\n\t\ttrusted_proxies static 127.0.0.1/32\n"
	if strict {
		servers += "\t\ttrusted_proxies_strict\n"
	}
	return strings.Replace(cfg, "grace_period 1ns", servers+"\t}", 1)
}

// Behaviour 22, the review's attack: states taken from GET / and spent on
// the callback with junk codes. Only login_rate_limit (30 a minute by
// default) of them reach Instagram; the rest get 429 with Retry-After.
func TestJunkCodesAreThrottled(t *testing.T) {
	h := newHarness(t)
	attacker := newBrowser(t)
	before := scrape(t)
	for i := range 40 {
		resp := h.junkCallback(attacker)
		switch {
		case i < 30 && resp.StatusCode != http.StatusBadGateway:
			t.Fatalf("callback %d: status %d, want 502 (Instagram refuses the code)", i+1, resp.StatusCode)
		case i >= 30 && resp.StatusCode != http.StatusTooManyRequests:
			t.Fatalf("callback %d: status %d, want 429", i+1, resp.StatusCode)
		case i >= 30:
			retryAfter(t, resp, 1, 66) // the window, and at most a slot more
		}
	}
	if n := h.ig.TokenRequests(); n != 30 {
		t.Errorf("%d token requests, want 30", n)
	}
	if moved := scrape(t)[loginsSeries("throttled")] - before[loginsSeries("throttled")]; moved != 10 {
		t.Errorf("the throttled logins metric moved by %v, want 10", moved)
	}
}

// Behaviour 22: the client IP is Caddy's, so behind trusted_proxies each
// forwarded client has its own budget, and without them a forged
// X-Forwarded-For buys nothing. IPv6 clients are counted by their /64.
func TestThrottleCountsCaddysClientIP(t *testing.T) {
	h := newHarness(t, withOptions("login_rate_limit 2 1m"))
	spend := func(xff string) int {
		return h.junkCallback(newBrowser(t), "X-Forwarded-For", xff).StatusCode
	}
	for _, xff := range []string{"203.0.113.7", "198.51.100.1"} {
		spend(xff)
	}
	if status := spend("192.0.2.99"); status != http.StatusTooManyRequests {
		t.Errorf("no trusted proxy: a forged X-Forwarded-For got %d, want 429 (all are 127.0.0.1)", status)
	}

	h.load(behindLoopbackProxy(h.caddyfile(), false))
	for _, c := range []struct {
		xff  string
		want int
	}{
		{"203.0.113.7", http.StatusBadGateway},
		{"203.0.113.7", http.StatusBadGateway},
		{"203.0.113.7", http.StatusTooManyRequests},
		{"198.51.100.9", http.StatusBadGateway}, // another client: its own budget
		{"2001:db8:1:2::1", http.StatusBadGateway},
		{"2001:db8:1:2::ffff", http.StatusBadGateway},
		{"2001:db8:1:2:abcd::1", http.StatusTooManyRequests}, // the same /64
		{"2001:db8:1:3::1", http.StatusBadGateway},
	} {
		if status := spend(c.xff); status != c.want {
			t.Errorf("behind a trusted proxy, X-Forwarded-For %s: status %d, want %d", c.xff, status, c.want)
		}
	}
}

// Behaviour 22: a user refused with 429 keeps the login: the state is not
// spent, and the same callback completes once Retry-After has passed. A
// reload keeps the counts.
func TestThrottledCallbackCanBeRetried(t *testing.T) {
	h := newHarness(t, withOptions("login_rate_limit 1 1m"))
	if resp := h.junkCallback(newBrowser(t)); resp.StatusCode != http.StatusBadGateway {
		t.Fatalf("first callback: status %d, want 502", resp.StatusCode)
	}
	h.load(strings.Replace(h.caddyfile(), "timeout 2s", "timeout 3s", 1))

	cb := stripFragment(h.consent(h.client, h.startLogin(h.client, "/after"), "vera", true))
	resp := h.do(h.client, http.MethodGet, cb, nil)
	if resp.StatusCode != http.StatusTooManyRequests {
		t.Fatalf("callback after a reload: status %d, want 429 (the count survives reloads)", resp.StatusCode)
	}
	wait := retryAfter(t, resp, 1, 66)
	if body := readAll(t, resp); !strings.Contains(body, "Reload this page in "+strconv.Itoa(wait)+" seconds") {
		t.Errorf("the 429 page does not say when to reload: %s", body)
	}
	for _, c := range resp.Cookies() {
		if strings.Contains(c.Name, pendingInfix) {
			t.Errorf("the 429 touched the state cookie %s", c.Name)
		}
	}
	if n := h.ig.TokenRequests(); n != 1 {
		t.Errorf("%d token requests, want 1: a refused callback calls nothing", n)
	}

	advanceClock(t, time.Duration(wait)*time.Second)
	if resp := h.do(h.client, http.MethodGet, cb, nil); resp.StatusCode != http.StatusFound || resp.Header.Get("Location") != "/after" {
		t.Fatalf("the same callback after Retry-After: status %d to %q, want 302 to /after", resp.StatusCode, resp.Header.Get("Location"))
	}
	if e := h.upstreamSaw(h.get("/")); e.Header.Get("X-Instagram-Username") != "vera" {
		t.Errorf("logged in as %q, want vera", e.Header.Get("X-Instagram-Username"))
	}
}

// Behaviours 20 and 22: with handle_errors the site renders the 429 itself,
// and Retry-After still goes out.
func TestThrottledCallbackWithHandleErrors(t *testing.T) {
	h := newHarness(t, withOptions("login_rate_limit 1 1m"), withSite(customErrors))
	h.junkCallback(newBrowser(t))
	resp := h.junkCallback(newBrowser(t))
	body := readAll(t, resp)
	if resp.StatusCode != http.StatusTooManyRequests || !strings.HasPrefix(body, "custom 429: ") {
		t.Errorf("status %d, body %q; want the site's own 429 page", resp.StatusCode, body)
	}
	retryAfter(t, resp, 1, 66)
}
