package instagramauth

import (
	"encoding/binary"

	"github.com/b4b0c547/caddy-instagram-auth/instagramtest"
	"github.com/b4b0c547/caddy-instagram-auth/internal/revocation"

	"github.com/b4b0c547/caddy-instagram-auth/internal/instagram"

	"github.com/b4b0c547/caddy-instagram-auth/internal/record"

	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"slices"
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
	s := h.sessions.start(instagram.Identity{
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

// BenchmarkServeHTTPAuthenticatedAssertion is the hot path with
// assertion_header on: the session's assertion is cached, so a request
// pays for finding it (and its origin), not for a signature.
func BenchmarkServeHTTPAuthenticatedAssertion(b *testing.B) {
	storage := &certmagic.FileStorage{Path: b.TempDir()}
	h := newBenchHandler(b, func(h *Handler) {
		h.AssertionHeader = "X-Instagram-Assertion"
		h.assertionStorage = storage
	})
	benchAuthenticated(b, h)
	if h.assertions == nil || !strings.HasPrefix(h.cfg.assertionHeader, "X-") {
		b.Fatal("the assertion is off")
	}
}

// BenchmarkServeHTTPAuthenticatedCluster is the hot path of a cluster
// member: session_idle on, and 10,000 revocations in memory (as a busy
// site's day of logouts), one of them the user's own earlier "log out
// everywhere". Storage is never read on this path, so none is set up.
func BenchmarkServeHTTPAuthenticatedCluster(b *testing.B) {
	h := newBenchHandler(b, func(h *Handler) { h.SessionIdle = caddy.Duration(time.Hour) })
	t := now().Unix()
	recs := make([]revocation.Record, 10_000)
	for i := range recs {
		recs[i].Until = t + 86400
		binary.BigEndian.PutUint64(recs[i].Session[:], uint64(i+1))
	}
	recs[0] = revocation.Record{User: "17841405793187218", NotBefore: t - 3600, Until: t + 86400}
	h.shared.revocations.Merge(recs)
	benchAuthenticated(b, h)
}

// benchAuthenticated measures requests with a valid session on h.
func benchAuthenticated(b *testing.B, h *Handler) {
	r := benchRequest(b, "/dashboard", "Accept", "text/html",
		"Cookie", "_ga=GA1.1.123; "+h.cfg.cookies.session+"="+benchSession(b, h)+"; theme=dark")
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
	if h.assertions != nil && r.Header.Get(h.cfg.assertionHeader) == "" {
		b.Fatal("no assertion")
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

// BenchmarkAssertionForSession is what assertion_header adds to a request
// with a session whose assertion is cached: the origin (remembered) and the
// cache lookup.
func BenchmarkAssertionForSession(b *testing.B) {
	storage := &certmagic.FileStorage{Path: b.TempDir()}
	h := newBenchHandler(b, func(h *Handler) {
		h.AssertionHeader = "X-Instagram-Assertion"
		h.assertionStorage = storage
	})
	r := benchRequest(b, "/dashboard")
	s := record.Session{UserID: "17841405793187218", Username: "alice.shop", SeenAt: now().Unix()}
	end := s.SeenAt + 3600
	first, err := h.assertions.forSession(r, &s, end)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		if token, err := h.assertions.forSession(r, &s, end); err != nil || token != first {
			b.Fatal("not the cached assertion", err)
		}
	}
}

// BenchmarkServeHTTPBearerCached is a request with a bearer token whose
// acceptance the cache holds (allow_bearer): the header parsed, the token
// hashed and looked up, the user's revocations asked, the identity set.
// The bound: at most twice BenchmarkServeHTTPAuthenticated.
func BenchmarkServeHTTPBearerCached(b *testing.B) {
	ig := instagramtest.Start(b, "123", "secret")
	h := newBenchHandler(b, func(h *Handler) { h.AllowBearer, h.UserinfoURL = true, ig.UserinfoURL() })
	token := ig.MintToken("alice.shop", true)
	r := benchRequest(b, "/api/items", "Accept", "application/json", "Cookie", "_ga=GA1.1.123; theme=dark")
	auth := []string{"Bearer " + token}
	w := httptest.NewRecorder()
	serve := func() {
		r.Header["Authorization"] = auth // as sent: the handler takes it out
		if err := h.ServeHTTP(w, r, noopNext); err != nil {
			b.Fatal(err)
		}
	}
	serve() // asks the mock once; every request below is answered from the cache
	if r.Header.Get(defaultHeaderUserID) == "" || w.Code != http.StatusOK {
		b.Fatalf("the token was not accepted: %d", w.Code)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		serve()
	}
	b.StopTimer()
	if n := ig.UserinfoRequests(); n != 1 {
		b.Fatalf("%d calls to Instagram, want 1", n)
	}
}

// BenchmarkServeHTTPAuthEndpoint is nginx's auth_request with a valid
// session: the session request's work, the identity on the response
// instead of the request, and the answer written. The bound: no
// more than BenchmarkServeHTTPAuthenticated plus the response headers.
func BenchmarkServeHTTPAuthEndpoint(b *testing.B) {
	h := newBenchHandler(b)
	r := benchRequest(b, defaultAuthPath, "Accept", "text/html",
		"Cookie", "_ga=GA1.1.123; "+h.cfg.cookies.session+"="+benchSession(b, h)+"; theme=dark")
	w := httptest.NewRecorder() // one writer, emptied: what the recorder costs is not the handler's
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		clear(w.Header())
		if err := h.ServeHTTP(w, r, noopNext); err != nil || w.Code != http.StatusOK {
			b.Fatalf("status %d, %v", w.Code, err)
		}
	}
	if w.Header().Get(defaultHeaderUserID) != "17841405793187218" {
		b.Fatal("the session was not accepted")
	}
}
