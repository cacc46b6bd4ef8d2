package instagramauth

import (
	"net/http"
	"strings"

	"github.com/b4b0c547/caddy-instagram-auth/internal/target"
	"go.uber.org/zap"
)

// One login for many subdomains (behaviour 34, docs/behaviour.md). With
// return_hosts, every login finishes on the one host of redirect_uri, the
// only URI registered with Instagram; cookie_domain carries the state
// cookie there and the session cookie back. What a login stores as its
// return target is therefore read on the callback's origin: a path of the
// callback's site, or the absolute URL of the page first asked for on the
// host the login started on.

// loginReturn is the return target a login stores. Without return_hosts it
// is returnTo as given: a path of this site (behaviour 5), the caller's to
// judge. With them, a path asked for on another origin than the callback's
// becomes that origin's absolute URL (scheme, host and port kept), and the
// target is judged against the patterns: a start origin that matches none
// (a look-alike, an IP literal not listed, a Host no origin can be read
// from) returns to "/" of the callback's site, and fromHost is then false
// (a target refused for its length or scheme is "/" too, but the host was
// not the cause).
func (cfg *runtimeConfig) loginReturn(r *http.Request, returnTo string) (stored string, fromHost bool) {
	if cfg.returnHosts.Empty() {
		return returnTo, true
	}
	callback := cfg.callbackSelf // return_hosts requires an absolute redirect_uri (checked at load)
	if strings.HasPrefix(returnTo, "/") {
		start, ok := requestOrigin(r)
		if !ok {
			return "/", false
		}
		if start != callback {
			abs := start.String() + returnTo
			if len(abs) > target.MaxLen { // as returnPath: the query goes first
				path, _, _ := strings.Cut(returnTo, "?")
				abs = start.String() + path
			}
			stored, _ = target.Judge(abs, callback, cfg.returnHosts)
			return stored, cfg.returnHosts.Allows(start)
		}
	}
	stored, _ = target.Judge(returnTo, callback, cfg.returnHosts)
	return stored, true
}

// callbackReturn is where the callback sends the browser: the stored target
// judged again, against the patterns as they are now (a reload may have
// narrowed them) and the origin the callback was reached on. A path stays
// on that site; an absolute URL must be on it or on an allowed host.
func (cfg *runtimeConfig) callbackReturn(r *http.Request, stored string) string {
	self, _ := requestOrigin(r)
	to, _ := target.Judge(stored, self, cfg.returnHosts)
	return to
}

// notReturnHost warns, once, that a login started on a host return_hosts
// does not list: it works, but ends on the callback host's "/", which
// looks like a bug to the user. A look-alike sent by an attacker ends the
// same way, and this one line is all it can cause.
func (lw *loginWarnings) notReturnHost(r *http.Request) {
	if lw.once(warnedNotReturnHost) {
		lw.logger.Warn("a login started on a host that return_hosts does not allow: it ends on / of redirect_uri's host, "+
			"not on the page asked for. If the host is yours, add it (or a *. pattern) to return_hosts",
			zap.String("host", r.Host), zap.String("callback_host", lw.cfg.callbackHost))
	}
}
