package target

import (
	"net/url"
	"strings"
	"testing"
)

// offSitePaths is the open-redirect corpus of return paths: every one must
// come back as "/". Judge runs it too (judge_attack_test.go).
var offSitePaths = []string{
	"",
	"evil.com",
	"//evil.com",
	"///evil.com",
	"//evil.com/path?x=1",
	`/\evil.com`,
	`\\evil.com`,
	`\/evil.com`,
	"/\t/evil.com",
	"/\r\n/evil.com",
	"/\n/evil.com",
	"\t//evil.com",
	"%2F%2Fevil.com",
	"/%2F/evil.com", // decodes to "///evil.com": see TestPathEncodedSlashAtStart
	"/%2f/evil.com",
	"/%5Cevil.com",
	"/%5cevil.com",
	"/%5C%5Cevil.com",
	"/%09/evil.com", // decodes to "/\t/evil.com", "//evil.com" to a browser
	"/%0D%0A/evil.com",
	"https://evil.com",
	"https://evil.com/",
	"http:evil.com",
	"http:/evil.com",
	"javascript:alert(1)",
	"data:text/html,<script>alert(1)</script>",
	"/ /x",
	"/x y",
	"/\x00",
	"/a\x7fb",
	"/a\\b",
	"/%zz", // not a valid escape in the path
	// The request targets of the end-to-end open-redirect test.
	"//evil.example/x",
	"/\\evil.example/x",
	"/%2F%2Fevil.example",
	"/%5Cevil.example",
	"/%09/evil.example",
	"///evil.example",
}

// localPaths are kept byte for byte, by Path and by Judge.
var localPaths = []string{
	"/",
	"/admin/page?x=1&y=%2F%2Fz",
	"/a/b/",
	"/search?q=https://x.com",
	"/search?next=//evil.com", // only the path decides where a browser goes
	"/%E2%9C%93",
	"/a%2Fb",     // an encoded slash inside the path is no network path
	"/a/%2F%2Fb", // nor further in
	"/a//b",
	"/.well-known/x",
	"/x:y",
	"/@evil.com",
	"/a;b=c,d",
	"/?",
	"/#frag",
	"/a?%zz", // a bad escape in the query does not move the target
}

func TestPathRefusesOffSite(t *testing.T) {
	for _, p := range offSitePaths {
		if got := Path(p); got != "/" {
			t.Errorf("Path(%q) = %q, want \"/\"", p, got)
		}
	}
}

func TestPathKeepsLocal(t *testing.T) {
	for _, p := range localPaths {
		if got := Path(p); got != p {
			t.Errorf("Path(%q) = %q, want it kept byte for byte", p, got)
		}
	}
}

// "/%2F/evil.com" is a same-site path to a browser, which never decodes
// %2F in a path; but an upstream that decodes the path and redirects to it
// would send the user to "///evil.com", which browsers read as
// "//evil.com". The rule refuses a path that decodes to "//", trading an
// odd, rare return target for safety.
func TestPathEncodedSlashAtStart(t *testing.T) {
	for _, p := range []string{"/%2F/evil.com", "/%2F", "/%2Fevil.com", "/%5C", "/%2f%2f"} {
		if got := Path(p); got != "/" {
			t.Errorf("Path(%q) = %q, want \"/\"", p, got)
		}
	}
}

// Every kept target stays on the site once a browser resolves it.
func TestPathResolvesOnSite(t *testing.T) {
	base, _ := url.Parse("https://site.example/oauth2/instagram/callback")
	for _, p := range []string{
		"/", "/a/b", "/a//b", "/.//evil.com", "/..//evil.com", "/a/..//evil.com", "/%2e%2e//evil.com",
	} {
		got := Path(p)
		ref, err := url.Parse(got)
		if err != nil {
			t.Fatalf("%q: kept %q does not parse: %v", p, got, err)
		}
		if dest := base.ResolveReference(ref); dest.Host != "site.example" || dest.Scheme != "https" {
			t.Errorf("Path(%q) = %q resolves to %s", p, got, dest)
		}
	}
}

func FuzzPath(f *testing.F) {
	for _, p := range append(append([]string{}, offSitePaths...), localPaths...) {
		f.Add(p)
	}
	base, _ := url.Parse("https://site.example/")
	f.Fuzz(func(t *testing.T, p string) {
		got := Path(p)
		if got != "/" && got != p {
			t.Fatalf("Path(%q) = %q: neither \"/\" nor the input", p, got)
		}
		checkSitePath(t, p, got, base)
	})
}

// checkSitePath fails unless got is a path that stays on base's site for
// a browser, for net/url, and for an upstream that decodes it once.
func checkSitePath(t *testing.T, in, got string, base *url.URL) {
	t.Helper()
	if strings.HasPrefix(got, "//") || strings.HasPrefix(got, `/\`) || got == "" || got[0] != '/' {
		t.Fatalf("%q gave %q", in, got)
	}
	for i := 0; i < len(got); i++ {
		if c := got[i]; c < 0x20 || c == 0x7f || c == '\\' || c == ' ' {
			t.Fatalf("%q gave %q, which holds %q", in, got, c)
		}
	}
	for _, s := range []string{got, browserStrips.Replace(got)} {
		ref, err := url.Parse(s)
		if err != nil {
			t.Fatalf("%q gave %q, which does not parse: %v", in, s, err)
		}
		if ref.Scheme != "" || ref.Host != "" || ref.User != nil || ref.Opaque != "" {
			t.Fatalf("%q gave %q with scheme %q host %q", in, s, ref.Scheme, ref.Host)
		}
		dest := base.ResolveReference(ref)
		if dest.Scheme != base.Scheme || dest.Host != base.Host || dest.User != nil {
			t.Fatalf("%q gave %q, which resolves to %s", in, s, dest)
		}
		// The decoded path is no network path either (an upstream
		// may decode it before redirecting).
		if dec, err := url.PathUnescape(ref.EscapedPath()); err == nil && got != "/" && startsOffSite(dec) {
			t.Fatalf("%q gave %q, which decodes to %q", in, s, dec)
		}
	}
	if again := Path(got); again != got {
		t.Fatalf("%q gave %q, but Path of that is %q", in, got, again)
	}
}
