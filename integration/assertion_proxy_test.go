package integration

import (
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/b4b0c547/caddy-instagram-auth/internal/nginxtest"
)

// Behaviour 36 with Debian's nginx in front of Caddy, as
// docs/examples/nginx-in-front.conf sets it up: the assertion names the
// origin the browser reached (nginx's port), because nginx is in Caddy's
// trusted_proxies; a client sending the same X-Forwarded-* headers to
// Caddy directly, from an address Caddy does not trust, gets the origin
// of its own connection.

// untrustedClient is a browser whose connections come from 127.0.0.2, an
// address outside the test's trusted_proxies (127.0.0.1/32).
func untrustedClient(t *testing.T) *http.Client {
	c := newBrowser(t)
	dialer := &net.Dialer{LocalAddr: &net.TCPAddr{IP: net.IPv4(127, 0, 0, 2)}}
	c.Transport = &http.Transport{DialContext: dialer.DialContext}
	t.Cleanup(c.CloseIdleConnections)
	return c
}

func TestAssertionOriginBehindNginx(t *testing.T) {
	h := newHarness(t, withAssertion())
	h.load(strings.Replace(h.caddyfile(), "grace_period 1ns",
		"grace_period 1ns\n\tservers {\n\t\ttrusted_proxies static 127.0.0.1/32\n\t}", 1))
	recipe, err := os.ReadFile(filepath.Join(repoRoot, "docs", "examples", "nginx-in-front.conf"))
	if err != nil {
		t.Fatal(err)
	}
	nginx := nginxtest.Start(t, string(recipe), map[string]string{"CADDY_PORT": strconv.Itoa(sitePort)})
	front := "http://localhost:" + strconv.Itoa(nginx.Port)
	spoof := []string{"X-Forwarded-Proto", "https", "X-Forwarded-Host", "evil.example"}

	t.Run("through nginx", func(t *testing.T) {
		c := newBrowser(t)
		h.loginAt(c, front, "nina") // the callback comes back to nginx's origin
		resp := h.do(c, http.MethodGet, front+"/", nil, append([]string{"Accept", "text/html"}, spoof...)...)
		token := h.upstreamSaw(resp).Header.Get(assertionHeader)
		_, claims, err := verifyAssertion(mustJWKS(t), token, front)
		if err != nil {
			t.Fatalf("the assertion is not for %s: %v %v", front, claims, err)
		}
	})
	t.Run("directly, with the same headers", func(t *testing.T) {
		c := untrustedClient(t)
		resp := h.do(c, http.MethodGet, siteURL+"/", nil, append([]string{"Accept", "text/html"}, spoof...)...)
		if resp.StatusCode != http.StatusFound || !strings.Contains(resp.Header.Get("Location"),
			"redirect_uri=http%3A%2F%2Flocalhost%3A9080%2F") {
			t.Fatalf("login from an untrusted address: status %d, Location %q", resp.StatusCode, resp.Header.Get("Location"))
		}
		h.loginAt(c, siteURL, "nina")
		resp = h.do(c, http.MethodGet, siteURL+"/", nil, append([]string{"Accept", "text/html"}, spoof...)...)
		token := h.upstreamSaw(resp).Header.Get(assertionHeader)
		_, claims, err := verifyAssertion(mustJWKS(t), token, siteURL)
		if err != nil {
			t.Fatalf("the assertion is not for the connection's origin %s: %v %v", siteURL, claims, err)
		}
	})
}
