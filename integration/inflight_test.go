package integration

import (
	"fmt"
	"net/http"
	"net/http/httputil"
	"net/url"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

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

// Behaviour 22 (issue 20, item 3): at most 32 token requests are in flight
// at once, of which at most 8 from one client, even with login_rate_limit
// off. One client's ninth at once gets 429 with Retry-After, even while
// all 32 are held; beyond 32 from several clients, 503; a slot is free
// again once Instagram has answered.
func TestTokenRequestsInFlightAreBounded(t *testing.T) {
	h := newHarness(t, withOptions("login_rate_limit off", "timeout 30s"))
	gate := startTokenGate(t, h.ig.TokenURL())
	cfg := strings.Replace(h.caddyfile(), "token_url "+h.ig.TokenURL(), "token_url "+gate.URL, 1)
	// The test is the trusted proxy: X-Forwarded-For names each client.
	h.load(behindLoopbackProxy(cfg, false))
	var wg sync.WaitGroup
	t.Cleanup(func() { gate.open(); wg.Wait() }) // should the test stop early
	const share = maxTokenRequestsPerClient

	// The review's attack: one client, 12 at once. 8 are held, 4 get 429.
	first := startCallbacks(t, h, slices.Repeat([]string{"203.0.113.7"}, 12), &wg)
	awaitRefusals(t, gate, first, share, 12-share, http.StatusTooManyRequests)
	// Three more clients fill the 32 slots; then a fifth gets 503, and
	// the first, which holds its share, still 429.
	var fill []string
	for c := range maxTokenRequestsInFlight/share - 1 {
		fill = append(fill, slices.Repeat([]string{fmt.Sprintf("198.51.100.%d", c+1)}, share)...)
	}
	filled := startCallbacks(t, h, fill, &wg)
	waitFor(t, 20*time.Second, "32 token requests held", func() bool { return gate.held.Load() == maxTokenRequestsInFlight })
	awaitRefusals(t, gate, startCallbacks(t, h, slices.Repeat([]string{"192.0.2.1"}, 3), &wg),
		maxTokenRequestsInFlight, 3, http.StatusServiceUnavailable)
	awaitRefusals(t, gate, startCallbacks(t, h, []string{"203.0.113.7"}, &wg),
		maxTokenRequestsInFlight, 1, http.StatusTooManyRequests)

	gate.open()
	wg.Wait()
	for _, answers := range []chan *http.Response{first, filled} {
		close(answers)
		for resp := range answers {
			if resp.StatusCode != http.StatusBadGateway {
				t.Errorf("a held token request ended in status %d, want 502 (junk code)", resp.StatusCode)
			}
		}
	}
	if n := gate.seen.Load(); n != maxTokenRequestsInFlight {
		t.Errorf("%d token requests reached Instagram, want %d", n, maxTokenRequestsInFlight)
	}
	if resp := h.junkCallback(newBrowser(t), "X-Forwarded-For", "203.0.113.7"); resp.StatusCode != http.StatusBadGateway {
		t.Errorf("once the held requests ended: status %d, want 502 (the slots are free again)", resp.StatusCode)
	}
}

// startCallbacks sends one junk callback per entry of clients, all at once,
// each from its own browser with its own state and X-Forwarded-For naming
// its client, and returns the channel their answers arrive on.
func startCallbacks(t *testing.T, h *harness, clients []string, wg *sync.WaitGroup) chan *http.Response {
	answers := make(chan *http.Response, len(clients))
	for _, client := range clients {
		c := newBrowser(t)
		// Held past a browser's 15 s when the test fails: the gate opens
		// then, and the plugin's timeout (30 s) ends the wait anyway.
		c.Timeout = time.Minute
		state := mustQuery(t, h.startLogin(c, "/")).Get("state")
		wg.Add(1)
		go func() {
			defer wg.Done()
			req, err := http.NewRequest(http.MethodGet, siteURL+defaultRedirectPath+"?code=junk&state="+state, nil)
			if err != nil {
				t.Error(err)
				return
			}
			req.Header.Set("X-Forwarded-For", client)
			resp, err := c.Do(req)
			if err != nil {
				t.Error(err)
				return
			}
			resp.Body.Close()
			answers <- resp
		}()
	}
	return answers
}

// awaitRefusals waits until the gate holds held token requests and
// refused of answers came back with status (and Retry-After), failing on
// any other answer or after 20 s.
func awaitRefusals(t *testing.T, gate *tokenGate, answers chan *http.Response, held int32, refused, status int) {
	t.Helper()
	deadline := time.After(20 * time.Second)
	got := 0
	for got < refused || gate.held.Load() < held {
		select {
		case resp := <-answers:
			if resp.StatusCode != status {
				t.Fatalf("while %d token requests are held: status %d, want %d", gate.held.Load(), resp.StatusCode, status)
			}
			retryAfter(t, resp, 1, 10)
			got++
		case <-deadline:
			t.Fatalf("after 20s: %d token requests held, %d answered %d; want %d and %d",
				gate.held.Load(), got, status, held, refused)
		}
	}
}
