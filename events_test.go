package instagramauth

import (
	"context"
	"maps"
	"sync"
	"testing"

	"github.com/caddyserver/caddy/v2"
	"github.com/caddyserver/caddy/v2/modules/caddyevents"
)

// Without an events app, emitting costs nothing: no allocation.
func TestEmitWithoutEventsApp(t *testing.T) {
	h := unitHandler(t)
	allocs := testing.AllocsPerRun(100, func() {
		h.events.login("17841405793187218", "alice")
		h.events.logout("17841405793187218", "alice")
		h.events.revoked("17841405793187218", "", revokedDeauthorize)
	})
	if allocs != 0 {
		t.Errorf("%v allocations per emit without an events app, want 0", allocs)
	}
}

// instagram_session_revoked names its source. (Its call sites, logout
// everywhere and Meta's callbacks, are not in Caddy's config here: a
// provisioned events app with a subscriber stands in.)
func TestEmitRevokedNamesTheSource(t *testing.T) {
	ctx, cancel := caddy.NewContext(caddy.Context{Context: context.Background()})
	t.Cleanup(cancel)
	app := new(caddyevents.App)
	if err := app.Provision(ctx); err != nil {
		t.Fatal(err)
	}
	sink := new(eventSink)
	sub := &caddyevents.Subscription{Events: []string{eventRevoked}, Handlers: []caddyevents.Handler{sink}}
	if err := app.Subscribe(sub); err != nil {
		t.Fatal(err)
	}
	if err := app.Start(); err != nil {
		t.Fatal(err)
	}
	h := unitHandler(t)
	h.events = eventEmitter{app: app, ctx: ctx}

	h.events.revoked("17841405793187218", "", revokedDataDeletion)
	h.events.login("17841405793187218", "alice") // nobody subscribed
	want := map[string]any{"user_id": "17841405793187218", "username": "", "source": "data_deletion"}
	if got := sink.take(); len(got) != 1 || got[0].Name() != eventRevoked || !maps.Equal(got[0].Data, want) {
		t.Errorf("events %v, want one %s %v", got, eventRevoked, want)
	}
}

// eventSink is a subscriber of the events app that keeps the events of a
// handler made without a Caddy config (no origin module).
type eventSink struct {
	mu     sync.Mutex
	events []caddy.Event
}

func (s *eventSink) Handle(_ context.Context, e caddy.Event) error {
	if e.Origin() != nil {
		return nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.events = append(s.events, e)
	return nil
}

// take returns the events kept since the last call.
func (s *eventSink) take() []caddy.Event {
	s.mu.Lock()
	defer s.mu.Unlock()
	got := s.events
	s.events = nil
	return got
}
