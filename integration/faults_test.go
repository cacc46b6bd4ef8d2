package integration

import (
	"net"
	"net/http"
	"runtime"
	"strings"
	"testing"
	"time"
)

// A token endpoint that refuses connections gets the 502 page, fast.
func TestTokenEndpointUnreachable(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := "http://" + ln.Addr().String() + "/oauth/access_token"
	ln.Close()
	h := newHarness(t)
	h.load(strings.Replace(h.caddyfile(), "token_url "+h.ig.TokenURL(), "token_url "+closed, 1))
	start := time.Now()
	resp := h.login(h.client, "walt", "/")
	if resp.StatusCode != http.StatusBadGateway || findSetCookie(resp, insecureCookieName) != nil {
		t.Errorf("status %d, session %v; want 502 and none", resp.StatusCode, findSetCookie(resp, insecureCookieName))
	}
	if d := time.Since(start); d > 6*time.Second { // a refused connection fails at once
		t.Errorf("took %v", d)
	}
}

// Slow and failing Instagram calls leave no goroutine of ours behind.
func TestNoGoroutineLeftBehind(t *testing.T) {
	h := newHarness(t)
	h.ig.SetTokenFault(3*time.Second, 0, "")
	h.login(newBrowser(t), "xena", "/")
	h.ig.SetTokenFault(0, 0, "")
	h.ig.SetUserinfoFail(true)
	h.ig.SetExchangeFail(true)
	h.mustLogin(newBrowser(t), "yuri", "/")

	deadline := time.Now().Add(3 * time.Second)
	for {
		buf := make([]byte, 1<<22)
		stacks := string(buf[:runtime.Stack(buf, true)])
		var ours []string
		for _, g := range strings.Split(stacks, "\n\n") {
			if strings.Contains(g, "internal/instagram.(*Client)") ||
				strings.Contains(g, "caddy-instagram-auth.(*Handler).complete") {
				ours = append(ours, g)
			}
		}
		if len(ours) == 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d goroutines of the plugin still running:\n%s", len(ours), strings.Join(ours, "\n\n"))
		}
		time.Sleep(50 * time.Millisecond)
	}
}
