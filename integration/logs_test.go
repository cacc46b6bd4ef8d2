package integration

import (
	"encoding/json"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"
)

// Behaviour 8: after logins, failures and logout, Caddy's debug-level log
// holds none of the client secret, tokens, codes, states or cookie values.
//
// One entry is Caddy's, not ours: at DEBUG, reverse_proxy logs the headers
// it sends upstream ("upstream roundtrip"), and redacts only Cookie and
// Authorization, so the token header shows there. The plugin warns at
// start-up; the README's log filter, or header_token off, removes it. All
// three set-ups are checked.
func TestNoSecretsInDebugLogs(t *testing.T) {
	t.Run("token header filtered from the log", func(t *testing.T) {
		h := newHarness(t, withLogFormat(`filter {
			wrap json
			request>headers>X-Instagram-Access-Token delete
		}`))
		leaks := exerciseAndFindSecrets(t, h, true)
		for _, l := range leaks {
			t.Errorf("a log entry holds a secret: %s", l)
		}
	})
	t.Run("header_token off", func(t *testing.T) {
		h := newHarness(t, withOptions("header_token off"))
		for _, l := range exerciseAndFindSecrets(t, h, false) {
			t.Errorf("a log entry holds a secret: %s", l)
		}
	})
	t.Run("token header, no filter", func(t *testing.T) {
		h := newHarness(t)
		leaks := exerciseAndFindSecrets(t, h, true)
		for _, l := range leaks {
			if l != "http.handlers.reverse_proxy: upstream roundtrip" {
				t.Errorf("a log entry holds a secret: %s", l)
			}
		}
		if len(leaks) == 0 {
			t.Log("Caddy's reverse_proxy no longer logs upstream headers: the README's filter advice can go")
		}
		if log := readLog(t, h.logFile, "debug logging"); !strings.Contains(log, "debug logging") {
			t.Error("no start-up warning about the token header in debug logs")
		}
	})
}

// exerciseAndFindSecrets runs logins, failures and logout, and returns the
// sources of the log entries that hold any secret seen on the way.
func exerciseAndFindSecrets(t *testing.T, h *harness, tokenHeader bool) []string {
	t.Helper()
	var secrets []string
	add := func(what string, values ...string) {
		for _, v := range values {
			if v == "" {
				t.Fatalf("no %s to look for", what)
			}
			secrets = append(secrets, v)
		}
	}
	add("client secret", testSecret)

	// A full login, watching the code, state and cookies go by.
	authorize := h.startLogin(h.client, "/page")
	add("state", mustQuery(t, authorize).Get("state"))
	cb := stripFragment(h.consent(h.client, authorize, "quinn", true))
	add("code", mustQuery(t, cb).Get("code"))
	for _, c := range jarCookies(h.client) {
		add("state cookie", c.Value)
	}
	resp := h.do(h.client, http.MethodGet, cb, nil)
	add("session cookie", findSetCookie(resp, insecureCookieName).Value)
	e := h.upstreamSaw(h.get("/page"))
	if tokenHeader {
		add("access token", e.Header.Get("X-Instagram-Access-Token"))
	}

	// Failures: a refused code, a failing token endpoint, a forged state.
	h.ig.SetTokenFault(0, 400, `{"error_type":"OAuthException","code":400,"error_message":"Matching code was not found or was already used"}`)
	c2 := newBrowser(t)
	authorize = h.startLogin(c2, "/x")
	add("state", mustQuery(t, authorize).Get("state"))
	cb = stripFragment(h.consent(c2, authorize, "quinn", true))
	add("code", mustQuery(t, cb).Get("code"))
	h.do(c2, http.MethodGet, cb, nil)
	h.ig.SetTokenFault(0, 0, "")
	h.do(c2, http.MethodGet, siteURL+defaultRedirectPath+"?code=abc&state="+strings.Repeat("B", 43), nil)
	h.ig.SetUserinfoFail(true)
	h.ig.SetExchangeFail(true)
	c3 := newBrowser(t)
	h.mustLogin(c3, "rita", "/")
	if tokenHeader {
		add("1-hour token", h.upstreamSaw(h.do(c3, http.MethodGet, siteURL+"/", nil)).Header.Get("X-Instagram-Access-Token"))
	}

	h.get(defaultLogoutPath)

	log := readLog(t, h.logFile, `"msg":"logout"`)
	for _, want := range []string{`"msg":"login"`, `"user_id":"`, `"msg":"logout"`, "login failed", "login without a username"} {
		if !strings.Contains(log, want) {
			t.Errorf("the log lacks %s", want)
		}
	}
	var leaks []string
	for _, line := range strings.Split(log, "\n") {
		for _, s := range secrets {
			if strings.Contains(line, s) {
				leaks = append(leaks, logSource(line))
			}
		}
	}
	return leaks
}

// logSource names a log entry without quoting it.
func logSource(line string) string {
	var entry struct{ Logger, Msg string }
	_ = json.Unmarshal([]byte(line), &entry)
	return entry.Logger + ": " + entry.Msg
}

// readLog waits until the log holds marker (file writes are buffered).
func readLog(t *testing.T, path, marker string) string {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		b, _ := os.ReadFile(path)
		if strings.Contains(string(b), marker) || time.Now().After(deadline) {
			return string(b)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
