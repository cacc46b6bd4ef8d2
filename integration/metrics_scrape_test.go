package integration

// Scraping the metrics of a real Caddy from its admin endpoint, as
// Prometheus would, and reading how each series moved.

import (
	"fmt"
	"io"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"testing"
)

const metricsURL = "http://localhost:2999/metrics" // the harness's admin endpoint

// series maps each of the plugin's series, as the text format spells it
// (name{labels}), to its value.
type series map[string]float64

// scrapeText returns the admin endpoint's whole /metrics answer.
func scrapeText(t *testing.T) string {
	t.Helper()
	resp, err := http.Get(metricsURL)
	if err != nil {
		t.Fatalf("scraping %s: %v", metricsURL, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("scraping %s: status %d, %v", metricsURL, resp.StatusCode, err)
	}
	return string(body)
}

// scrape reads the plugin's series from the admin endpoint.
func scrape(t *testing.T) series {
	t.Helper()
	s := series{}
	for _, line := range strings.Split(scrapeText(t), "\n") {
		if !strings.HasPrefix(line, "caddy_instagram_auth_") {
			continue
		}
		i := strings.LastIndexByte(line, ' ')
		v, err := strconv.ParseFloat(line[i+1:], 64)
		if i < 0 || err != nil {
			t.Fatalf("unreadable series line %q", line)
		}
		s[line[:i]] = v
	}
	return s
}

// Series names as the text format spells them.
func requestsSeries(outcome string) string {
	return fmt.Sprintf(`caddy_instagram_auth_requests_total{outcome=%q}`, outcome)
}

func loginsSeries(result string) string {
	return fmt.Sprintf(`caddy_instagram_auth_logins_total{result=%q}`, result)
}

func revocationsSeries(source string) string {
	return fmt.Sprintf(`caddy_instagram_auth_revocations_total{source=%q}`, source)
}

func providerSeries(endpoint, result string) string {
	return fmt.Sprintf(`caddy_instagram_auth_provider_requests_total{endpoint=%q,result=%q}`, endpoint, result)
}

func durationCountSeries(endpoint string) string {
	return fmt.Sprintf(`caddy_instagram_auth_provider_request_duration_seconds_count{endpoint=%q}`, endpoint)
}

func durationSumSeries(endpoint string) string {
	return fmt.Sprintf(`caddy_instagram_auth_provider_request_duration_seconds_sum{endpoint=%q}`, endpoint)
}

const assertionsSignedSeries = "caddy_instagram_auth_assertions_signed_total"

func refreshesSeries(result string) string {
	return fmt.Sprintf(`caddy_instagram_auth_refreshes_total{result=%q}`, result)
}

// storageErrorsSeries has no label: the log line says which operation and
// which entry.
const storageErrorsSeries = "caddy_instagram_auth_storage_errors_total"

// allCounterSeries is every counter series of the README's metrics table,
// and every histogram's _count: each exists from the start, at zero, so
// that rate() and alerts work before the first event.
func allCounterSeries() []string {
	var all []string
	for _, o := range []string{"authenticated", "redirected", "unauthorized", "passed", "preflight", "bearer", "auth_endpoint"} {
		all = append(all, requestsSeries(o))
	}
	for _, r := range []string{"success", "denied", "not_allowed", "bad_state", "provider_error", "throttled"} {
		all = append(all, loginsSeries(r))
	}
	for _, s := range []string{"logout", "logout_all", "deauthorize", "data_deletion"} {
		all = append(all, revocationsSeries(s))
	}
	for _, e := range []string{"token", "exchange", "userinfo", "refresh", "bearer"} {
		all = append(all, providerSeries(e, "ok"), providerSeries(e, "error"), durationCountSeries(e))
	}
	return append(all, refreshesSeries("ok"), refreshesSeries("error"), assertionsSignedSeries, storageErrorsSeries)
}

// movedBy checks that from before to after exactly the series of want
// moved, each by its amount, and no other counter (histogram buckets and
// sums aside, which move with their _count); and that none went missing.
func movedBy(t *testing.T, step string, before, after series, want map[string]float64) {
	t.Helper()
	for name := range before {
		if _, ok := after[name]; !ok {
			t.Errorf("%s: series %s gone", step, name)
		}
	}
	names := make([]string, 0, len(after))
	for name := range after {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		base, _, _ := strings.Cut(name, "{")
		if strings.HasSuffix(base, "_bucket") || strings.HasSuffix(base, "_sum") {
			continue
		}
		if got := after[name] - before[name]; got != want[name] {
			t.Errorf("%s: %s moved by %v, want %v", step, name, got, want[name])
		}
	}
	for name := range want {
		if _, ok := after[name]; !ok {
			t.Errorf("%s: no series %s", step, name)
		}
	}
}

// allSeries is how many series the plugin has, whatever the requests: the
// 36 of allCounterSeries, and each of the 5 histograms' (one per
// Instagram endpoint) 12 buckets (5 ms to 10 s, and +Inf) and sum.
const (
	allCounters = 36
	allSeries   = allCounters + 5*(12+1)
)

// onlyKnownSeries checks that s holds every series of the plugin and no
// other: no label value beyond the README's fixed sets ever appears.
func onlyKnownSeries(t *testing.T, when string, s series) {
	t.Helper()
	counters := map[string]bool{}
	for _, name := range allCounterSeries() {
		counters[name] = true
		if _, ok := s[name]; !ok {
			t.Errorf("%s: no series %s", when, name)
		}
	}
	for name := range s {
		base, _, _ := strings.Cut(name, "{")
		if !counters[name] && !strings.HasSuffix(base, "_bucket") && !strings.HasSuffix(base, "_sum") {
			t.Errorf("%s: series %s is not in the README's metrics table", when, name)
		}
	}
	if len(counters) != allCounters || len(s) != allSeries {
		t.Errorf("%s: %d series (%d counters), want %d (%d)", when, len(s), len(counters), allSeries, allCounters)
	}
}
