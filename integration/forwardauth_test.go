package integration

import (
	"fmt"
	"net/http"
	"os"
	"strings"
	"testing"

	"github.com/b4b0c547/caddy-instagram-auth/instagramtest"
)

// Behaviours 32 and 33 through Caddy's own forward_auth: the recipe of
// docs/identity-and-proxies.md, as it is but for its addresses, serves a
// second site of the harness's Caddy, which asks the plugin's site.

// forwardAuthRecipe is the doc's Caddyfile with forward_auth.
func forwardAuthRecipe(t *testing.T) string {
	t.Helper()
	doc, err := os.ReadFile(repoRoot + "/docs/identity-and-proxies.md")
	if err != nil {
		t.Fatal(err)
	}
	for _, block := range strings.Split(string(doc), "```caddyfile\n")[1:] {
		block, _, _ = strings.Cut(block, "```")
		if strings.Contains(block, "forward_auth") {
			return block
		}
	}
	t.Fatal("no Caddyfile with forward_auth in docs/identity-and-proxies.md")
	return ""
}

func TestForwardAuthRecipe(t *testing.T) {
	h := newHarness(t)
	front := fmt.Sprintf("http://localhost:%d", site2Port)
	site := strings.NewReplacer(
		"app.example.com {", front+" {",
		"127.0.0.1:3000", strings.TrimPrefix(h.up.URL, "http://"),
		"127.0.0.1:9080", fmt.Sprintf("127.0.0.1:%d", sitePort),
	).Replace(forwardAuthRecipe(t))
	h.load(strings.Replace(h.caddyfile(), "grace_period 1ns",
		"grace_period 1ns\n\tservers {\n\t\ttrusted_proxies static 127.0.0.1/32\n\t}", 1) + "\n" + site)
	c := newBrowser(t)
	const deep = "/notes/7?tab=all&sort=new"

	start := h.do(c, http.MethodGet, front+deep, nil, "Accept", "text/html")
	if got := mustQuery(t, start.Header.Get("Location")).Get("redirect_uri"); got != front+defaultRedirectPath {
		t.Errorf("redirect_uri %q, want the front site's %q", got, front+defaultRedirectPath)
	}
	back := h.loginVia(c, start, "yves")
	if back.StatusCode != http.StatusFound || back.Header.Get("Location") != deep {
		t.Fatalf("callback through the front site: status %d to %q, want %q", back.StatusCode, back.Header.Get("Location"), deep)
	}
	e := h.upstreamSaw(h.do(c, http.MethodGet, front+deep, nil, "Accept", "text/html", "X-Instagram-User-Id", "1"))
	if got := e.Header.Values("X-Instagram-User-Id"); e.Path != deep || len(got) != 1 || got[0] != instagramtest.UserID("yves") ||
		e.Header.Get("X-Instagram-Username") != "yves" {
		t.Errorf("the app got %s as %q / %q", e.Path, got, e.Header.Get("X-Instagram-Username"))
	}

	api := h.do(newBrowser(t), http.MethodPost, front+"/api/notes", strings.NewReader("{}"), "Accept", "application/json",
		"X-Instagram-User-Id", "1")
	if body := readAll(t, api); api.StatusCode != http.StatusUnauthorized || !strings.Contains(body, `"unauthorized"`) {
		t.Errorf("an API call without a session: status %d, body %s", api.StatusCode, body)
	}
	if resp := h.do(c, http.MethodGet, front+defaultAuthPath, nil); resp.StatusCode != http.StatusNotFound ||
		resp.Header.Get(defaultHeaderToken) != "" {
		t.Errorf("the auth endpoint through the front site: status %d", resp.StatusCode)
	}
	out := h.do(c, http.MethodGet, front+defaultLogoutPath, nil)
	if out.StatusCode != http.StatusFound {
		t.Errorf("logout: status %d", out.StatusCode)
	}
	if again := h.do(c, http.MethodGet, front+deep, nil, "Accept", "text/html"); again.StatusCode != http.StatusFound ||
		!strings.HasPrefix(again.Header.Get("Location"), h.ig.AuthorizeURL()) {
		t.Errorf("after logout: status %d to %q, want the login", again.StatusCode, again.Header.Get("Location"))
	}
	if n := h.up.calls.Load(); n != 1 {
		t.Errorf("the app was called %d times, want once", n)
	}
}
