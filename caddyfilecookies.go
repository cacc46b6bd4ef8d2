package instagramauth

import (
	"fmt"
	"strings"

	"github.com/caddyserver/caddy/v2"
	"github.com/caddyserver/caddy/v2/caddyconfig/caddyfile"
	"github.com/caddyserver/caddy/v2/caddyconfig/httpcaddyfile"
	"go.uber.org/zap"
)

// Sites of one Caddyfile that share a host and a cookie name. Browsers
// keep one cookie per host and name whatever the port, so with host-only
// cookies two sites on localhost:8080 and localhost:8081 overwrite each
// other's session: logging in to one logs the user out of the other. The
// adapter sees every site, so the warning comes from it. A plugin's
// directive cannot add to Caddy's list of adapter warnings, so it is
// logged as they are printed: a warning with the file and the line.

// sharedCookiesState is the adapter's record of the host-only cookies the
// directives adapted so far set.
const sharedCookiesState = "instagram_auth.cookies"

// cookieUse is one directive's host-only cookie and where it is set.
type cookieUse struct {
	block  string   // the site block (blockName)
	site   string   // its addresses, as written
	hosts  []string // their hosts, lower case; "" for an address without one (any host)
	at     string   // file:line of the directive
	cookie string   // the session cookie's name
	domain string   // cookie_domain: such cookies are shared on purpose
}

type cookieUses []cookieUse

// add records u and returns the first use of another site that sets the
// same cookie on one of its hosts, or nil.
func (uses *cookieUses) add(u cookieUse) *cookieUse {
	var clash *cookieUse
	for i, o := range *uses {
		if clash == nil && o.block != u.block && o.cookie == u.cookie && o.domain == "" && u.domain == "" &&
			hostsMeet(o.hosts, u.hosts) {
			clash = &(*uses)[i]
		}
	}
	*uses = append(*uses, u)
	return clash
}

// hostsMeet reports whether a browser may reach both sites on one host:
// a host they both name, or a site that answers every host.
func hostsMeet(a, b []string) bool {
	for _, x := range a {
		for _, y := range b {
			if x == y || x == "" || y == "" {
				return true
			}
		}
	}
	return false
}

// hostOf is the host of a site address, lower case; "" when the address
// names none (":8080" answers every host).
func hostOf(address string) string {
	a, err := httpcaddyfile.ParseAddress(address)
	if err != nil {
		return address
	}
	return strings.ToLower(a.Host)
}

func sharedCookieWarning(first, second cookieUse) string {
	return fmt.Sprintf("the sites %s (instagram_auth at %s) and %s (at %s) set the same cookie, %s, on one host: "+
		"browsers keep one cookie per host and name whatever the port, so logging in to one site logs the user "+
		"out of the other: give each site its own cookie_name", first.site, first.at, second.site, second.at, first.cookie)
}

// warnSharedCookie records the directive's cookie and warns when another
// site on one of its hosts already sets a cookie of that name.
func warnSharedCookie(h httpcaddyfile.Helper, handler *Handler, site caddyfile.ServerBlock, line int) {
	eff := *handler
	applyDefaults(&eff)
	u := cookieUse{block: blockName(site), site: strings.Join(handler.Site, ", "), at: fmt.Sprintf("%s:%d", h.File(), line),
		cookie: eff.CookieName, domain: eff.CookieDomain}
	for _, a := range handler.Site {
		u.hosts = append(u.hosts, hostOf(a))
	}
	uses, _ := h.State[sharedCookiesState].(*cookieUses)
	if uses == nil {
		uses = new(cookieUses)
		h.State[sharedCookiesState] = uses
	}
	if first := uses.add(u); first != nil {
		caddy.Log().Named("http.handlers.instagram_auth").Warn(sharedCookieWarning(*first, u),
			zap.String("file", h.File()), zap.Int("line", line))
	}
}
