package integration

import (
	"net/http"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// Refreshes in flight through a real Caddy: one call per session however
// many requests wait for it, and none waits longer than timeout.

// Concurrent requests of one session make one refresh; each gets the new
// token.
func TestRefreshConcurrentRequestsOneCall(t *testing.T) {
	var calls atomic.Int64
	h := newRefreshHarness(t, 5*24*time.Hour, withSlowRefresh(500*time.Millisecond, &calls), withOptions("timeout 5s"))
	h.ig.SetRefreshMinAge(0)
	h.mustLogin(h.client, "rosa", "/")
	cookie := sessionCookie(h.client)
	const n = 16
	tokens := make([]string, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			req, _ := http.NewRequest(http.MethodGet, siteURL+"/", nil)
			req.Header.Set("Accept", "application/json")
			req.Header.Set("Cookie", insecureCookieName+"="+cookie)
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				errs[i] = err
				return
			}
			var e echo
			errs[i] = decodeEcho(resp, &e)
			tokens[i] = e.Header.Get(tokenHeader)
		}()
	}
	wg.Wait()
	for i := range n {
		if errs[i] != nil {
			t.Fatalf("request %d: %v", i, errs[i])
		}
		if tokens[i] != tokens[0] || tokens[i] == "" {
			t.Errorf("request %d got another token than request 0", i)
		}
	}
	h.wantRefreshes(1, "16 concurrent requests")
	if calls.Load() != 1 {
		t.Errorf("%d refresh calls, want 1", calls.Load())
	}
}

// A slow Instagram holds the request at most timeout; then the old token
// goes on, and the session is not retried within the hour.
func TestRefreshSlowProviderWaitsAtMostTimeout(t *testing.T) {
	var calls atomic.Int64
	h := newRefreshHarness(t, 5*24*time.Hour, withSlowRefresh(10*time.Second, &calls), withOptions("timeout 1s"))
	h.mustLogin(h.client, "sven", "/")
	oldToken := h.tokenWith(sessionCookie(h.client))
	calls.Store(0) // that request already waited for a refresh
	advanceClock(t, 61*time.Minute)

	start := time.Now()
	token, set := h.visit()
	if took := time.Since(start); took > 5*time.Second {
		t.Errorf("the request waited %v for a refresh that takes 10s, with timeout 1s", took)
	}
	if token != oldToken || set != nil {
		t.Errorf("after a refresh that timed out: token changed %v, Set-Cookie %v; want the old token, no cookie", token != oldToken, set)
	}
	h.visit()
	if calls.Load() != 1 {
		t.Errorf("%d refresh calls, want 1", calls.Load())
	}
}

// withSlowRefresh points token_refresh at a server that waits delay (or
// until the plugin hangs up), then lets the mock answer.
func withSlowRefresh(delay time.Duration, calls *atomic.Int64) harnessOption {
	return func(h *harness) {
		slow := newLoopbackServer(h.t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			calls.Add(1)
			select {
			case <-time.After(delay):
			case <-r.Context().Done():
				return
			}
			h.ig.ServeHTTP(w, r)
		}))
		h.options += "token_refresh " + slow + "/refresh_access_token\n"
	}
}
