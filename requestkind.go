package instagramauth

import (
	"net/http"
	"strings"
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
// of the README's behaviour 3: a GET or HEAD accepting HTML, not an XHR.
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

// isPreflight reports a CORS preflight: OPTIONS with Origin and
// Access-Control-Request-Method. Browsers never send cookies with one, so
// it can never carry a session.
func isPreflight(r *http.Request) bool {
	return r.Method == http.MethodOptions && r.Header.Get("Origin") != "" &&
		r.Header.Get("Access-Control-Request-Method") != ""
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
