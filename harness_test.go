package instagramauth

// The harness of the integration tests: a real Caddy, loaded from a real
// Caddyfile through caddytest, in front of a real upstream, logging in
// against the mock Instagram, all over loopback HTTP. Only Instagram is
// fake. caddytest uses one fixed admin port: these tests never run in
// parallel.

import (
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/b4b0c547/caddy-instagram-auth/instagramtest"
	"github.com/caddyserver/caddy/v2/caddytest"
)

const (
	sitePort   = 9080
	site2Port  = 9081
	siteURL    = "http://localhost:9080"
	testID     = "app-id"
	testSecret = "app-secret-SHOULD-NOT-LEAK"
)

func TestMain(m *testing.M) {
	code := m.Run()
	removeCaddyBinary()
	os.Exit(code)
}

// upstream is the app behind Caddy: it answers with the headers it got.
type upstream struct {
	URL   string
	calls atomic.Int64
}

func startUpstream(t *testing.T) *upstream {
	u := &upstream{}
	srv := newLoopbackServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		u.calls.Add(1)
		body, _ := io.ReadAll(r.Body)
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(echo{Header: r.Header, Path: r.URL.RequestURI(), Body: string(body)})
	}))
	u.URL = srv
	return u
}

// echo is what the upstream saw.
type echo struct {
	Header http.Header
	Path   string
	Body   string
}

// harness is one loaded Caddy config with its mock Instagram and upstream.
type harness struct {
	t         *testing.T
	ig        *instagramtest.Server
	up        *upstream
	storage   string
	logFile   string
	caddy     *caddytest.Tester
	client    *http.Client // a browser: cookie jar, redirects not followed
	options   string
	logFormat string // the log's format block; default json
	matcher   string
	siteTail  string
}

type harnessOption func(*harness)

// withOptions adds subdirectives to the instagram_auth block.
func withOptions(lines ...string) harnessOption {
	return func(h *harness) { h.options += strings.Join(lines, "\n") + "\n" }
}

// withLogFormat sets the format of Caddy's log, e.g. a filter.
func withLogFormat(f string) harnessOption { return func(h *harness) { h.logFormat = f } }

// withMatcher gives the directive a matcher token.
func withMatcher(m string) harnessOption { return func(h *harness) { h.matcher = m } }

// withSite adds directives to the site block (before reverse_proxy).
func withSite(lines ...string) harnessOption {
	return func(h *harness) { h.siteTail += strings.Join(lines, "\n") + "\n" }
}

func newHarness(t *testing.T, opts ...harnessOption) *harness {
	t.Helper()
	// Caddy outlives the test and may still write to its storage, which
	// t.TempDir would then fail to remove.
	dir, err := os.MkdirTemp("", "instagram-auth-test-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = os.RemoveAll(dir) })
	h := &harness{
		t:         t,
		ig:        instagramtest.Start(t, testID, testSecret),
		up:        startUpstream(t),
		storage:   filepath.Join(dir, "storage"),
		logFile:   filepath.Join(dir, "caddy.log"),
		logFormat: "json",
	}
	for _, o := range opts {
		o(h)
	}
	h.client = newBrowser(t)
	h.load(h.caddyfile())
	return h
}

func newBrowser(t *testing.T) *http.Client {
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	return &http.Client{
		Jar:           jar,
		Timeout:       15 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
}

func (h *harness) caddyfile() string {
	return fmt.Sprintf(`{
	skip_install_trust
	admin localhost:2999
	http_port %d
	https_port 9443
	grace_period 1ns
	storage file_system %q
	log {
		output file %q
		format %s
		level DEBUG
	}
}

http://localhost:%d {
	instagram_auth %s {
		client_id %s
		client_secret %s
		authorize_url %s
		token_url %s
		%s
	}
	handle /whoami {
		respond "id={http.auth.user.id} name={http.auth.user.instagram_username}"
	}
	%s
	reverse_proxy %s
}
`, sitePort, h.storage, h.logFile, h.logFormat, sitePort, h.matcher, testID, testSecret,
		h.ig.AuthorizeURL(), h.ig.TokenURL(), h.blockOptions(), h.siteTail, strings.TrimPrefix(h.up.URL, "http://"))
}

// blockOptions are the test's options, then the harness's defaults for
// those it did not give.
func (h *harness) blockOptions() string {
	lines := h.options
	for _, d := range []string{
		"userinfo_url " + h.ig.UserinfoURL(),
		"long_lived_token " + h.ig.ExchangeURL(),
		"token_refresh " + h.ig.RefreshURL(),
		"insecure_cookies",
		"timeout 2s",
	} {
		name, _, _ := strings.Cut(d, " ")
		if !strings.Contains(h.options, name) {
			lines += d + "\n"
		}
	}
	return lines
}

// load (re)loads a Caddyfile into the one in-process Caddy.
func (h *harness) load(caddyfile string) {
	h.t.Helper()
	h.caddy = caddytest.NewTester(h.t)
	h.caddy.InitServer(withTestClock(caddyfile), "caddyfile")
	if h.t.Failed() {
		h.t.FailNow()
	}
	// The old config's servers close their connections: a request sent
	// on one of them just then fails with EOF, which is the test's race,
	// not the plugin's.
	http.DefaultTransport.(*http.Transport).CloseIdleConnections()
}

// get sends a GET as a browser page load would.
func (h *harness) get(path string, header ...string) *http.Response {
	h.t.Helper()
	return h.do(h.client, http.MethodGet, siteURL+path, nil, append([]string{"Accept", "text/html"}, header...)...)
}

func (h *harness) do(c *http.Client, method, rawURL string, body io.Reader, header ...string) *http.Response {
	h.t.Helper()
	req, err := http.NewRequest(method, rawURL, body)
	if err != nil {
		h.t.Fatal(err)
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Add(header[i], header[i+1])
	}
	resp, err := c.Do(req)
	if err != nil {
		h.t.Fatalf("%s %s: %v", method, rawURL, err)
	}
	h.t.Cleanup(func() { resp.Body.Close() })
	return resp
}

// startLogin asks for path without a session and returns the authorize URL
// Caddy redirected to.
func (h *harness) startLogin(c *http.Client, path string) string {
	h.t.Helper()
	resp := h.do(c, http.MethodGet, siteURL+path, nil, "Accept", "text/html")
	if resp.StatusCode != http.StatusFound {
		h.t.Fatalf("GET %s without a session: status %d, want 302", path, resp.StatusCode)
	}
	loc := resp.Header.Get("Location")
	if !strings.HasPrefix(loc, h.ig.AuthorizeURL()+"?") {
		h.t.Fatalf("GET %s without a session: redirected to %q, not to Instagram", path, loc)
	}
	return loc
}

// consent plays the user at the mock's consent page and returns the
// callback URL Instagram sends the browser to.
func (h *harness) consent(c *http.Client, authorizeURL, username string, allow bool) string {
	h.t.Helper()
	cb, err := instagramtest.Consent(c, authorizeURL, username, allow)
	if err != nil {
		h.t.Fatalf("consent: %v", err)
	}
	return cb
}

// login runs the whole flow for username, starting at path, and returns
// the callback's answer (a 302 back to path on success).
func (h *harness) login(c *http.Client, username, path string) *http.Response {
	h.t.Helper()
	cb := h.consent(c, h.startLogin(c, path), username, true)
	return h.do(c, http.MethodGet, stripFragment(cb), nil, "Accept", "text/html")
}

// mustLogin logs in and checks the callback sent the browser back to path.
func (h *harness) mustLogin(c *http.Client, username, path string) {
	h.t.Helper()
	resp := h.login(c, username, path)
	if resp.StatusCode != http.StatusFound || resp.Header.Get("Location") != path {
		body, _ := io.ReadAll(resp.Body)
		h.t.Fatalf("callback: status %d, Location %q, want 302 to %q; body: %s",
			resp.StatusCode, resp.Header.Get("Location"), path, body)
	}
}

// upstreamSaw decodes the upstream's echo from a response that must be 200.
func (h *harness) upstreamSaw(resp *http.Response) echo {
	h.t.Helper()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		h.t.Fatalf("status %d, want 200 from the upstream; body: %s", resp.StatusCode, body)
	}
	var e echo
	if err := json.Unmarshal(body, &e); err != nil {
		h.t.Fatalf("not the upstream's echo: %s", body)
	}
	return e
}

// jarCookies returns the cookies the browser holds for the site.
func jarCookies(c *http.Client) []*http.Cookie {
	u, _ := url.Parse(siteURL)
	return c.Jar.Cookies(u)
}

// jarCookie returns the value of the browser's cookie of that name.
func jarCookie(c *http.Client, name string) string {
	for _, ck := range jarCookies(c) {
		if ck.Name == name {
			return ck.Value
		}
	}
	return ""
}

// sessionCookie returns the browser's session cookie value for the site.
func sessionCookie(c *http.Client) string { return jarCookie(c, insecureCookieName) }

// setCookie puts a cookie in the browser's jar for the site.
func setCookie(c *http.Client, name, value string) {
	u, _ := url.Parse(siteURL)
	c.Jar.SetCookies(u, []*http.Cookie{{Name: name, Value: value, Path: "/"}})
}

func stripFragment(u string) string {
	u, _, _ = strings.Cut(u, "#")
	return u
}

// findSetCookie returns the response's Set-Cookie for name.
func findSetCookie(resp *http.Response, name string) *http.Cookie {
	for _, c := range resp.Cookies() {
		if c.Name == name {
			return c
		}
	}
	return nil
}

func newLoopbackServer(t *testing.T, handler http.Handler) string {
	srv := &http.Server{Handler: handler, ReadHeaderTimeout: 5 * time.Second}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go func() { _ = srv.Serve(ln) }()
	t.Cleanup(func() { _ = srv.Close() })
	return "http://" + ln.Addr().String()
}

// decodeEcho reads the upstream's echo off the test goroutine.
func decodeEcho(resp *http.Response, e *echo) error {
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("status %d, want 200 from the upstream", resp.StatusCode)
	}
	return json.NewDecoder(resp.Body).Decode(e)
}

func mustQuery(t *testing.T, rawURL string) url.Values {
	t.Helper()
	u, err := url.Parse(rawURL)
	if err != nil {
		t.Fatalf("bad URL %q: %v", rawURL, err)
	}
	return u.Query()
}

func readAll(t *testing.T, resp *http.Response) string {
	t.Helper()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
