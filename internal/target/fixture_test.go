package target

import (
	"net/url"
	"strings"
	"testing"
)

// fixture pairs return_hosts patterns with a hand-written statement of
// what they allow, so that tests judge Judge's answers without Judge's
// own matching code.
type fixture struct {
	name         string
	patterns     []string
	cookieDomain string
	// allows reports whether a browser may land on host (as a browser
	// serialises it) and port (its effective port, "443" for a bare https).
	allows func(host, port string) bool
}

var fixtures = []fixture{
	{"none", nil, "", func(string, string) bool { return false }},
	{"broad", []string{"example.com", "*.example.com"}, ".example.com", func(h, _ string) bool {
		return h == "example.com" || strings.HasSuffix(h, ".example.com")
	}},
	{"narrow", []string{"app.example.com", "*.shop.example.com", "api.example.com:8443"}, "example.com", func(h, p string) bool {
		return h == "app.example.com" || strings.HasSuffix(h, ".shop.example.com") || h == "api.example.com" && p == "8443"
	}},
	{"ip", []string{"127.0.0.1:8443"}, "127.0.0.1", func(h, p string) bool {
		return h == "127.0.0.1" && p == "8443"
	}},
}

func (f fixture) parse(t testing.TB) Patterns {
	t.Helper()
	p, err := ParsePatterns(f.patterns, f.cookieDomain)
	if err != nil {
		t.Fatalf("fixture %s: %v", f.name, err)
	}
	return p
}

func mustOrigin(t testing.TB, scheme, host string) Origin {
	t.Helper()
	o, ok := NewOrigin(scheme, host)
	if !ok {
		t.Fatalf("NewOrigin(%q, %q) refused", scheme, host)
	}
	return o
}

// checkJudged fails unless Judge's answer for raw keeps the browser on
// self's site or on a host the fixture allows, read both by net/url and
// by the browser rules of browserOrigin.
func checkJudged(t *testing.T, raw, got string, ok bool, self *url.URL, f fixture) {
	t.Helper()
	if got == "" {
		t.Fatalf("Judge(%q) = \"\"", raw)
	}
	if !ok && got != "/" {
		t.Fatalf("Judge(%q) = %q refused, want \"/\"", raw, got)
	}
	if got[0] == '/' {
		checkSitePath(t, raw, got, self)
		return
	}
	if len(got) > MaxLen {
		t.Fatalf("Judge(%q) = %d bytes, over %d", raw, len(got), MaxLen)
	}
	b, err := browserOrigin(got)
	if err != nil {
		t.Fatalf("Judge(%q) = %q, which a browser reads badly: %v", raw, got, err)
	}
	if b.userinfo || !f.allows(b.host, b.port) {
		t.Fatalf("Judge(%q) = %q sends a browser to %q port %q (userinfo %v), not allowed by %s",
			raw, got, b.host, b.port, b.userinfo, f.name)
	}
	u, err := url.Parse(got)
	if err != nil {
		t.Fatalf("Judge(%q) = %q, which net/url refuses: %v", raw, got, err)
	}
	port := u.Port()
	if port == "" {
		port = map[string]string{"http": "80", "https": "443"}[u.Scheme]
	}
	host := u.Hostname()
	if strings.Contains(host, ":") {
		host = "[" + host + "]"
	}
	if u.User != nil || u.Opaque != "" || u.Fragment != "" || u.Scheme != b.scheme || host != b.host || port != b.port {
		t.Fatalf("Judge(%q) = %q: net/url reads %s %q port %q, a browser %s %q port %q",
			raw, got, u.Scheme, host, port, b.scheme, b.host, b.port)
	}
	if again, ok := Judge(got, Origin{}, f.parse(t)); !ok || again != got {
		t.Fatalf("Judge(%q) = %q, but Judge of that = %q, %v", raw, got, again, ok)
	}
}
