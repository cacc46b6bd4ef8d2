package instagramauth

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/caddyserver/caddy/v2/caddyconfig"
)

// Tests of what the Caddyfile adapter learns about the site of each
// directive: its addresses, which the start-up line names, and other
// sites on the same host with the same cookie name.

// adaptFile adapts src as caddy adapt reads it, from a file on disk, and
// returns the handlers' "site" values in the order of the JSON.
func adaptSites(t *testing.T, src string, onDisk bool) [][]string {
	t.Helper()
	file := "/nonexistent/Caddyfile"
	if onDisk {
		file = filepath.Join(t.TempDir(), "Caddyfile")
		if err := os.WriteFile(file, []byte(src), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	out, _, err := caddyconfig.GetAdapter("caddyfile").Adapt([]byte(src), map[string]any{"filename": file})
	if err != nil {
		t.Fatal(err)
	}
	var sites [][]string
	var walk func(any)
	walk = func(v any) {
		switch v := v.(type) {
		case map[string]any:
			if v["handler"] == "instagram_auth" {
				var site []string
				raw, _ := json.Marshal(v["site"])
				_ = json.Unmarshal(raw, &site)
				sites = append(sites, site)
			}
			for _, e := range v {
				walk(e)
			}
		case []any:
			for _, e := range v {
				walk(e)
			}
		}
	}
	var cfg any
	if err := json.Unmarshal(out, &cfg); err != nil {
		t.Fatal(err)
	}
	walk(cfg)
	return sites
}

// The adapter writes the addresses of the directive's site block into
// "site", as the Caddyfile spells them, so the start-up line can say which
// site it is for. A Caddyfile not on disk gives none.
func TestAdapterNamesTheSite(t *testing.T) {
	src := "http://localhost:8080, http://127.0.0.1:8080 {\n\tinstagram_auth " + minimalBlock + "\n}\n"
	got := adaptSites(t, src, true)
	if len(got) != 1 || strings.Join(got[0], " ") != "http://localhost:8080 http://127.0.0.1:8080" {
		t.Errorf("site = %q, want the block's two addresses", got)
	}
	if got := adaptSites(t, src, false); len(got) != 1 || got[0] != nil {
		t.Errorf("not on disk: site = %q, want none", got)
	}
}

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
