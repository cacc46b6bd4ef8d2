package instagramauth

import (
	"context"
	"strings"
	"testing"

	"github.com/b4b0c547/caddy-instagram-auth/internal/instagram"
	"github.com/caddyserver/caddy/v2"
	"github.com/prometheus/client_golang/prometheus"
)

// Registering into a config's registry: nothing to do without one, the
// same collectors twice (a second site) are fine, a stranger's collector
// under one of the names is an error.
func TestRegisterMetrics(t *testing.T) {
	if err := registerMetrics(nil); err != nil {
		t.Errorf("nil registry: %v", err)
	}
	reg := prometheus.NewPedanticRegistry()
	for i := range 2 {
		if err := registerMetrics(reg); err != nil {
			t.Fatalf("registration %d: %v", i+1, err)
		}
	}
	if _, err := reg.Gather(); err != nil {
		t.Errorf("the pedantic registry refuses the metrics: %v", err)
	}
	clash := prometheus.NewPedanticRegistry()
	clash.MustRegister(prometheus.NewCounter(prometheus.CounterOpts{Name: "caddy_instagram_auth_logins_total", Help: "not ours"}))
	if err := registerMetrics(clash); err == nil || !strings.Contains(err.Error(), "metrics") {
		t.Errorf("a clashing collector: %v, want an error about metrics", err)
	}
}

// A context made without a config has no registry: Provision still works,
// and so does counting.
func TestProvisionWithoutMetricsRegistry(t *testing.T) {
	h := &Handler{ClientID: "123", ClientSecret: "secret", CookieSecret: []string{benchSecret}}
	ctx := caddy.Context{Context: context.Background()}
	if ctx.GetMetricsRegistry() != nil {
		t.Fatal("the context has a registry after all")
	}
	if err := h.Provision(ctx); err != nil {
		t.Fatalf("Provision: %v", err)
	}
	t.Cleanup(func() { _ = h.Cleanup() })
	countRequest(outcomeUnauthorized)
}

// What the hot path pays for metrics: one counter add, no label lookup.
// Compare with BenchmarkServeHTTPAuthenticated.
func BenchmarkCountRequest(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		countRequest(outcomeAuthenticated)
	}
}

// Every endpoint the Instagram client reports has its series: the label
// list follows instagram.Endpoint's order, and a missing label would be an
// index out of range at the first call.
func TestProviderEndpointLabels(t *testing.T) {
	for e, want := range map[instagram.Endpoint]string{
		instagram.EndpointToken: "token", instagram.EndpointExchange: "exchange",
		instagram.EndpointUserinfo: "userinfo", instagram.EndpointRefresh: "refresh",
		instagram.EndpointBearer: "bearer",
	} {
		if int(e) >= len(providerEndpoints) || providerEndpoints[e] != want {
			t.Errorf("endpoint %d: label list %v, want %q there", e, providerEndpoints, want)
			continue
		}
		observeProvider(e, 0, nil) // must not panic
	}
	if len(providerEndpoints) != 5 {
		t.Errorf("%d endpoint labels, want 5", len(providerEndpoints))
	}
}
