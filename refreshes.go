package instagramauth

import (
	"sync"
	"time"

	"github.com/b4b0c547/caddy-instagram-auth/internal/bounded"
	"github.com/b4b0c547/caddy-instagram-auth/internal/record"
)

const (
	// maxRefreshFlights bounds the refreshes in flight at once, per app and
	// instance: however many sessions come due, no more calls to Instagram.
	maxRefreshFlights = 64
	// maxRefreshMemory bounds the sessions whose latest refresh is
	// remembered (about 3.5 MiB of failures, 13 MiB if every one holds a
	// new token of Instagram's size); beyond it, a random tenth is
	// forgotten, which only lets those sessions try again sooner.
	maxRefreshMemory = 50_000
)

// refreshes is an instance's memory of token refreshes, shared by the
// handlers of one app across reloads: the calls in flight, and the latest
// outcome of each session, kept an hour so that the session is not tried
// again before then, and so that its requests still carrying the cookie
// from before the refresh get the new token too.
type refreshes struct {
	now      func() time.Time
	mu       sync.Mutex
	flights  map[record.ID]*refreshFlight
	outcomes map[record.ID]refreshOutcome
	ends     int // outcomes recorded, to prune every pruneEvery
}

// refreshFlight is one call to Instagram; done is closed once out is set.
type refreshFlight struct {
	done chan struct{}
	out  refreshOutcome
}

// refreshOutcome is how a session's latest refresh ended.
type refreshOutcome struct {
	token        string
	tokenExpires int64 // unix seconds; 0 when the refresh failed
	retryAt      int64 // no new call for the session before this
}

// applyTo gives s the refreshed token, unless it holds a newer one (or
// the refresh failed).
func (o *refreshOutcome) applyTo(s *record.Session) bool {
	if o.tokenExpires <= s.TokenExpires {
		return false
	}
	s.Token, s.TokenExpires = o.token, o.tokenExpires
	return true
}

func newRefreshes(now func() time.Time) *refreshes {
	return &refreshes{now: now, flights: map[record.ID]*refreshFlight{}, outcomes: map[record.ID]refreshOutcome{}}
}

// begin returns the session's recent outcome (f nil), its flight to join,
// or a new flight for the caller to lead. With maxRefreshFlights in
// flight it returns neither: the session goes on with its token and tries
// again on a later request.
func (rf *refreshes) begin(id record.ID, t int64) (out refreshOutcome, f *refreshFlight, lead bool) {
	rf.mu.Lock()
	defer rf.mu.Unlock()
	if o, ok := rf.outcomes[id]; ok && t < o.retryAt {
		return o, nil, false
	}
	if f := rf.flights[id]; f != nil {
		return refreshOutcome{}, f, false
	}
	if len(rf.flights) >= maxRefreshFlights {
		return refreshOutcome{}, nil, false
	}
	f = &refreshFlight{done: make(chan struct{})}
	rf.flights[id] = f
	return refreshOutcome{}, f, true
}

// end records the flight's outcome and wakes its waiters.
func (rf *refreshes) end(id record.ID, f *refreshFlight, out refreshOutcome) {
	rf.mu.Lock()
	delete(rf.flights, id)
	rf.ends++
	if rf.ends%pruneEvery == 0 || len(rf.outcomes) >= maxRefreshMemory {
		t := rf.now().Unix()
		bounded.MakeRoom(rf.outcomes, maxRefreshMemory, func(o refreshOutcome) bool { return o.retryAt <= t })
	}
	rf.outcomes[id] = out
	rf.mu.Unlock()
	f.out = out
	close(f.done)
}
