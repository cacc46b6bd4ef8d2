package bounded

import "testing"

func TestMakeRoom(t *testing.T) {
	const limit = 1000
	fill := func(done int) map[int]bool {
		m := map[int]bool{}
		for i := range limit {
			m[i] = i < done
		}
		return m
	}
	isDone := func(d bool) bool { return d }
	// Enough done entries: only they go.
	m := fill(200)
	MakeRoom(m, limit, isDone)
	if len(m) != 800 {
		t.Errorf("with 200 done: %d left, want 800", len(m))
	}
	for _, d := range m {
		if d {
			t.Fatal("a done entry was kept")
		}
	}
	// Too few done: a tenth of the rest goes too, at once.
	m = fill(50)
	MakeRoom(m, limit, isDone)
	if want := 950 - 95; len(m) != want {
		t.Errorf("with 50 done: %d left, want %d", len(m), want)
	}
	// None done: a tenth goes, never everything.
	m = fill(0)
	MakeRoom(m, limit, isDone)
	if len(m) != 900 {
		t.Errorf("with none done: %d left, want 900", len(m))
	}
}

// The victims are not chosen by the caller's keys: two runs drop different
// entries (map order is random), so no attacker can keep its own entries
// while evicting others'.
func TestMakeRoomVictimsAreRandom(t *testing.T) {
	kept := func() map[int]bool {
		m := map[int]int{}
		for i := range 1000 {
			m[i] = 0
		}
		MakeRoom(m, 1000, func(int) bool { return false })
		out := map[int]bool{}
		for k := range m {
			out[k] = true
		}
		return out
	}
	a, b := kept(), kept()
	same := true
	for k := range a {
		if !b[k] {
			same = false
			break
		}
	}
	if same {
		t.Error("two evictions dropped the same entries")
	}
}
