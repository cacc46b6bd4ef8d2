package instagramauth

import (
	"time"

	"go.uber.org/zap"
)

// timeField logs a time as an RFC 3339 string in UTC. zap.Time would
// leave it to Caddy's encoder, which writes Unix seconds unless the site
// sets time_format.
func timeField(key string, t time.Time) zap.Field {
	return zap.String(key, t.UTC().Format(time.RFC3339))
}
