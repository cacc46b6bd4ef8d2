// Package bearer remembers what Instagram said about the bearer tokens that
// apps bring, so that a request carrying one costs a Graph call only when
// the token is new or its answer has aged out:
//
//   - an acceptance (Instagram named the user) is kept 5 minutes, a refusal
//     (an invalid, expired or revoked token, or one issued to another app)
//     1 minute; a failed check (Instagram down or slow) is not kept, so
//     the next request asks again;
//   - concurrent first requests with one token share one check;
//   - tokens are held by their SHA-256 (Key), never in the clear;
//   - at most 100,000 answers are kept.
//
// It also reads the Authorization header (Parse) and derives the opaque
// sid that stands for a token in a signed assertion (Key.SID).
//
// A request without a session goes through it like this: Parse its
// Authorization lines (Absent: judged as without bearer tokens; Malformed:
// 401); Lookup the token's KeyOf; on a miss, apply the login rate limits
// and Check, which asks Instagram at most once per token at a time. An
// error from Check is a 502, a Refused verdict a 401, and an acceptance
// whose CheckedAt is before a revocation of its user is stale: Forget its
// key and Check again.
package bearer

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/b4b0c547/caddy-instagram-auth/internal/bounded"
)

// How long answers are kept, and how many.
const (
	acceptFor  = 5 * time.Minute
	refuseFor  = time.Minute
	maxEntries = 100_000
)

// ErrRefused marks a Checker's error for a token that Instagram refused:
// Graph error code 190 (invalid, expired or revoked) or 100 (the
// appsecret_proof does not match: a token issued to another app). Such an
// answer is kept; any other error is a failed check, which is not.
var ErrRefused = errors.New("bearer: Instagram refused the token")

// Identity is whom Instagram says a token belongs to.
type Identity struct {
	UserID   string // the app-scoped id, the same one a login gives
	Username string
}

// Checker asks Instagram about token: the Identity it names, an error
// wrapping ErrRefused when it refuses the token, or another error when the
// check failed. It must honour ctx. No error may hold the token (beware a
// *url.Error, which quotes a URL that has it in its query): errors reach
// the logs.
type Checker func(ctx context.Context, token string) (Identity, error)

// Verdict is what Instagram said of a token.
type Verdict struct {
	Identity // the zero Identity when Refused
	Refused  bool
	// CheckedAt is when Instagram was asked (by the Cache's clock): an
	// acceptance asked for before the user's revocation is stale, whatever
	// Instagram answered, and must not let the request pass.
	CheckedAt time.Time
}

// Until is when v ages out of the cache: CheckedAt and 5 minutes for an
// acceptance, 1 minute for a refusal. Nothing made from an acceptance (a
// signed assertion, say) should outlive it.
func (v Verdict) Until() time.Time {
	if v.Refused {
		return v.CheckedAt.Add(refuseFor)
	}
	return v.CheckedAt.Add(acceptFor)
}

// Cache holds the verdicts and the checks under way. Its methods may be
// called concurrently.
type Cache struct {
	check   Checker
	timeout time.Duration
	now     func() time.Time
	limit   int

	mu      sync.RWMutex
	entries map[Key]entry
	flights map[Key]*flight
}

// entry is a verdict as kept: small, since there may be 100,000 of them.
type entry struct {
	userID, username string
	checkedAt        int64 // Unix nanoseconds
	refused          bool
}

// New returns an empty Cache that asks check about tokens it does not
// know, allowing each check at most timeout, and that reads the time from
// now.
func New(check Checker, timeout time.Duration, now func() time.Time) *Cache {
	if check == nil || now == nil || timeout <= 0 {
		panic(fmt.Sprintf("bearer.New: a checker, a clock and a positive timeout are required (timeout %v)", timeout))
	}
	return &Cache{
		check:   check,
		timeout: timeout,
		now:     now,
		limit:   maxEntries,
		entries: make(map[Key]entry),
		flights: make(map[Key]*flight),
	}
}

// Lookup returns the kept verdict for k, if one has not aged out. It is
// the path of nearly every request, and allocates nothing.
func (c *Cache) Lookup(k Key) (Verdict, bool) {
	t := c.now().UnixNano()
	c.mu.RLock()
	e, ok := c.entries[k]
	c.mu.RUnlock()
	if !ok || !e.liveAt(t) {
		return Verdict{}, false
	}
	return e.verdict(), true
}

// Forget drops what is kept for k, so that the next Check asks Instagram
// again: an acceptance that a revocation of its user made stale. It costs
// one map deletion; a check under way for k goes on, and its answer is
// judged by when it was asked.
func (c *Cache) Forget(k Key) {
	c.mu.Lock()
	delete(c.entries, k)
	c.mu.Unlock()
}

func (e entry) liveAt(t int64) bool {
	keep := acceptFor
	if e.refused {
		keep = refuseFor
	}
	return t < e.checkedAt+int64(keep)
}

func (e entry) verdict() Verdict {
	return Verdict{
		Identity:  Identity{UserID: e.userID, Username: e.username},
		Refused:   e.refused,
		CheckedAt: time.Unix(0, e.checkedAt),
	}
}

// keep stores e under k, making room first when the cache is full. The
// caller holds c.mu for writing.
func (c *Cache) keep(k Key, e entry, t int64) {
	if _, replacing := c.entries[k]; !replacing && len(c.entries) >= c.limit {
		bounded.MakeRoom(c.entries, c.limit, func(e entry) bool { return !e.liveAt(t) })
	}
	c.entries[k] = e
}

// newEntry is the entry for a check asked at asked that answered id and
// err, or ok false for a failed check, which must not be kept.
func newEntry(id Identity, err error, asked time.Time) (e entry, ok bool) {
	e.checkedAt = asked.UnixNano()
	switch {
	case errors.Is(err, ErrRefused):
		e.refused = true
	case err != nil:
		return entry{}, false
	default:
		// Clones, so that a kept answer cannot pin the buffer of the
		// Graph response its strings may have been cut from.
		e.userID, e.username = strings.Clone(id.UserID), strings.Clone(id.Username)
	}
	return e, true
}
