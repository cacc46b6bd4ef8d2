package target

import (
	"strings"
	"testing"
)

func TestParsePatternsRefuses(t *testing.T) {
	for _, c := range []struct {
		patterns     []string
		cookieDomain string
		why          string // a word the message must hold
	}{
		{[]string{"app.example.com"}, "", "cookie_domain"},
		{[]string{"*"}, "example.com", "every host"},
		{[]string{"*:443"}, "example.com", "every host"},
		{[]string{"**.example.com"}, "example.com", "*."},
		{[]string{"*example.com"}, "example.com", "*."},
		{[]string{"a*.example.com"}, "example.com", "*."},
		{[]string{"app.*.example.com"}, "example.com", "*."},
		{[]string{"*.*.example.com"}, "example.com", "*."},
		{[]string{"app.example.*"}, "example.com", "*."},
		{[]string{"*."}, "example.com", "domain"},
		{[]string{"*.com"}, "com", "two labels"},
		{[]string{"*.localhost"}, "localhost", "two labels"},
		{[]string{"*.co.uk"}, "co.uk", "public suffix"},
		{[]string{"*.github.io"}, "github.io", "public suffix"},
		{[]string{"*.127.0.0.1"}, "127.0.0.1", "IP"},
		{[]string{"*.0.0.1"}, "example.com", "IP"},
		{[]string{"*.[::1]"}, "example.com", "IP"},
		{[]string{"evil.net"}, "example.com", "outside cookie_domain"},
		{[]string{"example.com.evil.net"}, "example.com", "outside cookie_domain"},
		{[]string{"evil-example.com"}, "example.com", "outside cookie_domain"},
		{[]string{"*.example.com"}, "app.example.com", "outside cookie_domain"},
		{[]string{"example.com"}, "app.example.com", "outside cookie_domain"},
		{[]string{"127.0.0.1"}, "example.com", "outside cookie_domain"},
		{[]string{"2130706433"}, "example.com", "outside cookie_domain"},
		{[]string{"app.example.com", "evil.net"}, "example.com", "evil.net"},
		{[]string{"https://app.example.com"}, "example.com", "scheme or path"},
		{[]string{"app.example.com/x"}, "example.com", "scheme or path"},
		{[]string{"user@app.example.com"}, "example.com", "userinfo"},
		{[]string{"app.example.com:0"}, "example.com", "port"},
		{[]string{"app.example.com:99999"}, "example.com", "port"},
		{[]string{"app.example.com:0443"}, "example.com", "port"},
		{[]string{"app.example.com:"}, "example.com", "port"},
		{[]string{""}, "example.com", "host"},
		{[]string{"app..example.com"}, "example.com", "host"},
		{[]string{"app_1.example.com"}, "example.com", "host"},
		{[]string{"app.example.com "}, "example.com", "host"},
		{[]string{"app.example.com"}, "exa mple.com", "cookie_domain"},
		{[]string{"app.example.com"}, "*.example.com", "cookie_domain"},
	} {
		_, err := ParsePatterns(c.patterns, c.cookieDomain)
		if err == nil {
			t.Errorf("ParsePatterns(%q, %q) accepted", c.patterns, c.cookieDomain)
			continue
		}
		if !strings.Contains(err.Error(), c.why) {
			t.Errorf("ParsePatterns(%q, %q): %q does not say %q", c.patterns, c.cookieDomain, err, c.why)
		}
	}
}

func TestParsePatternsNamesThePattern(t *testing.T) {
	_, err := ParsePatterns([]string{"app.example.com", "*.com"}, "example.com")
	if err == nil || !strings.Contains(err.Error(), `"*.com"`) {
		t.Errorf("error %v does not name the pattern", err)
	}
}

func TestPatternsMatch(t *testing.T) {
	for _, c := range []struct {
		patterns     []string
		cookieDomain string
		match        []string // scheme://host[:port] a login may return to
		miss         []string
	}{
		{[]string{"app.example.com"}, "example.com",
			[]string{"https://app.example.com", "http://app.example.com", "https://app.example.com:8443", "https://APP.example.com."},
			[]string{"https://example.com", "https://x.app.example.com", "https://app.example.com.evil.net"}},
		{[]string{"*.example.com"}, ".example.com",
			[]string{"https://app.example.com", "https://a.b.example.com:1", "https://xn--bcher-kva.example.com"},
			[]string{"https://example.com", "https://evil-example.com", "https://example.com.evil.net", "https://127.0.0.1"}},
		{[]string{"APP.Example.COM:8443", "EXAMPLE.COM."}, "Example.com",
			[]string{"https://app.example.com:8443", "https://example.com", "http://example.com:1"},
			[]string{"https://app.example.com", "http://app.example.com:443"}},
		{[]string{"app.example.com:443"}, "example.com",
			[]string{"https://app.example.com", "http://app.example.com:443"},
			[]string{"http://app.example.com", "https://app.example.com:8443"}},
		{[]string{"bücher.example.com", "*.ＳＨＯＰ.example.com"}, "example.com",
			[]string{"https://xn--bcher-kva.example.com", "https://bücher.example.com", "https://a.shop.example.com"},
			[]string{"https://bucher.example.com", "https://shop.example.com"}},
		{[]string{"*.xn--bcher-kva.example"}, "bücher.example",
			[]string{"https://a.bücher.example"},
			[]string{"https://bücher.example", "https://a.bucher.example"}},
		{[]string{"*.example.co.uk"}, "example.co.uk",
			[]string{"https://a.example.co.uk"},
			[]string{"https://example.co.uk", "https://evil.co.uk"}},
		{[]string{"127.0.0.1"}, "127.0.0.1",
			[]string{"https://127.0.0.1", "http://127.0.0.1:8080", "https://2130706433"},
			[]string{"https://127.0.0.2", "https://localhost", "https://[::ffff:127.0.0.1]"}},
		{[]string{"[::1]:8443"}, "::1",
			[]string{"https://[::1]:8443", "https://[0::1]:8443"},
			[]string{"https://[::1]", "https://127.0.0.1:8443"}},
		{nil, "", nil, []string{"https://app.example.com"}},
		{nil, "example.com", nil, []string{"https://app.example.com"}},
	} {
		p, err := ParsePatterns(c.patterns, c.cookieDomain)
		if err != nil {
			t.Errorf("ParsePatterns(%q, %q): %v", c.patterns, c.cookieDomain, err)
			continue
		}
		for _, list := range []struct {
			origins []string
			want    bool
		}{{c.match, true}, {c.miss, false}} {
			for _, o := range list.origins {
				scheme, host, _ := strings.Cut(o, "://")
				if got := p.Allows(mustOrigin(t, scheme, host)); got != list.want {
					t.Errorf("patterns %q: Allows(%s) = %v, want %v", c.patterns, o, got, list.want)
				}
			}
		}
	}
	if (Patterns{}).Allows(Origin{}) {
		t.Error("the zero Patterns allow the zero Origin")
	}
}
