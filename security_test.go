package instagramauth

import (
	"os"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/b4b0c547/caddy-instagram-auth/internal/throttle"
)

// The notes (docs/security.md) name the defaults they explain; keep them in
// step with the code.
func TestSecurityNotesNameTheDefaults(t *testing.T) {
	b, err := os.ReadFile("docs/security.md")
	if err != nil {
		t.Fatal(err)
	}
	notes := string(b)
	for _, want := range []string{defaultCookieName, defaultDomainCookieName, insecureCookieName,
		"login_rate_limit", defaultLoginRateLimit, "trusted_proxies", "429", "503", "Retry-After"} {
		if !strings.Contains(notes, want) {
			t.Errorf("the security notes do not mention %s", want)
		}
	}
	if m := regexp.MustCompile(`at most (\d+) token requests at once`).FindStringSubmatch(notes); m == nil || m[1] != strconv.Itoa(throttle.MaxInFlight) {
		t.Errorf("the security notes do not state the in-flight bound of %d", throttle.MaxInFlight)
	}
}
