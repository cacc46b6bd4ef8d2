package instagramauth

import (
	"strings"
	"testing"
)

// Host-only cookies ignore the port: two sites on one host with the same
// cookie name overwrite each other's sessions. Each pair is found once,
// naming both sites; other hosts, other names, a shared cookie_domain
// (sharing on purpose) and one block's own directives are not.
func TestSitesSharingAHostAndACookie(t *testing.T) {
	site := func(addrs, cookie, domain string) cookieUse {
		u := cookieUse{block: addrs, cookie: cookie, domain: domain, site: addrs, at: "Caddyfile:" + addrs}
		for _, a := range strings.Split(addrs, ", ") {
			u.hosts = append(u.hosts, hostOf(a))
		}
		return u
	}
	cases := []struct {
		name   string
		first  cookieUse
		second cookieUse
		clash  bool
	}{
		{"two ports of localhost", site("localhost:8080", "c", ""), site("http://localhost:8081", "c", ""), true},
		{"case of the host", site("App.example.com", "c", ""), site("app.example.com:8443", "c", ""), true},
		{"a catch-all site", site(":8080", "c", ""), site("localhost:8081", "c", ""), true},
		{"one of several addresses", site("a.example, b.example", "c", ""), site("b.example:8443", "c", ""), true},
		{"other hosts", site("localhost:8080", "c", ""), site("127.0.0.1:8081", "c", ""), false},
		{"other cookie names", site("localhost:8080", "c", ""), site("localhost:8081", "d", ""), false},
		{"a shared cookie_domain", site("a.example.com", "c", "example.com"), site("a.example.com:8443", "c", "example.com"), false},
	}
	for _, tc := range cases {
		var uses cookieUses
		if other := uses.add(tc.first); other != nil {
			t.Errorf("%s: the first site clashed with %v", tc.name, other)
		}
		other := uses.add(tc.second)
		if (other != nil) != tc.clash {
			t.Errorf("%s: clash = %v, want %v", tc.name, other, tc.clash)
			continue
		}
		if other == nil {
			continue
		}
		msg := sharedCookieWarning(*other, tc.second)
		for _, want := range []string{tc.first.site, tc.first.at, tc.second.site, tc.second.at, "cookie_name", tc.first.cookie} {
			if !strings.Contains(msg, want) {
				t.Errorf("%s: warning %q lacks %q", tc.name, msg, want)
			}
		}
	}
	// Two directives of one block share its cookie on purpose.
	var one cookieUses
	one.add(site("localhost:8080", "c", ""))
	if other := one.add(site("localhost:8080", "c", "")); other != nil {
		t.Errorf("one block's two directives clashed: %v", other)
	}
	// A third site on the host clashes with the first it meets, once.
	var uses cookieUses
	uses.add(site("localhost:8080", "c", ""))
	uses.add(site("localhost:8081", "c", ""))
	if other := uses.add(site("localhost:8082", "c", "")); other == nil || other.site != "localhost:8080" {
		t.Errorf("third site: clash with %v, want the first", other)
	}
}
