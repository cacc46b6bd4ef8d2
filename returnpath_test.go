package instagramauth

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"testing"

	"github.com/caddyserver/caddy/v2/modules/caddyhttp"
)

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
