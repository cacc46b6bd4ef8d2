package integration

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/b4b0c547/caddy-instagram-auth/instagramtest"
)

// oauthErrorBody is the token endpoint's error answer with message, as
// Instagram sends it.
func oauthErrorBody(message string) string {
	return `{"error_type":"OAuthException","code":400,"error_message":"` + message + `"}`
}

// A token endpoint that refuses the site's own settings is a configuration
// error, not an outage: the visitor is told the site's login is
// misconfigured and that the owner finds the reason in Caddy's log; the log
// line names the setting to check, and quotes no secret.
func TestMisconfigurationExplained(t *testing.T) {
	cases := []struct {
		name    string
		set     func(h *harness)
		setting string
		logged  []string
	}{
		{"wrong client_secret", func(h *harness) {
			h.load(strings.Replace(h.caddyfile(), "client_secret "+testSecret, "client_secret wrong-secret-SHOULD-NOT-LEAK", 1))
		}, "client_secret", []string{instagramtest.MsgBadClientSecret}},
		{"Facebook app id", func(h *harness) {
			h.ig.SetTokenFault(0, 400, oauthErrorBody(instagramtest.MsgInvalidPlatformApp))
		}, "client_id", []string{instagramtest.MsgInvalidPlatformApp, "Facebook"}},
		{"redirect_uri mismatch", func(h *harness) {
			h.ig.SetTokenFault(0, 400, oauthErrorBody(instagramtest.MsgRedirectURIMismatch))
		}, "redirect_uri", []string{siteURL + defaultRedirectPath, "registered"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			h := newHarness(t)
			c.set(h)
			resp := h.login(h.client, "nina", "/")
			body := readAll(t, resp)
			if resp.StatusCode != http.StatusBadGateway || findSetCookie(resp, insecureCookieName) != nil {
				t.Errorf("status %d, session %v; want 502 and none", resp.StatusCode, findSetCookie(resp, insecureCookieName))
			}
			for _, want := range []string{"misconfigured", "Caddy&#39;s log"} {
				if !strings.Contains(body, want) {
					t.Errorf("page lacks %q: %s", want, body)
				}
			}
			if strings.Contains(body, "not answering") || strings.Contains(body, "Error validating") {
				t.Errorf("page blames an outage or quotes Instagram: %s", body)
			}
			log := readLog(t, h.logFile, "misconfigured")
			line := logLineWith(log, "misconfigured")
			for _, want := range append(c.logged, `"check":"`+c.setting+`"`) {
				if !strings.Contains(line, want) {
					t.Errorf("log line lacks %q: %s", want, line)
				}
			}
			if strings.Contains(log, "SHOULD-NOT-LEAK") {
				t.Error("the log holds the client secret")
			}
		})
	}
}

// A reused code is a reloaded or double callback (another instance, say,
// took the first): not a misconfiguration, and not an outage either.
func TestReusedCodeIsNoMisconfiguration(t *testing.T) {
	h := newHarness(t)
	first := stripFragment(h.consent(h.client, h.startLogin(h.client, "/"), "omar", true))
	h.do(h.client, http.MethodGet, first, nil) // logs in, spending the code

	other := newBrowser(t)
	second, _ := url.Parse(stripFragment(h.consent(other, h.startLogin(other, "/"), "omar", true)))
	q := second.Query()
	q.Set("code", mustQuery(t, first).Get("code")) // the spent code, with this browser's good state
	second.RawQuery = q.Encode()
	resp := h.do(other, http.MethodGet, second.String(), nil)
	body := readAll(t, resp)
	if resp.StatusCode != http.StatusBadGateway || !strings.Contains(body, "already used") {
		t.Errorf("status %d, want 502 with a page saying the login was already used: %s", resp.StatusCode, body)
	}
	if strings.Contains(body, "misconfigured") || strings.Contains(body, "not answering") {
		t.Errorf("page blames the configuration or an outage: %s", body)
	}
	log := readLog(t, h.logFile, instagramtest.MsgCodeUsed)
	if line := logLineWith(log, instagramtest.MsgCodeUsed); !strings.Contains(line, `"level":"warn"`) || strings.Contains(line, "check") {
		t.Errorf("log line: %s, want a warning naming no setting", line)
	}
}

// Outages keep the page that says Instagram is not answering.
func TestOutageIsNotAnswering(t *testing.T) {
	h := newHarness(t)
	for name, fault := range map[string]func(){
		"500":      func() { h.ig.SetTokenFault(0, 500, "oops") },
		"timeout":  func() { h.ig.SetTokenFault(8*time.Second, 0, "") },
		"unknown":  func() { h.ig.SetTokenFault(0, 400, oauthErrorBody("Something new")) },
		"not json": func() { h.ig.SetTokenFault(0, 200, "<html>hi</html>") },
		"503 graph": func() {
			h.ig.SetTokenFault(0, 503, `{"error":{"message":"Please retry your request later.","type":"OAuthException","code":2}}`)
		},
	} {
		t.Run(name, func(t *testing.T) {
			fault()
			defer h.ig.SetTokenFault(0, 0, "")
			resp := h.login(newBrowser(t), "pia", "/")
			if body := readAll(t, resp); resp.StatusCode != http.StatusBadGateway || !strings.Contains(body, "not answering") {
				t.Errorf("status %d, want 502 and the not-answering page: %s", resp.StatusCode, body)
			}
		})
	}
}

// logLineWith is the first line of log holding s.
func logLineWith(log, s string) string {
	for _, line := range strings.Split(log, "\n") {
		if strings.Contains(line, s) {
			return line
		}
	}
	return ""
}
