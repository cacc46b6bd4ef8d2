package integration

import (
	"fmt"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"testing"
	"time"
)

// Behaviour 22 (issue 20, item 3): behind a load balancer that appends the
// client's address to X-Forwarded-For, with the recipe of docs/security.md
// (trusted_proxies and trusted_proxies_strict), a client that forges the
// leftmost entry on every request is still one client: of 40 junk
// callbacks, login_rate_limit's 30 reach Instagram and the rest get 429,
// and another client behind the same balancer still gets through. Without
// trusted_proxies_strict Caddy takes the leftmost entry, which the client
// writes, and the forger passes: that is why the recipe sets it.
func TestThrottleBehindALoadBalancer(t *testing.T) {
	h := newHarness(t)
	lb := startAppendingBalancer(t)
	attacker, other := browserFrom(t, "127.0.0.2"), browserFrom(t, "127.0.0.3")
	attempt := func(c *http.Client, forged string) *http.Response {
		t.Helper()
		resp := h.do(c, http.MethodGet, lb+"/", nil, "Accept", "text/html", "X-Forwarded-For", forged)
		if resp.StatusCode != http.StatusFound {
			t.Fatalf("GET / through the balancer: status %d, want 302", resp.StatusCode)
		}
		state := mustQuery(t, resp.Header.Get("Location")).Get("state")
		return h.do(c, http.MethodGet, lb+defaultRedirectPath+"?code=junk-"+state[:8]+"&state="+state, nil,
			"X-Forwarded-For", forged)
	}

	// trusted_proxies alone: the weakness the recipe closes.
	h.load(behindLoopbackProxy(h.caddyfile(), false))
	before := h.ig.TokenRequests()
	for i := range 40 {
		attempt(attacker, fmt.Sprintf("203.0.113.%d", i+1))
	}
	n := h.ig.TokenRequests() - before
	t.Logf("trusted_proxies alone: %d token requests for 40 forged callbacks", n)
	if n <= 30 {
		t.Errorf("trusted_proxies without trusted_proxies_strict: %d token requests for 40 forged callbacks; "+
			"docs/security.md says the forger passes the bound of 30", n)
	}

	// The recipe. The counts survive the reload; the attacker's own
	// address (127.0.0.2) has spent nothing yet.
	h.load(behindLoopbackProxy(h.caddyfile(), true))
	before = h.ig.TokenRequests()
	refused := 0
	for i := range 40 {
		resp := attempt(attacker, fmt.Sprintf("203.0.113.%d", 41+i))
		switch resp.StatusCode {
		case http.StatusBadGateway: // reached Instagram, which refuses the junk code
		case http.StatusTooManyRequests:
			retryAfter(t, resp, 1, 66)
			refused++
		default:
			t.Fatalf("callback %d through the balancer: status %d, want 502 or 429", i+1, resp.StatusCode)
		}
	}
	if n := h.ig.TokenRequests() - before; n != 30 || refused != 10 {
		t.Errorf("with trusted_proxies_strict: %d token requests and %d refusals (429) for 40 forged callbacks, want 30 and 10", n, refused)
	}
	if resp := attempt(other, "203.0.113.7"); resp.StatusCode != http.StatusBadGateway {
		t.Errorf("another client behind the balancer: status %d, want 502 (its own budget)", resp.StatusCode)
	}
}

// startAppendingBalancer is a load balancer in front of the harness's
// Caddy, listening on 127.0.0.1: like nginx's $proxy_add_x_forwarded_for
// and most balancers, it appends the address a request came from to the
// X-Forwarded-For the client sent (httputil.ReverseProxy does so when it
// has a Director and no Rewrite), and keeps the site's Host. It reaches
// Caddy from 127.0.0.1, by address: "localhost" may resolve to ::1, which
// trusted_proxies 127.0.0.1/32 would not trust.
func startAppendingBalancer(t *testing.T) string {
	site, err := url.Parse(siteURL)
	if err != nil {
		t.Fatal(err)
	}
	proxy := httputil.NewSingleHostReverseProxy(&url.URL{Scheme: "http", Host: net.JoinHostPort("127.0.0.1", site.Port())})
	direct := proxy.Director
	proxy.Director = func(r *http.Request) {
		direct(r)
		r.Host = site.Host
	}
	return newLoopbackServer(t, proxy)
}

// browserFrom is a browser whose connections come from ip, a loopback
// address other than 127.0.0.1 (Linux routes all of 127.0.0.0/8 to lo), so
// that a balancer sees it as a client of its own.
func browserFrom(t *testing.T, ip string) *http.Client {
	c := newBrowser(t)
	dialer := &net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(ip)}, Timeout: 5 * time.Second}
	c.Transport = &http.Transport{DialContext: dialer.DialContext}
	return c
}
