package instagramauth

import (
	"net/http"
	"strings"

	"golang.org/x/net/http/httpguts"
)

// What kind of request this is decides the answer without a session: a
// page load is sent to Instagram, anything else gets the 401 a script can
// read, and a CORS preflight may pass on (allow_preflight).

// wantsLoginPage tells a browser's page load from an API call. A browser
// says what it is doing in Sec-Fetch-Mode: only a navigation is a page
// load; fetch(), XHR, <script>, EventSource and WebSocket handshakes
// followed to instagram.com would only fail (as CORS errors), and each
// would start a login that crowds out the one the user is really doing.
// Clients without the header (curl, old browsers) are judged by the rules
// of behaviour 3 (docs/behaviour.md): a GET or HEAD accepting HTML, not an XHR.
func wantsLoginPage(r *http.Request) bool {
	if r.Method != http.MethodGet && r.Method != http.MethodHead || isWebSocket(r) {
		return false
	}
	if mode, sent := r.Header["Sec-Fetch-Mode"]; sent {
		return len(mode) == 1 && strings.EqualFold(mode[0], "navigate")
	}
	if strings.EqualFold(r.Header.Get("X-Requested-With"), "XMLHttpRequest") {
		return false
	}
	accept := strings.TrimSpace(r.Header.Get("Accept"))
	return accept == "" || accept == "*/*" || strings.Contains(strings.ToLower(accept), "text/html")
}

// isWebSocket reports a WebSocket handshake: "websocket" among the
// Upgrade header's protocols.
func isWebSocket(r *http.Request) bool {
	for _, line := range r.Header["Upgrade"] {
		for proto := range strings.SplitSeq(line, ",") {
			if strings.EqualFold(strings.TrimSpace(proto), "websocket") {
				return true
			}
		}
	}
	return false
}

// isPreflight reports a CORS preflight: an OPTIONS without a body, with
// one Origin and one Access-Control-Request-Method that is a method token.
// Browsers never send cookies or a body with one; anything else shaped
// like it would pass allow_preflight without a session with something for
// the upstream to act on, and gets the 401 instead (behaviour 17,
// docs/behaviour.md). Origin "null" counts: browsers send it for the
// preflights of sandboxed frames and file: pages, and refusing it would
// protect nothing, since a client that is no browser can write any Origin.
func isPreflight(r *http.Request) bool {
	// Without Content-Length (-1) the body of an HTTP/2 or HTTP/3 request
	// may still come: passPreflight drops it. HTTP/1 says chunked in
	// TransferEncoding.
	return r.Method == http.MethodOptions && r.ContentLength <= 0 && len(r.TransferEncoding) == 0 &&
		oneValue(r.Header["Origin"]) != "" && httpguts.ValidHeaderFieldName(oneValue(r.Header["Access-Control-Request-Method"]))
}

// oneValue is a header's value when it was sent exactly once, else "".
func oneValue(values []string) string {
	if len(values) != 1 {
		return ""
	}
	return values[0]
}

// methodOverrides are the headers with which frameworks let a request name
// another method than its own (folded as foldName spells them): a preflight
// passed on with one could be served as a DELETE.
var methodOverrides = [...]string{"x-http-method-override", "x-http-method", "x-method-override"}

// passPreflight takes from a preflight what it has no business carrying
// upstream: any method-override header, in any case and with "_" for "-",
// and a body an HTTP/2 or HTTP/3 client may send without Content-Length.
func passPreflight(r *http.Request) {
	for name := range r.Header {
		for _, o := range methodOverrides {
			if sameFolded(name, o) {
				delete(r.Header, name)
			}
		}
	}
	r.Body, r.ContentLength = http.NoBody, 0
}

// fromElsewhere reports a request that the browser's fetch metadata marks
// as not the site's own: sent from another site or a sibling subdomain
// (Sec-Fetch-Site other than same-origin or none, which is an address
// typed in or a bookmark), or not as a page load or a fetch() (Sec-Fetch-Dest
// other than document or empty: an <img>, a frame, a script). A request
// without these headers (a script, an older browser) tells nothing, and is
// not refused (behaviour 12, docs/behaviour.md).
func fromElsewhere(r *http.Request) bool {
	return !absentOrOneOf(r.Header["Sec-Fetch-Site"], "same-origin", "none") ||
		!absentOrOneOf(r.Header["Sec-Fetch-Dest"], "document", "empty")
}

// absentOrOneOf accepts a header not sent, or sent once with one of want.
// Browsers send each fetch metadata header once: several are no browser's.
func absentOrOneOf(values []string, want ...string) bool {
	if len(values) == 0 {
		return true
	}
	if len(values) > 1 {
		return false
	}
	for _, w := range want {
		if strings.EqualFold(strings.TrimSpace(values[0]), w) {
			return true
		}
	}
	return false
}
