package bearer

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// errNoUserID is a check that answered no error and no user: a bug in the
// Checker or an answer Instagram does not give. It is not kept.
var errNoUserID = errors.New("bearer: the check named no user")

// flight is a check under way, which every request with the same token
// waits for.
type flight struct {
	done    chan struct{} // closed once verdict and err are set
	verdict Verdict
	err     error
}

// Check returns the verdict on token, whose key is k: the kept one if
// there is one, or else the outcome of the check that this call starts or
// that another request started for the same token. It waits at most until
// ctx is done. The check itself is not tied to ctx, only bounded by New's
// timeout: the first request leaving must not fail the others waiting
// with it. A refusal is a Verdict with Refused set; an error is a failed
// check (for a 502), or ctx's own.
func (c *Cache) Check(ctx context.Context, k Key, token string) (Verdict, error) {
	if err := ctx.Err(); err != nil {
		return Verdict{}, err // nobody is waiting: no call to Instagram
	}
	f, v, known := c.join(ctx, k, token)
	if known {
		return v, nil
	}
	select {
	case <-f.done:
		return f.verdict, f.err
	case <-ctx.Done():
		return Verdict{}, ctx.Err()
	}
}

// join returns the kept verdict for k, or the flight to wait for, starting
// one if none is under way.
func (c *Cache) join(ctx context.Context, k Key, token string) (f *flight, v Verdict, known bool) {
	asked := c.now()
	c.mu.Lock()
	defer c.mu.Unlock()
	if e, ok := c.entries[k]; ok && e.liveAt(asked.UnixNano()) {
		return nil, e.verdict(), true
	}
	if f = c.flights[k]; f != nil {
		return f, Verdict{}, false
	}
	f = &flight{done: make(chan struct{})}
	c.flights[k] = f
	// The request's values (its logger, say) go along, its cancellation
	// does not.
	go c.fly(context.WithoutCancel(ctx), k, token, f, asked)
	return f, Verdict{}, false
}

// fly runs the check and hands its outcome to the waiting requests.
// CheckedAt is when the check was asked, not answered: a revocation that
// lands while Instagram is answering makes the acceptance stale.
func (c *Cache) fly(ctx context.Context, k Key, token string, f *flight, asked time.Time) {
	ctx, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()
	id, err := c.safeCheck(ctx, token)
	if err == nil && id.UserID == "" {
		err = errNoUserID
	}
	e, keep := newEntry(id, err, asked)
	c.mu.Lock()
	delete(c.flights, k)
	if keep {
		c.keep(k, e, c.now().UnixNano())
	}
	c.mu.Unlock()
	if keep {
		f.verdict = e.verdict()
	}
	if !errors.Is(err, ErrRefused) {
		f.err = err
	}
	close(f.done)
}

// safeCheck runs the Checker, turning a panic into a failed check: in this
// goroutine nothing else would recover it, and the whole server would
// stop, the requests waiting for the check with it.
func (c *Cache) safeCheck(ctx context.Context, token string) (id Identity, err error) {
	defer func() {
		if p := recover(); p != nil {
			id, err = Identity{}, fmt.Errorf("bearer: the check panicked: %v", p)
		}
	}()
	return c.check(ctx, token)
}
