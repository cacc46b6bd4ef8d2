package integration

// The harness of the integration tests: a real Caddy, loaded from a real
// Caddyfile through caddytest, in front of a real upstream, logging in
// against the mock Instagram, all over loopback HTTP. Only Instagram is
// fake. caddytest uses one fixed admin port: these tests never run in
// parallel, and no other package of the module starts a Caddy (the root
// package's tests are unit tests), so that `go test ./...`, which runs
// packages side by side, never has two of them on the port.

import (
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	_ "github.com/b4b0c547/caddy-instagram-auth" // the instagram_auth module and directive
	"github.com/b4b0c547/caddy-instagram-auth/instagramtest"
	"github.com/caddyserver/caddy/v2/caddytest"
)

// repoRoot is the module's root, seen from this package's folder (go test
// runs in it).
const repoRoot = ".."

const (
	sitePort   = 9080
	site2Port  = 9081
	siteURL    = "http://localhost:9080"
	testID     = "app-id"
	testSecret = "app-secret-SHOULD-NOT-LEAK"
)

// TestMain removes the development Caddy the cluster tests built.
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
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("Caddy's log and storage kept in %s", dir)
			return
		}
		_ = os.RemoveAll(dir)
	})
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

// mockSite is one more site of the harness's app at address, logging in
// against its mock Instagram and passing on to its upstream, with extra
// lines in the instagram_auth block (and in the site, before it, siteLines).
func (h *harness) mockSite(address, siteLines string, extra ...string) string {
	return fmt.Sprintf(`
%s {
%s	instagram_auth {
		client_id %s
		client_secret %s
		authorize_url %s
		token_url %s
		userinfo_url %s
		long_lived_token %s
		%s
	}
	reverse_proxy %s
}
`, address, siteLines, testID, testSecret, h.ig.AuthorizeURL(), h.ig.TokenURL(), h.ig.UserinfoURL(), h.ig.ExchangeURL(),
		strings.Join(extra, "\n\t\t"), strings.TrimPrefix(h.up.URL, "http://"))
}

// globalOptions is the harness's global options block, for a test that
// writes its own sites.
func (h *harness) globalOptions() string {
	global, _, _ := strings.Cut(h.caddyfile(), "\nhttp://")
	return global
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
