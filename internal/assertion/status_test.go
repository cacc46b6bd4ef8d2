package assertion

import "time"

// The tests' view of a key set: what memory holds now. (The plugin's own
// default rotation is the config's, 30d.)

// DefaultRotation is how long a key signs before its successor takes over,
// unless configured otherwise.
const DefaultRotation = 30 * 24 * time.Hour

// Status is what a test may read of the keys: nothing secret.
type Status struct {
	StorageKey    string        // where the key set lives
	KeyID         string        // the key signing now
	NextKeyID     string        // the key that signs next, "" until it is made
	NextSignsFrom time.Time     // when it takes over
	Rotation      time.Duration // 0: never
}

// Status describes the key set as memory holds it now.
func (k *Keys) Status() Status {
	t := k.now()
	set := k.set.Load()
	st := Status{StorageKey: k.storeKey, KeyID: set.signingAt(t).kid, Rotation: k.tm().period}
	if next := set.next(t); next != nil {
		st.NextKeyID, st.NextSignsFrom = next.kid, next.from
	}
	return st
}
