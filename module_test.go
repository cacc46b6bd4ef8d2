package instagramauth

import (
	"strings"
	"testing"

	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
	"go.uber.org/zap/zaptest/observer"
)

const startupMessage = "the redirect URI to register with Instagram"

// Behaviour 27: one INFO line names the redirect URI to register: the URL
// itself, or for a path, the site's origin followed by it.
func TestStartupNamesTheRedirectURI(t *testing.T) {
	for _, tc := range []struct {
		redirectURI, want string
		insecure          bool
	}{
		{defaultRedirectPath, "https://<your site>" + defaultRedirectPath, false},
		{"/auth/cb", "https://<your site>/auth/cb", false},
		// A plain-HTTP development site registers an http:// URI.
		{defaultRedirectPath, "http://<your site>" + defaultRedirectPath, true},
		{"https://app.example.com/oauth2/instagram/callback", "https://app.example.com/oauth2/instagram/callback", false},
	} {
		h := unitHandler(t)
		h.RedirectURI = tc.redirectURI
		h.InsecureCookies = tc.insecure
		core, logs := observer.New(zapcore.InfoLevel)
		h.logger = zap.New(core)
		logStartup(h)

		lines := logs.FilterMessage(startupMessage).All()
		if len(lines) != 1 {
			t.Fatalf("redirect_uri %s: %d start-up lines naming it, want 1", tc.redirectURI, len(lines))
		}
		fields := lines[0].ContextMap()
		if lines[0].Level != zapcore.InfoLevel || fields["redirect_uri"] != tc.want || fields["client_id"] != h.ClientID {
			t.Errorf("redirect_uri %s: logged %v %v, want INFO with redirect_uri %s and the client_id", tc.redirectURI, lines[0].Level, fields, tc.want)
		}
		hint, _ := fields["hint"].(string)
		if path := strings.HasPrefix(tc.redirectURI, "/"); path != strings.Contains(hint, "origin") {
			t.Errorf("redirect_uri %s: hint %q", tc.redirectURI, hint)
		}
	}
}
