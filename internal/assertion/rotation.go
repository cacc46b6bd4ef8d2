package assertion

import (
	"context"
	"errors"
	"io/fs"
	"time"

	"go.uber.org/zap"
)

// Rotation, once per cluster: every instance reloads the key set every
// poll interval P. When the next key is due, the first instance to notice
// makes it under the storage lock, early enough that every instance has
// loaded it, and so publishes it in its JWKS, a lead L before it signs. A
// verifier that caches a JWKS for L-P therefore never meets an unknown
// kid.

// lockWait bounds the wait for the lock of a storage without TryLock.
const lockWait = 10 * time.Second

// timing is the schedule that follows from a rotation period.
type timing struct {
	period time.Duration // R: how long each key signs; 0 never rotates
	lead   time.Duration // L = min(10m, R/4)
	poll   time.Duration // P = min(5m, L/2)
}

func newTiming(period time.Duration) *timing {
	lead := 10 * time.Minute
	if period > 0 {
		lead = min(lead, period/4)
	}
	return &timing{period: period, lead: lead, poll: min(5*time.Minute, lead/2)}
}

// dueAt is when the successor of cur is made: L+2P before it signs, so
// that an instance noticing on its next poll (up to P late) still stores
// it L+P ahead, and it signs exactly R after cur.
func (tm timing) dueAt(cur *signingKey) time.Time {
	return cur.from.Add(tm.period - tm.lead - 2*tm.poll)
}

// nextFrom is when the successor of cur made at t signs: R after cur, or,
// if the cluster was down when it was due, L+P from now.
func (tm timing) nextFrom(cur *signingKey, t time.Time) time.Time {
	from := cur.from.Add(tm.period)
	if early := t.Add(tm.lead + tm.poll); from.Before(early) {
		return early
	}
	return from
}

// rotationDue reports whether set lacks a successor it needs at t.
func (tm timing) rotationDue(set *keySet, t time.Time) bool {
	if tm.period == 0 || set.next(t) != nil {
		return false
	}
	return !t.Before(tm.dueAt(set.signingAt(t)))
}

// poll is one round of the goroutine: reload, rotate if due, trim the
// cache. A storage failure leaves memory as it is.
func (k *Keys) poll(ctx context.Context) {
	k.pollMu.Lock()
	defer k.pollMu.Unlock()
	err := k.refresh(ctx)
	if err == nil && k.tm().rotationDue(k.set.Load(), k.now()) {
		err = k.rotate(ctx)
	}
	k.assertion.sweep(k.now().Unix())
	if ctx.Err() == nil {
		k.report(err)
	}
}

// refresh installs the stored set. If the document has gone (storage
// wiped), it writes back what memory holds: the keys that signed
// assertions still in flight stay published.
func (k *Keys) refresh(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, storageOpTimeout)
	defer cancel()
	set, err := k.load(ctx)
	if errors.Is(err, fs.ErrNotExist) {
		set, err = k.update(ctx, false, func(stored *keySet, _ time.Time) (*keySet, error) {
			if stored != nil {
				return nil, nil
			}
			k.logger.Warn("assertion keys were missing from storage; writing back the keys in memory",
				zap.String("storage_key", k.storeKey))
			return k.set.Load(), nil
		})
	}
	if err != nil || set == nil {
		return err
	}
	k.set.Store(set)
	return nil
}

// rotate makes the next key unless another instance has, or holds the
// lock (it is making it, and the next poll loads it).
func (k *Keys) rotate(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, storageOpTimeout+lockWait)
	defer cancel()
	var made *signingKey
	tm := k.tm()
	set, err := k.update(ctx, false, func(stored *keySet, t time.Time) (*keySet, error) {
		if stored == nil {
			stored = k.set.Load()
		}
		if !tm.rotationDue(stored, t) {
			return nil, nil
		}
		next, err := generateKey(tm.nextFrom(stored.signingAt(t), t))
		if err != nil {
			return nil, err
		}
		made = next
		return newKeySet(append(stored.published(t), next)), nil
	})
	if err != nil || set == nil {
		return err
	}
	k.set.Store(set)
	k.logMade(made)
	return nil
}

// logMade says that this instance made key, if it did.
func (k *Keys) logMade(key *signingKey) {
	if key != nil {
		k.logger.Info("assertion key made; every instance signs with it from signs_from",
			zap.String("kid", key.kid), zap.String("signs_from", key.from.UTC().Format(time.RFC3339)))
	}
}

// report logs one error when storage starts failing and one line when it
// works again, not one per poll.
func (k *Keys) report(err error) {
	switch {
	case err != nil && k.healthy:
		k.healthy = false
		k.logger.Error("assertion keys: storage failed; signing with the keys in memory until it works again",
			zap.String("storage_key", k.storeKey), zap.Error(err))
	case err == nil && !k.healthy:
		k.healthy = true
		k.logger.Info("assertion keys: storage works again", zap.String("storage_key", k.storeKey))
	}
}
