package target

import (
	"strings"
	"testing"
)

// An absolute URL on the request's own origin is that site's path: it
// is judged as one, and written as one.
func TestJudgeOwnOriginIsAPath(t *testing.T) {
	for _, c := range []struct{ scheme, host, raw, want string }{
		{"https", "app.example.com", "https://app.example.com/p?q=1#f", "/p?q=1"},
		{"https", "app.example.com", "https://app.example.com", "/"},
		{"https", "app.example.com", "https://app.example.com?x", "/?x"},
		{"https", "app.example.com", "https://APP.example.com:443/p", "/p"},
		{"https", "app.example.com", "https://app.example.com./p", "/p"},
		{"https", "APP.EXAMPLE.COM", "https://app.example.com/p", "/p"},
		{"https", "app.example.com.", "https://app.example.com/p", "/p"},
		{"https", "app.example.com:443", "https://app.example.com/p", "/p"},
		{"HTTPS", "app.example.com", "https://app.example.com/p", "/p"},
		{"https", "app.example.com:8443", "https://app.example.com:8443/p", "/p"},
		{"http", "localhost:9080", "http://localhost:9080/x", "/x"},
		{"http", "localhost", "http://localhost:80/x", "/x"},
		{"https", "[::1]:8443", "https://[0:0::1]:8443/x", "/x"},
		{"https", "127.0.0.1", "https://2130706433/x", "/x"},
		{"https", "xn--bcher-kva.example.com", "https://bücher.example.com/x", "/x"},
		// Not this origin, and no pattern: refused.
		{"https", "app.example.com", "http://app.example.com/p", "/"},
		{"https", "app.example.com", "https://app.example.com:8443/p", "/"},
		{"https", "app.example.com:8443", "https://app.example.com/p", "/"},
		{"https", "app.example.com", "https://other.example.com/p", "/"},
		{"https", "app.example.com", "https://example.com/p", "/"},
		// This origin, but a path that would leave it.
		{"https", "app.example.com", "https://app.example.com//evil.net", "/"},
		{"https", "app.example.com", "https://app.example.com/%2F%2Fevil.net", "/"},
		{"https", "app.example.com", "https://user@app.example.com/p", "/"},
		{"https", "app.example.com", `https://app.example.com\p`, "/"},
	} {
		self := mustOrigin(t, c.scheme, c.host)
		got, ok := Judge(c.raw, self, Patterns{})
		// "/" is refused, except when it is the page asked for.
		wantOK := c.want != "/" || c.raw == "https://app.example.com"
		if got != c.want || ok != wantOK {
			t.Errorf("from %s://%s: Judge(%q) = %q, %v; want %q", c.scheme, c.host, c.raw, got, ok, c.want)
		}
	}
}

// Under patterns, the site's own origin still comes back as a path, and
// another allowed host as the whole URL.
func TestJudgeAllowedHostIsAURL(t *testing.T) {
	narrow := fixtures[2]
	allowed := narrow.parse(t)
	self := mustOrigin(t, "https", "auth.example.com")
	for raw, want := range map[string]string{
		"https://auth.example.com/x":          "/x",
		"https://app.example.com/x?y=1#z":     "https://app.example.com/x?y=1",
		"http://app.example.com:8080/x":       "/", // not from https (downgrade_test.go)
		"https://a.shop.example.com/":         "https://a.shop.example.com/",
		"https://a.b.shop.example.com/":       "https://a.b.shop.example.com/",
		"https://shop.example.com/":           "/", // *. does not match the domain itself
		"https://api.example.com:8443/v":      "https://api.example.com:8443/v",
		"https://api.example.com/v":           "/", // another port
		"https://api.example.com:443/v":       "/",
		"https://example.com/":                "/",
		"https://other.example.com/":          "/",
		"https://app.example.com.shop.evil/":  "/",
		"https://shop.example.com.evil.net/":  "/",
		"https://evil.net/?.shop.example.com": "/",
		"https://a.shop.example.com/%2F/x":    "/",
		"https://a.shop.example.com/\u2028x":  "https://a.shop.example.com/\u2028x", // as Path keeps it
	} {
		got, ok := Judge(raw, self, allowed)
		if got != want || ok != (want != "/") {
			t.Errorf("Judge(%q) = %q, %v; want %q", raw, got, ok, want)
		}
	}
}

func TestJudgeLength(t *testing.T) {
	self := mustOrigin(t, "https", "app.example.com")
	allowed := fixtures[1].parse(t)
	fits := "/" + strings.Repeat("x", MaxLen-1)
	if got, ok := Judge(fits, self, allowed); got != fits || !ok {
		t.Errorf("a path of %d bytes: %v, want it kept", len(fits), ok)
	}
	for _, raw := range []string{fits + "x", "https://app.example.com" + fits, "https://b.example.com" + fits} {
		if got, ok := Judge(raw, self, allowed); got != "/" || ok {
			t.Errorf("a target of %d bytes = %.30q, %v; want \"/\"", len(raw), got, ok)
		}
	}
}

func TestOriginString(t *testing.T) {
	for in, want := range map[[2]string]string{
		{"https", "App.Example.com"}:     "https://app.example.com",
		{"https", "app.example.com:443"}: "https://app.example.com",
		{"http", "app.example.com:443"}:  "http://app.example.com:443",
		{"http", "localhost:9080"}:       "http://localhost:9080",
		{"https", "bücher.example.com"}:  "https://xn--bcher-kva.example.com",
		{"https", "[0:0::1]:8443"}:       "https://[::1]:8443",
		{"http", "0x7f.1"}:               "http://127.0.0.1",
		{"http", "0x"}:                   "http://0.0.0.0",
	} {
		if got := mustOrigin(t, in[0], in[1]).String(); got != want {
			t.Errorf("NewOrigin(%q, %q) = %q, want %q", in[0], in[1], got, want)
		}
	}
	if s := (Origin{}).String(); s != "" {
		t.Errorf("the zero Origin is %q, want \"\"", s)
	}
}

func BenchmarkJudge(b *testing.B) {
	allowed := fixtures[1].parse(b)
	self := mustOrigin(b, "https", "auth.example.com")
	for _, c := range []struct{ name, raw string }{
		{"path", "/dashboard?tab=2"},
		{"own", "https://auth.example.com/dashboard"},
		{"allowed", "https://app.example.com/dashboard?tab=2"},
		{"idna", "https://bücher.example.com/x"},
		{"refused", "https://example.com.evil.net/x"},
	} {
		raw := c.raw
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				Judge(raw, self, allowed)
			}
		})
	}
}
