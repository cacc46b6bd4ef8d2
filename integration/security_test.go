package integration

import (
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/b4b0c547/caddy-instagram-auth/instagramtest"
)

// The examples of the security notes (docs/security.md) and of the README's
// recipes, each run in a real Caddy. docsExample checks that the page still
// shows the example exactly as tested.

// docsExample fails the test unless the file (README.md or a page under
// docs/, named from the repository's root) holds snippet, compared line by
// line with leading whitespace ignored.
func docsExample(t *testing.T, file, snippet string) {
	t.Helper()
	trim := func(s string) string {
		lines := strings.Split(strings.TrimSpace(s), "\n")
		for i, l := range lines {
			lines[i] = strings.TrimSpace(l)
		}
		return strings.Join(lines, "\n")
	}
	// Whole lines: a snippet must not pass as the start or end of a longer line.
	if b, err := os.ReadFile(filepath.Join(repoRoot, file)); err == nil && strings.Contains("\n"+trim(string(b))+"\n", "\n"+trim(snippet)+"\n") {
		return
	}
	t.Errorf("%s does not show the tested example:\n%s", file, snippet)
}

// accessLogFilter is the notes' log filter: Caddy's access log records the
// callback's code and state in request>uri, the state in the authorize
// redirect's Location, and both in the Referer of a page reached from the
// callback's page.
const accessLogFilter = `format filter {
	wrap json
	request>uri query {
		delete code
		delete state
	}
	request>headers>Referer query {
		delete code
		delete state
	}
	resp_headers>Location query {
		delete state
	}
}`

// The access log, filtered as the notes say, holds neither the codes nor
// the states (nor, as Caddy redacts cookies, any cookie value); unfiltered
// it holds them, which is why the notes give the filter.
func TestAccessLogFilterRemovesCodeAndState(t *testing.T) {
	defer docsExample(t, "docs/security.md", accessLogFilter) // after the harness, which stops a failed test
	dir := t.TempDir()
	filtered, raw := filepath.Join(dir, "filtered.log"), filepath.Join(dir, "raw.log")
	h := newHarness(t, withSite(
		"log filtered {\n\toutput file "+filtered+"\n\t"+accessLogFilter+"\n}",
		"log raw {\n\toutput file "+raw+"\n\tformat json\n}",
	))
	var secrets []string
	authorize := h.startLogin(h.client, "/report")
	cb := stripFragment(h.consent(h.client, authorize, "xena", true))
	secrets = append(secrets, mustQuery(t, cb).Get("code"), mustQuery(t, cb).Get("state"))
	for _, c := range jarCookies(h.client) {
		secrets = append(secrets, c.Value)
	}
	resp := h.do(h.client, http.MethodGet, cb, nil)
	secrets = append(secrets, findSetCookie(resp, insecureCookieName).Value)
	// A refused callback whose page links on: the next page's Referer.
	other := newBrowser(t)
	junk := siteURL + defaultRedirectPath + "?code=junk-code-123&state=" + mustQuery(t, h.startLogin(other, "/")).Get("state")
	secrets = append(secrets, "junk-code-123", mustQuery(t, junk).Get("state"))
	if page := h.do(other, http.MethodGet, junk, nil); page.Header.Get("Referrer-Policy") != "no-referrer" {
		t.Errorf("the callback's page has Referrer-Policy %q, want no-referrer", page.Header.Get("Referrer-Policy"))
	}
	// A client that sends the Referer anyway:
	h.do(other, http.MethodGet, siteURL+"/", nil, "Referer", junk)
	h.upstreamSaw(h.get("/done"))

	want := `"user_id":"` + instagramtest.UserID("xena") + `"`
	filteredLog, rawLog := readLog(t, filtered, want), readLog(t, raw, want)
	for _, s := range secrets {
		if strings.Contains(filteredLog, s) {
			t.Errorf("the filtered access log holds a code, state or cookie value (%d characters)", len(s))
		}
	}
	if !strings.Contains(filteredLog, defaultRedirectPath) || !strings.Contains(filteredLog, want) {
		t.Errorf("the filtered access log lacks the callback or the user id:\n%s", filteredLog)
	}
	if !strings.Contains(rawLog, secrets[0]) || !strings.Contains(rawLog, secrets[1]) {
		t.Error("the unfiltered access log holds neither code nor state: the filter proves nothing")
	}
}

// pathMatcherAdvice is the README recipe for protecting a part of a site:
// /admin* rather than /admin/*.
const pathMatcherAdvice = `instagram_auth /admin* {`

// protectEverythingBut is the recipe's other advice: protect the whole site
// and name the public paths.
const protectEverythingBut = `@protected not path /public/* /favicon.ico /robots.txt
instagram_auth @protected {`

// A path matcher /admin/* leaves /admin and /admin;x outside it, and
// upstreams that cut ";..." off a path (Tomcat, Jetty, Spring) serve them
// as /admin: the recipe says so, and these tests keep it honest.
func TestPathMatcherAdvice(t *testing.T) {
	defer docsExample(t, "README.md", pathMatcherAdvice)
	defer docsExample(t, "README.md", protectEverythingBut)
	outcome := func(h *harness, path string) string {
		resp := h.do(newBrowser(t), http.MethodGet, siteURL+path, nil, "Accept", "text/html")
		switch {
		case resp.StatusCode == http.StatusFound && strings.HasPrefix(resp.Header.Get("Location"), h.ig.AuthorizeURL()):
			return "login"
		case resp.StatusCode == http.StatusOK:
			return "open"
		}
		return resp.Status
	}
	for _, c := range []struct {
		name, matcher, site string
		want                map[string]string
	}{
		{"the pitfall: /admin/*", "/admin/*", "", map[string]string{
			"/admin/users": "login", "/admin": "open", "/admin;x": "open", "/public/a": "open",
		}},
		{"advice: /admin*", "/admin*", "", map[string]string{
			"/admin/users": "login", "/admin": "login", "/admin;x": "login", "/ADMIN": "login",
			"/admin%2Fusers": "login", "/administrator": "login", "/public/a": "open",
		}},
		{"exactly the section: path /admin /admin/*", "@admin", "@admin path /admin /admin/*", map[string]string{
			"/admin": "login", "/admin/users": "login", "/admin;x": "open", "/administrator": "open",
		}},
		{"advice: everything but", "@protected", "@protected not path /public/* /favicon.ico /robots.txt", map[string]string{
			"/": "login", "/admin": "login", "/admin;x": "login", "/public/a": "open", "/robots.txt": "open",
			"/public": "login", "/favicon.ico;x": "login",
		}},
	} {
		t.Run(c.name, func(t *testing.T) {
			h := newHarness(t, withMatcher(c.matcher), withSite(c.site))
			for path, want := range c.want {
				if got := outcome(h, path); got != want {
					t.Errorf("%s with instagram_auth %s: %s, want %s", path, c.matcher, got, want)
				}
			}
		})
	}
}

// stripOtherIdentity is the notes' snippet for the identity headers of
// other auth layers, which the plugin leaves alone.
const stripOtherIdentity = `request_header -X-Forwarded-User
request_header -X-Forwarded-Email
request_header -X-Auth-Request-User
request_header -Remote-User`

// Headers other auth proxies set pass the plugin untouched: an upstream
// must trust only the plugin's headers, or strip the others as the notes
// show.
func TestOtherIdentityHeadersPassUntouched(t *testing.T) {
	defer docsExample(t, "docs/security.md", stripOtherIdentity)
	forged := []string{"X-Forwarded-User", "admin", "Remote-User", "admin", "X-Auth-Request-User", "admin", "X-Forwarded-Email", "a@b"}
	for _, strip := range []bool{false, true} {
		var site []string
		if strip {
			site = strings.Split(stripOtherIdentity, "\n")
		}
		h := newHarness(t, withSite(site...))
		h.mustLogin(h.client, "yuri", "/")
		e := h.upstreamSaw(h.do(h.client, http.MethodGet, siteURL+"/", nil, forged...))
		for i := 0; i < len(forged); i += 2 {
			if got := e.Header.Get(forged[i]); (got != "") == strip {
				t.Errorf("stripped %v: the upstream got %s %q", strip, forged[i], got)
			}
		}
		if e.Header.Get("X-Instagram-Username") != "yuri" {
			t.Errorf("stripped %v: the plugin's identity is gone: %v", strip, e.Header)
		}
	}
}
