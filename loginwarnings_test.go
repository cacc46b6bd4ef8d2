package instagramauth

import (
	"testing"
)

func TestCookieReaches(t *testing.T) {
	for _, c := range []struct {
		domain, host, callback string
		want                   bool
	}{
		{"", "app.example:443", "APP.example", true},
		{"", "localhost:9080", "localhost:9081", true}, // cookies ignore ports
		{"", "www.app.example", "app.example", false},
		{"app.example", "www.app.example", "app.example", true},
		{".app.example", "www.app.example", "api.app.example:8443", true},
		{"app.example", "www.other.example", "app.example", false},
		{"app.example", "[::1]:9080", "app.example", false},
	} {
		if got := (&cookieJar{domain: c.domain}).reaches(c.host, c.callback); got != c.want {
			t.Errorf("cookie_domain %q, login on %s, callback on %s: %v, want %v", c.domain, c.host, c.callback, got, c.want)
		}
	}
}

func TestCallbackHost(t *testing.T) {
	for uri, want := range map[string]string{
		"/oauth2/instagram/callback":         "",
		"https://app.example/cb":             "app.example",
		"http://127.0.0.1:9080/oauth2/cb?x":  "127.0.0.1:9080",
		"https://user@app.example:8443#frag": "app.example:8443",
		"https://[::1]:8443/cb":              "[::1]:8443",
	} {
		if got := callbackHost(uri); got != want {
			t.Errorf("callbackHost(%q) = %q, want %q", uri, got, want)
		}
	}
}
