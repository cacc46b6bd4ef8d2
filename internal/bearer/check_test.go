package bearer

import (
	"context"
	"errors"
	"sync"
	"testing"
	"testing/synctest"
	"time"
)

// Fifty concurrent first requests with one token make one check, and all
// get its verdict.
func TestSingleFlight(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ig := &instagram{gate: make(chan struct{})}
		c := New(ig.check, 10*time.Second, time.Now)
		const n = 50
		verdicts := make([]Verdict, n)
		errs := make([]error, n)
		var wg sync.WaitGroup
		for i := range n {
			wg.Go(func() {
				verdicts[i], errs[i] = c.Check(context.Background(), KeyOf("user:alice"), "user:alice")
			})
		}
		synctest.Wait() // every request is waiting, the check too
		if ig.count() != 1 {
			t.Fatalf("%d checks for %d concurrent requests, want 1", ig.count(), n)
		}
		close(ig.gate)
		wg.Wait()
		for i := range n {
			if errs[i] != nil || verdicts[i].UserID != "id-alice" {
				t.Fatalf("request %d: %+v %v", i, verdicts[i], errs[i])
			}
		}
		if len(c.flights) != 0 {
			t.Fatalf("%d flights left", len(c.flights))
		}
	})
}

// Distinct tokens are checked separately, concurrently.
func TestDistinctTokensCheckedSeparately(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ig := &instagram{gate: make(chan struct{})}
		c := New(ig.check, 10*time.Second, time.Now)
		var wg sync.WaitGroup
		for _, tok := range []string{"user:a", "user:b", "nope"} {
			wg.Go(func() { c.Check(context.Background(), KeyOf(tok), tok) })
		}
		synctest.Wait()
		if ig.count() != 3 {
			t.Fatalf("%d checks under way, want 3", ig.count())
		}
		close(ig.gate)
		wg.Wait()
	})
}

// A waiting request leaves when its context ends; the check goes on for
// the others, uncancelled, and its verdict is kept.
func TestWaitBoundedByRequestContext(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var checkCtxErr error
		gate := make(chan struct{})
		calls := 0
		c := New(func(ctx context.Context, token string) (Identity, error) {
			calls++
			<-gate
			checkCtxErr = ctx.Err()
			return Identity{UserID: "1", Username: "alice"}, nil
		}, 10*time.Second, time.Now)

		first, leave := context.WithCancel(context.Background())
		var firstErr, patientErr error
		var patient Verdict
		var wg sync.WaitGroup
		wg.Go(func() { _, firstErr = c.Check(first, KeyOf("t"), "t") })
		synctest.Wait()
		wg.Go(func() { patient, patientErr = c.Check(context.Background(), KeyOf("t"), "t") })
		synctest.Wait()

		leave() // the request that started the check goes away
		synctest.Wait()
		if !errors.Is(firstErr, context.Canceled) {
			t.Fatalf("the request that left: %v", firstErr)
		}
		close(gate)
		wg.Wait()
		if patientErr != nil || patient.UserID != "1" {
			t.Fatalf("the request that stayed: %+v %v", patient, patientErr)
		}
		if checkCtxErr != nil {
			t.Fatalf("the check's context ended with the first request: %v", checkCtxErr)
		}
		if _, ok := c.Lookup(KeyOf("t")); !ok || calls != 1 {
			t.Fatalf("verdict kept %v, %d checks", ok, calls)
		}
	})
}

// A request with a deadline waits no longer than it, even for a check
// that hangs.
func TestWaitEndsAtRequestDeadline(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ig := &instagram{gate: make(chan struct{})}
		c := New(ig.check, time.Minute, time.Now)
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		start := time.Now()
		_, err := c.Check(ctx, KeyOf("user:a"), "user:a")
		if !errors.Is(err, context.DeadlineExceeded) || time.Since(start) != 2*time.Second {
			t.Fatalf("%v after %v, want the deadline after 2s", err, time.Since(start))
		}
		close(ig.gate)
		synctest.Wait() // the check ends before the bubble does
	})
}

// A check that hangs is given up after New's timeout: a failure, not
// kept, and the flight is gone, so the next request asks again.
func TestCheckTimeout(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ig := &instagram{gate: make(chan struct{})} // never opened: only the timeout ends the check
		c := New(ig.check, 10*time.Second, time.Now)
		start := time.Now()
		_, err := c.Check(context.Background(), KeyOf("user:a"), "user:a")
		if !errors.Is(err, context.DeadlineExceeded) || time.Since(start) != 10*time.Second {
			t.Fatalf("%v after %v, want a timeout after 10s", err, time.Since(start))
		}
		if _, ok := c.Lookup(KeyOf("user:a")); ok || len(c.flights) != 0 {
			t.Fatalf("a timed-out check was kept (%v) or left a flight (%d)", ok, len(c.flights))
		}
	})
}

// A refusal reaches every waiting request as a verdict, not an error.
func TestSingleFlightRefusal(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ig := &instagram{gate: make(chan struct{})}
		c := New(ig.check, 10*time.Second, time.Now)
		var wg sync.WaitGroup
		results := make(chan error, 5)
		for range 5 {
			wg.Go(func() {
				v, err := c.Check(context.Background(), KeyOf("nope"), "nope")
				if err == nil && !v.Refused {
					err = errors.New("not refused")
				}
				results <- err
			})
		}
		synctest.Wait()
		close(ig.gate)
		wg.Wait()
		close(results)
		for err := range results {
			if err != nil {
				t.Fatal(err)
			}
		}
		if ig.count() != 1 {
			t.Fatalf("%d checks", ig.count())
		}
	})
}

// A request already gone starts no check.
func TestCheckWithEndedContext(t *testing.T) {
	c, ig, _ := newCache(t)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := c.Check(ctx, KeyOf("user:a"), "user:a"); !errors.Is(err, context.Canceled) || ig.count() != 0 {
		t.Fatalf("%v, %d checks", err, ig.count())
	}
}
