package instagramauth

import (
	"strings"
	"sync"
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

// Behaviour 22: refused and failed callbacks are logged sampled: a burst
// of them costs a few lines a second, and a line says how many it stands
// for.
func TestRefusedCallbacksAreLoggedSampled(t *testing.T) {
	h := newHarness(t, withOptions("login_rate_limit 5 1m"))
	const burst = 120
	start := time.Now()
	var wg sync.WaitGroup
	for worker := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c := newBrowser(t)
			for i := worker; i < burst; i += 4 {
				state := strings.Repeat(string(rune('A'+i%26)), stateLen)
				resp, err := c.Get(siteURL + defaultRedirectPath + "?code=x&state=" + state)
				if err != nil {
					t.Error(err)
					return
				}
				resp.Body.Close()
			}
		}()
	}
	wg.Wait()
	for range 10 {
		h.junkCallback(h.client) // 5 reach Instagram and fail, 5 are throttled
	}
	seconds := int(time.Since(start)/time.Second) + 2     // seconds the burst touched
	log := readLog(t, h.logFile, `"similar_not_logged":`) // the report a second after the burst
	for msg, sent := range map[string]int{
		"callback refused: missing, expired, forged or used state": burst,
		"login failed: ": 5, // whichever failure Instagram's answer to a junk code means
		"login throttled: too many token requests": 5,
	} {
		lines := strings.Count(log, `"msg":"`+msg)
		if lines == 0 || lines > sent || lines > sampledLinesPerSecond*seconds+1 {
			t.Errorf("%q: %d lines for %d events over %d s, want 1 to %d a second", msg, lines, sent, seconds, sampledLinesPerSecond)
		}
	}
	if !strings.Contains(log, `"similar_not_logged":`) {
		t.Error("no line says how many similar lines were held back")
	}
}
