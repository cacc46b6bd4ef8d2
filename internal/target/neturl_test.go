package target

import (
	"net/url"
	"strings"
	"testing"
)

// netURLJudge is the judge one might write with net/url alone: a URL
// without a host is a path of this site, one with a host is allowed
// when its lower-cased Hostname is example.com or under it.
func netURLJudge(raw string) bool {
	u, err := url.Parse(raw)
	if err != nil {
		return false
	}
	if u.Host == "" {
		return true
	}
	h := strings.ToLower(u.Hostname())
	return u.User == nil && (u.Scheme == "http" || u.Scheme == "https") &&
		(h == "example.com" || strings.HasSuffix(h, ".example.com"))
}

// Where net/url alone goes wrong, and Judge does not. Each case says
// where a browser would go instead.
func TestNetURLAloneWouldMisjudge(t *testing.T) {
	allowed := fixtures[1].parse(t)
	self := mustOrigin(t, "https", "auth.example.com")
	for _, c := range []struct{ raw, browser string }{
		// net/url sees no host; a browser does.
		{`https:/\evil.net/`, "evil.net"},
		{`https:\\evil.net/`, "evil.net"},
		{"https:///evil.net/", "evil.net"},
		{"https:/evil.net/", "evil.net, from a page that is not https"},
		{"https:evil.net/", "evil.net, from a page that is not https"},
		{`/\evil.net/`, "evil.net"},
		{`\\evil.net/`, "evil.net"},
		{"///evil.net/", "evil.net"},
		{"javascript:alert(1)", "a script on the callback page"},
		// net/url sees a host under example.com; a browser maps the
		// character to "/", "#" or "a/c", which splits the host (older
		// clients go to evil.net; today's browsers refuse the URL).
		{"https://evil.net／.example.com/", "evil.net, or nowhere"},
		{"https://evil.net%EF%BC%8F.example.com/", "evil.net, or nowhere"},
		{"https://evil.net＃.example.com/", "evil.net, or nowhere"},
		{"https://evil.c℀.example.com/", "evil.ca, or nowhere"},
		// net/url decodes once and keeps "%" in the host; a browser
		// refuses the URL.
		{"https://evil.net%252F.example.com/", "nowhere"},
		// net/url takes any digits as a port.
		{"https://app.example.com:99999/", "nowhere"},
		{"https://app.example.com:0/", "nowhere"},
		{"https://app.example.com:0443/", "app.example.com:443"},
	} {
		if !netURLJudge(c.raw) {
			t.Errorf("%q: net/url alone now refuses it; update this list", c.raw)
		}
		if got, ok := Judge(c.raw, self, allowed); ok || got != "/" {
			t.Errorf("Judge(%q) = %q, %v; a browser would go to %s", c.raw, got, ok, c.browser)
		}
	}
}

// And where net/url alone refuses a host that a browser reaches as an
// allowed one: safe, but a login that should return would not.
func TestNetURLAloneWouldRefuse(t *testing.T) {
	self := mustOrigin(t, "https", "auth.example.com")
	for _, c := range []struct {
		raw string
		f   fixture
	}{
		{"https://ex%61mple.com/", fixtures[1]},
		{"https://app.example.com%2Eexample.com/", fixtures[1]},
		{"https://ａｐｐ.example.com/", fixtures[2]},
		{"https://APP.example.com./", fixtures[2]},
		{"https://2130706433:8443/", fixtures[3]},
		{"https://0x7f.1:8443/", fixtures[3]},
	} {
		netURLOK := false
		if u, err := url.Parse(c.raw); err == nil {
			netURLOK = c.f.allows(strings.ToLower(u.Hostname()), u.Port())
		}
		if _, ok := Judge(c.raw, self, c.f.parse(t)); netURLOK || !ok {
			t.Errorf("%q: net/url alone allows it: %v; Judge: %v", c.raw, netURLOK, ok)
		}
	}
}
