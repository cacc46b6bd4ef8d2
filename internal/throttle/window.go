package throttle

import "time"

// windowSlots divides a window into slots that are counted whole.
const windowSlots = 10

// window counts one client's token requests in the slots of the last
// window: slot i holds the requests made in [i·slotLen, (i+1)·slotLen).
// Counting windowSlots+1 whole slots covers every window that ends now, so
// no window ever holds more than the limit; the price is that a client who
// used up its limit waits up to a slot longer than the window.
type window struct {
	slotLen int64 // nanoseconds
	newest  int64 // index of the newest slot
	counts  [windowSlots + 1]uint32
}

// advance moves the window on to slot, emptying the slots it passes. A
// clock that went back counts in the newest slot.
func (w *window) advance(slot int64) {
	n := int64(len(w.counts))
	if slot <= w.newest {
		return
	}
	for i := w.newest + 1; i <= slot && i <= w.newest+n; i++ {
		w.counts[i%n] = 0
	}
	w.newest = slot
}

func (w *window) total() uint64 {
	var sum uint64
	for _, c := range w.counts {
		sum += uint64(c)
	}
	return sum
}

// retryAfter is how long until enough slots have left the window for one
// more request, rounded up to whole seconds, as Retry-After counts.
func (w *window) retryAfter(limit int, t time.Time) time.Duration {
	n := int64(len(w.counts))
	left := w.total()
	oldest := w.newest - n + 1
	for i := oldest; i <= w.newest; i++ {
		left -= uint64(w.counts[i%n])
		if left < uint64(limit) {
			free := time.Duration((i+n)*w.slotLen - t.UnixNano()) // slot i leaves at index i+n
			return max((free + time.Second - 1).Truncate(time.Second), time.Second)
		}
	}
	return time.Second
}
