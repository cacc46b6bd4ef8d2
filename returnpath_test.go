package instagramauth

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/caddyserver/caddy/v2/modules/caddyhttp"
)

func TestSafeReturnPathRefusesOffSite(t *testing.T) {
	for _, p := range []string{
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
		"/%2F/evil.com", // decodes to "///evil.com": see the test below
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
	} {
		if got := safeReturnPath(p); got != "/" {
			t.Errorf("safeReturnPath(%q) = %q, want \"/\"", p, got)
		}
	}
}

func TestSafeReturnPathKeepsLocal(t *testing.T) {
	for _, p := range []string{
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
	} {
		if got := safeReturnPath(p); got != p {
			t.Errorf("safeReturnPath(%q) = %q, want it kept byte for byte", p, got)
		}
	}
}

// "/%2F/evil.com" is a same-site path to a browser, which never decodes
// %2F in a path; but an upstream that decodes the path and redirects to it
// would send the user to "///evil.com", which browsers read as
// "//evil.com". The rule refuses a path that decodes to "//", trading an
// odd, rare return target for safety.
func TestSafeReturnPathEncodedSlashAtStart(t *testing.T) {
	for _, p := range []string{"/%2F/evil.com", "/%2F", "/%2Fevil.com", "/%5C", "/%2f%2f"} {
		if got := safeReturnPath(p); got != "/" {
			t.Errorf("safeReturnPath(%q) = %q, want \"/\"", p, got)
		}
	}
}

func TestReturnPathUsesOriginalRequest(t *testing.T) {
	// Without an original request, the request's own target.
	r := httptest.NewRequest(http.MethodGet, "/page?x=1", nil)
	if got := returnPath(r); got != "/page?x=1" {
		t.Errorf("returnPath = %q, want /page?x=1", got)
	}

	// After a rewrite, the target the client asked for.
	orig := httptest.NewRequest(http.MethodGet, "/original/page?y=2", nil)
	r = httptest.NewRequest(http.MethodGet, "/rewritten", nil)
	r = r.WithContext(context.WithValue(r.Context(), caddyhttp.OriginalRequestCtxKey, *orig))
	if got := returnPath(r); got != "/original/page?y=2" {
		t.Errorf("returnPath after rewrite = %q, want /original/page?y=2", got)
	}

	// The original request is checked like any other.
	orig = httptest.NewRequest(http.MethodGet, "/x", nil)
	orig.URL = &url.URL{Path: "//evil.com/"}
	r = httptest.NewRequest(http.MethodGet, "/fine", nil)
	r = r.WithContext(context.WithValue(r.Context(), caddyhttp.OriginalRequestCtxKey, *orig))
	if got := returnPath(r); got != "/" {
		t.Errorf("returnPath with an off-site original = %q, want /", got)
	}

	// An original request without a URL is ignored.
	r = httptest.NewRequest(http.MethodGet, "/own", nil)
	r = r.WithContext(context.WithValue(r.Context(), caddyhttp.OriginalRequestCtxKey, http.Request{}))
	if got := returnPath(r); got != "/own" {
		t.Errorf("returnPath with a URL-less original = %q, want /own", got)
	}

	// A request line such as "GET //evil.com HTTP/1.1" parses to the path
	// "//evil.com": it must come back as "/".
	r = httptest.NewRequest(http.MethodGet, "/x", nil)
	r.URL = &url.URL{Path: "//evil.com", RawQuery: "a=b"}
	if got := returnPath(r); got != "/" {
		t.Errorf("returnPath for path //evil.com = %q, want /", got)
	}
}

// Every kept target stays on the site once a browser resolves it.
func TestSafeReturnPathResolvesOnSite(t *testing.T) {
	base, _ := url.Parse("https://site.example/oauth2/instagram/callback")
	for _, p := range []string{
		"/", "/a/b", "/a//b", "/.//evil.com", "/..//evil.com", "/a/..//evil.com", "/%2e%2e//evil.com",
	} {
		got := safeReturnPath(p)
		ref, err := url.Parse(got)
		if err != nil {
			t.Fatalf("%q: kept %q does not parse: %v", p, got, err)
		}
		if dest := base.ResolveReference(ref); dest.Host != "site.example" || dest.Scheme != "https" {
			t.Errorf("safeReturnPath(%q) = %q resolves to %s", p, got, dest)
		}
	}
}

func FuzzSafeReturnPath(f *testing.F) {
	for _, p := range []string{
		"/", "/admin/page?x=1&y=%2F%2Fz", "/a/b/", "/search?q=https://x.com", "/%E2%9C%93",
		"//evil.com", `/\evil.com`, "/\t/evil.com", "%2F%2Fevil.com", "/%2F/evil.com", "/%5Cevil.com",
		"/%5C%5Cevil.com", "https://evil.com", "http:evil.com", "javascript:alert(1)", `\\evil.com`,
		"/\r\n/evil.com", "", "evil.com", "/ /x", "/.//evil.com", "/%09/evil.com", "/a?%zz",
	} {
		f.Add(p)
	}
	base, _ := url.Parse("https://site.example/")
	f.Fuzz(func(t *testing.T, p string) {
		got := safeReturnPath(p)
		if got != "/" && got != p {
			t.Fatalf("safeReturnPath(%q) = %q: neither \"/\" nor the input", p, got)
		}
		if strings.HasPrefix(got, "//") || strings.HasPrefix(got, `/\`) || got == "" || got[0] != '/' {
			t.Fatalf("safeReturnPath(%q) = %q", p, got)
		}
		for i := 0; i < len(got); i++ {
			if c := got[i]; c < 0x20 || c == 0x7f || c == '\\' || c == ' ' {
				t.Fatalf("safeReturnPath(%q) = %q holds %q", p, got, c)
			}
		}
		for _, s := range []string{got, browserStrips.Replace(got)} {
			ref, err := url.Parse(s)
			if err != nil {
				t.Fatalf("safeReturnPath(%q) = %q does not parse: %v", p, s, err)
			}
			if ref.Scheme != "" || ref.Host != "" || ref.User != nil || ref.Opaque != "" {
				t.Fatalf("safeReturnPath(%q) = %q has scheme %q host %q", p, s, ref.Scheme, ref.Host)
			}
			dest := base.ResolveReference(ref)
			if dest.Scheme != "https" || dest.Host != "site.example" || dest.User != nil {
				t.Fatalf("safeReturnPath(%q) = %q resolves to %s", p, s, dest)
			}
			// The decoded path is no network path either (an upstream
			// may decode it before redirecting).
			if dec, err := url.PathUnescape(ref.EscapedPath()); err == nil && got != "/" && startsOffSite(dec) {
				t.Fatalf("safeReturnPath(%q) = %q decodes to %q", p, s, dec)
			}
		}
		// Idempotent.
		if again := safeReturnPath(got); again != got {
			t.Fatalf("safeReturnPath(%q) = %q, but of that %q", p, got, again)
		}
	})
}
