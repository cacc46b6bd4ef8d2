package instagramauth

import (
	"encoding/json"
	"strings"
	"time"

	"github.com/caddyserver/caddy/v2"
	"github.com/caddyserver/caddy/v2/caddyconfig/caddyfile"
	"github.com/caddyserver/caddy/v2/caddyconfig/httpcaddyfile"
)

// The tests give every handler of a real Caddy their clock through the
// config: an app named instagram_auth_clock (clock.go) whose Now is the
// tests' now, added by the global option of the same name, which
// harness.load puts in every config it loads.

func init() {
	caddy.RegisterModule(testClock{})
	httpcaddyfile.RegisterGlobalOption(clockApp, func(*caddyfile.Dispenser, any) (any, error) {
		return httpcaddyfile.App{Name: clockApp, Value: json.RawMessage("{}")}, nil
	})
}

type testClock struct{}

func (testClock) CaddyModule() caddy.ModuleInfo {
	return caddy.ModuleInfo{ID: clockApp, New: func() caddy.Module { return new(testClock) }}
}

func (testClock) Start() error   { return nil }
func (testClock) Stop() error    { return nil }
func (testClock) Now() time.Time { return now() }

// withTestClock adds the clock app's global option to a Caddyfile.
func withTestClock(cf string) string {
	if rest, ok := strings.CutPrefix(cf, "{\n"); ok {
		return "{\n\t" + clockApp + "\n" + rest
	}
	return "{\n\t" + clockApp + "\n}\n" + cf
}
