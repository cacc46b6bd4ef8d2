package integration

import (
	"context"
	"maps"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/b4b0c547/caddy-instagram-auth/instagramtest"
	"github.com/caddyserver/caddy/v2"
	"github.com/caddyserver/caddy/v2/caddyconfig/caddyfile"
)

// eventRecorder is an event handler for the tests' Caddy configs:
// `events { on * instagram_auth_test_recorder }` records every event, as a
// user's exec or webhook handler would receive it.
type eventRecorder struct{}

func init() { caddy.RegisterModule(eventRecorder{}) }

func (eventRecorder) CaddyModule() caddy.ModuleInfo {
	return caddy.ModuleInfo{
		ID:  "events.handlers.instagram_auth_test_recorder",
		New: func() caddy.Module { return new(eventRecorder) },
	}
}

func (*eventRecorder) UnmarshalCaddyfile(d *caddyfile.Dispenser) error {
	d.Next() // the handler's name
	if d.NextArg() {
		return d.ArgErr()
	}
	return nil
}

func (eventRecorder) Handle(_ context.Context, e caddy.Event) error {
	rec := recordedEvent{name: e.Name(), data: maps.Clone(e.Data)}
	if o := e.Origin(); o != nil {
		rec.origin = string(o.CaddyModule().ID)
	}
	recorded.mu.Lock()
	defer recorded.mu.Unlock()
	recorded.events = append(recorded.events, rec)
	return nil
}

type recordedEvent struct {
	name, origin string
	data         map[string]any
}

var recorded struct {
	mu     sync.Mutex
	events []recordedEvent
}

// takeEvents returns the events of the plugin recorded since the last call.
func takeEvents() []recordedEvent { return takeEventsFrom("http.handlers.instagram_auth") }

// takeEventsFrom returns the events of that origin recorded since the last
// call, and forgets all the others.
func takeEventsFrom(origin string) []recordedEvent {
	recorded.mu.Lock()
	defer recorded.mu.Unlock()
	var ours []recordedEvent
	for _, e := range recorded.events {
		if e.origin == origin {
			ours = append(ours, e)
		}
	}
	recorded.events = nil
	return ours
}

// withEventRecorder reloads the harness's config with an events app whose
// one subscription records every event.
func withEventRecorder(h *harness) {
	h.t.Helper()
	h.load(strings.Replace(h.caddyfile(), "\tskip_install_trust\n",
		"\tskip_install_trust\n\tevents {\n\t\ton * instagram_auth_test_recorder\n\t}\n", 1))
	takeEvents()
}

// Behaviour 26: logins and logouts reach the events app's subscribers with
// user_id and username, and nothing else: no token, code or cookie.
func TestEventsThroughCaddy(t *testing.T) {
	h := newHarness(t)
	withEventRecorder(h)
	wantUser := map[string]any{"user_id": instagramtest.UserID("nora"), "username": "nora"}

	authorize := h.startLogin(h.client, "/")
	cb := stripFragment(h.consent(h.client, authorize, "nora", true))
	resp := h.do(h.client, http.MethodGet, cb, nil)
	secrets := []string{mustQuery(t, cb).Get("code"), mustQuery(t, authorize).Get("state"), findSetCookie(resp, insecureCookieName).Value}
	secrets = append(secrets, h.upstreamSaw(h.get("/")).Header.Get("X-Instagram-Access-Token"))
	checkEvents(t, "login and a request", takeEvents(), []recordedEvent{{name: "instagram_login", data: wantUser}}, secrets)

	h.get(defaultLogoutPath)
	checkEvents(t, "logout", takeEvents(), []recordedEvent{{name: "instagram_logout", data: wantUser}}, secrets)

	c := newBrowser(t)
	h.do(c, http.MethodGet, stripFragment(h.consent(c, h.startLogin(c, "/"), "nora", false)), nil)
	h.get(defaultLogoutPath) // no session: nobody logged out
	checkEvents(t, "consent denied, logout without a session", takeEvents(), nil, secrets)
}

// checkEvents compares the plugin's events with want, and looks for the
// secrets in every value.
func checkEvents(t *testing.T, step string, got, want []recordedEvent, secrets []string) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: events %+v, want %+v", step, got, want)
	}
	for i := range got {
		if got[i].name != want[i].name || !maps.Equal(got[i].data, want[i].data) {
			t.Errorf("%s: event %s %v, want %s %v", step, got[i].name, got[i].data, want[i].name, want[i].data)
		}
		for _, v := range got[i].data {
			for _, s := range secrets {
				if s == "" {
					t.Fatalf("%s: an empty secret to look for", step)
				}
				if str, _ := v.(string); strings.Contains(str, s) {
					t.Errorf("%s: event %s carries a secret", step, got[i].name)
				}
			}
		}
	}
}
