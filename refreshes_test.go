package instagramauth

import (
	"encoding/binary"
	"testing"
	"time"

	"github.com/b4b0c547/caddy-instagram-auth/internal/record"
)

func refreshTestID(i int) record.ID {
	var id record.ID
	binary.BigEndian.PutUint64(id[:], uint64(i))
	return id
}

// One flight per session: later requests join it, and once it ends they
// get its outcome until retryAt, then a new flight.
func TestRefreshesOneFlightPerSession(t *testing.T) {
	unitFixClock(t, unitEpoch)
	rf := newRefreshes(now)
	t0 := unitEpoch.Unix()
	id := refreshTestID(1)
	_, f, lead := rf.begin(id, t0)
	if f == nil || !lead {
		t.Fatal("the first request does not lead a flight")
	}
	if _, g, lead := rf.begin(id, t0); g != f || lead {
		t.Fatal("a second request does not join the flight")
	}
	rf.end(id, f, refreshOutcome{token: "new", tokenExpires: t0 + 60*86400, retryAt: t0 + refreshRetryAfter})
	<-f.done
	out, g, _ := rf.begin(id, t0+refreshRetryAfter-1)
	if g != nil || out.token != "new" {
		t.Fatalf("within the hour: flight %v, outcome %+v; want the outcome", g, out)
	}
	if _, g, lead := rf.begin(id, t0+refreshRetryAfter); g == nil || !lead {
		t.Fatal("after the hour: no new flight")
	}
}

// However many sessions come due, at most maxRefreshFlights calls are in
// flight; the others go on with their tokens.
func TestRefreshesFlightsBounded(t *testing.T) {
	unitFixClock(t, unitEpoch)
	rf := newRefreshes(now)
	t0 := unitEpoch.Unix()
	flights := make([]*refreshFlight, maxRefreshFlights)
	for i := range flights {
		var lead bool
		if _, flights[i], lead = rf.begin(refreshTestID(i), t0); !lead {
			t.Fatalf("flight %d refused", i)
		}
	}
	if _, f, lead := rf.begin(refreshTestID(maxRefreshFlights), t0); f != nil || lead {
		t.Fatal("a flight beyond the bound")
	}
	rf.end(refreshTestID(0), flights[0], refreshOutcome{retryAt: t0 + refreshRetryAfter})
	if _, _, lead := rf.begin(refreshTestID(maxRefreshFlights), t0); !lead {
		t.Fatal("no room once a flight ended")
	}
}

// The outcomes stay bounded however many sessions an attacker brings, and
// expired ones are dropped as new ones come.
func TestRefreshesMemoryBounded(t *testing.T) {
	unitFixClock(t, unitEpoch)
	rf := newRefreshes(now)
	t0 := unitEpoch.Unix()
	record := func(from, n int) {
		for i := from; i < from+n; i++ {
			_, f, lead := rf.begin(refreshTestID(i), t0)
			if !lead {
				t.Fatalf("session %d: no flight", i)
			}
			rf.end(refreshTestID(i), f, refreshOutcome{retryAt: t0 + refreshRetryAfter})
		}
	}
	record(0, maxRefreshMemory+5000)
	if n := len(rf.outcomes); n > maxRefreshMemory {
		t.Errorf("%d outcomes remembered, want at most %d", n, maxRefreshMemory)
	}
	if _, f, _ := rf.begin(refreshTestID(maxRefreshMemory+4999), t0); f != nil {
		t.Error("the latest outcome was forgotten")
	}
	unitFixClock(t, unitEpoch.Add(2*time.Hour))
	t0 += 2 * refreshRetryAfter
	record(1<<30, pruneEvery)
	if n := len(rf.outcomes); n > pruneEvery {
		t.Errorf("%d outcomes remembered after the hour, want the expired ones gone", n)
	}
}

// applyTo never goes back to an older token, nor takes a failure's.
func TestRefreshOutcomeApply(t *testing.T) {
	s := record.Session{Token: "cur", TokenExpires: 1000}
	for _, o := range []refreshOutcome{{}, {token: "old", tokenExpires: 900}, {token: "same", tokenExpires: 1000}} {
		if o.applyTo(&s) || s.Token != "cur" {
			t.Errorf("outcome %+v applied", o)
		}
	}
	o := refreshOutcome{token: "new", tokenExpires: 2000}
	if !o.applyTo(&s) || s.Token != "new" || s.TokenExpires != 2000 {
		t.Errorf("a newer token not applied: %+v", s)
	}
}
