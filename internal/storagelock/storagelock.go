// Package storagelock takes a lock of Caddy's storage only if it is free:
// for work one instance of a cluster does for all (cleaning revocations,
// making the next assertion key), where finding the lock taken means that
// another instance is doing it.
package storagelock

import (
	"context"
	"time"

	"github.com/caddyserver/certmagic"
)

// Try takes the lock name if it is free: at once where the storage can
// say so (certmagic.TryLocker), else by waiting at most wait, after which
// the lock counts as taken by another instance. Only a failure of the
// storage, or of ctx, is an error.
func Try(ctx context.Context, st certmagic.Storage, name string, wait time.Duration) (bool, error) {
	if tl, ok := st.(certmagic.TryLocker); ok {
		return tl.TryLock(ctx, name)
	}
	waitCtx, cancel := context.WithTimeout(ctx, wait)
	defer cancel()
	if err := st.Lock(waitCtx, name); err != nil {
		if ctx.Err() == nil && waitCtx.Err() != nil {
			return false, nil // another instance holds it
		}
		return false, err
	}
	return true, nil
}
