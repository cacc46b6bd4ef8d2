package instagramauth

import (
	"net"
	"net/http"
	"net/netip"
	"sync"
	"sync/atomic"
	"time"
)

// The token endpoint cannot be driven by strangers (the README's behaviour
// 22). A state cookie is free for the asking, and every callback that
// spends one on a junk code would make the plugin POST Instagram with the
// app's client secret; Meta rate-limits the app, not the stranger. So the
// callbacks of one client make at most login_rate_limit token requests in
// any window, and all callbacks together at most maxTokenRequestsInFlight
// at once, whatever login_rate_limit says.

const (
	maxTokenRequestsInFlight = 32
	// maxTrackedClients bounds the per-client table: a client with many
	// addresses must not grow it without limit.
	maxTrackedClients = 10_000
	// windowSlots divides a window into slots that are counted whole.
	windowSlots = 10
	// busyRetryAfter is the delay a 503 suggests: slots free up as soon as
	// Instagram answers, within the timeout at worst.
	busyRetryAfter = time.Second
)

// loginThrottle counts token requests. The zero value is ready for use; it
// lives in sharedState, so a config reload keeps the counts.
type loginThrottle struct {
	inFlight atomic.Int32
	mu       sync.Mutex
	clients  map[string]*clientWindow
}

// clientWindow counts one client's token requests in the slots of the last
// window: slot i holds the requests made in [i·slotLen, (i+1)·slotLen).
// Counting windowSlots+1 whole slots covers every window that ends now, so
// no window ever holds more than the limit; the price is that a client who
// used up its limit waits up to a slot longer than the window.
type clientWindow struct {
	slotLen int64 // nanoseconds
	newest  int64 // index of the newest slot
	counts  [windowSlots + 1]uint32
}

// admit decides whether a callback of client may ask Instagram for a token
// now. It returns 0 and takes an in-flight slot, which leave gives back; or
// the refusal's status (429 for this client, 503 for too many in flight)
// and when to try again.
func (th *loginThrottle) admit(client string, limit rateLimit, t time.Time) (status int, retry time.Duration) {
	if th.inFlight.Add(1) > maxTokenRequestsInFlight {
		th.inFlight.Add(-1)
		return http.StatusServiceUnavailable, busyRetryAfter
	}
	if retry, ok := th.count(client, limit, t); !ok {
		th.inFlight.Add(-1)
		return http.StatusTooManyRequests, retry
	}
	return 0, 0
}

// leave gives back the in-flight slot admit took.
func (th *loginThrottle) leave() { th.inFlight.Add(-1) }

// count adds a token request of client, unless that would pass the limit.
func (th *loginThrottle) count(client string, limit rateLimit, t time.Time) (time.Duration, bool) {
	if limit.count == 0 {
		return 0, true // login_rate_limit off
	}
	slotLen := max(int64(limit.window)/windowSlots, 1)
	slot := t.UnixNano() / slotLen
	th.mu.Lock()
	defer th.mu.Unlock()
	w := th.clients[client]
	if w == nil || w.slotLen != slotLen { // new, or the window changed on a reload
		w = th.track(client, slot, t)
		w.slotLen = slotLen
	}
	w.advance(slot)
	if w.total() >= uint64(limit.count) {
		return w.retryAfter(limit.count, t), false
	}
	w.counts[w.newest%int64(len(w.counts))]++
	return 0, true
}

// track starts a window for client, making room first if the table is
// full.
func (th *loginThrottle) track(client string, slot int64, t time.Time) *clientWindow {
	if th.clients == nil {
		th.clients = make(map[string]*clientWindow)
	}
	if len(th.clients) >= maxTrackedClients {
		// Windows that count nothing any more go first. An evicted client
		// starts again from zero; the in-flight bound still holds for all.
		now := t.UnixNano()
		makeRoom(th.clients, maxTrackedClients, func(w *clientWindow) bool {
			return w.newest+int64(len(w.counts)) <= now/w.slotLen
		})
	}
	w := &clientWindow{newest: slot}
	th.clients[client] = w
	return w
}

// advance moves the window on to slot, emptying the slots it passes. A
// clock that went back counts in the newest slot.
func (w *clientWindow) advance(slot int64) {
	n := int64(len(w.counts))
	if slot <= w.newest {
		return
	}
	for i := w.newest + 1; i <= slot && i <= w.newest+n; i++ {
		w.counts[i%n] = 0
	}
	w.newest = slot
}

func (w *clientWindow) total() uint64 {
	var sum uint64
	for _, c := range w.counts {
		sum += uint64(c)
	}
	return sum
}

// retryAfter is how long until enough slots have left the window for one
// more request, rounded up to whole seconds, as Retry-After counts.
func (w *clientWindow) retryAfter(limit int, t time.Time) time.Duration {
	n := int64(len(w.counts))
	left := w.total()
	oldest := w.newest - n + 1
	for i := oldest; i <= w.newest; i++ {
		left -= uint64(w.counts[i%n])
		if left < uint64(limit) {
			free := time.Duration((i+n)*w.slotLen - t.UnixNano()) // slot i leaves at index i+n
			return max((free + time.Second - 1).Truncate(time.Second), time.Second)
		}
	}
	return time.Second
}

// clientKey names the client a limit applies to: its IPv4 address, or the
// /64 an IPv6 address belongs to, since one subscriber is usually given a
// whole /64 and could otherwise take a fresh address for every request.
func clientKey(ip string) string {
	addr, err := netip.ParseAddr(ip)
	if err != nil {
		host, _, splitErr := net.SplitHostPort(ip) // a RemoteAddr, should Caddy not have set the client IP
		if addr, err = netip.ParseAddr(host); splitErr != nil || err != nil {
			return ip
		}
	}
	addr = addr.Unmap().WithZone("")
	if addr.Is4() {
		return addr.String()
	}
	return netip.PrefixFrom(addr, 64).Masked().String()
}
