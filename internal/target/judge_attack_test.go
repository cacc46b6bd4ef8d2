package target

import (
	"net/url"
	"testing"
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
		"http://127.0.0.1:8443/":           "/", // not from https (downgrade_test.go)
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
