package integration

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"net/http/cookiejar"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/b4b0c547/caddy-instagram-auth/instagramtest"
	"github.com/b4b0c547/caddy-instagram-auth/internal/nginxtest"
)

// Behaviours 32, 33 and 36 with a proxy we did not write: Debian's nginx,
// configured by docs/examples/nginx.conf as the docs show it, in front of
// the harness's upstream, asking the plugin in a real Caddy that trusts it.

// behindNginx is the harness's Caddy behind nginx, and a browser that
// reaches nginx as http://localhost:<port>.
type behindNginx struct {
	*harness
	nginx   *nginxtest.Server
	site    string // http://localhost:<nginx port>
	browser *http.Client
}

func newBehindNginx(t *testing.T, opts ...harnessOption) *behindNginx {
	t.Helper()
	h := newHarness(t, opts...)
	h.trustLoopbackProxy()
	recipe, err := os.ReadFile(repoRoot + "/docs/examples/nginx.conf")
	if err != nil {
		t.Fatal(err)
	}
	ngx := nginxtest.Start(t, string(recipe), map[string]string{
		"CADDY_PORT": strconv.Itoa(sitePort), "APP_PORT": strings.TrimPrefix(h.up.URL, "http://127.0.0.1:")})
	return &behindNginx{harness: h, nginx: ngx, site: fmt.Sprintf("http://localhost:%d", ngx.Port), browser: loopbackBrowser(t)}
}

// loopbackBrowser is a browser (a cookie jar, redirects not followed) that
// reaches every host on 127.0.0.1: "localhost" may resolve to ::1 first,
// where nothing listens.
func loopbackBrowser(t *testing.T) *http.Client {
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	var d net.Dialer
	return &http.Client{
		Jar:     jar,
		Timeout: 15 * time.Second,
		Transport: &http.Transport{DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
			_, port, _ := net.SplitHostPort(addr)
			return d.DialContext(ctx, network, "127.0.0.1:"+port)
		}},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
}

// page asks nginx for path as a browser's page load.
func (n *behindNginx) page(path string, header ...string) *http.Response {
	n.t.Helper()
	return n.do(n.browser, http.MethodGet, n.site+path, nil, append([]string{"Accept", "text/html"}, header...)...)
}

// The whole life of a browser behind nginx: sent to log in from a deep
// link, back to it logged in, its API calls, its idle renewal, its logout;
// and an API call without a session, which keeps its 401.
func TestNginxRecipe(t *testing.T) {
	n := newBehindNginx(t, withOptions("session_idle 1h"))
	const deep = "/notes/7?tab=all&sort=new"

	start := n.page(deep)
	loc := start.Header.Get("Location")
	if start.StatusCode != http.StatusFound || !strings.HasPrefix(loc, n.ig.AuthorizeURL()+"?") {
		t.Fatalf("a page load without a session: status %d to %q, want a 302 to Instagram", start.StatusCode, loc)
	}
	if got := mustQuery(t, loc).Get("redirect_uri"); got != n.site+defaultRedirectPath {
		t.Errorf("redirect_uri %q, want nginx's origin %q", got, n.site+defaultRedirectPath)
	}
	cb := stripFragment(n.consent(n.browser, loc, "vic", true))
	back := n.do(n.browser, http.MethodGet, cb, nil)
	if back.StatusCode != http.StatusFound || back.Header.Get("Location") != deep {
		t.Fatalf("callback through nginx: status %d to %q, want 302 to %q", back.StatusCode, back.Header.Get("Location"), deep)
	}

	e := n.upstreamSaw(n.page(deep, "X-Instagram-User-Id", "1"))
	if e.Path != deep || e.Header.Get("X-Instagram-User-Id") != instagramtest.UserID("vic") ||
		e.Header.Get("X-Instagram-Username") != "vic" || e.Header.Get("X-Instagram-Access-Token") == "" {
		t.Errorf("the app got %s with %v", e.Path, e.Header)
	}
	api := n.do(n.browser, http.MethodPost, n.site+"/api/notes", strings.NewReader(`{"x":1}`), "Accept", "application/json")
	if e := n.upstreamSaw(api); e.Body != `{"x":1}` || e.Header.Get("X-Instagram-User-Id") != instagramtest.UserID("vic") {
		t.Errorf("an API call with the session: the app got body %q, user %q", e.Body, e.Header.Get("X-Instagram-User-Id"))
	}

	// Idle renewal by the auth endpoint reaches the browser through nginx.
	advanceClock(t, 2*time.Minute)
	renewed := n.page("/")
	if got := renewed.Header.Values("Set-Cookie"); renewed.StatusCode != http.StatusOK || len(got) != 1 ||
		!strings.HasPrefix(got[0], insecureCookieName+"=") {
		t.Errorf("after 2 minutes: status %d, Set-Cookie %q; want the renewed session once", renewed.StatusCode, got)
	}

	// The auth endpoint itself is nginx's only.
	if resp := n.page(defaultAuthPath); resp.StatusCode != http.StatusNotFound {
		t.Errorf("the auth endpoint asked through nginx: status %d, want 404", resp.StatusCode)
	}

	out := n.page(defaultLogoutPath)
	if out.StatusCode != http.StatusFound || out.Header.Get("Location") != "/" {
		t.Fatalf("logout: status %d to %q", out.StatusCode, out.Header.Get("Location"))
	}
	if again := n.page(deep); again.StatusCode != http.StatusFound || !strings.HasPrefix(again.Header.Get("Location"), n.ig.AuthorizeURL()) {
		t.Errorf("a page load after logout: status %d to %q, want the login", again.StatusCode, again.Header.Get("Location"))
	}
	stranger := n.do(loopbackBrowser(t), http.MethodPost, n.site+"/api/notes", strings.NewReader("{}"), "Accept", "application/json")
	if body := readAll(t, stranger); stranger.StatusCode != http.StatusUnauthorized || !strings.Contains(body, `"unauthorized"`) {
		t.Errorf("an API call without a session: status %d, body %s; want the plugin's 401", stranger.StatusCode, body)
	}
	if n := n.up.calls.Load(); n != 3 {
		t.Errorf("the app was called %d times, want 3", n)
	}
}

// An app's bearer token passes through nginx as a session does.
func TestNginxRecipeBearer(t *testing.T) {
	n := newBehindNginx(t, withOptions("allow_bearer"))
	token := n.ig.MintToken("wim", true)
	e := n.upstreamSaw(n.do(loopbackBrowser(t), http.MethodGet, n.site+"/api", nil,
		"Authorization", "Bearer "+token, "Accept", "application/json"))
	if e.Header.Get("X-Instagram-User-Id") != instagramtest.UserID("wim") || e.Header.Get("X-Instagram-Access-Token") != token {
		t.Errorf("the app got %v", e.Header)
	}
	other := n.do(loopbackBrowser(t), http.MethodGet, n.site+"/api", nil,
		"Authorization", "Bearer "+n.ig.MintOtherAppToken("wim", true), "Accept", "application/json")
	if other.StatusCode != http.StatusUnauthorized {
		t.Errorf("another app's token through nginx: status %d, want 401", other.StatusCode)
	}
}

// The docs show the recipe the test runs, byte for byte.
func TestNginxRecipeInDocs(t *testing.T) {
	recipe, err := os.ReadFile(repoRoot + "/docs/examples/nginx.conf")
	if err != nil {
		t.Fatal(err)
	}
	doc, err := os.ReadFile(repoRoot + "/docs/identity-and-proxies.md")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(doc), "```nginx\n"+string(recipe)+"```\n") {
		t.Error("docs/identity-and-proxies.md does not show docs/examples/nginx.conf as it is: change both together")
	}
}
