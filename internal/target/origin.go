package target

import (
	"strconv"
	"strings"
)

// Origin is the scheme, host and port a browser reached a request on.
// The zero Origin is no origin: no URL is on it.
type Origin struct {
	scheme string // "http" or "https"
	host   host
	port   int // always set: 443 or 80 when the URL names none
}

// NewOrigin reads the scheme ("http" or "https", any case) and the
// host[:port] a request was reached on: the connection's scheme and
// Host, or behind a trusted proxy X-Forwarded-Proto and -Host. It
// refuses anything that is not exactly a host and an optional port (a
// path, a userinfo part, a list, a bad port), so that no absolute URL
// is ever taken for this site on the word of a malformed header.
func NewOrigin(scheme, hostport string) (Origin, bool) {
	scheme = strings.ToLower(scheme)
	def := defaultPort(scheme)
	if def == 0 || len(hostport) > MaxLen || !plain(hostport) {
		return Origin{}, false
	}
	hp, err := parseHostPort(hostport)
	if err != nil {
		return Origin{}, false
	}
	if hp.port == 0 {
		hp.port = def
	}
	return Origin{scheme: scheme, host: hp.host, port: hp.port}, true
}

// String is the origin as a URL prefix ("https://app.example.com", the
// default port left out), "" for the zero Origin: a path of the site
// appended to it is an absolute URL.
func (o Origin) String() string {
	if o.scheme == "" {
		return ""
	}
	s := o.scheme + "://" + o.host.name
	if o.port != defaultPort(o.scheme) {
		s += ":" + strconv.Itoa(o.port)
	}
	return s
}

func defaultPort(scheme string) int {
	switch scheme {
	case "https":
		return 443
	case "http":
		return 80
	}
	return 0
}
