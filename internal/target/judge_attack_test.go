package target

import (
	"net/url"
	"strings"
	"testing"
)

// lookAlikes must never become return targets: with the broadest
// patterns (example.com and *.example.com) each comes back as "/".
var lookAlikes = []string{
	// Hosts that only resemble an allowed one.
	"evil-example.com",
	"https://evil-example.com/",
	"https://evil-example.com",
	"example.com.evil.net",
	"https://example.com.evil.net/",
	"https://example.com.evil.net:443/x",
	"https://example.com%2Eevil.net/",
	"https://app.example.com%2Eevil.net/",
	"https://app.example.com．evil.net/", // U+FF0E, a full stop to IDNA
	"https://example.org/",
	"https://xample.com/",
	"https://wwwexample.com/",
	// Userinfo: the host is what follows the "@".
	"auth.example.com@evil.net",
	"https://auth.example.com@evil.net",
	"https://auth.example.com@evil.net/",
	"https://auth.example.com:443@evil.net/",
	"https://app.example.com%2F@evil.net",
	"https://app.example.com%40evil.net/",
	"https://user@app.example.com/",
	"https://user:pw@app.example.com/",
	"https://@app.example.com/",
	"https://:@app.example.com/",
	"https://evil.net@@app.example.com/",
	// Backslashes: a browser reads "\" as "/" in an http(s) URL.
	`https://auth.example.com\@evil.net`,
	`https://evil.net\.example.com`,
	`https://evil.net\@app.example.com`,
	`https:\\app.example.com`,
	`https:/\app.example.com`,
	// What ends the host for a browser ends it here.
	"https://evil.net%23.example.com",
	"https://evil.net?.example.com",
	"https://evil.net#.example.com",
	"https://evil.net/.example.com",
	"https://evil.net%2F.example.com",
	"https://evil.net%5C.example.com",
	"https://evil.net%3F.example.com",
	"https://evil.net%40.example.com",
	"https://evil.net%00.example.com",
	"https://evil.net%09.example.com",
	"https://evil.net%20.example.com",
	"https://evil.net%252F.example.com",
	"https://evil.net／.example.com",           // U+FF0F fullwidth solidus
	"https://evil.net%EF%BC%8F.example.com",   // the same, encoded
	"https://evil.net＃.example.com",           // U+FF03 fullwidth number sign
	"https://evil.c℀.example.com",             // U+2100 maps to "a/c"
	"https://evil.net;.example.com",           // allowed by browsers, not by DNS
	"https://evil.net_.example.com",           // likewise
	"https://*.example.com/",                  // a pattern is no host
	"https://evil.net%2A.example.com/",        // nor encoded
	"https://evil.net:443.example.com/",       // a port inside the host
	"https://evil.net:.example.com/",          // an empty one
	"https://[evil.net].example.com/",         // brackets only around IPv6
	"https://app..example.com/",               // an empty label
	"https://.example.com/",                   // another
	"https://example.com../",                  // two trailing dots
	"https://" + longLabel + ".example.com/",  // a label over 63 bytes
	"https://b" + longest + "/",               // 254 bytes
	"https://ex%zzample.com/",                 // a bad escape
	"https://ex%C3ample.com/",                 // not UTF-8
	"https://xn--.example.com/",               // empty punycode
	"https://xn--a.example.com/",              // invalid punycode
	"https://xn--exmple-cua.com/",             // exämple.com
	"https://app.xn--exmple-cua.com/",         // app.exämple.com
	"https://xn--xample-2of.com/",             // еxample.com, Cyrillic е
	"https://app.exаmple.com/",                // Cyrillic а, raw
	"https://app.ex%D0%B0mple.com/",           // the same, encoded
	"https://xn--80ak6aa92e.com/",             // аррӏе.com
	"https://example.com.xn--80ak6aa92e.com/", // under it
	"https://app.example.com\u2024evil.net/",  // U+2024 one dot leader
	"https://app.example.com\u200b.evil.net/", // an ignored zero-width space
	// IP literals, in every form a browser accepts, match only a listed IP.
	"https://127.0.0.1",
	"https://127.0.0.1/",
	"https://127.0.0.1.",
	"https://2130706433",
	"https://0x7f000001",
	"https://0x7F.1",
	"https://0177.0.0.1",
	"https://017700000001",
	"https://127.1",
	"https://127.0.1",
	"https://１２７.０.０.１/", // fullwidth digits
	"https://1.2.3.4.5/", // five parts: not an address, not a name either
	"https://256.0.0.1/",
	"https://127..1/",
	"https://4294967296/",
	"https://example.0x1/", // ends in a number: not a name
	"https://example.123/",
	"https://[::1]",
	"https://[::1]/",
	"https://[::1]:443/",
	"https://[::ffff:127.0.0.1]/",
	"https://[0:0:0:0:0:0:0:1]/",
	"https://[fe80::1%25eth0]/",
	"https://[::1",
	"https://::1/",
	"https://[127.0.0.1]/",
	// Ports: digits, 1 to 65535, written as browsers write them.
	"https://app.example.com:99999",
	"https://app.example.com:65536/",
	"https://app.example.com:0/",
	"https://app.example.com:0443/",
	"https://app.example.com:00443/",
	"https://app.example.com:08443/",
	"https://app.example.com:/",
	"https://app.example.com:+443/",
	"https://app.example.com:-1/",
	"https://app.example.com:0x1bb/",
	"https://app.example.com:443:443/",
	"https://app.example.com:４４３/",
	"https://app.example.com:%34%34%33/",
	// Schemes other than http(s) and forms with no authority.
	"//app.example.com/x",
	"///app.example.com",
	`/\app.example.com`,
	`\\app.example.com`,
	"https:app.example.com",
	"https:/app.example.com",
	"https:///app.example.com",
	"https:////app.example.com",
	"HTTPS:app.example.com",
	"javascript:alert(1)",
	"javascript://app.example.com/%0Aalert(1)",
	"JaVaScRiPt:alert(1)",
	"data:text/html,<script>alert(1)</script>",
	"vbscript:msgbox(1)",
	"ftp://app.example.com/",
	"ws://app.example.com/",
	"wss://app.example.com/",
	"file:///etc/passwd",
	"blob:https://app.example.com/x",
	"ht tps://app.example.com/",
	"1https://app.example.com/",
	"app.example.com",
	"app.example.com/x",
	":app.example.com",
	// Controls and spaces: stripped or dropped by browsers, refused here.
	" https://app.example.com/",
	"https://app.example.com/ ",
	"\x00https://app.example.com/",
	"\x1fhttps://app.example.com/",
	"https://app.example.com/\x00",
	"\thttps://app.example.com/",
	"https://app.example.com/\n",
	"https://app.exa\tmple.com/",
	"https://app.example.com\r\n.evil.net/",
	"ht\ntps://app.example.com/",
	"https://app.example.com/a\x7fb",
	// A path on an allowed host that decodes or reads as another host.
	"https://app.example.com//evil.net",
	"https://app.example.com/%2F/evil.net",
	"https://app.example.com/%5Cevil.net",
	"https://app.example.com/%09/evil.net",
	"https://app.example.com/x?y=\\",
}

var (
	longLabel = strings.Repeat("a", 64)
	// longest is a host name of 253 bytes, the most DNS holds.
	longest = strings.Repeat(strings.Repeat("a", 63)+".", 3) + strings.Repeat("b", 49) + ".example.com"
)

func TestJudgeRefusesLookAlikes(t *testing.T) {
	broad := fixtures[1]
	allowed := broad.parse(t)
	self := mustOrigin(t, "https", "auth.example.com")
	base, _ := url.Parse("https://auth.example.com/")
	for _, raw := range lookAlikes {
		got, ok := Judge(raw, self, allowed)
		if ok || got != "/" {
			t.Errorf("Judge(%q) = %q, %v; want \"/\", false", raw, got, ok)
			continue
		}
		checkJudged(t, raw, got, ok, base, broad)
	}
}

// The IP forms are refused above because no IP is listed; listed, each
// form is the address it names, and only that one.
func TestJudgeIPOnlyExact(t *testing.T) {
	ipf := fixtures[3]
	allowed := ipf.parse(t)
	self := mustOrigin(t, "https", "localhost")
	base, _ := url.Parse("https://localhost/")
	for raw, want := range map[string]string{
		"https://127.0.0.1:8443/x":         "https://127.0.0.1:8443/x",
		"https://2130706433:8443/x":        "https://127.0.0.1:8443/x",
		"https://0x7f000001:8443/x":        "https://127.0.0.1:8443/x",
		"https://0x7F.1:8443/x":            "https://127.0.0.1:8443/x",
		"https://0177.0.0.1:8443/x":        "https://127.0.0.1:8443/x",
		"https://127.1:8443/x":             "https://127.0.0.1:8443/x",
		"https://127.0.0.1.:8443/x":        "https://127.0.0.1:8443/x",
		"https://１２７.0.0.1:8443/x":         "https://127.0.0.1:8443/x",
		"http://127.0.0.1:8443/":           "http://127.0.0.1:8443/",
		"https://127.0.0.1/x":              "/",
		"https://127.0.0.2:8443/x":         "/",
		"https://127.0.0.1.nip.io:8443/":   "/",
		"https://[::ffff:127.0.0.1]:8443/": "/",
		"https://[::1]:8443/":              "/",
		"https://2130706434:8443/":         "/",
		"https://383.0.0.1:8443/":          "/", // 383 is 127 plus 256
		"https://126.255.255.257:8443/":    "/",
		"https://6425673729:8443/":         "/", // 2130706433 plus 2^32
	} {
		got, ok := Judge(raw, self, allowed)
		if got != want || ok != (want != "/") {
			t.Errorf("Judge(%q) = %q, %v; want %q", raw, got, ok, want)
			continue
		}
		checkJudged(t, raw, got, ok, base, ipf)
	}
}

// Not look-alikes but the same host written another way: a browser
// lands on the canonical host, and Judge writes that one.
func TestJudgeWritesTheHostABrowserReaches(t *testing.T) {
	broad := fixtures[1]
	allowed := broad.parse(t)
	self := mustOrigin(t, "https", "auth.example.com")
	base, _ := url.Parse("https://auth.example.com/")
	for raw, want := range map[string]string{
		"https://ex%61mple.com/p":              "https://example.com/p",
		"https://example.com./p":               "https://example.com/p",
		"https://EXAMPLE.COM/P?Q":              "https://example.com/P?Q",
		"HTTPS://App.Example.Com:443/x#frag":   "https://app.example.com/x",
		"http://app.example.com:80/":           "http://app.example.com/",
		"http://app.example.com:443/":          "http://app.example.com:443/",
		"https://app.example.com:8443/a?b=c":   "https://app.example.com:8443/a?b=c",
		"https://ａｐｐ.example.com/":             "https://app.example.com/",
		"https://app.example.com。/":            "https://app.example.com/",
		"https://bücher.example.com/":          "https://xn--bcher-kva.example.com/",
		"https://BÜCHER.example.com/":          "https://xn--bcher-kva.example.com/",
		"https://XN--BCHER-KVA.example.com/":   "https://xn--bcher-kva.example.com/",
		"https://faß.example.com/":             "https://xn--fa-hia.example.com/",
		"https://app.example.com":              "https://app.example.com/",
		"https://app.example.com?x=1":          "https://app.example.com/?x=1",
		"https://app.example.com#x":            "https://app.example.com/",
		"https://evil.net．example.com/":        "https://evil.net.example.com/", // a subdomain of example.com
		"https://r3---sn.example.com/":         "https://r3---sn.example.com/",
		"https://app.example.com/@evil.net":    "https://app.example.com/@evil.net",
		"https://app.example.com/?next=//evil": "https://app.example.com/?next=//evil",
		"https://xn--pp-8kc.example.com/":      "https://xn--pp-8kc.example.com/", // аpp: still under example.com
		"https://" + longest + "/":             "https://" + longest + "/",
		"https://" + longest + "/":             "https://" + longest + "/",
	} {
		got, ok := Judge(raw, self, allowed)
		if got != want || !ok {
			t.Errorf("Judge(%q) = %q, %v; want %q, true", raw, got, ok, want)
			continue
		}
		checkJudged(t, raw, got, ok, base, broad)
	}
}

// The open-redirect corpus of return paths, through Judge, under every
// fixture and from several origins: nothing leaves, and local paths are
// kept byte for byte.
func TestJudgeOpenRedirectCorpus(t *testing.T) {
	selves := []string{"auth.example.com", "app.example.com:8443", "127.0.0.1:8443", "site.example"}
	for _, f := range fixtures {
		allowed := f.parse(t)
		for _, host := range selves {
			self := mustOrigin(t, "https", host)
			base, _ := url.Parse("https://" + host + "/")
			for _, raw := range append(append([]string{}, offSitePaths...), lookAlikes...) {
				got, ok := Judge(raw, self, allowed)
				checkJudged(t, raw, got, ok, base, f)
				if got != "/" {
					t.Errorf("%s from %s: Judge(%q) = %q, want \"/\"", f.name, host, raw, got)
				}
			}
			for _, raw := range localPaths {
				if got, ok := Judge(raw, self, allowed); got != raw || !ok {
					t.Errorf("%s from %s: Judge(%q) = %q, %v; want it kept", f.name, host, raw, got, ok)
				}
			}
		}
	}
}

// A Host (or X-Forwarded-Host) that is no host[:port] gives no origin,
// and no absolute URL is then "this site".
func TestNewOriginRefusesWhatIsNoHost(t *testing.T) {
	for _, c := range []struct{ scheme, host string }{
		{"https", "app.example.com/x"},
		{"https", "app.example.com?x"},
		{"https", "app.example.com#x"},
		{"https", "app.example.com@evil.net"},
		{"https", "user@app.example.com"},
		{"https", `app.example.com\x`},
		{"https", "app.example.com:99999"},
		{"https", "app.example.com:0443"},
		{"https", "app.example.com:"},
		{"https", "app.example.com:x"},
		{"https", " app.example.com"},
		{"https", "app.example.com "},
		{"https", "app.example.com\t"},
		{"https", "app.example.com, evil.net"},
		{"https", "evil.net%23.app.example.com"},
		{"https", ""},
		{"https", "[::1"},
		{"https", "::1"},
		{"ftp", "app.example.com"},
		{"", "app.example.com"},
		{"https://", "app.example.com"},
	} {
		if o, ok := NewOrigin(c.scheme, c.host); ok {
			t.Errorf("NewOrigin(%q, %q) = %v, want it refused", c.scheme, c.host, o)
		}
	}
	// With no origin, the site's own absolute URLs are not followed.
	if got, ok := Judge("https://app.example.com/x", Origin{}, Patterns{}); ok || got != "/" {
		t.Errorf("Judge with no origin = %q, %v; want \"/\", false", got, ok)
	}
	bad, _ := NewOrigin("https", "app.example.com/x")
	if got, ok := Judge("https://app.example.com/x", bad, Patterns{}); ok || got != "/" {
		t.Errorf("Judge with a refused origin = %q, %v; want \"/\", false", got, ok)
	}
}
