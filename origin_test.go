package instagramauth

import (
	"context"
	"crypto/tls"
	"net/http/httptest"
	"testing"

	"github.com/caddyserver/caddy/v2/modules/caddyhttp"
)

// Behaviour 36: X-Forwarded-Proto and X-Forwarded-Host name the origin
// only when Caddy says the request came from a trusted proxy.
func TestRequestOriginTrustsOnlyTrustedProxies(t *testing.T) {
	for _, c := range []struct {
		name        string
		trusted     bool
		tls         bool
		host, proto string
		fwdHost     []string
		want        string
		ok          bool
	}{
		{"direct", false, false, "app.example:8080", "", nil, "http://app.example:8080", true},
		{"direct TLS", false, true, "app.example", "", nil, "https://app.example", true},
		{"forged by a client", false, false, "app.example:8080", "https", []string{"evil.example"}, "http://app.example:8080", true},
		{"behind a trusted proxy", true, false, "127.0.0.1:8080", "https", []string{"app.example"}, "https://app.example", true},
		{"trusted, port kept", true, false, "127.0.0.1:8080", "http", []string{"app.example:8443"}, "http://app.example:8443", true},
		{"trusted, a list is no origin", true, false, "app.example", "https", []string{"evil.example, app.example"}, "https://app.example", true},
		{"trusted, two lines are no origin", true, false, "app.example", "", []string{"evil.example", "app.example"}, "http://app.example", true},
		{"trusted, a path is no host", true, false, "app.example", "https", []string{"app.example/x"}, "", false},
		{"trusted, another scheme", true, false, "app.example", "javascript", nil, "", false},
		{"a Host with a path", false, false, "evil.example/x?", "", nil, "", false},
	} {
		r := httptest.NewRequest("GET", "/", nil)
		r.Host = c.host
		if c.tls {
			r.TLS = &tls.ConnectionState{}
		}
		if c.proto != "" {
			r.Header.Set("X-Forwarded-Proto", c.proto)
		}
		for _, v := range c.fwdHost {
			r.Header.Add("X-Forwarded-Host", v)
		}
		vars := map[string]any{caddyhttp.TrustedProxyVarKey: c.trusted}
		r = r.WithContext(context.WithValue(r.Context(), caddyhttp.VarsCtxKey, vars))
		got, ok := requestOrigin(r)
		if ok != c.ok || got.String() != c.want {
			t.Errorf("%s: %q %v, want %q %v", c.name, got.String(), ok, c.want, c.ok)
		}
	}
}
