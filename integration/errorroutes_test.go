package integration

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
)

// customErrors is a site's handle_errors block that shows what Caddy knows
// about the error.
const customErrors = `handle_errors {
		respond "custom {err.status_code}: {err.message}" {err.status_code}
	}`

// Behaviour 20: with handle_errors in the site, the plugin's refusals are
// Caddy errors the site renders itself; their messages hold no secret.
func TestHandleErrorsRendersRefusals(t *testing.T) {
	h := newHarness(t, withSite(customErrors))
	custom := func(what string, resp *http.Response, status int) string {
		t.Helper()
		body := readAll(t, resp)
		if resp.StatusCode != status || !strings.HasPrefix(body, fmt.Sprintf("custom %d: ", status)) {
			t.Errorf("%s: status %d, body %q; want the site's own %d page", what, resp.StatusCode, body, status)
		}
		return body
	}
	custom("API call", h.do(h.client, http.MethodGet, siteURL+"/api/x", nil, "Accept", "application/json"), http.StatusUnauthorized)
	custom("whoami", h.do(h.client, http.MethodGet, siteURL+defaultWhoamiPath, nil), http.StatusUnauthorized)
	if resp := h.get("/page"); resp.StatusCode != http.StatusFound {
		t.Errorf("a page load: status %d, want the 302 to Instagram", resp.StatusCode)
	}

	// Denied at Instagram: the state cookie is still cleared.
	cb := stripFragment(h.consent(h.client, h.startLogin(h.client, "/"), "deny_me", false))
	resp := h.do(h.client, http.MethodGet, cb+"&error_description=%3Cb%3Eno%3C%2Fb%3E", nil)
	if body := custom("denied", resp, http.StatusForbidden); strings.Contains(body, "<b>") {
		t.Errorf("the provider's description reached err.message: %q", body)
	}
	if !strings.Contains(strings.Join(resp.Header.Values("Set-Cookie"), "\n"), insecureCookieName+"_state_") {
		t.Errorf("the denied callback did not clear its state cookie: %q", resp.Header.Values("Set-Cookie"))
	}
	custom("bad state", h.do(h.client, http.MethodGet, siteURL+defaultRedirectPath+"?code=c&state=s", nil), http.StatusForbidden)

	h.ig.SetTokenFault(0, http.StatusInternalServerError, `{"error_message":"boom"}`)
	cb = stripFragment(h.consent(h.client, h.startLogin(h.client, "/"), "broken", true))
	body := custom("token endpoint failing", h.do(h.client, http.MethodGet, cb, nil), http.StatusBadGateway)
	code := mustQuery(t, cb).Get("code")
	if strings.Contains(body, code) || strings.Contains(body, testSecret) || strings.Contains(body, "boom") {
		t.Errorf("err.message shows a code, secret or Instagram's answer: %q", body)
	}
	h.ig.SetTokenFault(0, 0, "")

	h.load(strings.Replace(h.caddyfile(), "client_secret", "allow_users only_her\n\t\tclient_secret", 1))
	custom("not allowed", h.login(newBrowser(t), "not_her", "/"), http.StatusForbidden)
}

// Behaviour 20: handle_errors for other statuses only leaves the plugin's
// built-in answers in place.
func TestHandleErrorsForOtherStatuses(t *testing.T) {
	h := newHarness(t, withSite(`handle_errors 404 5xx {
		respond "not found here" 404
	}`))
	resp := h.do(h.client, http.MethodGet, siteURL+"/api/x", nil, "Accept", "application/json")
	if body := readAll(t, resp); resp.StatusCode != http.StatusUnauthorized || !strings.Contains(body, `"error"`) {
		t.Errorf("401 with handle_errors 404 5xx: status %d, body %q; want the built-in JSON", resp.StatusCode, body)
	}
	resp = h.do(h.client, http.MethodGet, siteURL+defaultRedirectPath+"?code=c&state=s", nil)
	if body := readAll(t, resp); resp.StatusCode != http.StatusForbidden || !strings.Contains(body, "Login expired") {
		t.Errorf("403 with handle_errors 404 5xx: status %d, body %q; want the built-in page", resp.StatusCode, body)
	}

	// Given the plugin's status, handle_errors takes it.
	h.load(strings.Replace(h.caddyfile(), "handle_errors 404 5xx", "handle_errors 401 404", 1))
	resp = h.do(h.client, http.MethodGet, siteURL+"/api/x", nil, "Accept", "application/json")
	if body := readAll(t, resp); resp.StatusCode != http.StatusNotFound || body != "not found here" {
		t.Errorf("401 with handle_errors 401 404: status %d, body %q; want the site's answer", resp.StatusCode, body)
	}
	resp = h.do(h.client, http.MethodGet, siteURL+defaultRedirectPath+"?code=c&state=s", nil)
	if body := readAll(t, resp); resp.StatusCode != http.StatusForbidden || !strings.Contains(body, "Login expired") {
		t.Errorf("403 with handle_errors 401 404: status %d, body %q; want the built-in page", resp.StatusCode, body)
	}
}

// Caddy matches its error routes against the request as the client sent
// it, before any rewrite: so does the plugin when it asks whether they
// would take its error.
func TestHandleErrorsSeesTheRequestAsSent(t *testing.T) {
	h := newHarness(t, withSite("rewrite * /app{uri}", `handle_errors {
		@api path /api/*
		respond @api "custom api {err.status_code}" {err.status_code}
	}`))
	for path, want := range map[string]string{"/api/x": "custom api 401", "/other": `"error"`} {
		resp := h.do(h.client, http.MethodGet, siteURL+path, nil, "Accept", "application/json")
		if body := readAll(t, resp); resp.StatusCode != http.StatusUnauthorized || !strings.Contains(body, want) {
			t.Errorf("%s: status %d, body %q; want 401 with %q", path, resp.StatusCode, body, want)
		}
	}
}

// Behaviour 20: sites share a listener, and the Caddyfile puts every site's
// handle_errors on it; a site without handle_errors keeps the built-in
// answers, and a site with it gets its own.
func TestHandleErrorsIsPerSite(t *testing.T) {
	h := newHarness(t)
	global := h.globalOptions()
	site := func(host, extra string) string {
		return fmt.Sprintf(`
http://%s:%d {
	instagram_auth {
		client_id %s
		client_secret %s
		authorize_url %s
		token_url %s
		insecure_cookies
	}
	%s
	reverse_proxy %s
}
`, host, sitePort, testID, testSecret, h.ig.AuthorizeURL(), h.ig.TokenURL(), extra, strings.TrimPrefix(h.up.URL, "http://"))
	}
	h.load(global + site("localhost", "") + site("127.0.0.1", customErrors))

	for _, c := range []struct {
		host, want string
	}{
		{"localhost", `"error"`},
		{"127.0.0.1", "custom 401: "},
	} {
		resp := h.do(h.client, http.MethodGet, fmt.Sprintf("http://%s:%d/api/x", c.host, sitePort), nil, "Accept", "application/json")
		if body := readAll(t, resp); resp.StatusCode != http.StatusUnauthorized || !strings.Contains(body, c.want) {
			t.Errorf("%s: status %d, body %q; want 401 with %q", c.host, resp.StatusCode, body, c.want)
		}
	}
}
