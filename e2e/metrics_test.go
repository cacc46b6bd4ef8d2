package e2e

import (
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"
)

// TestMetrics: the demo's admin endpoint serves the plugin's metrics, as
// the README tells a newcomer to curl them, and a browser's login shows
// in them.
func TestMetrics(t *testing.T) {
	_, tb := newBrowser(t)
	const logins = `caddy_instagram_auth_logins_total{result="success"}`
	before := scrapeDemo(t)[logins]
	login(t, tb, appURL+"/metrics-test", "carol")
	after := scrapeDemo(t)
	if after[logins] != before+1 {
		t.Errorf("%s went from %v to %v over one login, want one more", logins, before, after[logins])
	}
	for _, name := range []string{
		`caddy_instagram_auth_requests_total{outcome="redirected"}`,
		`caddy_instagram_auth_provider_requests_total{endpoint="token",result="ok"}`,
	} {
		if after[name] < 1 {
			t.Errorf("%s = %v after a login, want at least 1", name, after[name])
		}
	}
}

// scrapeDemo reads the plugin's series from the demo's /metrics.
func scrapeDemo(t *testing.T) map[string]float64 {
	t.Helper()
	resp, err := http.Get(metricsURL)
	if err != nil {
		t.Fatalf("GET %s: %v", metricsURL, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: status %d, %v", metricsURL, resp.StatusCode, err)
	}
	all := map[string]float64{}
	for _, line := range strings.Split(string(body), "\n") {
		name, value, ok := strings.Cut(line, " ")
		if v, err := strconv.ParseFloat(value, 64); ok && err == nil && strings.HasPrefix(name, "caddy_instagram_auth_") {
			all[name] = v
		}
	}
	if len(all) == 0 {
		t.Fatalf("%s serves no caddy_instagram_auth_ series", metricsURL)
	}
	return all
}
