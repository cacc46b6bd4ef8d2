// Package target decides where a browser may be sent after a login —
// the page it first asked for, the rd of a start request — through one
// judge for every return target. A target is a path of
// this site, an absolute URL on the request's own origin (read as its
// path), or an absolute URL on a host that return_hosts allows. Hosts are
// read as browsers read them (the WHATWG URL rules: percent-decoding,
// IDNA, IPv4 in any numeric form, a trailing dot), and anything a browser
// would silently rewrite — controls, spaces, backslashes, missing or
// extra slashes, userinfo — is refused rather than guessed at.
package target

import "strings"

// MaxLen bounds a return target: it travels in the state cookie, which
// must stay well below browsers' 4 KB cookie limit.
const MaxLen = 1024

// Judge decides where a browser may go back to. raw is a path or an
// absolute URL; self is the origin the request was reached on; allowed
// are the return_hosts. It answers:
//   - a path: Path's answer, byte for byte;
//   - an http(s) URL on self: its path and query, Path-checked;
//   - an http(s) URL on an allowed host: the URL rewritten as a browser
//     reads it (lower-case ASCII host, dotted IPv4, default port left
//     out, fragment dropped), so the browser lands on the very host
//     that was matched — but never an http:// URL when self is https;
//   - anything else: "/" and false.
//
// ok is false when raw was refused, and the answer then "/".
func Judge(raw string, self Origin, allowed Patterns) (target string, ok bool) {
	if len(raw) > MaxLen || !plain(raw) {
		return "/", false
	}
	if strings.HasPrefix(raw, "/") {
		p := Path(raw)
		return p, p == raw
	}
	u, ok := parseAbsolute(raw)
	if !ok || Path(u.path) != u.path {
		return "/", false
	}
	if u.origin == self {
		return u.path, true
	}
	if downgrades(self, u.origin) {
		return "/", false
	}
	if allowed.match(u.origin.host, u.origin.port) {
		if s := u.origin.String() + u.path; len(s) <= MaxLen {
			return s, true
		}
	}
	return "/", false
}

// absolute is an http(s) URL as a browser splits it.
type absolute struct {
	origin Origin
	path   string // path and query, "/" at least; the fragment dropped
}

// parseAbsolute accepts "http(s)://authority[/path][?query][#fragment]"
// with exactly two slashes: "https:host", "https:/host" and
// "https:///host" find a host in browsers, or a path, depending on the
// page they are followed from. (With a third slash the authority is
// empty, and NewOrigin refuses it.)
func parseAbsolute(raw string) (absolute, bool) {
	scheme, rest, ok := strings.Cut(raw, ":")
	if !ok {
		return absolute{}, false
	}
	if rest, ok = strings.CutPrefix(rest, "//"); !ok {
		return absolute{}, false
	}
	authority, tail := rest, ""
	if i := strings.IndexAny(rest, "/?#"); i >= 0 {
		authority, tail = rest[:i], rest[i:]
	}
	origin, ok := NewOrigin(scheme, authority)
	if !ok {
		return absolute{}, false
	}
	tail, _, _ = strings.Cut(tail, "#")
	if !strings.HasPrefix(tail, "/") {
		tail = "/" + tail
	}
	return absolute{origin: origin, path: tail}, true
}

// downgrades reports a return from an https origin to an http one: the
// browser's Secure cookies would not come along (the login would start
// again, and fail), and a network attacker would serve the first page
// after the login.
func downgrades(self, to Origin) bool {
	return self.scheme == "https" && to.scheme == "http"
}
