package instagramauth

import (
	"github.com/b4b0c547/caddy-instagram-auth/internal/instagram"

	"github.com/b4b0c547/caddy-instagram-auth/internal/record"

	"context"
	"crypto/rand"
	"net/http"
	"net/http/httptest"
	"os"
	"runtime"
	"runtime/debug"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/caddyserver/caddy/v2"
	"github.com/caddyserver/caddy/v2/modules/caddyhttp"
	"github.com/caddyserver/certmagic"
)

// The hot path is a request with a valid session: one cookie lookup, one
// AES-GCM open, the headers and placeholders set, next called. Run with
//	go test -run '^$' -bench ServeHTTP -benchmem .

const benchSecret = "9Z3dLr3KQ3NKl1nUq8V6mP3yLx4p4k1q7b2GZ0tD2m8="

// newBenchHandler provisions a handler as Caddy would, with a fixed key;
// options, if given, change its config first.
func newBenchHandler(b *testing.B, options ...func(*Handler)) *Handler {
	b.Helper()
	ctx, cancel := caddy.NewContext(caddy.Context{Context: context.Background()})
	b.Cleanup(cancel)
	h := &Handler{ClientID: "123", ClientSecret: "secret", CookieSecret: []string{benchSecret}}
	for _, o := range options {
		o(h)
	}
	// Without a Caddy config the logger is a development one at DEBUG, on
	// stderr, and would print the debug-log warning amid the results.
	stderr := os.Stderr
	os.Stderr, _ = os.Open(os.DevNull)
	err := h.Provision(ctx)
	os.Stderr = stderr
	b.Cleanup(func() { _ = h.Cleanup() })
	if err != nil {
		b.Fatal(err)
	}
	if err := h.Validate(); err != nil {
		b.Fatal(err)
	}
	return h
}

// benchRequest is a request as Caddy hands it to handlers: with a
// replacer in its context and browser-like headers.
func benchRequest(b *testing.B, target string, header ...string) *http.Request {
	b.Helper()
	r := httptest.NewRequest(http.MethodGet, target, nil)
	r.Host = "app.example.com"
	r.Header.Set("User-Agent", "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/156.0 Safari/537.36")
	r.Header.Set("Accept-Encoding", "gzip, deflate, br")
	r.Header.Set("Accept-Language", "en-US,en;q=0.9")
	for i := 0; i+1 < len(header); i += 2 {
		r.Header.Set(header[i], header[i+1])
	}
	// As Caddy prepares every request: a replacer and a table of variables.
	ctx := context.WithValue(r.Context(), caddy.ReplacerCtxKey, caddy.NewReplacer())
	ctx = context.WithValue(ctx, caddyhttp.VarsCtxKey, map[string]any{})
	return r.WithContext(ctx)
}

var noopNext = caddyhttp.HandlerFunc(func(http.ResponseWriter, *http.Request) error { return nil })

// A typical session: a 17-digit id, a username and a 60-day token, made
// for the benchmark request's host.
func benchSession(b *testing.B, h *Handler) string {
	b.Helper()
	r := benchRequest(b, "/")
	s := h.newSession(instagram.Identity{
		UserID:    "17841405793187218",
		Username:  "alice.shop",
		Token:     "IGAATQVJ5dGxwZAHZAtOE1aOGJmNTl3bUVWZAkQ5ZA0NMNE5uZAUxIaVJPRlNkcHFWSHRIZAVhuNHZAfcWp6T1pXR0E3bDZAPd3BCbkFhbHdCZA2xzV3JjZAWVnNHhTeGZAaY1R4",
		Expires:   now().Add(60 * 24 * time.Hour),
		LongLived: true,
	}, r)
	return h.keys.Seal(h.cfg.aad.Session, record.EncodeSession(&s))
}

func BenchmarkServeHTTPAuthenticated(b *testing.B) {
	benchAuthenticated(b, newBenchHandler(b))
}

// BenchmarkServeHTTPAuthenticatedCluster is the hot path of a cluster
// member: session_idle on, and 10,000 revocations in memory (as a busy
// site's day of logouts), one of them the user's own earlier "log out
// everywhere". Storage is never read on this path, so none is set up.
func BenchmarkServeHTTPAuthenticatedCluster(b *testing.B) {
	h := newBenchHandler(b, func(h *Handler) { h.SessionIdle = caddy.Duration(time.Hour) })
	fillRevocations(h.shared.revocations, 10_000, now().Unix())
	h.shared.revocations.revokeUser("17841405793187218", now().Unix()-3600, now().Unix()+86400)
	benchAuthenticated(b, h)
}

// fillRevocations adds n records: nine in ten sessions, one in ten users.
func fillRevocations(rv *revocations, n int, t int64) {
	recs := make([]revocation, 0, n)
	for i := range n {
		rec := revocation{until: t + 86400}
		if i%10 == 0 {
			rec.user, rec.notBefore = strconv.Itoa(17841400000000000+i), t
		} else {
			_, _ = rand.Read(rec.session[:])
		}
		recs = append(recs, rec)
	}
	rv.merge(recs)
}

// BenchmarkRevocationsMemory reports what 100,000 revocations in memory
// cost: the heap in use, and the process's resident memory, each with the
// set filled less empty (after a GC, with freed memory given back).
func BenchmarkRevocationsMemory(b *testing.B) {
	var keep *revocations
	heap0, rss0 := settledMemory()
	for b.Loop() {
		keep = nil
		heap0, rss0 = settledMemory()
		keep = newRevocations()
		fillRevocations(keep, 100_000, now().Unix())
	}
	heap1, rss1 := settledMemory()
	runtime.KeepAlive(keep)
	b.ReportMetric(float64(heap1-heap0)/(1<<20), "heap-MiB/100k")
	b.ReportMetric(float64(rss1-rss0)/(1<<20), "rss-MiB/100k")
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

// benchAuthenticated measures requests with a valid session on h.
func benchAuthenticated(b *testing.B, h *Handler) {
	r := benchRequest(b, "/dashboard", "Accept", "text/html",
		"Cookie", "_ga=GA1.1.123; "+h.cfg.cookieNames.session+"="+benchSession(b, h)+"; theme=dark")
	sent := r.Header["Cookie"]
	cookies := slices.Clone(sent)
	w := httptest.NewRecorder()
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		copy(cookies, sent) // as sent: the handler drops its own cookie
		r.Header["Cookie"] = cookies
		caddyhttp.SetVar(r.Context(), sentCookiesVar, nil) // a new request's table is empty
		if err := h.ServeHTTP(w, r, noopNext); err != nil {
			b.Fatal(err)
		}
	}
	if r.Header.Get(defaultHeaderUserID) != "17841405793187218" {
		b.Fatal("the session was not accepted")
	}
}

func BenchmarkServeHTTPRedirect(b *testing.B) {
	benchAnswer(b, benchRequest(b, "/dashboard?tab=2", "Accept", "text/html"), http.StatusFound)
}

func BenchmarkServeHTTPUnauthorizedAPI(b *testing.B) {
	benchAnswer(b, benchRequest(b, "/api/items", "Accept", "application/json"), http.StatusUnauthorized)
}

// benchAnswer measures a request without a session, which must get want.
func benchAnswer(b *testing.B, r *http.Request, want int) {
	h := newBenchHandler(b)
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		w := httptest.NewRecorder()
		if err := h.ServeHTTP(w, r, noopNext); err != nil || w.Code != want {
			b.Fatalf("status %d, %v", w.Code, err)
		}
	}
}

// BenchmarkFullSyncMemory is the full listing an instance makes at start
// and every few minutes, of 100,000 records in file_system storage: the
// resident memory it leaves (the set) and its peak (VmHWM: the listing's
// garbage too), each over the process before it.
func BenchmarkFullSyncMemory(b *testing.B) {
	dir := b.TempDir()
	prefix := revocationPrefix("123", "c")
	t := now().Unix()
	for i := range 100_000 {
		rec := revocation{until: t + 86400}
		_, _ = rand.Read(rec.session[:])
		key := recordKey(prefix, rec, t-int64(i%144)*bucketWidth) // a day of buckets
		path := dir + "/" + key
		if i < 144 {
			if err := os.MkdirAll(path[:strings.LastIndexByte(path, '/')], 0o700); err != nil {
				b.Fatal(err)
			}
		}
		if err := os.WriteFile(path, recordValue(rec), 0o600); err != nil {
			b.Fatal(err)
		}
	}
	_, rss0 := settledMemory()
	hwm0 := procStatus("VmHWM:")
	var s *revocationSync
	for b.Loop() {
		s = newRevocationSync(prefix, newRevocations(), &storageUser{storage: &certmagic.FileStorage{Path: dir}})
		if err := s.sync(context.Background(), true); err != nil || s.rv.len() != 100_000 {
			b.Fatalf("sync: %v, %d records", err, s.rv.len())
		}
	}
	_, rss1 := settledMemory()
	runtime.KeepAlive(s)
	b.ReportMetric(float64(rss1-rss0)/(1<<20), "rss-MiB/100k")
	b.ReportMetric(float64(procStatus("VmHWM:")-hwm0)/(1<<20), "peak-MiB/100k")
}

// BenchmarkIsRevoked is the one check a cluster adds to each request:
// with an empty set (an atomic load) and with 10,000 records (two map
// lookups under a read lock).
func BenchmarkIsRevoked(b *testing.B) {
	s := record.Session{ID: record.ID{1}, UserID: "17841405793187218", Created: now().Unix()}
	for _, n := range []int{0, 10_000} {
		rv := newRevocations()
		fillRevocations(rv, n, now().Unix())
		b.Run(strconv.Itoa(n), func(b *testing.B) {
			for b.Loop() {
				if rv.isRevoked(&s) {
					b.Fatal("revoked")
				}
			}
		})
	}
}
