package instagramauth

import (
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/http/httputil"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
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

	h.load(strings.Replace(h.caddyfile(), "grace_period 1ns", "grace_period 1ns\n\tservers {\n\t\ttrusted_proxies static 127.0.0.1/32\n\t}", 1))
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

// tokenGate stands between Caddy and the mock's token endpoint and holds
// every token request until released, counting how many it holds.
type tokenGate struct {
	URL     string
	held    atomic.Int32
	seen    atomic.Int32
	release chan struct{}
	once    sync.Once
}

func (g *tokenGate) open() { g.once.Do(func() { close(g.release) }) }

func startTokenGate(t *testing.T, tokenURL string) *tokenGate {
	target, _ := url.Parse(tokenURL)
	proxy := httputil.NewSingleHostReverseProxy(&url.URL{Scheme: target.Scheme, Host: target.Host})
	g := &tokenGate{release: make(chan struct{})}
	g.URL = newLoopbackServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		g.seen.Add(1)
		g.held.Add(1)
		<-g.release
		g.held.Add(-1)
		proxy.ServeHTTP(w, r)
	})) + target.Path
	t.Cleanup(g.open)
	return g
}

// Behaviour 22: at most 32 token requests are in flight at once, even with
// login_rate_limit off; the others get 503 with Retry-After, and a slot is
// free again once Instagram has answered.
func TestTokenRequestsInFlightAreBounded(t *testing.T) {
	h := newHarness(t, withOptions("login_rate_limit off", "timeout 30s"))
	gate := startTokenGate(t, h.ig.TokenURL())
	h.load(strings.Replace(h.caddyfile(), "token_url "+h.ig.TokenURL(), "token_url "+gate.URL, 1))

	const callers = 40
	statuses := make(chan *http.Response, callers)
	var wg sync.WaitGroup
	for range callers {
		c := newBrowser(t)
		state := mustQuery(t, h.startLogin(c, "/")).Get("state")
		wg.Add(1)
		go func() {
			defer wg.Done()
			resp, err := c.Get(siteURL + defaultRedirectPath + "?code=junk&state=" + state)
			if err != nil {
				t.Error(err)
				return
			}
			resp.Body.Close()
			statuses <- resp
		}()
	}
	t.Cleanup(func() { gate.open(); wg.Wait() }) // should the test stop early
	var busy []*http.Response
	deadline := time.Now().Add(20 * time.Second)
	for len(busy) < callers-maxTokenRequestsInFlight || gate.held.Load() < maxTokenRequestsInFlight {
		select {
		case resp := <-statuses:
			if resp.StatusCode != http.StatusServiceUnavailable {
				t.Fatalf("while %d token requests are held: status %d, want 503", gate.held.Load(), resp.StatusCode)
			}
			retryAfter(t, resp, 1, 10)
			busy = append(busy, resp)
		case <-time.After(time.Until(deadline)):
			t.Fatalf("after 20s: %d token requests held, %d answered 503; want %d and %d",
				gate.held.Load(), len(busy), maxTokenRequestsInFlight, callers-maxTokenRequestsInFlight)
		}
	}
	gate.open()
	wg.Wait()
	close(statuses)
	for resp := range statuses {
		if resp.StatusCode != http.StatusBadGateway {
			t.Errorf("a held token request ended in status %d, want 502 (junk code)", resp.StatusCode)
		}
	}
	if n := gate.seen.Load(); n != maxTokenRequestsInFlight {
		t.Errorf("%d token requests reached Instagram, want %d", n, maxTokenRequestsInFlight)
	}
	if resp := h.junkCallback(newBrowser(t)); resp.StatusCode != http.StatusBadGateway {
		t.Errorf("once the held requests ended: status %d, want 502 (the slots are free again)", resp.StatusCode)
	}
}

// Behaviour 22: refused and failed callbacks are logged sampled: a burst
// of them costs a few lines a second, and a line says how many it stands
// for.
func TestRefusedCallbacksAreLoggedSampled(t *testing.T) {
	h := newHarness(t, withOptions("login_rate_limit 5 1m"))
	const burst = 120
	start := time.Now()
	var wg sync.WaitGroup
	for worker := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c := newBrowser(t)
			for i := worker; i < burst; i += 4 {
				state := strings.Repeat(string(rune('A'+i%26)), stateLen)
				resp, err := c.Get(siteURL + defaultRedirectPath + "?code=x&state=" + state)
				if err != nil {
					t.Error(err)
					return
				}
				resp.Body.Close()
			}
		}()
	}
	wg.Wait()
	for range 10 {
		h.junkCallback(h.client) // 5 reach Instagram and fail, 5 are throttled
	}
	seconds := int(time.Since(start)/time.Second) + 2     // seconds the burst touched
	log := readLog(t, h.logFile, `"similar_not_logged":`) // the report a second after the burst
	for msg, sent := range map[string]int{
		"callback refused: missing, expired, forged or used state": burst,
		"login failed: ": 5, // whichever failure Instagram's answer to a junk code means
		"login throttled: too many token requests": 5,
	} {
		lines := strings.Count(log, `"msg":"`+msg)
		if lines == 0 || lines > sent || lines > sampledLinesPerSecond*seconds+1 {
			t.Errorf("%q: %d lines for %d events over %d s, want 1 to %d a second", msg, lines, sent, seconds, sampledLinesPerSecond)
		}
	}
	if !strings.Contains(log, `"similar_not_logged":`) {
		t.Error("no line says how many similar lines were held back")
	}
}

// The window never admits more than the limit in any window, whatever the
// timing, and Retry-After is never too early.
func TestClientWindowNeverExceedsLimit(t *testing.T) {
	for _, limit := range []rateLimit{{3, time.Minute}, {30, time.Minute}, {1, time.Second}, {7, 90 * time.Second}} {
		var th loginThrottle
		rng := rand.New(rand.NewPCG(uint64(limit.count), 7))
		t0 := time.Unix(1_800_000_000, 0)
		var admitted []time.Time
		at := t0
		for range 3000 {
			at = at.Add(time.Duration(rng.ExpFloat64() * float64(limit.window) / float64(2*limit.count)))
			retry, ok := th.count("client", limit, at)
			if ok {
				admitted = append(admitted, at)
				continue
			}
			if retry < time.Second || retry > limit.window+limit.window/windowSlots+time.Second {
				t.Fatalf("%v: Retry-After %v", limit, retry)
			}
			if _, ok := th.count("probe-"+fmt.Sprint(at.UnixNano()), limit, at); !ok {
				t.Fatalf("%v: another client refused", limit)
			}
		}
		for i := range admitted {
			j := i + limit.count
			if j < len(admitted) && admitted[j].Sub(admitted[i]) < limit.window {
				t.Fatalf("%v: %d requests admitted within %v", limit, limit.count+1, admitted[j].Sub(admitted[i]))
			}
		}
		// A client asking all the time gets the limit in every window and
		// a slot: the window is never much stricter than it says.
		var busy loginThrottle
		got, step := 0, limit.window/windowSlots/4
		for at := t0; at.Before(t0.Add(100 * limit.window)); at = at.Add(step) {
			if _, ok := busy.count("client", limit, at); ok {
				got++
			}
		}
		if want := 100 * limit.count * windowSlots / (windowSlots + 1); got < want {
			t.Fatalf("%v: %d admitted in 100 windows of asking all the time, want at least %d", limit, got, want)
		}
	}
}

// Retry-After is when the client may really come back.
func TestRetryAfterIsHonest(t *testing.T) {
	var th loginThrottle
	limit := rateLimit{2, time.Minute}
	t0 := time.Unix(1_800_000_000, 0)
	th.count("c", limit, t0)
	th.count("c", limit, t0.Add(20*time.Second))
	retry, ok := th.count("c", limit, t0.Add(30*time.Second))
	if ok {
		t.Fatal("third request in a minute admitted")
	}
	if _, ok := th.count("c", limit, t0.Add(30*time.Second+retry)); !ok {
		t.Errorf("refused again at Retry-After (%v)", retry)
	}
}

// An attacker with many addresses cannot grow the table without limit.
func TestThrottleTableIsBounded(t *testing.T) {
	var th loginThrottle
	t0 := time.Unix(1_800_000_000, 0)
	for i := range 3 * maxTrackedClients {
		if _, ok := th.count(fmt.Sprintf("10.%d.%d.%d", i>>16&255, i>>8&255, i&255), rateLimit{30, time.Minute}, t0); !ok {
			t.Fatalf("client %d refused on its first request", i)
		}
		if len(th.clients) > maxTrackedClients {
			t.Fatalf("%d clients tracked, bound %d", len(th.clients), maxTrackedClients)
		}
	}
}

func TestClientKey(t *testing.T) {
	for in, want := range map[string]string{
		"203.0.113.7":           "203.0.113.7",
		"::ffff:203.0.113.7":    "203.0.113.7",
		"2001:db8:1:2::1":       "2001:db8:1:2::/64",
		"2001:db8:1:2:ffff::9":  "2001:db8:1:2::/64",
		"fe80::1%eth0":          "fe80::/64",
		"203.0.113.7:5555":      "203.0.113.7",
		"[2001:db8::1]:443":     "2001:db8::/64",
		"not an address":        "not an address",
		"":                      "",
		"2001:db8:ffff:ffff::1": "2001:db8:ffff:ffff::/64",
	} {
		if got := clientKey(in); got != want {
			t.Errorf("clientKey(%q) = %q, want %q", in, got, want)
		}
	}
}

// In flight, the bound holds whatever login_rate_limit says, and a slot
// given back is free again.
func TestInFlightBoundIgnoresOff(t *testing.T) {
	var th loginThrottle
	for i := range maxTokenRequestsInFlight {
		if status, _ := th.admit(fmt.Sprint(i), rateLimit{}, time.Now()); status != 0 {
			t.Fatalf("request %d refused with %d", i, status)
		}
	}
	if status, retry := th.admit("x", rateLimit{}, time.Now()); status != http.StatusServiceUnavailable || retry < time.Second {
		t.Fatalf("request beyond the bound: %d, retry %v; want 503", status, retry)
	}
	th.leave()
	if status, _ := th.admit("x", rateLimit{}, time.Now()); status != 0 {
		t.Fatalf("after a leave: %d", status)
	}
	if status, _ := th.admit("y", rateLimit{1, time.Minute}, time.Now()); status != http.StatusServiceUnavailable {
		t.Fatalf("full: %d, want 503 before any per-client count", status)
	}
	if got := th.inFlight.Load(); got != maxTokenRequestsInFlight {
		t.Fatalf("%d in flight after refusals, want %d", got, maxTokenRequestsInFlight)
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
