package integration

import (
	"strings"
	"sync"
	"testing"
	"time"
)

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
