package instagramauth

import (
	"net/http"
	"net/url"
	"strings"
)

// maxReturnPath keeps the state cookie, which carries the return path,
// well below browsers' 4 KB cookie limit.
const maxReturnPath = 1024

// returnPath is the page to come back to after login: the request's own
// path and query, as the client sent them (before any rewrite). A very
// long one loses its query, then its path.
func returnPath(r *http.Request) string {
	u := originalURL(r)
	p := u.RequestURI()
	if len(p) > maxReturnPath {
		p = u.EscapedPath()
	}
	if len(p) > maxReturnPath {
		return "/"
	}
	return safeReturnPath(p)
}

// safeReturnPath keeps a return target on this site: a path beginning with
// a single slash, with no scheme, host, backslash, space or control
// character, that does not turn into "//host" or "/\host" once a browser
// or a server decodes it. Anything else becomes "/".
func safeReturnPath(p string) string {
	if !isLocalPath(p) {
		return "/"
	}
	u, err := url.Parse(p)
	if err != nil || u.Scheme != "" || u.Host != "" || u.User != nil || u.Opaque != "" {
		return "/"
	}
	// %2F%2Fhost or %5Chost may be decoded by an upstream or a browser.
	decoded, err := url.PathUnescape(u.EscapedPath())
	if err != nil || startsOffSite(decoded) {
		return "/"
	}
	return p
}

// isLocalPath accepts a path of plain printable characters that starts
// with one slash. Browsers strip tabs and newlines and read "\" as "/",
// so "/\t/host" and "/\\host" are "//host" to them: both are refused.
func isLocalPath(p string) bool {
	if len(p) == 0 || p[0] != '/' || startsOffSite(p) {
		return false
	}
	for i := 0; i < len(p); i++ {
		if p[i] <= ' ' || p[i] == 0x7f || p[i] == '\\' {
			return false
		}
	}
	return true
}

// browserStrips removes what browsers drop from URLs before parsing them.
var browserStrips = strings.NewReplacer("\t", "", "\n", "", "\r", "")

// startsOffSite reports a network-path reference ("//host", "/\host",
// "\\host"), read as browsers do, ignoring tabs and newlines.
func startsOffSite(p string) bool {
	p = browserStrips.Replace(p)
	return len(p) >= 2 && (p[0] == '/' || p[0] == '\\') && (p[1] == '/' || p[1] == '\\')
}
