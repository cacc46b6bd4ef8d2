package integration

import (
	"net/http"
	"strings"
	"testing"
)

// What counts as a CORS preflight (behaviour 17): a request shaped like
// one passes allow_preflight without a session, so it must carry nothing
// for the upstream to act on.

// Behaviour 17: an OPTIONS with a body (Content-Length or chunked), with a
// method asked for that is no method token, or with Origin or the method
// given twice is no preflight: without a session it gets the 401 of 4 and
// never reaches the upstream.
func TestPreflightWithBodyRefused(t *testing.T) {
	h := newHarness(t, withOptions("allow_preflight"))
	anonymous := newBrowser(t)
	cors := []string{"Origin", "https://spa.example", "Access-Control-Request-Method", "PUT"}
	for what, header := range map[string][]string{
		"a method list":      {"Origin", "https://spa.example", "Access-Control-Request-Method", "PUT, DELETE"},
		"a method with (":    {"Origin", "https://spa.example", "Access-Control-Request-Method", "P(T"},
		"two methods asked":  {"Origin", "https://spa.example", "Access-Control-Request-Method", "PUT", "Access-Control-Request-Method", "GET"},
		"two origins":        {"Origin", "https://spa.example", "Origin", "https://other.example", "Access-Control-Request-Method", "PUT"},
		"an empty origin":    {"Origin", "", "Access-Control-Request-Method", "PUT"},
		"a space for method": {"Origin", "https://spa.example", "Access-Control-Request-Method", " "},
	} {
		if resp := h.do(anonymous, http.MethodOptions, siteURL+"/api/items", nil, header...); resp.StatusCode != http.StatusUnauthorized {
			t.Errorf("OPTIONS with %s: status %d, want 401", what, resp.StatusCode)
		}
	}
	resp := h.do(anonymous, http.MethodOptions, siteURL+"/api/items", strings.NewReader(`{"delete":"everything"}`),
		append(cors, "X-HTTP-Method-Override", "DELETE")...)
	if body := readAll(t, resp); resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("OPTIONS with a Content-Length body: status %d, body %q; want 401", resp.StatusCode, body)
	}
	chunked := rawExchange(t, "OPTIONS /api/items HTTP/1.1\nHost: localhost:9080\nOrigin: https://spa.example\n"+
		"Access-Control-Request-Method: PUT\nTransfer-Encoding: chunked\nConnection: close\n\n5\nhello\n0\n\n")
	if chunked.StatusCode != http.StatusUnauthorized {
		t.Errorf("OPTIONS with a chunked body: status %d, want 401", chunked.StatusCode)
	}
	if n := h.up.calls.Load(); n != 0 {
		t.Errorf("the upstream was called %d times by requests that are no preflight", n)
	}
}

// Behaviour 17: a preflight goes on without the method-override headers,
// in any spelling (an upstream framework would read them as the method),
// and without a body; Content-Length: 0 and Origin: null (a sandboxed
// frame's or a file: page's preflight, as browsers send it) still count.
func TestPreflightPassesWithoutOverrides(t *testing.T) {
	h := newHarness(t, withOptions("allow_preflight"))
	anonymous := newBrowser(t)
	for what, origin := range map[string]string{"an origin": "https://spa.example", "Origin: null": "null"} {
		e := h.upstreamSaw(h.do(anonymous, http.MethodOptions, siteURL+"/api/items", nil,
			"Origin", origin, "Access-Control-Request-Method", "DELETE",
			"X-HTTP-Method-Override", "DELETE", "X-HTTP-Method", "DELETE", "X-Method-Override", "DELETE",
			"X_HTTP_Method_Override", "DELETE", "x-http-method", "PATCH"))
		for name := range e.Header {
			if folded := strings.ReplaceAll(strings.ToLower(name), "_", "-"); strings.Contains(folded, "method-override") || folded == "x-http-method" {
				t.Errorf("the preflight with %s reached the upstream with %s: %q", what, name, e.Header[name])
			}
		}
		if e.Header.Get("Access-Control-Request-Method") != "DELETE" || e.Header.Get("Origin") != origin {
			t.Errorf("the preflight with %s lost its CORS headers: %v", what, e.Header)
		}
	}
	zero := rawExchange(t, "OPTIONS /api/items HTTP/1.1\nHost: localhost:9080\nOrigin: https://spa.example\n"+
		"Access-Control-Request-Method: PUT\nContent-Length: 0\nX_HTTP_METHOD_OVERRIDE: DELETE\nx-method_override: DELETE\nConnection: close\n\n")
	e := h.upstreamSaw(zero)
	if e.Body != "" {
		t.Errorf("a preflight with Content-Length: 0 reached the upstream with body %q", e.Body)
	}
	for name := range e.Header {
		if strings.Contains(strings.ReplaceAll(strings.ToLower(name), "_", "-"), "method-override") {
			t.Errorf("the preflight reached the upstream with %s: %q", name, e.Header[name])
		}
	}
}
