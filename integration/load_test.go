package integration

import (
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/b4b0c547/caddy-instagram-auth/instagramtest"
)

// 200 logins at once through a real Caddy, each user then seen upstream
// with its own id and token: no cross-wiring under concurrency (run with
// -race).
func TestConcurrentLogins(t *testing.T) {
	const users = 200
	// The point is cross-wiring, not latency: under -race on two cores,
	// 200 logins at once can take Instagram calls past the usual 2s. They
	// all come from one address, so the per-client limit is off; beyond
	// 8 token requests in flight from one client a callback gets 429,
	// beyond 32 in all 503, and either is retried, as a user would
	// reload the page.
	h := newHarness(t, withOptions("timeout 20s", "login_rate_limit off"))
	var (
		wg     sync.WaitGroup
		mu     sync.Mutex
		tokens = make(map[string]string)
		errs   = make(chan error, users)
	)
	for i := 0; i < users; i++ {
		wg.Add(1)
		go func(user string) {
			defer wg.Done()
			if err := loginAndCheck(h, user, tokens, &mu); err != nil {
				errs <- fmt.Errorf("%s: %w", user, err)
			}
		}(fmt.Sprintf("user%03d", i))
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if t.Failed() {
		for _, line := range strings.Split(readLog(t, h.logFile, ""), "\n") {
			if strings.Contains(line, "login failed") {
				t.Log(line) // errors in our log are safe to show
			}
		}
	}
	if len(tokens) != users {
		t.Errorf("%d distinct tokens for %d users", len(tokens), users)
	}
}

// loginAndCheck runs one user's login without t.Fatal (it runs off the
// test goroutine) and checks what the upstream then sees.
func loginAndCheck(h *harness, user string, tokens map[string]string, mu *sync.Mutex) error {
	c := newBrowser(h.t)
	req, _ := http.NewRequest(http.MethodGet, siteURL+"/u/"+user, nil)
	req.Header.Set("Accept", "text/html")
	resp, err := c.Do(req)
	if err != nil {
		return err
	}
	resp.Body.Close()
	cb, err := instagramtest.Consent(c, resp.Header.Get("Location"), user, true)
	if err != nil {
		return err
	}
	for {
		resp, err = c.Get(stripFragment(cb))
		if err != nil {
			return err
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusServiceUnavailable && resp.StatusCode != http.StatusTooManyRequests {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	if resp.StatusCode != http.StatusFound || resp.Header.Get("Location") != "/u/"+user {
		return fmt.Errorf("callback %d to %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	for i := 0; i < 3; i++ {
		req, _ := http.NewRequest(http.MethodGet, siteURL+"/u/"+user, nil)
		resp, err := c.Do(req)
		if err != nil {
			return err
		}
		var e echo
		err = decodeEcho(resp, &e)
		if err != nil {
			return err
		}
		if got := e.Header.Get("X-Instagram-User-Id"); got != instagramtest.UserID(user) {
			return fmt.Errorf("upstream saw user id %s", got)
		}
		if got := e.Header.Get("X-Instagram-Username"); got != user {
			return fmt.Errorf("upstream saw username %s", got)
		}
		token := e.Header.Get("X-Instagram-Access-Token")
		mu.Lock()
		owner, seen := tokens[token]
		if !seen {
			tokens[token] = user
		}
		mu.Unlock()
		if seen && owner != user {
			return fmt.Errorf("got %s's token", owner)
		}
	}
	return nil
}
