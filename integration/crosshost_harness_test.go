package integration

import (
	"bufio"
	"context"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"golang.org/x/net/publicsuffix"
)

// One login for many subdomains (behaviour 34, docs/behaviour.md), in a
// real Caddy: several host names, all dialed on loopback.

const (
	crossPort     = 9443 // the harness's https_port
	crossCallback = "https://auth.example.test:9443/oauth2/instagram/callback"
	domainCookie  = "__Secure-instagram_auth" // the default name with cookie_domain
)

var (
	app1URL = fmt.Sprintf("https://app1.example.test:%d", crossPort)
	app2URL = fmt.Sprintf("https://app2.example.test:%d", crossPort)
)

// crossHostConfig is the harness's global options and one HTTPS site for
// every host under example.test, with Caddy's internal CA, whose logins
// all finish on auth.example.test's callback. extra goes into the
// instagram_auth block.
func (h *harness) crossHostConfig(extra string) string {
	return h.globalOptions() + h.mockSite(fmt.Sprintf("https://*.example.test:%d", crossPort), "\ttls internal\n",
		"cookie_domain example.test", "redirect_uri "+crossCallback, "return_hosts *.example.test", extra)
}

// crossBrowser is a browser for the names under example.test: each is
// dialed on 127.0.0.1 (the mock Instagram, an IP address, as it is), and
// Caddy's internal CA is trusted. It waits until Caddy serves a
// certificate for wait (app1's by default), which Caddy issues in the
// background after a load.
func (h *harness) crossBrowser(t *testing.T, wait ...string) *http.Client {
	t.Helper()
	jar, err := cookiejar.New(&cookiejar.Options{PublicSuffixList: publicsuffix.List})
	if err != nil {
		t.Fatal(err)
	}
	c := &http.Client{
		Jar:           jar,
		Timeout:       15 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		Transport: &http.Transport{
			DialContext:     dialNamesOnLoopback,
			TLSClientConfig: &tls.Config{RootCAs: caddyRoots(t, h.storage)},
		},
	}
	base := app1URL
	if len(wait) > 0 {
		base = wait[0]
	}
	deadline := time.Now().Add(15 * time.Second)
	for {
		resp, err := c.Get(base + "/oauth2/instagram/whoami")
		if err == nil {
			resp.Body.Close()
			return c
		}
		if time.Now().After(deadline) {
			t.Fatalf("no TLS on %s: %v", base, err)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// caddyRoots is Caddy's internal CA, from the storage it keeps it in.
func caddyRoots(t *testing.T, storage string) *x509.CertPool {
	t.Helper()
	path := filepath.Join(storage, "pki", "authorities", "local", "root.crt")
	deadline := time.Now().Add(10 * time.Second)
	for {
		pem, err := os.ReadFile(path)
		if err == nil {
			pool := x509.NewCertPool()
			if !pool.AppendCertsFromPEM(pem) {
				t.Fatalf("%s holds no certificate", path)
			}
			return pool
		}
		if time.Now().After(deadline) {
			t.Fatalf("Caddy's internal CA: %v", err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// dialNamesOnLoopback reaches every host name on 127.0.0.1, at the port
// asked for, without a resolver; IP addresses are dialed as they are.
func dialNamesOnLoopback(ctx context.Context, network, addr string) (net.Conn, error) {
	if host, port, err := net.SplitHostPort(addr); err == nil && net.ParseIP(host) == nil {
		addr = net.JoinHostPort("127.0.0.1", port)
	}
	return (&net.Dialer{}).DialContext(ctx, network, addr)
}

// rawGet sends a GET exactly as written — request target and headers,
// which http.Client would check or normalise — to Caddy's plain-HTTP port,
// and reads the answer's status and headers (status 0 when the connection
// closed without one).
func rawGet(t *testing.T, target string, header ...string) *http.Response {
	t.Helper()
	conn, err := net.Dial("tcp", fmt.Sprintf("127.0.0.1:%d", sitePort))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	req := "GET " + target + " HTTP/1.1\r\n"
	for i := 0; i+1 < len(header); i += 2 {
		req += header[i] + ": " + header[i+1] + "\r\n"
	}
	fmt.Fprint(conn, req+"Connection: close\r\n\r\n")
	_ = conn.SetReadDeadline(time.Now().Add(5 * time.Second))
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		// Closed without an answer (a request line Go's server will not
		// read): no login started, nothing to follow.
		return &http.Response{Header: http.Header{}}
	}
	resp.Body.Close()
	return resp
}

// stateCookieIn is the state cookie a login start set, or nil.
func stateCookieIn(resp *http.Response, name string) *http.Cookie {
	for _, c := range resp.Cookies() {
		if strings.HasPrefix(c.Name, name+"_state_") {
			return c
		}
	}
	return nil
}

// allowedLanding is the tests' own statement of where a login under
// return_hosts "example.com *.example.com" may send a browser: a path of
// the callback's site, or an http(s) URL on example.com or a host under
// it, with nothing a browser would read otherwise (no userinfo, no
// backslash, space or control character, no second slash before the
// path). It does not use the plugin's code.
func allowedLanding(loc string) bool {
	for i := 0; i < len(loc); i++ {
		if loc[i] <= ' ' || loc[i] >= 0x7f || loc[i] == '\\' {
			return false
		}
	}
	if strings.HasPrefix(loc, "/") {
		return isSitePath(loc)
	}
	u, err := url.Parse(loc)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.User != nil || u.Opaque != "" ||
		!strings.HasPrefix(loc, u.Scheme+"://"+u.Host) {
		return false
	}
	return allowedHost.MatchString(u.Host) && isSitePath(u.RequestURI())
}

var allowedHost = regexp.MustCompile(`^([a-z0-9-]+\.)*example\.com(:[1-9][0-9]{0,4})?$`)

// redirectCorpus is internal/target's open-redirect corpus, from the file
// its tests keep equal to their lists: kind "offsite" (return paths) or
// "lookalike" (hosts and URLs that resemble an allowed one).
func redirectCorpus(t *testing.T, kind string) []string {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(repoRoot, "internal", "target", "testdata", "redirect-corpus.txt"))
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for line := range strings.SplitSeq(string(data), "\n") {
		k, quoted, ok := strings.Cut(line, " ")
		if !ok || k != kind {
			continue
		}
		e, err := strconv.Unquote(quoted)
		if err != nil {
			t.Fatalf("corpus line %q: %v", line, err)
		}
		out = append(out, e)
	}
	if len(out) < 20 {
		t.Fatalf("%d %s entries in the corpus: not the file expected", len(out), kind)
	}
	return out
}
