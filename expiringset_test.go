package instagramauth

import (
	"strconv"
	"sync"
	"testing"
	"time"
)

func TestExpiringSetAddHas(t *testing.T) {
	s := newExpiringSet(func() time.Time { return unitEpoch })
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
	s := newExpiringSet(func() time.Time { return clock })
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
	s := newExpiringSet(func() time.Time { return clock })
	short := unitEpoch.Add(time.Minute).Unix()
	long := unitEpoch.Add(time.Hour).Unix()
	// Fill the set: half the entries expire soon, half later.
	for i := 0; i < maxExpiringSet; i++ {
		exp := long
		if i%2 == 0 {
			exp = short
		}
		if !s.add(strconv.Itoa(i), exp) {
			t.Fatalf("add %d refused below the bound", i)
		}
	}
	// Full: a new key still gets in (a set that refused would let anyone
	// who fills it block every login), and a tenth is evicted at once, so
	// the next adds do not sweep the set again.
	if !s.add("one too many", long) {
		t.Fatal("add refused past maxExpiringSet")
	}
	if n := len(s.m); n > maxExpiringSet*9/10+1 || n < maxExpiringSet*8/10 {
		t.Fatalf("set holds %d entries after eviction, want about %d", n, maxExpiringSet*9/10)
	}
	if !s.has([]byte("one too many")) {
		t.Fatal("the newest entry is not known")
	}
	// Once some expire, the periodic sweep drops them.
	clock = unitEpoch.Add(2 * time.Minute)
	for i := 0; i < pruneEvery; i++ {
		if !s.add("after expiry "+strconv.Itoa(i), long) {
			t.Fatal("add refused after half the entries expired")
		}
	}
	if n := len(s.m); n > maxExpiringSet/2+pruneEvery+1 {
		t.Fatalf("set holds %d entries after pruning, want at most %d", n, maxExpiringSet/2+pruneEvery+1)
	}
	for i := 0; i < 100; i++ {
		if s.has([]byte(strconv.Itoa(2 * i))) {
			t.Fatal("pruning kept a dead entry")
		}
	}
}

func TestExpiringSetConcurrent(t *testing.T) {
	s := newExpiringSet(now)
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
