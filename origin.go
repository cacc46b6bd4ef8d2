package instagramauth

import (
	"net/http"
	"strings"

	"github.com/b4b0c547/caddy-instagram-auth/internal/target"
	"github.com/caddyserver/caddy/v2/modules/caddyhttp"
)

// requestOrigin is the scheme and host[:port] the browser reached: the
// connection's own scheme (TLS or not) and the request's Host; or, when
// the request comes from an address in Caddy's trusted_proxies (a proxy
// in front that terminates TLS or listens on another port), the
// X-Forwarded-Proto and X-Forwarded-Host it sets (behaviour 36). From any
// other address those headers are the client's to write, and ignored. It
// completes a path redirect_uri, names the assertion's issuer and
// audience, and judges return targets. Anything that is not exactly a
// host and a port is refused.
func requestOrigin(r *http.Request) (target.Origin, bool) {
	return target.NewOrigin(originOf(r))
}

// originOf is what requestOrigin reads the origin from, as the request
// spells it: the part that costs nothing, so that the assertions can
// remember what the rest (parsing the host) made of it.
func originOf(r *http.Request) (scheme, host string) {
	scheme, host = "http", r.Host
	if r.TLS != nil {
		scheme = "https"
	}
	if trusted, _ := caddyhttp.GetVar(r.Context(), caddyhttp.TrustedProxyVarKey).(bool); trusted {
		if p, ok := forwarded(r.Header, "X-Forwarded-Proto"); ok {
			scheme = p
		}
		if h, ok := forwarded(r.Header, "X-Forwarded-Host"); ok {
			host = h
		}
	}
	return scheme, host
}

// forwarded is the one value a trusted proxy set in header. A list (one
// proxy appending to what the client sent) names no single origin, so it
// is not taken.
func forwarded(hdr http.Header, name string) (string, bool) {
	v := oneValue(hdr[name])
	if strings.Contains(v, ",") {
		return "", false
	}
	v = strings.TrimSpace(v)
	return v, v != ""
}
