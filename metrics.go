package instagramauth

import (
	"github.com/b4b0c547/caddy-instagram-auth/internal/instagram"

	"errors"
	"fmt"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// Prometheus metrics (behaviour 25, docs/behaviour.md). The collectors exist once
// per process and are registered into the registry of every config that
// loads, so `caddy reload` keeps the counts and two sites share one set of
// series. Every series is resolved here, once: counting costs a request one
// atomic add, with no label lookup. Labels are small fixed sets, never a
// user, a host or a path.

// The label values, in the order of the constants that index them.
var (
	requestOutcomes   = []string{"authenticated", "redirected", "unauthorized", "passed", "preflight", "bearer", "auth_endpoint"}
	loginResults      = []string{"success", "denied", "not_allowed", "bad_state", "provider_error", "throttled"}
	revocationSources = []string{"logout", "logout_all", "deauthorize", "data_deletion"}
	providerEndpoints = []string{"token", "exchange", "userinfo", "refresh", "bearer"} // instagram.Endpoint order
	callResults       = []string{"ok", "error"}
)

// requestOutcome is what the handler did with a request that is not for one
// of its own paths.
type requestOutcome uint8

const (
	outcomeAuthenticated requestOutcome = iota // a session: passed on with its identity
	outcomeRedirected                          // a page load sent to Instagram
	outcomeUnauthorized                        // the 401 of an API call
	outcomePassed                              // outside the directive's matcher
	outcomePreflight                           // a CORS preflight passed on (allow_preflight)
	outcomeBearer                              // passed on with a bearer token (allow_bearer)
	outcomeAuthEndpoint                        // answered by auth_path, 200 or 401 alike
)

// loginResult is how a callback from Instagram ended.
type loginResult uint8

const (
	loginSuccess       loginResult = iota
	loginDenied                    // refused at Instagram (error=...)
	loginNotAllowed                // not in allow_users
	loginBadState                  // missing, expired, forged or used state
	loginProviderError             // Instagram's token endpoint failed
	loginThrottled                 // login_rate_limit or the in-flight bound
)

// revocationSource is what ended sessions before their time.
type revocationSource uint8

const (
	revokedLogout       revocationSource = iota // logout_path
	revokedLogoutAll                            // logout_path?all=1
	revokedDeauthorize                          // Meta's deauthorize callback
	revokedDataDeletion                         // Meta's data deletion callback
)

// pluginMetrics holds the collectors and every series resolved from them.
type pluginMetrics struct {
	collectors      []prometheus.Collector
	requests        []prometheus.Counter
	logins          []prometheus.Counter
	revocations     []prometheus.Counter
	providerOK      []prometheus.Counter // by endpoint
	providerError   []prometheus.Counter // by endpoint
	providerSeconds []prometheus.Observer
	refreshes       []prometheus.Counter // ok, error
	storageErrors   prometheus.Counter
	signed          prometheus.Counter // assertions signed (not those reused from the cache)
}

var metrics = newPluginMetrics()

func newPluginMetrics() *pluginMetrics {
	m := &pluginMetrics{}
	counters := func(name, help, label string, values []string) []prometheus.Counter {
		vec := prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: "caddy", Subsystem: "instagram_auth", Name: name, Help: help,
		}, []string{label})
		m.collectors = append(m.collectors, vec)
		all := make([]prometheus.Counter, len(values))
		for i, v := range values {
			all[i] = vec.WithLabelValues(v)
		}
		return all
	}
	m.requests = counters("requests_total", "Requests decided by instagram_auth, by outcome (its own paths are counted as logins and revocations).", "outcome", requestOutcomes)
	m.logins = counters("logins_total", "Callbacks from Instagram, by result.", "result", loginResults)
	m.revocations = counters("revocations_total", "Sessions ended before their time, by source.", "source", revocationSources)
	m.refreshes = counters("refreshes_total", "Access token refreshes, by result.", "result", callResults)
	// No label: the log line says which operation and which entry; an
	// alert needs only to know that storage is failing.
	m.storageErrors = prometheus.NewCounter(prometheus.CounterOpts{
		Namespace: "caddy", Subsystem: "instagram_auth", Name: "storage_errors_total",
		Help: "Failed revocation syncs with Caddy storage, and entries of the revocation folder skipped because they cannot be read.",
	})
	m.collectors = append(m.collectors, m.storageErrors)

	m.signed = prometheus.NewCounter(prometheus.CounterOpts{
		Namespace: "caddy", Subsystem: "instagram_auth", Name: "assertions_signed_total",
		Help: "Identity assertions signed (assertion_header); a request that reuses a cached one is not counted.",
	})
	m.collectors = append(m.collectors, m.signed)

	calls := prometheus.NewCounterVec(prometheus.CounterOpts{
		Namespace: "caddy", Subsystem: "instagram_auth", Name: "provider_requests_total",
		Help: "Calls to Instagram, by endpoint and result.",
	}, []string{"endpoint", "result"})
	seconds := prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Namespace: "caddy", Subsystem: "instagram_auth", Name: "provider_request_duration_seconds",
		Help:    "Duration of calls to Instagram, failed ones included, by endpoint.",
		Buckets: prometheus.DefBuckets, // 5ms to 10s, the default timeout
	}, []string{"endpoint"})
	m.collectors = append(m.collectors, calls, seconds)
	for _, e := range providerEndpoints {
		m.providerOK = append(m.providerOK, calls.WithLabelValues(e, callResults[0]))
		m.providerError = append(m.providerError, calls.WithLabelValues(e, callResults[1]))
		m.providerSeconds = append(m.providerSeconds, seconds.WithLabelValues(e))
	}
	return m
}

// registerMetrics adds the collectors to a config's registry. A registry
// that has them already (a second site of the same config) is fine; a
// different collector under one of these names is an error. A nil registry
// (a context made without a config) has nothing to serve.
func registerMetrics(registry *prometheus.Registry) error {
	if registry == nil {
		return nil
	}
	for _, c := range metrics.collectors {
		err := registry.Register(c)
		var already prometheus.AlreadyRegisteredError
		if err != nil && !(errors.As(err, &already) && already.ExistingCollector == c) {
			return fmt.Errorf("registering metrics: %w", err)
		}
	}
	return nil
}

// countRequest counts a request the handler decided on.
func countRequest(o requestOutcome) { metrics.requests[o].Inc() }

// countLogin counts a callback's result.
func countLogin(r loginResult) { metrics.logins[r].Inc() }

// countRevocation counts sessions ended before their time.
func countRevocation(s revocationSource) { metrics.revocations[s].Inc() }

// countRefresh counts an access token refresh and its result.
func countRefresh(err error) {
	if err != nil {
		metrics.refreshes[1].Inc()
		return
	}
	metrics.refreshes[0].Inc()
}

// countStorageError counts a failed revocation sync or a skipped entry of
// the revocation folder: the hook the revocation sync is given.
func countStorageError() { metrics.storageErrors.Inc() }

// countAssertionSigned counts a new signature: the assertion keys' Signed hook.
func countAssertionSigned() { metrics.signed.Inc() }

// observeProvider counts a call to Instagram and records how long it took:
// the observer the Instagram client is given. Its endpoints index
// providerEndpoints.
func observeProvider(e instagram.Endpoint, took time.Duration, err error) {
	metrics.providerSeconds[e].Observe(took.Seconds())
	if err != nil {
		metrics.providerError[e].Inc()
		return
	}
	metrics.providerOK[e].Inc()
}
