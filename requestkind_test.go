package instagramauth

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// Behaviour 15: what a browser says about a request (Sec-Fetch-Mode)
// decides page load or API call; without it, the rules of behaviour 3.
func TestWantsLoginPage(t *testing.T) {
	cases := []struct {
		method string
		header []string
		want   bool
	}{
		// Browsers that send Sec-Fetch-Mode: only navigate is a page load.
		{"GET", []string{"Sec-Fetch-Mode", "navigate", "Accept", "text/html"}, true},
		{"HEAD", []string{"Sec-Fetch-Mode", "navigate"}, true},
		{"GET", []string{"Sec-Fetch-Mode", "navigate", "Accept", "*/*"}, true},
		{"POST", []string{"Sec-Fetch-Mode", "navigate", "Accept", "text/html"}, false}, // a form post
		{"GET", []string{"Sec-Fetch-Mode", "cors", "Accept", "*/*"}, false},            // fetch()
		{"GET", []string{"Sec-Fetch-Mode", "cors", "Accept", "text/html"}, false},
		{"GET", []string{"Sec-Fetch-Mode", "same-origin", "Accept", "*/*"}, false},
		{"GET", []string{"Sec-Fetch-Mode", "no-cors", "Accept", "*/*"}, false}, // <script>, <img>
		{"GET", []string{"Sec-Fetch-Mode", "websocket"}, false},
		{"GET", []string{"Sec-Fetch-Mode", "", "Accept", "text/html"}, false},
		{"GET", []string{"Sec-Fetch-Mode", "Navigate"}, true},
		// No Sec-Fetch-Mode (curl, old browsers): behaviour 3.
		{"GET", nil, true},
		{"GET", []string{"Accept", "*/*"}, true},
		{"GET", []string{"Accept", "text/html,application/xhtml+xml"}, true},
		{"GET", []string{"Accept", "application/json"}, false},
		{"GET", []string{"Accept", "text/html", "X-Requested-With", "XMLHttpRequest"}, false},
		{"POST", []string{"Accept", "text/html"}, false},
		// A WebSocket handshake is never redirected, with or without Accept.
		{"GET", []string{"Upgrade", "websocket", "Connection", "Upgrade"}, false},
		{"GET", []string{"Upgrade", "WebSocket", "Connection", "keep-alive, Upgrade", "Accept", "*/*"}, false},
		{"GET", []string{"Upgrade", "h2c, websocket", "Connection", "Upgrade"}, false},
		{"GET", []string{"Upgrade", "h2c", "Connection", "Upgrade"}, true},
		{"GET", []string{"Upgrade", "websocket", "Sec-Fetch-Mode", "navigate"}, false},
	}
	for _, c := range cases {
		r := httptest.NewRequest(c.method, "/page", nil)
		for i := 0; i+1 < len(c.header); i += 2 {
			r.Header.Add(c.header[i], c.header[i+1])
		}
		if got := wantsLoginPage(r); got != c.want {
			t.Errorf("%s %q: wantsLoginPage %v, want %v", c.method, c.header, got, c.want)
		}
	}
}

// Behaviour 12: fetch metadata tells a logout of the site's own from one
// asked for elsewhere; without it nothing is known and nothing refused.
func TestFromElsewhere(t *testing.T) {
	for _, c := range []struct {
		header []string
		want   bool
	}{
		{nil, false},
		{[]string{"Sec-Fetch-Site", "same-origin", "Sec-Fetch-Dest", "document"}, false}, // the site's link
		{[]string{"Sec-Fetch-Site", "none", "Sec-Fetch-Dest", "document"}, false},        // typed in
		{[]string{"Sec-Fetch-Site", "same-origin", "Sec-Fetch-Dest", "empty"}, false},    // the site's fetch()
		{[]string{"Sec-Fetch-Site", "Same-Origin"}, false},
		{[]string{"Sec-Fetch-Dest", "document"}, false},
		{[]string{"Sec-Fetch-Site", "cross-site", "Sec-Fetch-Dest", "document"}, true},
		{[]string{"Sec-Fetch-Site", "same-site", "Sec-Fetch-Dest", "image"}, true},
		{[]string{"Sec-Fetch-Site", "same-origin", "Sec-Fetch-Dest", "image"}, true},
		{[]string{"Sec-Fetch-Site", "same-origin", "Sec-Fetch-Dest", "iframe"}, true},
		{[]string{"Sec-Fetch-Site", ""}, true},
		{[]string{"Sec-Fetch-Dest", "script"}, true},
		{[]string{"Sec-Fetch-Site", "same-origin", "Sec-Fetch-Site", "same-origin"}, true},
	} {
		r := httptest.NewRequest("GET", "/oauth2/instagram/logout", nil)
		for i := 0; i+1 < len(c.header); i += 2 {
			r.Header.Add(c.header[i], c.header[i+1])
		}
		if got := fromElsewhere(r); got != c.want {
			t.Errorf("%q: fromElsewhere %v, want %v", c.header, got, c.want)
		}
	}
}

// Behaviour 17: a preflight is an OPTIONS without a body, with one Origin
// and one Access-Control-Request-Method that is a method token.
func TestIsPreflight(t *testing.T) {
	cors := []string{"Origin", "https://spa.example", "Access-Control-Request-Method", "PUT"}
	for _, c := range []struct {
		method        string
		header        []string
		contentLength int64
		chunked       bool
		want          bool
	}{
		{"OPTIONS", cors, 0, false, true},
		{"OPTIONS", cors, -1, false, true}, // HTTP/2 or 3 without Content-Length: the body is dropped
		{"OPTIONS", []string{"Origin", "null", "Access-Control-Request-Method", "DELETE"}, 0, false, true},
		{"OPTIONS", []string{"Origin", "https://spa.example", "Access-Control-Request-Method", "M-SEARCH"}, 0, false, true},
		{"OPTIONS", cors, 5, false, false},
		{"OPTIONS", cors, -1, true, false},
		{"POST", cors, 0, false, false},
		{"OPTIONS", cors[:2], 0, false, false},
		{"OPTIONS", cors[2:], 0, false, false},
		{"OPTIONS", []string{"Origin", "https://spa.example", "Access-Control-Request-Method", "PUT, DELETE"}, 0, false, false},
		{"OPTIONS", []string{"Origin", "https://spa.example", "Access-Control-Request-Method", "P(T"}, 0, false, false},
		{"OPTIONS", []string{"Origin", "https://spa.example", "Access-Control-Request-Method", ""}, 0, false, false},
		{"OPTIONS", append([]string{"Origin", "https://other.example"}, cors...), 0, false, false},
		{"OPTIONS", append([]string{"Access-Control-Request-Method", "GET"}, cors...), 0, false, false},
	} {
		r := httptest.NewRequest(c.method, "/api", nil)
		for i := 0; i+1 < len(c.header); i += 2 {
			r.Header.Add(c.header[i], c.header[i+1])
		}
		r.ContentLength = c.contentLength
		if c.chunked {
			r.TransferEncoding = []string{"chunked"}
		}
		if got := isPreflight(r); got != c.want {
			t.Errorf("%s %q, Content-Length %d, chunked %v: isPreflight %v, want %v", c.method, c.header, c.contentLength, c.chunked, got, c.want)
		}
	}
}

// Behaviour 17: what a preflight takes upstream has no method override, in
// any spelling, and no body.
func TestPassPreflight(t *testing.T) {
	r := httptest.NewRequest("OPTIONS", "/api", strings.NewReader("body"))
	r.ContentLength = -1
	for _, name := range []string{"X-HTTP-Method-Override", "X-Http-Method", "X-Method-Override"} {
		r.Header.Set(name, "DELETE")
	}
	r.Header["X_HTTP_METHOD_OVERRIDE"] = []string{"DELETE"}
	r.Header["x-method_override"] = []string{"DELETE"}
	r.Header.Set("Origin", "https://spa.example")
	r.Header.Set("X-Http-Methods", "kept") // another header
	passPreflight(r)
	if len(r.Header) != 2 || r.Header.Get("Origin") == "" || r.Header.Get("X-Http-Methods") == "" {
		t.Errorf("headers after passPreflight: %v, want Origin and X-Http-Methods only", r.Header)
	}
	if r.Body != http.NoBody || r.ContentLength != 0 {
		t.Errorf("the preflight keeps a body: %v, Content-Length %d", r.Body, r.ContentLength)
	}
}
