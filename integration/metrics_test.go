package integration

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/b4b0c547/caddy-instagram-auth/instagramtest"
)

// Behaviour 25: every series exists from the start, and each request moves
// exactly the series it should, scraped from the admin endpoint of a real
// Caddy.
func TestMetricsMoveWithRequests(t *testing.T) {
	h := newHarness(t)
	onlyKnownSeries(t, "before any request", scrape(t))
	step := func(name string, want map[string]float64, act func()) {
		t.Helper()
		before := scrape(t)
		act()
		movedBy(t, name, before, scrape(t), want)
	}
	loginCalls := map[string]float64{
		providerSeries("token", "ok"): 1, providerSeries("exchange", "ok"): 1, providerSeries("userinfo", "ok"): 1,
		durationCountSeries("token"): 1, durationCountSeries("exchange"): 1, durationCountSeries("userinfo"): 1,
	}
	with := func(base map[string]float64, more map[string]float64) map[string]float64 {
		all := map[string]float64{}
		for _, m := range []map[string]float64{base, more} {
			for k, v := range m {
				all[k] += v
			}
		}
		return all
	}

	step("page load without a session", map[string]float64{requestsSeries("redirected"): 1}, func() {
		h.startLogin(newBrowser(t), "/page")
	})
	step("API call without a session", map[string]float64{requestsSeries("unauthorized"): 1}, func() {
		if resp := h.do(newBrowser(t), http.MethodGet, siteURL+"/api", nil, "Accept", "application/json"); resp.StatusCode != http.StatusUnauthorized {
			t.Fatalf("API call: status %d", resp.StatusCode)
		}
	})
	step("login", with(loginCalls, map[string]float64{requestsSeries("redirected"): 1, loginsSeries("success"): 1}), func() {
		h.mustLogin(h.client, "olga", "/page")
	})
	step("request with a session", map[string]float64{requestsSeries("authenticated"): 1}, func() {
		h.upstreamSaw(h.get("/page"))
	})
	step("logout", map[string]float64{revocationsSeries("logout"): 1}, func() {
		h.get(defaultLogoutPath)
	})
	step("consent denied", map[string]float64{requestsSeries("redirected"): 1, loginsSeries("denied"): 1}, func() {
		c := newBrowser(t)
		cb := h.consent(c, h.startLogin(c, "/"), "olga", false)
		h.do(c, http.MethodGet, stripFragment(cb), nil)
	})
	step("forged state", map[string]float64{loginsSeries("bad_state"): 1}, func() {
		h.do(newBrowser(t), http.MethodGet, siteURL+defaultRedirectPath+"?code=abc&state="+strings.Repeat("B", 43), nil)
	})

	h.options += "allow_users somebody_else\n"
	h.load(h.caddyfile())
	step("user not allowed", with(loginCalls, map[string]float64{requestsSeries("redirected"): 1, loginsSeries("not_allowed"): 1}), func() {
		if resp := h.login(newBrowser(t), "olga", "/"); resp.StatusCode != http.StatusForbidden {
			t.Fatalf("login of a user not allowed: status %d", resp.StatusCode)
		}
	})

	h.matcher = "/private/*"
	h.load(h.caddyfile())
	step("outside the matcher", map[string]float64{requestsSeries("passed"): 1}, func() {
		h.upstreamSaw(h.do(newBrowser(t), http.MethodGet, siteURL+"/public", nil))
	})

	noIdentityInLabels(t, scrapeText(t), "olga", instagramtest.UserID("olga"), "/page", "/public", "/api")
	onlyKnownSeries(t, "after every kind of request", scrape(t))
}

// noIdentityInLabels checks that no series of the plugin names a user or a
// path: labels are the README's bounded sets only.
func noIdentityInLabels(t *testing.T, text string, forbidden ...string) {
	t.Helper()
	for _, line := range strings.Split(text, "\n") {
		if !strings.Contains(line, "caddy_instagram_auth_") {
			continue
		}
		for _, f := range forbidden {
			if strings.Contains(line, f) {
				t.Errorf("a metrics line names %q: %s", f, line)
			}
		}
	}
}

// Behaviour 25: a reload keeps the counters (caddy-ratelimit's metrics read
// 0 after every reload once), and the new config's registry serves them.
func TestMetricsKeptAcrossReload(t *testing.T) {
	h := newHarness(t)
	h.mustLogin(h.client, "pete", "/")
	before := scrape(t)
	if before[loginsSeries("success")] < 1 {
		t.Fatalf("after a login, %s = %v", loginsSeries("success"), before[loginsSeries("success")])
	}

	h.options += "session_lifetime 2h\n"
	h.load(h.caddyfile())
	movedBy(t, "reload", before, scrape(t), nil)

	reloaded := scrape(t)
	h.upstreamSaw(h.get("/"))
	movedBy(t, "request after the reload", reloaded, scrape(t), map[string]float64{requestsSeries("authenticated"): 1})
}

// Behaviour 25: two sites with instagram_auth load side by side, share one
// set of series, and both count into it.
func TestMetricsTwoSites(t *testing.T) {
	h := newHarness(t)
	global, site, _ := strings.Cut(h.caddyfile(), "\nhttp://localhost:")
	second := strings.Replace("\nhttp://localhost:"+site, fmt.Sprintf("localhost:%d", sitePort), fmt.Sprintf("localhost:%d", site2Port), 1)
	h.load(global + "\nhttp://localhost:" + site + second)

	text := scrapeText(t)
	for _, name := range []string{"requests_total", "logins_total", "provider_request_duration_seconds"} {
		if n := strings.Count(text, "# TYPE caddy_instagram_auth_"+name+" "); n != 1 {
			t.Errorf("caddy_instagram_auth_%s described %d times, want once", name, n)
		}
	}
	before := scrape(t)
	for _, port := range []int{sitePort, site2Port} {
		url := fmt.Sprintf("http://localhost:%d/api", port)
		if resp := h.do(newBrowser(t), http.MethodGet, url, nil, "Accept", "application/json"); resp.StatusCode != http.StatusUnauthorized {
			t.Fatalf("GET %s: status %d, want 401", url, resp.StatusCode)
		}
	}
	movedBy(t, "a request on each site", before, scrape(t), map[string]float64{requestsSeries("unauthorized"): 2})
}

// Behaviour 25: a failing Instagram shows as provider errors, with their
// durations, and as failed logins.
func TestMetricsWhenInstagramFails(t *testing.T) {
	const timeout = 300 * time.Millisecond
	h := newHarness(t, withOptions("timeout 300ms"))
	step := func(name string, want map[string]float64, act func()) series {
		t.Helper()
		before := scrape(t)
		act()
		after := scrape(t)
		movedBy(t, name, before, after, want)
		return series{"token seconds": after[durationSumSeries("token")] - before[durationSumSeries("token")]}
	}
	failedLogin := map[string]float64{
		requestsSeries("redirected"): 1, loginsSeries("provider_error"): 1,
		providerSeries("token", "error"): 1, durationCountSeries("token"): 1,
	}

	h.ig.SetTokenFault(0, http.StatusBadRequest, `{"error_type":"OAuthException","code":400,"error_message":"Invalid platform app"}`)
	step("token endpoint refuses", failedLogin, func() {
		if resp := h.login(newBrowser(t), "quentin", "/"); resp.StatusCode != http.StatusBadGateway {
			t.Fatalf("status %d, want 502", resp.StatusCode)
		}
	})

	h.ig.SetTokenFault(time.Second, 0, "")
	took := step("token endpoint too slow", failedLogin, func() {
		if resp := h.login(newBrowser(t), "quentin", "/"); resp.StatusCode != http.StatusBadGateway {
			t.Fatalf("status %d, want 502", resp.StatusCode)
		}
	})
	if took["token seconds"] < timeout.Seconds() {
		t.Errorf("a timed-out token request was recorded as %vs, want at least the %v timeout", took["token seconds"], timeout)
	}

	h.ig.SetTokenFault(0, 0, "")
	h.ig.SetExchangeFail(true)
	h.ig.SetUserinfoFail(true)
	step("exchange and userinfo fail", map[string]float64{
		requestsSeries("redirected"): 1, loginsSeries("success"): 1,
		providerSeries("token", "ok"): 1, providerSeries("exchange", "error"): 1, providerSeries("userinfo", "error"): 1,
		durationCountSeries("token"): 1, durationCountSeries("exchange"): 1, durationCountSeries("userinfo"): 1,
	}, func() {
		h.mustLogin(newBrowser(t), "quentin", "/")
	})
}
