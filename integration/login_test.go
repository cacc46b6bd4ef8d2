package integration

import "testing"

// Behaviour 3: X-Forwarded-* never shape the redirect_uri
// (caddy-security CVE-2024-21499).
func TestRedirectURIIgnoresForwardedHeaders(t *testing.T) {
	h := newHarness(t)
	resp := h.get("/", "X-Forwarded-Proto", "https", "X-Forwarded-Host", "evil.example", "Forwarded", "host=evil.example;proto=https")
	got := mustQuery(t, resp.Header.Get("Location")).Get("redirect_uri")
	if got != siteURL+defaultRedirectPath {
		t.Errorf("redirect_uri %q, want %q", got, siteURL+defaultRedirectPath)
	}
}
