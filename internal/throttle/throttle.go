// Package throttle keeps the callback from driving Instagram's token
// endpoint for strangers (behaviour 22, docs/behaviour.md). A state cookie is
// free for the asking, and every callback that spends one on a junk code
// would make the plugin POST Instagram with the app's client secret; Meta
// rate-limits the app, not the stranger. So the callbacks of one client
// make at most Limit.Count token requests in any Limit.Window, and all
// callbacks together at most MaxInFlight at once, of which one client at
// most MaxInFlightPerClient, whatever the limit says.
package throttle

import (
	"net/http"
	"sync"
	"time"

	"github.com/b4b0c547/caddy-instagram-auth/internal/bounded"
)

const (
	// MaxInFlight bounds the token requests in flight at once, per app
	// and instance.
	MaxInFlight = 32
	// MaxInFlightPerClient is one client's share of MaxInFlight, so that
	// one client cannot hold every slot and turn others' logins away.
	MaxInFlightPerClient = 8
	// maxTrackedClients bounds the per-client table: a client with many
	// addresses must not grow it without limit.
	maxTrackedClients = 10_000
	// busyRetryAfter is the delay a refusal for slots suggests (503, or
	// 429 for a client's share): slots free up as soon as Instagram
	// answers, within the timeout at worst.
	busyRetryAfter = time.Second
)

// Limit is login_rate_limit: at most Count token requests per client in
// any Window. Count 0 is off.
type Limit struct {
	Count  int
	Window time.Duration
}

// Throttle counts token requests. The zero value is ready for use; the
// root keeps one per app, so a config reload keeps the counts. One mutex
// guards it all: a callback is no hot path, and the refusals must be
// decided together (a refused request takes no slot and is not counted).
type Throttle struct {
	mu       sync.Mutex
	inFlight int                // token requests in flight, all clients
	holding  map[string]int     // in flight per client: at most MaxInFlight entries, none at zero
	clients  map[string]*window // login_rate_limit's count per client
}

// Admit decides whether a callback of client (its ClientKey) may ask
// Instagram for a token at t. It returns 0 and takes an in-flight slot,
// which Leave gives back; or the refusal's status and when to try again:
// 429 when this client holds its share of the slots or made too many
// token requests in the window, 503 when all slots are held.
func (th *Throttle) Admit(client string, limit Limit, t time.Time) (status int, retry time.Duration) {
	th.mu.Lock()
	defer th.mu.Unlock()
	// The client's own share first: the one that holds it hears that it
	// is the one to slow down, even when all slots are held.
	if th.holding[client] >= MaxInFlightPerClient {
		return http.StatusTooManyRequests, busyRetryAfter
	}
	if th.inFlight >= MaxInFlight {
		return http.StatusServiceUnavailable, busyRetryAfter
	}
	if retry, ok := th.count(client, limit, t); !ok {
		return http.StatusTooManyRequests, retry
	}
	if th.holding == nil {
		th.holding = make(map[string]int)
	}
	th.holding[client]++
	th.inFlight++
	return 0, 0
}

// Leave gives back the in-flight slot Admit took for client. It pairs with
// an Admit that returned 0, once.
func (th *Throttle) Leave(client string) {
	th.mu.Lock()
	defer th.mu.Unlock()
	n, ok := th.holding[client]
	if !ok {
		return // no Admit to pair with: nothing to give back
	}
	if n > 1 {
		th.holding[client] = n - 1
	} else {
		delete(th.holding, client)
	}
	th.inFlight--
}

// count adds a token request of client, unless that would pass the limit.
// th.mu is held.
func (th *Throttle) count(client string, limit Limit, t time.Time) (time.Duration, bool) {
	if limit.Count == 0 {
		return 0, true // login_rate_limit off
	}
	slotLen := max(int64(limit.Window)/windowSlots, 1)
	slot := t.UnixNano() / slotLen
	w := th.clients[client]
	if w == nil || w.slotLen != slotLen { // new, or the window changed on a reload
		w = th.track(client, slot, t)
		w.slotLen = slotLen
	}
	w.advance(slot)
	if w.total() >= uint64(limit.Count) {
		return w.retryAfter(limit.Count, t), false
	}
	w.counts[w.newest%int64(len(w.counts))]++
	return 0, true
}

// track starts a window for client, making room first if the table is
// full.
func (th *Throttle) track(client string, slot int64, t time.Time) *window {
	if th.clients == nil {
		th.clients = make(map[string]*window)
	}
	if len(th.clients) >= maxTrackedClients {
		// Windows that count nothing any more go first. An evicted client
		// starts again from zero; the in-flight bound still holds for all.
		now := t.UnixNano()
		bounded.MakeRoom(th.clients, maxTrackedClients, func(w *window) bool {
			return w.newest+int64(len(w.counts)) <= now/w.slotLen
		})
	}
	w := &window{newest: slot}
	th.clients[client] = w
	return w
}
