package throttle

import (
	"fmt"
	"net/http"
	"sync"
	"testing"
	"time"
)

// The review's attack: one client (one IP, or one /64) held all 32
// in-flight slots with slow token requests, and another user's login got
// 503. One client may hold MaxInFlightPerClient of them at most; beyond
// that it gets 429, whatever login_rate_limit says, and the others still
// get in.
func TestOneClientCannotFillTheInFlightBound(t *testing.T) {
	var th Throttle
	now := time.Unix(1_800_000_000, 0)
	const callers = 40
	statuses := make(chan int, callers)
	var wg sync.WaitGroup
	for range callers { // all at once, none leaves: Instagram holds them
		wg.Add(1)
		go func() {
			defer wg.Done()
			status, retry := th.Admit("203.0.113.7", Limit{}, now)
			if status != 0 && (retry < time.Second || retry > 5*time.Second) {
				t.Errorf("status %d with Retry-After %v, want 1 to 5 s", status, retry)
			}
			statuses <- status
		}()
	}
	wg.Wait()
	close(statuses)
	got := map[int]int{}
	for s := range statuses {
		got[s]++
	}
	if got[0] != MaxInFlightPerClient || got[http.StatusTooManyRequests] != callers-MaxInFlightPerClient {
		t.Fatalf("one client, %d at once: %v (status: count), want %d admitted and the rest 429",
			callers, got, MaxInFlightPerClient)
	}
	if status, _ := th.Admit("198.51.100.1", Limit{}, now); status != 0 {
		t.Errorf("another client while the first holds its share: %d, want admitted", status)
	}
	if n := th.held(); n != MaxInFlightPerClient+1 {
		t.Errorf("%d in flight, want %d: a refusal takes no slot", n, MaxInFlightPerClient+1)
	}
	th.Leave("203.0.113.7")
	if status, _ := th.Admit("203.0.113.7", Limit{}, now); status != 0 {
		t.Errorf("the first client after one of its requests ended: %d, want admitted", status)
	}
}

// The shares and the bound together: four clients fill the 32 slots; a
// fifth gets 503 (busy), a full client 429 (its own share), first.
func TestSharesAndTheBound(t *testing.T) {
	var th Throttle
	now := time.Unix(1_800_000_000, 0)
	for c := range MaxInFlight / MaxInFlightPerClient {
		for i := range MaxInFlightPerClient {
			if status, _ := th.Admit(fmt.Sprint("client-", c), Limit{}, now); status != 0 {
				t.Fatalf("client %d, request %d: %d", c, i, status)
			}
		}
	}
	if status, _ := th.Admit("client-new", Limit{}, now); status != http.StatusServiceUnavailable {
		t.Errorf("a new client while all slots are held: %d, want 503", status)
	}
	if status, _ := th.Admit("client-0", Limit{}, now); status != http.StatusTooManyRequests {
		t.Errorf("a client holding its share while all slots are held: %d, want 429", status)
	}
	th.Leave("client-1")
	if status, _ := th.Admit("client-0", Limit{}, now); status != http.StatusTooManyRequests {
		t.Errorf("a client holding its share, a slot free: %d, want 429", status)
	}
	if status, _ := th.Admit("client-new", Limit{}, now); status != 0 {
		t.Errorf("a new client, a slot free: %d, want admitted", status)
	}
}

// A callback refused for its share spends nothing of login_rate_limit:
// the window counts token requests made, not refused.
func TestShareRefusalIsNotCounted(t *testing.T) {
	var th Throttle
	now := time.Unix(1_800_000_000, 0)
	limit := Limit{Count: MaxInFlightPerClient + 1, Window: time.Minute}
	for range MaxInFlightPerClient {
		th.Admit("c", limit, now)
	}
	for range 5 {
		if status, _ := th.Admit("c", limit, now); status != http.StatusTooManyRequests {
			t.Fatalf("beyond the share: %d, want 429", status)
		}
	}
	th.Leave("c")
	if status, _ := th.Admit("c", limit, now); status != 0 {
		t.Fatalf("the limit's last request: %d, want admitted (refusals were counted)", status)
	}
	th.Leave("c")
	if status, retry := th.Admit("c", limit, now); status != http.StatusTooManyRequests || retry < 30*time.Second {
		t.Errorf("beyond the limit: %d, retry %v; want 429 until the window moves on", status, retry)
	}
}

// held is the number of token requests in flight.
func (th *Throttle) held() int {
	th.mu.Lock()
	defer th.mu.Unlock()
	return th.inFlight
}
