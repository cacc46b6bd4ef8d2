package instagramauth

import (
	"time"

	"github.com/caddyserver/caddy/v2"
)

// clockApp names the Caddy app a config may hold to give its handlers
// another clock than the system's. No module of the plugin provides one:
// the integration tests register theirs, so that a real Caddy's sessions,
// states and refreshes can be moved days ahead without waiting.
const clockApp = "instagram_auth_clock"

// clockOf is the time a handler and every part it wires are given: the
// config's clock app's, or the system's.
func clockOf(ctx caddy.Context) func() time.Time {
	if app, err := ctx.AppIfConfigured(clockApp); err == nil {
		if c, ok := app.(interface{ Now() time.Time }); ok {
			return c.Now
		}
	}
	return time.Now
}
