package instagramauth

import (
	"strings"
	"time"

	"github.com/caddyserver/caddy/v2"
	"github.com/caddyserver/caddy/v2/modules/caddyhttp"
	"go.uber.org/zap"
)

// What the start-up lines say about a config besides the redirect URI
// (module.go logStartup): which site it is for, and options that can do
// nothing as set. Once per config load, never per request.

// siteName names the site a handler serves, for its start-up lines: the
// site block's addresses the Caddyfile adapter wrote into "site" or,
// failing that (a JSON config, a Caddyfile posted to the admin API), the
// addresses its server listens on, which Caddy gives a handler it
// provisions. "" when neither is known.
func siteName(ctx caddy.Context, addresses []string) string {
	if len(addresses) > 0 {
		return strings.Join(addresses, ", ")
	}
	if srv, ok := ctx.Value(caddyhttp.ServerCtxKey).(*caddyhttp.Server); ok && srv != nil {
		return strings.Join(srv.Listen, ", ")
	}
	return ""
}

// siteField is the site as a log field; none when it is not known.
func siteField(site string) []zap.Field {
	if site == "" {
		return nil
	}
	return []zap.Field{zap.String("site", site)}
}

// warnIdleNotShorter: a session_idle at least as long as session_lifetime
// never ends a session, since the lifetime, counted from login, always
// ends it first; the configuration says something it does not do.
func warnIdleNotShorter(h *Handler) {
	if h.SessionIdle == 0 || h.SessionIdle < h.SessionLifetime {
		return
	}
	h.logger.Warn("session_idle is not shorter than session_lifetime, so it never ends a session: "+
		"every session ends at session_lifetime first; shorten session_idle, or lengthen session_lifetime",
		append(siteField(h.cfg.site),
			zap.String("session_idle", shortDuration(time.Duration(h.SessionIdle))),
			zap.String("session_lifetime", shortDuration(time.Duration(h.SessionLifetime))))...)
}

// shortDuration writes d as a Caddyfile would: 48h, not 48h0m0s.
func shortDuration(d time.Duration) string {
	s := d.String()
	if strings.HasSuffix(s, "m0s") {
		s = strings.TrimSuffix(s, "0s")
	}
	if strings.HasSuffix(s, "h0m") {
		s = strings.TrimSuffix(s, "0m")
	}
	return s
}
