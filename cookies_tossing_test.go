package instagramauth

import (
	"strings"
	"testing"

	"github.com/caddyserver/caddy/v2/caddyconfig"
)

// Behaviour 21: a cookie_name a browser would drop is refused when the
// config loads, naming the option and its line. Browsers match the
// prefixes in any case.
func TestPrefixedCookieNameRefusedWhereBrowsersDropIt(t *testing.T) {
	for _, c := range []struct {
		name, other string
		refused     bool
	}{
		{"__Host-app", "cookie_domain example.com", true},
		{"__Host-app", "insecure_cookies", true},
		{"__Secure-app", "insecure_cookies", true},
		{"__HOST-app", "cookie_domain example.com", true},
		{"__host-app", "insecure_cookies", true},
		{"__SeCuRe-app", "insecure_cookies", true},
		{"__Secure-app", "cookie_domain example.com", false},
		{"__Host-app", "session_lifetime 1h", false},
		{"_Host-app", "insecure_cookies", false},
		{"app__Host-", "cookie_domain example.com", false},
	} {
		cfg := "example.com {\n\tinstagram_auth {\n\t\tclient_id 1\n\t\tclient_secret s\n\t\t" + c.other +
			"\n\t\tcookie_name " + c.name + "\n\t}\n}\n"
		_, _, err := caddyconfig.GetAdapter("caddyfile").Adapt([]byte(cfg), nil)
		if !c.refused {
			if err != nil {
				t.Errorf("cookie_name %s with %s refused: %v", c.name, c.other, err)
			}
			continue
		}
		if err == nil || !strings.Contains(err.Error(), "cookie_name") || !strings.Contains(err.Error(), "Caddyfile:6") {
			t.Errorf("cookie_name %s with %s: error %v, want one naming cookie_name at Caddyfile:6", c.name, c.other, err)
		}
		// The same in the JSON config (caddy validate, caddy run).
		h := map[string]any{"handler": "instagram_auth", "client_id": "1", "client_secret": "s", "cookie_name": c.name,
			"cookie_secret": []string{"9Z3dLr3KQ3NKl1nUq8V6mP3yLx4p4k1q7b2GZ0tD2m8="}}
		if strings.HasPrefix(c.other, "cookie_domain") {
			h["cookie_domain"] = "example.com"
		} else {
			h["insecure_cookies"] = true
		}
		if err := validateJSON(t, h); err == nil || !strings.Contains(err.Error(), "cookie_name") {
			t.Errorf("JSON cookie_name %s with %s: error %v, want one naming cookie_name", c.name, c.other, err)
		}
	}
}
