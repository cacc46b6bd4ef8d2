package instagramtest

import (
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

func TestStoreBounded(t *testing.T) {
	now := time.Now()
	s := newStore[int](10)
	for i := range 100 {
		s.put(strconv.Itoa(i), i, now.Add(time.Hour), now)
	}
	if len(s.items) != 10 || len(s.order) != 10 {
		t.Fatalf("%d items, %d queued", len(s.items), len(s.order))
	}
	if _, ok := s.get("99", now); !ok {
		t.Fatal("newest entry evicted")
	}
	if _, ok := s.get("0", now); ok {
		t.Fatal("oldest entry kept")
	}
	// Expired and taken entries go at the next put.
	s.take("95", now)
	later := now.Add(2 * time.Hour)
	s.put("new", 1, later.Add(time.Hour), later)
	if len(s.items) != 1 || len(s.order) != 1 {
		t.Fatalf("after expiry: %d items, %d queued", len(s.items), len(s.order))
	}
}

// TestStoreReplace: putting a key again keeps the new value, even when the
// old one's place in the queue comes up for eviction.
func TestStoreReplace(t *testing.T) {
	now := time.Now()
	s := newStore[int](3)
	s.put("a", 1, now.Add(time.Hour), now)
	s.put("b", 2, now.Add(time.Hour), now)
	s.put("a", 3, now.Add(2*time.Hour), now)
	s.put("c", 4, now.Add(time.Hour), now)
	// The old "a" left the front of the queue without deleting the new one.
	if v, ok := s.get("a", now); !ok || v != 3 {
		t.Fatalf("a = %d, %v; want 3", v, ok)
	}
	if v, ok := s.get("b", now); !ok || v != 2 {
		t.Fatalf("b = %d, %v; want 2", v, ok)
	}
	if len(s.order) != 3 {
		t.Fatalf("%d queued, want 3", len(s.order))
	}
	// The replaced entry's own expiry counts, not the first one's.
	later := now.Add(90 * time.Minute)
	if _, ok := s.get("a", later); !ok {
		t.Fatal("replaced entry expired with the old expiry")
	}
}

func TestStoreDeleteIf(t *testing.T) {
	now := time.Now()
	s := newStore[string](10)
	for i, owner := range []string{"alice", "bob", "alice"} {
		s.put(strconv.Itoa(i), owner, now.Add(time.Hour), now)
	}
	s.deleteIf(func(owner string) bool { return owner == "alice" })
	if len(s.items) != 1 {
		t.Fatalf("%d items left, want bob's only", len(s.items))
	}
	if _, ok := s.get("1", now); !ok {
		t.Fatal("bob's entry deleted")
	}
	// The queue forgets deleted entries at the next put.
	s.put("x", "carol", now.Add(3*time.Hour), now.Add(2*time.Hour))
	if len(s.order) != 1 {
		t.Fatalf("%d queued, want 1", len(s.order))
	}
}

func TestStoreValues(t *testing.T) {
	now := time.Now()
	s := newStore[int](10)
	s.put("a", 1, now.Add(time.Hour), now)
	s.put("b", 2, now.Add(time.Hour), now)
	s.put("a", 3, now.Add(time.Hour), now)
	got := s.values()
	slices.Sort(got)
	if !slices.Equal(got, []int{2, 3}) {
		t.Fatalf("values %v, want [2 3]", got)
	}
}

// update changes a value in place: same expiry, and still pruned in its
// original turn; an expired or unknown key is left alone.
func TestStoreUpdate(t *testing.T) {
	now := time.Now()
	s := newStore[string](2)
	s.put("a", "alice", now.Add(time.Hour), now)
	s.put("b", "bob", now.Add(time.Minute), now)
	upper := func(v string) string { return strings.ToUpper(v) }
	if !s.update("a", now, upper) {
		t.Fatal("update of a live key failed")
	}
	if v, ok := s.get("a", now.Add(59*time.Minute)); !ok || v != "ALICE" {
		t.Fatalf("after update: %q %v", v, ok)
	}
	if s.update("b", now.Add(time.Minute), upper) || s.update("nope", now, upper) {
		t.Fatal("update changed an expired or unknown key")
	}
	s.put("c", "carol", now.Add(time.Hour), now) // over the limit: "a" goes first
	if _, ok := s.get("a", now); ok {
		t.Fatal("the updated entry lost its place in the queue")
	}

	s.updateIf(func(v string) bool { return v == "carol" }, upper)
	if v, _ := s.get("c", now); v != "CAROL" {
		t.Fatalf("updateIf: %q", v)
	}
}
