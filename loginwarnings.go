package instagramauth

import (
	"net"
	"net/http"
	"strings"
	"sync/atomic"

	"go.uber.org/zap"
)

// Logins that cannot succeed because of how the site is set up end in
// "Login expired", which does not say why. The first such login a handler
// starts logs a warning that does, once per trap, never per request.

type loginWarnings struct {
	cfg    *runtimeConfig
	logger *zap.Logger
	warned uint32 // a bit per trap already logged (atomic)
}

const (
	warnedPlainHTTP uint32 = 1 << iota
	warnedOtherHost
	warnedNotReturnHost // returnhosts.go
)

// once reports whether the trap bit has not been warned about yet, and
// marks it.
func (lw *loginWarnings) once(bit uint32) bool {
	return atomic.OrUint32(&lw.warned, bit)&bit == 0
}

// check runs on every login start: nothing here allocates
// until there is something to log.
func (lw *loginWarnings) check(r *http.Request) {
	if r.TLS == nil && lw.cfg.cookies.secure && lw.once(warnedPlainHTTP) {
		// Browsers drop Secure cookies sent by http:// sites other than
		// localhost, so the callback finds no state.
		lw.logger.Warn("a login started over plain HTTP, but the plugin's cookies are Secure: browsers drop Secure cookies "+
			"on http:// sites other than localhost, so logins end in \"Login expired\". Serve the site over HTTPS, or, for "+
			"plain-HTTP development only, add insecure_cookies. Behind a proxy that terminates TLS, this is expected: "+
			"set an absolute https redirect_uri", zap.String("host", r.Host))
	}
	if cb := lw.cfg.callbackHost; cb != "" && !lw.cfg.cookies.reaches(r.Host, cb) && lw.once(warnedOtherHost) {
		// The state cookie is set on the host the login started on.
		lw.logger.Warn("a login started on another host than redirect_uri's: the state cookie stays on the first host, so "+
			"the callback finds none and the login ends in \"Login expired\". Send visitors to redirect_uri's host "+
			"(a redirect from the other one), or set cookie_domain to a domain both hosts share",
			zap.String("host", r.Host), zap.String("callback_host", cb))
	}
}

// callbackHost is the host[:port] of an absolute redirect_uri, "" for a
// path (completed with the request's own host), derived once (config.go).
// validate has checked it is an absolute http(s) URL.
func callbackHost(redirectURI string) string {
	_, rest, ok := strings.Cut(redirectURI, "://")
	if !ok {
		return ""
	}
	if end := strings.IndexAny(rest, "/?#"); end >= 0 {
		rest = rest[:end]
	}
	if at := strings.LastIndexByte(rest, '@'); at >= 0 {
		rest = rest[at+1:]
	}
	return rest
}

// reaches reports whether a cookie set by host is sent to callback: the
// same host (cookies ignore ports), or both within cookie_domain.
func (names *cookieJar) reaches(host, callback string) bool {
	a, b := hostOnly(host), hostOnly(callback)
	return a == b || domainHolds(names.domain, a) && domainHolds(names.domain, b)
}

func hostOnly(hostport string) string {
	if host, _, err := net.SplitHostPort(hostport); err == nil {
		hostport = host
	}
	return strings.ToLower(strings.Trim(hostport, "[]"))
}
