package assertion

import (
	"encoding/binary"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
	"unsafe"
)

// len is the number of cached entries.
func (c *cache) len() int {
	n := 0
	for i := range c.shards {
		sh := &c.shards[i]
		sh.mu.RLock()
		n += len(sh.m)
		sh.mu.RUnlock()
	}
	return n
}

func countingInstance(t *testing.T, clock *fakeClock) (*Keys, *atomic.Int64) {
	t.Helper()
	var signed atomic.Int64
	k, err := New(Config{Storage: fileStorage(t), ClientID: "1234567890", Rotation: DefaultRotation,
		Now: clock.now, Signed: func() { signed.Add(1) }})
	if err != nil {
		t.Fatal(err)
	}
	return k, &signed
}

func mustAssert(t *testing.T, k *Keys, s Subject, at time.Time) string {
	t.Helper()
	token, err := k.Assertion(s, at)
	if err != nil {
		t.Fatal(err)
	}
	return token
}

func TestCachedAssertionServesWhileHalfItsLifeIsLeft(t *testing.T) {
	clock := newFakeClock()
	k, signed := countingInstance(t, clock)
	s := subject("17841400000000001", clock.now().Add(time.Hour))
	first := mustAssert(t, k, s, clock.now())
	if again := mustAssert(t, k, s, clock.now().Add(149*time.Second)); again != first {
		t.Fatal("a request within the first half of the life got a new assertion")
	}
	if signed.Load() != 1 {
		t.Fatalf("%d signatures counted, want 1", signed.Load())
	}
	later := mustAssert(t, k, s, clock.now().Add(150*time.Second))
	if later == first || signed.Load() != 2 {
		t.Fatalf("at half its life the assertion is served again (%d signatures)", signed.Load())
	}
	_, claims, err := verify(k.JWKS(), later)
	if err != nil || claimInt(t, claims, "iat") != clock.now().Unix()+150 {
		t.Fatalf("re-signed assertion: %v %v", claims, err)
	}
}

func TestCacheKeepsOriginsSessionsAndUsersApart(t *testing.T) {
	clock := newFakeClock()
	k, _ := countingInstance(t, clock)
	base := subject("17841400000000001", clock.now().Add(time.Hour))
	variants := map[string]func(s *Subject){
		"http":          func(s *Subject) { s.HTTPS = false },
		"other host":    func(s *Subject) { s.Host = "api.example.com" },
		"other port":    func(s *Subject) { s.Host = "app.example.com:9443" },
		"other session": func(s *Subject) { s.Session[0]++ },
		"other user":    func(s *Subject) { s.UserID = "17841400000000002" },
		"new username":  func(s *Subject) { s.Username = "jane.renamed" },
		"no username":   func(s *Subject) { s.Username = "" },
		"shorter session": func(s *Subject) {
			s.SessionEnd = clock.now().Add(time.Minute)
		},
	}
	first := mustAssert(t, k, base, clock.now())
	if again := mustAssert(t, k, base, clock.now()); again != first {
		t.Fatal("the same subject got a new assertion")
	}
	seen := map[string]string{first: "the first"}
	for name, edit := range variants {
		s := base
		edit(&s)
		token := mustAssert(t, k, s, clock.now())
		if other, dup := seen[token]; dup {
			t.Errorf("%s got the assertion of %s", name, other)
		}
		seen[token] = name
		_, claims, err := verify(k.JWKS(), token)
		if err != nil {
			t.Fatal(err)
		}
		want := map[string]string{"iss": `"` + origin(s.HTTPS, s.Host) + `"`, "sub": `"` + s.UserID + `"`, "sid": `"` + sidOf(s.Session) + `"`}
		for c, v := range want {
			if string(claims[c]) != v {
				t.Errorf("%s: %s = %s, want %s", name, c, claims[c], v)
			}
		}
		if claimInt(t, claims, "exp") > s.SessionEnd.Unix() {
			t.Errorf("%s: the assertion outlives the session", name)
		}
	}
}

func TestCacheKeepsNoPartOfTheCallersMemory(t *testing.T) {
	clock := newFakeClock()
	k, _ := countingInstance(t, clock)
	// As a session's plaintext is read: the fields are parts of one string
	// that also holds the access token.
	plaintext := "app.example.com|17841400000000001|jane.doe|IGAAsecretaccesstoken"
	s := subject(plaintext[16:33], clock.now().Add(time.Hour))
	s.Host, s.Username = plaintext[:15], plaintext[34:42]
	mustAssert(t, k, s, clock.now())
	within := func(v string) bool {
		p, base := uintptr(unsafe.Pointer(unsafe.StringData(v))), uintptr(unsafe.Pointer(unsafe.StringData(plaintext)))
		return p >= base && p < base+uintptr(len(plaintext))
	}
	sh := k.assertion.shard(&cacheKey{sid: s.Session})
	if len(sh.m) != 1 {
		t.Fatalf("%d entries cached, want 1", len(sh.m))
	}
	for key, e := range sh.m {
		if within(key.host) || within(e.userID) || within(e.username) {
			t.Fatal("a cache entry points into the caller's buffer")
		}
	}
}

func TestCacheHitAllocatesNothing(t *testing.T) {
	clock := newFakeClock()
	k, _ := countingInstance(t, clock)
	s := subject("17841400000000001", clock.now().Add(time.Hour))
	mustAssert(t, k, s, clock.now())
	at := clock.now().Add(time.Second)
	if allocs := testing.AllocsPerRun(1000, func() { _, _ = k.Assertion(s, at) }); allocs != 0 {
		t.Fatalf("a cache hit allocates %v times", allocs)
	}
}

// cacheKeyFor spreads i evenly over the shards.
func cacheKeyFor(i int) cacheKey {
	var sid [16]byte
	sid[0] = byte(i % cacheShards)
	binary.LittleEndian.PutUint64(sid[1:], uint64(i))
	return cacheKey{host: "app.example.com", sid: sid, https: true}
}

func TestCacheStaysBounded(t *testing.T) {
	const t0 = int64(1_000_000)
	live := cacheEntry{token: "t", exp: t0 + 300, reuseUntil: t0 + 150}
	stale := cacheEntry{token: "t", exp: t0 + 300, reuseUntil: t0}

	c := newCache()
	for i := range 2 * maxCached {
		c.put(cacheKeyFor(i), live, t0)
	}
	if n := c.len(); n > maxCached || n < maxCached*8/10 {
		t.Fatalf("%d entries after %d inserts, bound %d", n, 2*maxCached, maxCached)
	}

	// A shard full of live entries drops a tenth at once, then takes
	// inserts without evicting until full again.
	c = newCache()
	sh := &c.shards[0]
	for i := 0; len(sh.m) < shardLimit; i += cacheShards {
		c.put(cacheKeyFor(i), live, t0)
	}
	c.put(cacheKeyFor(cacheShards*shardLimit), live, t0)
	if want := shardLimit - shardLimit/10 + 1; len(sh.m) != want {
		t.Fatalf("full shard holds %d after an insert, want %d", len(sh.m), want)
	}
	c.put(cacheKeyFor(cacheShards*(shardLimit+1)), live, t0)
	if want := shardLimit - shardLimit/10 + 2; len(sh.m) != want {
		t.Fatalf("an insert below the bound evicted: %d, want %d", len(sh.m), want)
	}

	// Stale entries go first; live ones stay when that frees enough.
	c = newCache()
	sh = &c.shards[0]
	for i := 0; len(sh.m) < shardLimit; i += cacheShards {
		e := live
		if i/cacheShards%2 == 0 {
			e = stale
		}
		c.put(cacheKeyFor(i), e, t0)
	}
	c.put(cacheKeyFor(cacheShards*shardLimit), live, t0)
	if want := shardLimit/2 + 1; len(sh.m) != want {
		t.Fatalf("shard holds %d after dropping stale entries, want %d", len(sh.m), want)
	}
	for _, e := range sh.m {
		if e.reuseUntil == t0 {
			t.Fatal("a stale entry survived")
		}
	}
	c.sweep(t0 + 150)
	if n := c.len(); n != 0 {
		t.Fatalf("%d entries after a sweep past their reuse", n)
	}
}

// TestCacheMemoryPerEntry measures what a full cache costs, for the
// docs: go test -run CacheMemory -v ./internal/assertion/
func TestCacheMemoryPerEntry(t *testing.T) {
	clock := newFakeClock()
	k, _ := countingInstance(t, clock)
	s := subject("17841400000000001", clock.now().Add(time.Hour))
	token := mustAssert(t, k, s, clock.now())

	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	c := newCache()
	for i := range maxCached {
		key := cacheKeyFor(i)
		key.host = strings.Clone(s.Host)
		c.put(key, cacheEntry{token: strings.Clone(token), userID: strconv.Itoa(17841400000000001 + i),
			username: strings.Clone(s.Username), exp: 300, reuseUntil: 150}, 0)
	}
	runtime.GC()
	runtime.ReadMemStats(&after)
	if c.len() != maxCached {
		t.Fatalf("%d entries cached, want %d", c.len(), maxCached)
	}
	perEntry := (int64(after.HeapAlloc) - int64(before.HeapAlloc)) / maxCached
	t.Logf("%d cached assertions (%d-byte tokens): %d bytes each, %.1f MB in all",
		maxCached, len(token), perEntry, float64(perEntry*maxCached)/1e6)
	if perEntry < int64(len(token)) || perEntry > 2*int64(len(token))+256 {
		t.Fatalf("%d bytes per entry for a %d-byte token", perEntry, len(token))
	}
	runtime.KeepAlive(c)
}

func TestCacheUnderConcurrentUse(t *testing.T) {
	clock := newFakeClock()
	k, _ := countingInstance(t, clock)
	stop, polled := make(chan struct{}), make(chan struct{})
	go func() { // the poll goroutine and the clock, meanwhile
		defer close(polled)
		for {
			select {
			case <-stop:
				return
			default:
				k.poll(t.Context())
				_ = k.JWKS()
				clock.advance(time.Second)
			}
		}
	}()
	var workers sync.WaitGroup
	tokens := make(chan string, 8*200)
	for g := range 8 {
		workers.Go(func() {
			for i := range 200 {
				at := clock.now()
				s := subject("17841400000000001", at.Add(time.Hour))
				s.Session[0], s.HTTPS = byte(i%20), g%2 == 0
				token, err := k.Assertion(s, at)
				if err != nil {
					t.Error(err)
					return
				}
				tokens <- token
			}
		})
	}
	workers.Wait()
	close(stop)
	<-polled
	close(tokens)
	for token := range tokens {
		if _, _, err := verify(k.JWKS(), token); err != nil {
			t.Fatal(err)
		}
	}
}

func BenchmarkAssertionCached(b *testing.B) {
	clock := newFakeClock()
	k, err := tryInstance(fileStorage(b), clock, DefaultRotation)
	if err != nil {
		b.Fatal(err)
	}
	s := subject("17841400000000001", clock.now().Add(time.Hour))
	at := clock.now()
	if _, err := k.Assertion(s, at); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		_, _ = k.Assertion(s, at)
	}
}

func BenchmarkAssertionCachedParallel(b *testing.B) {
	clock := newFakeClock()
	k, err := tryInstance(fileStorage(b), clock, DefaultRotation)
	if err != nil {
		b.Fatal(err)
	}
	at := clock.now()
	var next atomic.Int32
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		s := subject("17841400000000001", at.Add(time.Hour))
		s.Session[0] = byte(next.Add(1)) // a session per goroutine
		for pb.Next() {
			_, _ = k.Assertion(s, at)
		}
	})
}
