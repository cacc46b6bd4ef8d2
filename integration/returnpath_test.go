package integration

import (
	"bufio"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// A very long URL must not make a state cookie too big to come back.
func TestLongReturnPath(t *testing.T) {
	h := newHarness(t)
	h.mustLogin(h.client, "cleo", "/search")
	c := newBrowser(t)
	long := "/search?q=" + strings.Repeat("x", 3000)
	resp := h.login(c, "cleo", long)
	if resp.StatusCode != http.StatusFound || resp.Header.Get("Location") != "/search" {
		t.Errorf("long URL: callback %d to %.40q, want 302 to /search", resp.StatusCode, resp.Header.Get("Location"))
	}
}

// Behaviour 5: the return target is always a path on this site
// (oauth2-proxy CVE-2020-5233, GHSA-j7px-6hwj-hpjg; caddy-security
// CVE-2024-21497).
func TestNoOpenRedirectAfterLogin(t *testing.T) {
	h := newHarness(t)
	for _, target := range []string{
		"//evil.example/x",
		"/\\evil.example/x",
		"/%2F%2Fevil.example",
		"/%5Cevil.example",
		"/%09/evil.example",
		"///evil.example",
	} {
		c := newBrowser(t)
		authorize := rawRedirect(t, target)
		cb := stripFragment(h.consent(c, authorize.location, "henry", true))
		// The browser carries the state cookie that came with the redirect.
		setCookie(c, authorize.cookie.Name, authorize.cookie.Value)
		resp := h.do(c, http.MethodGet, cb, nil)
		loc := resp.Header.Get("Location")
		if resp.StatusCode != http.StatusFound || !isSitePath(loc) {
			t.Errorf("request target %q: after login, status %d to %q", target, resp.StatusCode, loc)
		}
		if ref, err := url.Parse(siteURL + "/"); err == nil {
			if dest, err := ref.Parse(loc); err != nil || dest.Host != "localhost:9080" {
				t.Errorf("request target %q: Location %q leaves the site", target, loc)
			}
		}
	}
}

type rawAnswer struct {
	location string
	cookie   *http.Cookie
}

// rawRedirect sends a request line exactly as given, which http.Client
// would normalise, and returns where Caddy redirected it.
func rawRedirect(t *testing.T, target string) rawAnswer {
	t.Helper()
	conn, err := net.Dial("tcp", fmt.Sprintf("127.0.0.1:%d", sitePort))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	fmt.Fprintf(conn, "GET %s HTTP/1.1\r\nHost: localhost:%d\r\nAccept: text/html\r\nConnection: close\r\n\r\n", target, sitePort)
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var state *http.Cookie
	for _, c := range resp.Cookies() {
		if strings.HasPrefix(c.Name, insecureCookieName+"_state_") {
			state = c
		}
	}
	if resp.StatusCode != http.StatusFound || state == nil {
		t.Fatalf("request target %q: status %d, want a 302 to login with a state cookie", target, resp.StatusCode)
	}
	return rawAnswer{location: resp.Header.Get("Location"), cookie: state}
}

// isSitePath accepts what a browser can only read as a path on this site:
// printable characters without spaces or backslashes, one slash first
// ("/\\host" and "/\t/host" are "//host" to browsers).
func isSitePath(p string) bool {
	if len(p) < 1 || p[0] != '/' || strings.HasPrefix(p, "//") {
		return false
	}
	for i := 0; i < len(p); i++ {
		if p[i] <= ' ' || p[i] == 0x7f || p[i] == '\\' {
			return false
		}
	}
	return true
}
