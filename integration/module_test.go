package integration

import (
	"strings"
	"testing"
)

// startupMessage is the start-up line's message (docs/operations.md).
const startupMessage = "the redirect URI to register with Instagram"

// Behaviour 27 in a real Caddy: the line is written once per config load
// (start-up and each reload), not once per request.
func TestStartupLineOncePerLoad(t *testing.T) {
	h := newHarness(t, withOptions("redirect_uri http://localhost:9080/oauth2/instagram/callback"))
	h.mustLogin(h.client, "uma", "/")
	h.options += "session_lifetime 2h\n"
	h.load(h.caddyfile())
	h.get("/")

	h.get(defaultLogoutPath)
	log := readLog(t, h.logFile, `"msg":"logout"`) // the last line written
	var lines []string
	for _, l := range strings.Split(log, "\n") {
		if strings.Contains(l, `"msg":"`+startupMessage+`"`) {
			lines = append(lines, l)
		}
	}
	if len(lines) != 2 {
		t.Fatalf("%d start-up lines for two loads, want 2", len(lines))
	}
	for _, l := range lines {
		if !strings.Contains(l, `"redirect_uri":"http://localhost:9080/oauth2/instagram/callback"`) {
			t.Errorf("start-up line without the redirect URI: %s", l)
		}
		// Posted to the admin API, the Caddyfile is not on disk: the line
		// names the site by the addresses its server listens on.
		if !strings.Contains(l, `"site":":9080"`) {
			t.Errorf("start-up line without the site: %s", l)
		}
	}
}
