package throttle

import (
	"fmt"
	"math/rand/v2"
	"net/http"
	"testing"
	"time"
)

// The window never admits more than the limit in any window, whatever the
// timing, and Retry-After is never too early.
func TestClientWindowNeverExceedsLimit(t *testing.T) {
	for _, limit := range []Limit{{3, time.Minute}, {30, time.Minute}, {1, time.Second}, {7, 90 * time.Second}} {
		var th Throttle
		rng := rand.New(rand.NewPCG(uint64(limit.Count), 7))
		t0 := time.Unix(1_800_000_000, 0)
		var admitted []time.Time
		at := t0
		for range 3000 {
			at = at.Add(time.Duration(rng.ExpFloat64() * float64(limit.Window) / float64(2*limit.Count)))
			retry, ok := th.count("client", limit, at)
			if ok {
				admitted = append(admitted, at)
				continue
			}
			if retry < time.Second || retry > limit.Window+limit.Window/windowSlots+time.Second {
				t.Fatalf("%v: Retry-After %v", limit, retry)
			}
			if _, ok := th.count("probe-"+fmt.Sprint(at.UnixNano()), limit, at); !ok {
				t.Fatalf("%v: another client refused", limit)
			}
		}
		for i := range admitted {
			j := i + limit.Count
			if j < len(admitted) && admitted[j].Sub(admitted[i]) < limit.Window {
				t.Fatalf("%v: %d requests admitted within %v", limit, limit.Count+1, admitted[j].Sub(admitted[i]))
			}
		}
		// A client asking all the time gets the limit in every window and
		// a slot: the window is never much stricter than it says.
		var busy Throttle
		got, step := 0, limit.Window/windowSlots/4
		for at := t0; at.Before(t0.Add(100 * limit.Window)); at = at.Add(step) {
			if _, ok := busy.count("client", limit, at); ok {
				got++
			}
		}
		if want := 100 * limit.Count * windowSlots / (windowSlots + 1); got < want {
			t.Fatalf("%v: %d admitted in 100 windows of asking all the time, want at least %d", limit, got, want)
		}
	}
}

// Retry-After is when the client may really come back.
func TestRetryAfterIsHonest(t *testing.T) {
	var th Throttle
	limit := Limit{2, time.Minute}
	t0 := time.Unix(1_800_000_000, 0)
	th.count("c", limit, t0)
	th.count("c", limit, t0.Add(20*time.Second))
	retry, ok := th.count("c", limit, t0.Add(30*time.Second))
	if ok {
		t.Fatal("third request in a minute admitted")
	}
	if _, ok := th.count("c", limit, t0.Add(30*time.Second+retry)); !ok {
		t.Errorf("refused again at Retry-After (%v)", retry)
	}
}

// An attacker with many addresses cannot grow the table without limit.
func TestThrottleTableIsBounded(t *testing.T) {
	var th Throttle
	t0 := time.Unix(1_800_000_000, 0)
	for i := range 3 * maxTrackedClients {
		if _, ok := th.count(fmt.Sprintf("10.%d.%d.%d", i>>16&255, i>>8&255, i&255), Limit{30, time.Minute}, t0); !ok {
			t.Fatalf("client %d refused on its first request", i)
		}
		if len(th.clients) > maxTrackedClients {
			t.Fatalf("%d clients tracked, bound %d", len(th.clients), maxTrackedClients)
		}
	}
}

func TestClientKey(t *testing.T) {
	for in, want := range map[string]string{
		"203.0.113.7":           "203.0.113.7",
		"::ffff:203.0.113.7":    "203.0.113.7",
		"2001:db8:1:2::1":       "2001:db8:1:2::/64",
		"2001:db8:1:2:ffff::9":  "2001:db8:1:2::/64",
		"fe80::1%eth0":          "fe80::/64",
		"203.0.113.7:5555":      "203.0.113.7",
		"[2001:db8::1]:443":     "2001:db8::/64",
		"not an address":        "not an address",
		"":                      "",
		"2001:db8:ffff:ffff::1": "2001:db8:ffff:ffff::/64",
	} {
		if got := ClientKey(in); got != want {
			t.Errorf("ClientKey(%q) = %q, want %q", in, got, want)
		}
	}
}

// In flight, the bound holds whatever login_rate_limit says, and a slot
// given back is free again.
func TestInFlightBoundIgnoresOff(t *testing.T) {
	var th Throttle
	for i := range MaxInFlight {
		if status, _ := th.Admit(fmt.Sprint(i), Limit{}, time.Now()); status != 0 {
			t.Fatalf("request %d refused with %d", i, status)
		}
	}
	if status, retry := th.Admit("x", Limit{}, time.Now()); status != http.StatusServiceUnavailable || retry < time.Second {
		t.Fatalf("request beyond the bound: %d, retry %v; want 503", status, retry)
	}
	th.Leave("0")
	if status, _ := th.Admit("x", Limit{}, time.Now()); status != 0 {
		t.Fatalf("after a leave: %d", status)
	}
	if status, _ := th.Admit("y", Limit{1, time.Minute}, time.Now()); status != http.StatusServiceUnavailable {
		t.Fatalf("full: %d, want 503 before any per-client count", status)
	}
	if got := th.held(); got != MaxInFlight {
		t.Fatalf("%d in flight after refusals, want %d", got, MaxInFlight)
	}
}
