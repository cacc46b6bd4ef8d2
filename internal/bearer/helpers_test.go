package bearer

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"sync/atomic"
	"testing"
	"time"
)

// clock is a fake clock that tests move by hand.
type clock struct{ ns atomic.Int64 }

func newClock() *clock {
	c := new(clock)
	c.ns.Store(time.Date(2026, 12, 6, 12, 0, 0, 0, time.UTC).UnixNano())
	return c
}

func (c *clock) now() time.Time          { return time.Unix(0, c.ns.Load()) }
func (c *clock) advance(d time.Duration) { c.ns.Add(int64(d)) }
func (c *clock) set(t time.Time)         { c.ns.Store(t.UnixNano()) }

// instagram plays Graph's /me for the Checker: tokens "user:<name>" name
// the user <name> (id "id-<name>"), "refused" is refused with code 190,
// "down" fails as a 503 does, and anything else is refused.
type instagram struct {
	calls atomic.Int64
	gate  chan struct{} // if not nil, every check waits for it to close
}

var errDown = errors.New("instagram answered HTTP 503")

func (ig *instagram) check(ctx context.Context, token string) (Identity, error) {
	ig.calls.Add(1)
	if ig.gate != nil {
		select {
		case <-ig.gate:
		case <-ctx.Done():
			return Identity{}, ctx.Err()
		}
	}
	switch {
	case token == "down":
		return Identity{}, errDown
	case len(token) > 5 && token[:5] == "user:":
		return Identity{UserID: "id-" + token[5:], Username: token[5:]}, nil
	default:
		return Identity{}, fmt.Errorf("%w: code 190", ErrRefused)
	}
}

func (ig *instagram) count() int { return int(ig.calls.Load()) }

// newCache is a Cache on a fake clock asking ig.
func newCache(t *testing.T) (*Cache, *instagram, *clock) {
	t.Helper()
	ig, clk := new(instagram), newClock()
	return New(ig.check, 10*time.Second, clk.now), ig, clk
}

// check runs Check with token and fails the test on a failed check.
func check(t *testing.T, c *Cache, token string) Verdict {
	t.Helper()
	v, err := c.Check(context.Background(), KeyOf(token), token)
	if err != nil {
		t.Fatalf("Check(%q): %v", token, err)
	}
	return v
}

// keyN is a distinct key per n, for filling the cache without hashing.
func keyN(n int) Key {
	var k Key
	binary.BigEndian.PutUint64(k[:], uint64(n))
	return k
}
