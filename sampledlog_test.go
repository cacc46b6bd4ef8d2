package instagramauth

import (
	"testing"
	"time"
)

func TestSampledLog(t *testing.T) {
	var s sampledLog
	t0 := time.Unix(1_800_000_000, 0)
	for i := range sampledLinesPerSecond {
		if ok, skipped, flush := s.admit(t0.Add(time.Duration(i) * time.Millisecond)); !ok || skipped != 0 || flush {
			t.Fatalf("line %d: ok %v, skipped %d, flush %v", i, ok, skipped, flush)
		}
	}
	for i := range 100 {
		ok, _, flush := s.admit(t0.Add(500 * time.Millisecond))
		if ok || flush != (i == 0) {
			t.Fatalf("held-back line %d: ok %v, flush %v (only the first asks for a flush)", i, ok, flush)
		}
	}
	// The next second's first line says how many were held back.
	if ok, skipped, _ := s.admit(t0.Add(time.Second)); !ok || skipped != 100 {
		t.Fatalf("next second: ok %v, skipped %d, want true, 100", ok, skipped)
	}
	if n := s.takeSkipped(); n != 0 {
		t.Fatalf("the flush found %d already reported", n)
	}
	// A burst with no line after it is reported by the flush.
	for range sampledLinesPerSecond + 2 { // one line of this second went out already
		s.admit(t0.Add(time.Second))
	}
	if n := s.takeSkipped(); n != 3 {
		t.Fatalf("flush: %d held back, want 3", n)
	}
	if _, _, flush := s.admit(t0.Add(time.Second)); !flush {
		t.Fatal("after a flush, the next held-back line does not ask for another")
	}
}
