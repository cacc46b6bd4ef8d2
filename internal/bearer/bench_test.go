package bearer

import (
	"context"
	"fmt"
	"runtime"
	"strings"
	"testing"
	"time"
)

// igToken is shaped like an Instagram long-lived token.
var igToken = "IGAA" + strings.Repeat("Zq3xY_-9", 22)

// hit is what a request with a known token costs: read the header, hash
// the token, look the verdict up.
func hit(c *Cache, header []string) (Verdict, bool) {
	token, kind := Parse(header)
	if kind != Present {
		return Verdict{}, false
	}
	return c.Lookup(KeyOf(token))
}

func TestHitAllocatesNothing(t *testing.T) {
	for _, answer := range []error{nil, ErrRefused} {
		c := New(func(context.Context, string) (Identity, error) {
			return Identity{UserID: "17841400000000001", Username: "alice"}, answer
		}, time.Second, newClock().now)
		check(t, c, igToken)
		header := []string{"Bearer " + igToken}
		if allocs := testing.AllocsPerRun(100, func() {
			if _, ok := hit(c, header); !ok {
				t.Fatal("miss")
			}
		}); allocs != 0 {
			t.Fatalf("a cache hit (check error %v) allocates %v times", answer, allocs)
		}
	}
}

// BenchmarkHit runs hits on every core at once, as requests do.
func BenchmarkHit(b *testing.B) {
	c := New(func(context.Context, string) (Identity, error) {
		return Identity{UserID: "17841400000000001", Username: "alice"}, nil
	}, time.Second, time.Now)
	if _, err := c.Check(context.Background(), KeyOf(igToken), igToken); err != nil {
		b.Fatal(err)
	}
	header := []string{"Bearer " + igToken}
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, ok := hit(c, header); !ok {
				b.Fatal("miss")
			}
		}
	})
}

// fill keeps n acceptances shaped like Instagram's (a 17-digit id, a
// username of 12 characters), each with its own strings, as decoded
// answers have.
func fill(c *Cache, n int, t int64) {
	for i := range n {
		id := fmt.Sprintf("178414%011d", i)
		name := fmt.Sprintf("user_%07d", i)
		e, _ := newEntry(Identity{UserID: id, Username: name}, nil, time.Unix(0, t))
		c.keep(keyN(i), e, t)
	}
}

// heapGrowth is what fill(n) adds to the live heap, per entry.
func heapGrowth(n int) float64 {
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	c := New(func(context.Context, string) (Identity, error) { return Identity{}, nil }, time.Second, time.Now)
	fill(c, n, time.Now().UnixNano())
	runtime.GC()
	runtime.ReadMemStats(&after)
	runtime.KeepAlive(c)
	return float64(after.HeapAlloc-before.HeapAlloc) / float64(n)
}

// The docs quote the memory a full cache takes; this keeps the quote
// honest (BenchmarkMemory reports the figure itself).
func TestMemoryPerEntry(t *testing.T) {
	if perEntry := heapGrowth(maxEntries); perEntry > 256 {
		t.Fatalf("%.0f bytes per entry at %d entries, over 256", perEntry, maxEntries)
	}
}

func BenchmarkMemory(b *testing.B) {
	var perEntry float64
	for b.Loop() {
		perEntry = heapGrowth(maxEntries)
	}
	b.ReportMetric(perEntry, "bytes/entry")
	b.ReportMetric(perEntry*maxEntries/(1<<20), "MiB/100k")
}

// BenchmarkEvict: the cost of an insertion into a full cache, the scan of
// makeRoom spread over the tenth it frees.
func BenchmarkEvict(b *testing.B) {
	c := New(func(context.Context, string) (Identity, error) { return Identity{}, nil }, time.Second, time.Now)
	t0 := time.Now().UnixNano()
	fill(c, maxEntries, t0)
	e := entry{userID: "1", username: "a", checkedAt: t0}
	i := maxEntries
	for b.Loop() {
		c.keep(keyN(i), e, t0)
		i++
	}
}
