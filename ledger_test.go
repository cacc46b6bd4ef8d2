package instagramauth

import (
	"strconv"
	"sync"
	"testing"
	"time"
)

func TestExpiringSetAddHas(t *testing.T) {
	unitFixClock(t, unitEpoch)
	s := newExpiringSet()
	later := unitEpoch.Add(time.Minute).Unix()

	if s.has([]byte("a")) {
		t.Fatal("empty set has a key")
	}
	if !s.add("a", later) {
		t.Fatal("first add refused")
	}
	if !s.has([]byte("a")) {
		t.Fatal("added key not found")
	}
	if s.has([]byte("b")) || s.has(nil) || s.has([]byte("A")) {
		t.Fatal("set has a key never added")
	}
	// A replay is refused, and does not extend or shorten the entry.
	if s.add("a", later) || s.add("a", unitEpoch.Add(time.Hour).Unix()) || s.add("a", 0) {
		t.Fatal("replayed key accepted")
	}
	if !s.add("b", later) {
		t.Fatal("a second key refused")
	}
	// The empty key is a key like any other.
	if !s.add("", later) || !s.has([]byte{}) || s.add("", later) {
		t.Fatal("empty key mishandled")
	}
}

func TestExpiringSetExpiry(t *testing.T) {
	clock := unitEpoch
	saved := now
	now = func() time.Time { return clock }
	t.Cleanup(func() { now = saved })

	s := newExpiringSet()
	exp := unitEpoch.Add(10 * time.Second).Unix()
	s.add("k", exp)

	clock = unitEpoch.Add(10 * time.Second) // at the expiry second: still there
	if !s.has([]byte("k")) {
		t.Fatal("key gone at its expiry second")
	}
	if s.add("k", exp+100) {
		t.Fatal("key re-added at its expiry second")
	}
	clock = unitEpoch.Add(11 * time.Second) // past it
	if s.has([]byte("k")) {
		t.Fatal("expired key still found")
	}
	// An expired key may be recorded again (a new state that happens to
	// be equal is not a replay of a live one).
	if !s.add("k", clock.Add(time.Minute).Unix()) {
		t.Fatal("expired key could not be added again")
	}
	if !s.has([]byte("k")) {
		t.Fatal("re-added key not found")
	}
	// A key added already expired is never found.
	if !s.add("dead", clock.Add(-time.Second).Unix()) || s.has([]byte("dead")) {
		t.Fatal("a key added already expired is found")
	}
}

func TestExpiringSetBound(t *testing.T) {
	clock := unitEpoch
	saved := now
	now = func() time.Time { return clock }
	t.Cleanup(func() { now = saved })

	s := newExpiringSet()
	short := unitEpoch.Add(time.Minute).Unix()
	long := unitEpoch.Add(time.Hour).Unix()
	// Fill the set: half the entries expire soon, half later.
	for i := 0; i < maxLedger; i++ {
		exp := long
		if i%2 == 0 {
			exp = short
		}
		if !s.add(strconv.Itoa(i), exp) {
			t.Fatalf("add %d refused below the bound", i)
		}
	}
	// Full: a new key still gets in (a set that refused would let anyone
	// who fills it block every login) and memory stays bounded.
	if !s.add("one too many", long) {
		t.Fatal("add refused past maxLedger")
	}
	if n := len(s.m); n != maxLedger {
		t.Fatalf("set holds %d entries, want %d", n, maxLedger)
	}
	if !s.has([]byte("one too many")) {
		t.Fatal("the newest entry is not known")
	}
	// Once some expire, room is made for new ones.
	clock = unitEpoch.Add(2 * time.Minute)
	if !s.add("after expiry", long) {
		t.Fatal("add refused after half the entries expired")
	}
	if n := len(s.m); n > maxLedger/2+2 { // the long half, "one too many" and "after expiry"
		t.Fatalf("set holds %d entries after pruning, want at most %d", n, maxLedger/2+2)
	}
	if !s.has([]byte("1")) || s.has([]byte("0")) {
		t.Fatal("pruning kept a dead entry or dropped a live one")
	}
}

func TestExpiringSetConcurrent(t *testing.T) {
	s := newExpiringSet()
	exp := now().Add(time.Hour).Unix()
	var wg sync.WaitGroup
	wins := make([]int, 8)
	for g := range wins {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 200; i++ {
				if s.add(strconv.Itoa(i), exp) {
					wins[g]++
				}
				s.has([]byte(strconv.Itoa(i)))
			}
		}()
	}
	wg.Wait()
	total := 0
	for _, w := range wins {
		total += w
	}
	if total != 200 {
		t.Fatalf("%d adds won for 200 keys: each key must be accepted exactly once", total)
	}
}

func TestSharedLedgers(t *testing.T) {
	if usedStates == nil || revokedSessions == nil {
		t.Fatal("the process-wide sets are not made")
	}
	if usedStates == revokedSessions {
		t.Fatal("used states and revocations share one set")
	}
}
