package integration

import (
	"encoding/json"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/caddyserver/caddy/v2"
	"github.com/caddyserver/caddy/v2/caddyconfig/caddyfile"
	"github.com/caddyserver/caddy/v2/caddyconfig/httpcaddyfile"
)

// The tests give every handler of a real Caddy their clock through the
// config: a config may hold an app named instagram_auth_clock, whose Now
// the plugin's handlers take instead of the system's (the root's clock.go).
// The plugin provides none: these tests register theirs, whose Now is the
// tests' now, added by the global option of the same name, which
// harness.load puts in every config it loads.
const clockApp = "instagram_auth_clock"

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

// clockOffset is how far a test has moved the clock ahead of the system's.
var clockOffset atomic.Int64

// now is the time of every handler in the tests' Caddy, and of the mock
// Instagram where a test gives it (SetClock).
func now() time.Time { return time.Now().Add(time.Duration(clockOffset.Load())) }

// advanceClock moves the tests' clock d ahead, until the test ends.
func advanceClock(t *testing.T, d time.Duration) {
	clockOffset.Add(int64(d))
	t.Cleanup(func() { clockOffset.Store(0) })
}
