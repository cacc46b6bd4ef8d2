package bearer

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"
)

func TestAcceptanceKeptFiveMinutes(t *testing.T) {
	c, ig, clk := newCache(t)
	k := KeyOf("user:alice")
	if _, ok := c.Lookup(k); ok {
		t.Fatal("hit before any check")
	}
	asked := clk.now()
	v := check(t, c, "user:alice")
	want := Verdict{Identity: Identity{UserID: "id-alice", Username: "alice"}, CheckedAt: asked}
	if !v.CheckedAt.Equal(want.CheckedAt) || v.Identity != want.Identity || v.Refused {
		t.Fatalf("verdict %+v, want %+v", v, want)
	}

	clk.advance(5*time.Minute - time.Nanosecond)
	if got, ok := c.Lookup(k); !ok || got.Identity != want.Identity {
		t.Fatalf("Lookup just before 5 minutes: %+v %v", got, ok)
	}
	check(t, c, "user:alice")
	if ig.count() != 1 {
		t.Fatalf("%d checks within 5 minutes, want 1", ig.count())
	}

	clk.advance(time.Nanosecond)
	if _, ok := c.Lookup(k); ok {
		t.Fatal("acceptance kept 5 minutes or more")
	}
	if v := check(t, c, "user:alice"); ig.count() != 2 || !v.CheckedAt.Equal(clk.now()) {
		t.Fatalf("after 5 minutes: %d checks, checked at %v", ig.count(), v.CheckedAt)
	}
}

func TestRefusalKeptOneMinute(t *testing.T) {
	c, ig, clk := newCache(t)
	if v := check(t, c, "stolen"); !v.Refused || v.UserID != "" {
		t.Fatalf("refusal: %+v", v)
	}
	clk.advance(time.Minute - time.Nanosecond)
	if v, ok := c.Lookup(KeyOf("stolen")); !ok || !v.Refused {
		t.Fatalf("Lookup within the minute: %+v %v", v, ok)
	}
	check(t, c, "stolen")
	if ig.count() != 1 {
		t.Fatalf("%d checks within a minute, want 1", ig.count())
	}
	clk.advance(time.Nanosecond)
	if _, ok := c.Lookup(KeyOf("stolen")); ok {
		t.Fatal("refusal kept a minute or more")
	}
	check(t, c, "stolen")
	if ig.count() != 2 {
		t.Fatalf("%d checks, want 2", ig.count())
	}
}

// A failed check (Instagram down, a timeout, an answer naming nobody, a
// panicking Checker) is answered as an error and asked again next time.
func TestFailureNotKept(t *testing.T) {
	failures := map[string]Checker{
		"down": func(context.Context, string) (Identity, error) { return Identity{}, errDown },
		"no user": func(context.Context, string) (Identity, error) {
			return Identity{Username: "alice"}, nil
		},
		"panic": func(context.Context, string) (Identity, error) { panic("bug") },
	}
	for name, fail := range failures {
		t.Run(name, func(t *testing.T) {
			calls := 0
			c := New(func(ctx context.Context, token string) (Identity, error) {
				calls++
				return fail(ctx, token)
			}, time.Second, newClock().now)
			for i := range 2 {
				v, err := c.Check(context.Background(), KeyOf("tok"), "tok")
				if err == nil || errors.Is(err, ErrRefused) || v != (Verdict{}) {
					t.Fatalf("check %d: %+v %v, want a failure", i, v, err)
				}
				if _, ok := c.Lookup(KeyOf("tok")); ok {
					t.Fatal("a failure was kept")
				}
			}
			if calls != 2 {
				t.Fatalf("%d checks, want 2", calls)
			}
		})
	}
}

// CheckedAt is when Instagram was asked, and the 5 minutes run from then:
// a revocation that lands while Instagram answers makes the answer stale.
func TestCheckedAtIsWhenAsked(t *testing.T) {
	clk := newClock()
	asked := clk.now()
	c := New(func(context.Context, string) (Identity, error) {
		clk.advance(3 * time.Second)
		return Identity{UserID: "1", Username: "a"}, nil
	}, time.Second, clk.now)
	if v := check(t, c, "t"); !v.CheckedAt.Equal(asked) {
		t.Fatalf("CheckedAt %v, want %v", v.CheckedAt, asked)
	}
	clk.set(asked.Add(5 * time.Minute))
	if _, ok := c.Lookup(KeyOf("t")); ok {
		t.Fatal("kept 5 minutes after it was asked")
	}
}

func TestEvictionBound(t *testing.T) {
	c, _, clk := newCache(t)
	t0 := clk.now().UnixNano()
	alice := entry{userID: "1", username: "alice", checkedAt: t0}
	for i := range maxEntries {
		c.keep(keyN(i), alice, t0)
	}
	if len(c.entries) != maxEntries {
		t.Fatalf("%d entries, want %d", len(c.entries), maxEntries)
	}
	// Full of live entries: one more drops a random tenth at once.
	c.keep(keyN(-1), alice, t0)
	if n := len(c.entries); n != maxEntries*9/10+1 {
		t.Fatalf("after the first eviction: %d entries, want %d", n, maxEntries*9/10+1)
	}
	if _, ok := c.entries[keyN(-1)]; !ok {
		t.Fatal("the new entry was not kept")
	}
	// Replacing an entry never evicts.
	for len(c.entries) < maxEntries {
		c.keep(keyN(-len(c.entries)-2), alice, t0)
	}
	c.keep(keyN(-1), alice, t0)
	if len(c.entries) != maxEntries {
		t.Fatalf("a replacement evicted: %d entries", len(c.entries))
	}
}

// When enough entries have aged out, only they make the room.
func TestEvictionDropsExpiredFirst(t *testing.T) {
	c, _, clk := newCache(t)
	old := clk.now().UnixNano()
	clk.advance(2 * time.Minute)
	t1 := clk.now().UnixNano()
	for i := range maxEntries {
		e := entry{userID: "1", checkedAt: t1}
		if i%2 == 0 {
			e = entry{refused: true, checkedAt: old} // aged out at t1
		}
		c.keep(keyN(i), e, t1)
	}
	c.keep(keyN(-1), entry{userID: "2", checkedAt: t1}, t1)
	if n := len(c.entries); n != maxEntries/2+1 {
		t.Fatalf("%d entries, want %d: the live ones and the new one", n, maxEntries/2+1)
	}
	for i := 1; i < maxEntries; i += 2 {
		if _, ok := c.entries[keyN(i)]; !ok {
			t.Fatalf("live entry %d evicted while aged-out ones made room", i)
		}
	}
}

// The bound holds on the path requests take, too.
func TestEvictionThroughCheck(t *testing.T) {
	c, ig, _ := newCache(t)
	c.limit = 20
	for i := range 100 {
		check(t, c, "user:u"+strings.Repeat("x", i))
		if len(c.entries) > c.limit {
			t.Fatalf("%d entries over the limit of %d", len(c.entries), c.limit)
		}
	}
	if ig.count() != 100 {
		t.Fatalf("%d checks, want 100", ig.count())
	}
}

func TestNewRequiresItsParts(t *testing.T) {
	ig := new(instagram)
	for name, mk := range map[string]func(){
		"no checker": func() { New(nil, time.Second, time.Now) },
		"no clock":   func() { New(ig.check, time.Second, nil) },
		"no timeout": func() { New(ig.check, 0, time.Now) },
	} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("%s: New did not panic", name)
				}
			}()
			mk()
		}()
	}
}

func TestVerdictUntil(t *testing.T) {
	c, _, clk := newCache(t)
	asked := clk.now()
	if got := check(t, c, "user:alice").Until(); !got.Equal(asked.Add(5 * time.Minute)) {
		t.Errorf("acceptance until %v, want 5 minutes after %v", got, asked)
	}
	if got := check(t, c, "nope").Until(); !got.Equal(asked.Add(time.Minute)) {
		t.Errorf("refusal until %v, want a minute after %v", got, asked)
	}
	// Lookup hits exactly until then.
	clk.set(asked.Add(5*time.Minute - 1))
	if _, ok := c.Lookup(KeyOf("user:alice")); !ok {
		t.Error("gone before Until")
	}
}

// Forget drops one token's answer, whatever it is, and no other.
func TestForget(t *testing.T) {
	c, ig, _ := newCache(t)
	for _, tok := range []string{"user:alice", "user:alice?phone", "nope"} {
		check(t, c, tok)
	}
	c.Forget(KeyOf("user:alice"))
	c.Forget(KeyOf("nope"))
	c.Forget(KeyOf("never seen"))
	if _, ok := c.Lookup(KeyOf("user:alice")); ok {
		t.Error("a forgotten acceptance is still kept")
	}
	if _, ok := c.Lookup(KeyOf("nope")); ok {
		t.Error("a forgotten refusal is still kept")
	}
	if _, ok := c.Lookup(KeyOf("user:alice?phone")); !ok {
		t.Error("Forget dropped another token of the same user")
	}
	check(t, c, "user:alice")
	if ig.count() != 4 {
		t.Fatalf("%d checks, want 4: a forgotten token asks again", ig.count())
	}
}
