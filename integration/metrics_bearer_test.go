package integration

import (
	"net/http"
	"testing"
)

// Behaviour 35: bearer requests, the auth endpoint and the bearer checks
// at Instagram move their own series, and only those.
func TestMetricsBearerAndAuthEndpoint(t *testing.T) {
	h := newHarness(t, withOptions("allow_bearer"))
	step := func(name string, want map[string]float64, act func()) {
		t.Helper()
		before := scrape(t)
		act()
		movedBy(t, name, before, scrape(t), want)
	}
	token := h.ig.MintToken("xena", true)
	check := func(result string) map[string]float64 {
		return map[string]float64{providerSeries("bearer", result): 1, durationCountSeries("bearer"): 1}
	}
	with := func(m map[string]float64, series string) map[string]float64 {
		m[series]++
		return m
	}
	step("a new token", with(check("ok"), requestsSeries("bearer")), func() {
		h.upstreamSaw(h.bearerCall("/", token))
	})
	step("a kept token", map[string]float64{requestsSeries("bearer"): 1}, func() {
		h.upstreamSaw(h.bearerCall("/", token))
	})
	step("another app's token", with(check("error"), requestsSeries("unauthorized")), func() {
		checkInvalidToken(t, h.bearerCall("/", h.ig.MintOtherAppToken("xena", true)), "another app's")
	})
	step("the auth endpoint without a session", map[string]float64{requestsSeries("auth_endpoint"): 1}, func() {
		if resp := h.askAuth(newBrowser(t), http.MethodGet); resp.StatusCode != http.StatusUnauthorized {
			t.Fatalf("status %d", resp.StatusCode)
		}
	})
	step("the auth endpoint with a token", map[string]float64{requestsSeries("auth_endpoint"): 1}, func() {
		if resp := h.askAuth(appClient, http.MethodGet, "Authorization", "Bearer "+token); resp.StatusCode != http.StatusOK {
			t.Fatalf("status %d", resp.StatusCode)
		}
	})
	step("the start endpoint", map[string]float64{requestsSeries("redirected"): 1}, func() {
		h.do(newBrowser(t), http.MethodGet, siteURL+defaultStartPath+"?rd=/x", nil, "Accept", "text/html")
	})
}
