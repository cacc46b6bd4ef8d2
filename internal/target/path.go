package target

import (
	"net/url"
	"strings"
)

// Path keeps a return target on this site: a path beginning with a
// single slash, with no scheme, host, backslash, space or control
// character, that does not turn into "//host" or "/\host" once a browser
// or a server decodes it. Anything else becomes "/".
func Path(p string) string {
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
	return len(p) > 0 && p[0] == '/' && !startsOffSite(p) && plain(p)
}

// plain reports a string with no space, control character or backslash:
// nothing that a browser strips, drops or reads as another character.
func plain(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] <= ' ' || s[i] == 0x7f || s[i] == '\\' {
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
