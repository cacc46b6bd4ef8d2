package instagramauth

import (
	"net/http/httptest"
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
