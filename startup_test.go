package instagramauth

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/caddyserver/caddy/v2"
	"github.com/caddyserver/caddy/v2/modules/caddyhttp"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
	"go.uber.org/zap/zaptest/observer"
)

// Behaviour 27's line names the site it is for: the addresses the
// Caddyfile adapter wrote into "site", or failing that (a JSON config, a
// Caddyfile posted to the admin API) the addresses the handler's server
// listens on.
func TestStartupLineNamesTheSite(t *testing.T) {
	server := caddy.Context{Context: context.WithValue(context.Background(), caddyhttp.ServerCtxKey,
		&caddyhttp.Server{Listen: []string{":8080", ":8443"}})}
	bare := caddy.Context{Context: context.Background()}
	for _, tc := range []struct {
		name string
		ctx  caddy.Context
		site []string
		want string
	}{
		{"from the Caddyfile", server, []string{"http://localhost:8080", "http://127.0.0.1:8080"}, "http://localhost:8080, http://127.0.0.1:8080"},
		{"from the server", server, nil, ":8080, :8443"},
		{"unknown", bare, nil, ""},
	} {
		h := unitHandler(t)
		h.Site = tc.site
		h.cfg.site = siteName(tc.ctx, h.Site)
		core, logs := observer.New(zapcore.InfoLevel)
		h.logger = zap.New(core)
		logStartup(h)
		lines := logs.FilterMessage(startupMessage).All()
		if len(lines) != 1 {
			t.Fatalf("%s: %d start-up lines", tc.name, len(lines))
		}
		site, named := lines[0].ContextMap()["site"]
		if tc.want == "" && named || tc.want != "" && site != tc.want {
			t.Errorf("%s: site %v (logged: %v), want %q", tc.name, site, named, tc.want)
		}
	}
}

// A session_idle that is not shorter than session_lifetime never ends a
// session: the lifetime always ends it first. Said once at load, as a
// warning naming both values and the site; a shorter one says nothing.
func TestStartupWarnsOfIdleNotShorterThanLifetime(t *testing.T) {
	for _, tc := range []struct {
		idle, lifetime         time.Duration
		warn                   bool
		idleText, lifetimeText string
	}{
		{48 * time.Hour, 0, true, "48h", "24h"}, // the default lifetime
		{24 * time.Hour, 24 * time.Hour, true, "24h", "24h"},
		{2 * time.Hour, 90 * time.Minute, true, "2h", "1h30m"},
		{30 * time.Minute, 0, false, "", ""},
		{0, time.Hour, false, "", ""},
	} {
		h := &Handler{ClientID: "1", ClientSecret: "s", SessionIdle: caddy.Duration(tc.idle), SessionLifetime: caddy.Duration(tc.lifetime)}
		applyDefaults(h)
		h.cfg.site = "localhost:8080"
		core, logs := observer.New(zapcore.InfoLevel)
		h.logger = zap.New(core)
		logStartup(h)
		warnings := logs.FilterLevelExact(zapcore.WarnLevel).FilterMessageSnippet("session_idle").All()
		if got := len(warnings) == 1; got != tc.warn || len(warnings) > 1 {
			t.Errorf("idle %v, lifetime %v: %d warnings, want warn=%v", tc.idle, tc.lifetime, len(warnings), tc.warn)
			continue
		}
		if !tc.warn {
			continue
		}
		msg, fields := warnings[0].Message, warnings[0].ContextMap()
		if !strings.Contains(msg, "session_lifetime") || !strings.Contains(msg, "never ends a session") {
			t.Errorf("warning %q", msg)
		}
		if fields["session_idle"] != tc.idleText || fields["session_lifetime"] != tc.lifetimeText || fields["site"] != "localhost:8080" {
			t.Errorf("warning fields %v, want session_idle %s and session_lifetime %s", fields, tc.idleText, tc.lifetimeText)
		}
	}
}

// Durations in log lines are written as in a Caddyfile.
func TestShortDuration(t *testing.T) {
	for d, want := range map[time.Duration]string{
		48 * time.Hour: "48h", 90 * time.Minute: "1h30m", 10 * time.Minute: "10m",
		2*time.Hour + 30*time.Second: "2h0m30s", 90 * time.Second: "1m30s", 1500 * time.Millisecond: "1.5s",
	} {
		if got := shortDuration(d); got != want {
			t.Errorf("shortDuration(%v) = %s, want %s", d, got, want)
		}
	}
}
