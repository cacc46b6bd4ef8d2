package integration

// The recipes of the README, each through a real Caddy.

import (
	"net/http"
	"strings"
	"testing"

	"github.com/b4b0c547/caddy-instagram-auth/instagramtest"
)

// status is the status of a browser's page load of path.
func (h *harness) status(c *http.Client, path string) int {
	h.t.Helper()
	return h.do(c, http.MethodGet, siteURL+path, nil, "Accept", "text/html").StatusCode
}

// Public paths: a named matcher with not protects everything else.
func TestRecipePublicPathsWithNot(t *testing.T) {
	h := newHarness(t, withMatcher("@private"), withSite("@private not path /public/* /healthz"))
	for path, want := range map[string]int{"/public/logo.png": 200, "/healthz": 200, "/": 302, "/account": 302} {
		if got := h.status(newBrowser(t), path); got != want {
			t.Errorf("%s: status %d, want %d", path, got, want)
		}
	}
	h.mustLogin(h.client, "gail", "/account")
	if e := h.upstreamSaw(h.get("/public/logo.png")); e.Header.Get("X-Instagram-Username") != "gail" {
		t.Errorf("a public page after login: upstream saw %q, want gail", e.Header.Get("X-Instagram-Username"))
	}
}

// /admin/* does not match /admin itself, and /admin* matches /administrator
// too; a named matcher with both paths protects exactly the section.
func TestRecipeAdminSection(t *testing.T) {
	for matcher, want := range map[string]map[string]int{
		"/admin/*": {"/admin": 200, "/admin/": 302, "/admin/users": 302, "/administrator": 200},
		"/admin*":  {"/admin": 302, "/admin/users": 302, "/administrator": 302},
		"@admin":   {"/admin": 302, "/admin/": 302, "/admin/users": 302, "/administrator": 200, "/": 200},
	} {
		t.Run(matcher, func(t *testing.T) {
			h := newHarness(t, withMatcher(matcher), withSite("@admin path /admin /admin/*"))
			for path, status := range want {
				if got := h.status(newBrowser(t), path); got != status {
					t.Errorf("%s: status %d, want %d", path, got, status)
				}
			}
		})
	}
}

// Instead of instagram_auth inside handle: the directive at the top level
// with the section's matcher, and handle blocks as usual. The login ends at
// the callback outside the section, and the other handle blocks never pass
// a client's identity headers on.
func TestRecipeTopLevelWithHandleBlocks(t *testing.T) {
	h := newHarness(t, withMatcher("/admin*"), func(h *harness) {
		up := strings.TrimPrefix(h.up.URL, "http://")
		h.siteTail += "handle /admin* {\n\treverse_proxy " + up + "\n}\nhandle /api/* {\n\treverse_proxy " + up + "\n}\n"
	})
	e := h.upstreamSaw(h.do(newBrowser(t), http.MethodGet, siteURL+"/api/orders", nil, "X-Instagram-User-Id", "1"))
	if got := e.Header.Get("X-Instagram-User-Id"); got != "" {
		t.Errorf("/api/: upstream saw the client's user id %q", got)
	}
	h.mustLogin(h.client, "hugo", "/admin/users")
	if e := h.upstreamSaw(h.get("/admin/users")); e.Header.Get("X-Instagram-Username") != "hugo" {
		t.Errorf("/admin/users after login: upstream saw %q, want hugo", e.Header.Get("X-Instagram-Username"))
	}
}

// Finding one's own id for allow_users: the denial is logged with the id
// and the username; with that id listed, the login succeeds.
func TestRecipeDenialLogGivesTheID(t *testing.T) {
	h := newHarness(t, withOptions("allow_users 1"))
	if resp := h.login(h.client, "iris", "/"); resp.StatusCode != http.StatusForbidden {
		t.Fatalf("login of a user not listed: status %d, want 403", resp.StatusCode)
	}
	id := instagramtest.UserID("iris")
	line := logLineWith(readLog(t, h.logFile, "login denied"), "login denied by allow_users")
	if !strings.Contains(line, `"user_id":"`+id+`"`) || !strings.Contains(line, `"username":"iris"`) {
		t.Fatalf("denial log line %q lacks the user id %s and username", line, id)
	}
	h.load(strings.Replace(h.caddyfile(), "allow_users 1", "allow_users "+id, 1))
	h.mustLogin(newBrowser(t), "iris", "/")
}
