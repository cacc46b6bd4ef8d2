package revocation

import (
	"context"
	"crypto/rand"
	"os"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/b4b0c547/caddy-instagram-auth/internal/record"
	"github.com/caddyserver/certmagic"
	"go.uber.org/zap"
)

// fillRevocations adds n records: nine in ten sessions, one in ten users.
func fillRevocations(rv *Set, n int, t int64) {
	recs := make([]Record, 0, n)
	for i := range n {
		rec := Record{Until: t + 86400}
		if i%10 == 0 {
			rec.User, rec.NotBefore = strconv.Itoa(17841400000000000+i), t
		} else {
			_, _ = rand.Read(rec.Session[:])
		}
		recs = append(recs, rec)
	}
	rv.Merge(recs)
}

// BenchmarkRevocationsMemory reports what 100,000 revocations in memory
// cost: the heap in use, and the process's resident memory, each with the
// set filled less empty (after a GC, with freed memory given back), and
// the heap per record.
func BenchmarkRevocationsMemory(b *testing.B) {
	const n = 100_000
	var keep *Set
	heap0, rss0 := settledMemory()
	for b.Loop() {
		keep = nil
		heap0, rss0 = settledMemory()
		keep = NewSet()
		fillRevocations(keep, n, time.Now().Unix())
	}
	heap1, rss1 := settledMemory()
	runtime.KeepAlive(keep)
	b.ReportMetric(float64(heap1-heap0)/(1<<20), "heap-MiB/100k")
	b.ReportMetric(float64(rss1-rss0)/(1<<20), "rss-MiB/100k")
	b.ReportMetric(float64(heap1-heap0)/n, "heap-B/record")
}

// settledMemory is the heap in use and VmRSS after a GC that returned
// what it freed to the system.
func settledMemory() (heap, rss int64) {
	debug.FreeOSMemory()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return int64(m.HeapInuse), procStatus("VmRSS:")
}

// procStatus reads a size of /proc/self/status, in bytes.
func procStatus(field string) int64 {
	status, _ := os.ReadFile("/proc/self/status")
	for _, line := range strings.Split(string(status), "\n") {
		if kb, ok := strings.CutPrefix(line, field); ok {
			n, _ := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(kb), "kB")), 10, 64)
			return n << 10
		}
	}
	return 0
}

// BenchmarkFullSyncMemory is the full listing an instance makes at start
// and every few minutes, of 100,000 records in file_system storage, spread
// over a day's 144 buckets as a steady stream of logouts leaves them, or
// all in one (a burst of logouts, which the rounds every 5 s list again):
// the resident memory it leaves (the set), per 100,000 and per record, and
// its peak (VmHWM: the listing's garbage too), each over the process
// before it. Run one at a time (-bench 'FullSyncMemory/day'): VmHWM only
// grows.
func BenchmarkFullSyncMemory(b *testing.B) {
	for _, c := range []struct {
		name    string
		buckets int
	}{{"day", 144}, {"burst", 1}} {
		b.Run(c.name, func(b *testing.B) { fullSyncMemory(b, c.buckets) })
	}
}

func fullSyncMemory(b *testing.B, buckets int) {
	const n = 100_000
	dir := b.TempDir()
	prefix := Prefix("123", "c")
	t := time.Now().Unix()
	for i := range n {
		rec := Record{Until: t + 86400}
		if i%10 == 0 {
			rec.User, rec.NotBefore = strconv.Itoa(17841400000000000+i), t
		} else {
			_, _ = rand.Read(rec.Session[:])
		}
		key := RecordKey(prefix, rec, t-int64(i%buckets)*BucketWidth)
		path := dir + "/" + key
		if i < buckets {
			if err := os.MkdirAll(path[:strings.LastIndexByte(path, '/')], 0o700); err != nil {
				b.Fatal(err)
			}
		}
		if err := os.WriteFile(path, nil, 0o600); err != nil {
			b.Fatal(err)
		}
	}
	_, rss0 := settledMemory()
	hwm0 := procStatus("VmHWM:")
	var s *Sync
	for b.Loop() {
		s = NewSync(Config{Prefix: prefix, Set: NewSet(), Now: time.Now}, &User{Storage: &certmagic.FileStorage{Path: dir}, Logger: zap.NewNop()})
		if err := s.sync(context.Background(), true); err != nil || s.set.Len() != n {
			b.Fatalf("sync: %v, %d records", err, s.set.Len())
		}
	}
	_, rss1 := settledMemory()
	runtime.KeepAlive(s)
	b.ReportMetric(float64(rss1-rss0)/(1<<20), "rss-MiB/100k")
	b.ReportMetric(float64(rss1-rss0)/n, "rss-B/record")
	b.ReportMetric(float64(procStatus("VmHWM:")-hwm0)/(1<<20), "peak-MiB/100k")
}

// BenchmarkIsRevoked is the one check a cluster adds to each request:
// with an empty set (an atomic load) and with 10,000 records (two map
// lookups under a read lock).
func BenchmarkIsRevoked(b *testing.B) {
	s := record.Session{ID: record.ID{1}, UserID: "17841405793187218", Created: time.Now().Unix()}
	for _, n := range []int{0, 10_000} {
		rv := NewSet()
		fillRevocations(rv, n, time.Now().Unix())
		b.Run(strconv.Itoa(n), func(b *testing.B) {
			for b.Loop() {
				if rv.IsRevoked(&s) {
					b.Fatal("revoked")
				}
			}
		})
	}
}
