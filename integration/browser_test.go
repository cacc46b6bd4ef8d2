package integration

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/b4b0c547/caddy-instagram-auth/instagramtest"
)

// The tests' browsers and what they do on the harness's site: page loads,
// the login through the mock Instagram, and reading cookies and answers.

// newBrowser is a browser: a cookie jar, redirects not followed.
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
