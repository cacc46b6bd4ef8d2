package instagramauth

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/caddyserver/caddy/v2/modules/caddyhttp"
	"github.com/caddyserver/certmagic"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
	"go.uber.org/zap/zaptest/observer"
)

// assertionHandler is a unit handler with assertion_header set and the
// given rotation; its part is loaded on storage and released at the end.
func assertionHandler(t *testing.T, storage certmagic.Storage, clientID, rotation string) (*Handler, *observer.ObservedLogs) {
	t.Helper()
	h := unitHandler(t)
	core, logs := observer.New(zapcore.InfoLevel)
	h.logger = zap.New(core)
	h.ClientID, h.AssertionHeader, h.AssertionKeyRotation = clientID, "x-instagram-assertion", rotation
	h.cfg = derive(h, false)
	a, err := loadAssertions(h, storage)
	if err != nil {
		t.Fatal(err)
	}
	h.assertions = a
	t.Cleanup(func() { _ = a.release() })
	return h, logs
}

func TestAssertionsNeedStorage(t *testing.T) {
	h := unitHandler(t)
	if a, err := loadAssertions(h, nil); a != nil || err != nil {
		t.Fatalf("assertion_header unset: %v %v, want nothing", a, err)
	}
	h.AssertionHeader = "X-Instagram-Assertion"
	h.cfg = derive(h, false)
	if _, err := loadAssertions(h, nil); !errors.Is(err, errNoStorage) {
		t.Fatalf("no storage: %v", err)
	}
}

// Behaviour 30: sites that share the storage and the client_id share one
// key set, with one rotation: the newest config's, back to the older one's
// when the newest goes (a reload that failed). Another client_id has its
// own.
func TestAssertionKeysAreSharedPerStorageAndClientID(t *testing.T) {
	storage := &certmagic.FileStorage{Path: t.TempDir()}
	a, _ := assertionHandler(t, storage, "app-1", "30d")
	b, logs := assertionHandler(t, storage, "app-1", "2m")
	other, _ := assertionHandler(t, storage, "app-2", "30d")
	if a.assertions.keys != b.assertions.keys || a.assertions.keys == other.assertions.keys {
		t.Fatal("keys are not shared by storage and client_id alone")
	}
	if got := a.assertions.keys.JWKSMaxAge(); got != 15*time.Second {
		t.Errorf("after a config asking for 2m: JWKS max-age %v, want 15s", got)
	}
	if logs.FilterMessageSnippet("one assertion key set").Len() != 1 {
		t.Errorf("no warning about the rotation that changed: %v", logs.All())
	}
	if err := b.assertions.release(); err != nil {
		t.Fatal(err)
	}
	if got := a.assertions.keys.JWKSMaxAge(); got != 5*time.Minute {
		t.Errorf("after the 2m config left: JWKS max-age %v, want 5m", got)
	}
	if string(a.assertions.keys.JWKS()) != string(b.assertions.keys.JWKS()) {
		t.Error("one key set, two JWKS")
	}
}

// The keys outlive a config: they are stopped only when the last config
// using them gives them back.
func TestAssertionKeysStopWithTheirLastConfig(t *testing.T) {
	storage := &certmagic.FileStorage{Path: t.TempDir()}
	a, _ := assertionHandler(t, storage, "app-1", "30d")
	name := a.assertions.appName
	if err := a.assertions.release(); err != nil {
		t.Fatal(err)
	}
	if _, ok := appKeysPool.References(name); ok {
		t.Fatal("the pool still holds the keys of a released config")
	}
	b, _ := assertionHandler(t, storage, "app-1", "30d")
	if b.assertions.keys == a.assertions.keys {
		t.Fatal("stopped keys were handed out again")
	}
	if string(b.assertions.keys.JWKS()) != string(a.assertions.keys.JWKS()) {
		t.Error("the keys made again from storage differ")
	}
}

// lockLog is a storage that records which instance took and released each
// lock.
type lockLog struct {
	*certmagic.FileStorage
	name string
	log  *[]string
}

func (s lockLog) Lock(ctx context.Context, name string) error {
	*s.log = append(*s.log, s.name+" lock")
	return s.FileStorage.Lock(ctx, name)
}

func (s lockLog) Unlock(ctx context.Context, name string) error {
	*s.log = append(*s.log, s.name+" unlock")
	return s.FileStorage.Unlock(ctx, name)
}

// A lock is given back to the storage that took it, even when a reload has
// put another config's storage in force meanwhile.
func TestStorageRelayUnlocksWhereItLocked(t *testing.T) {
	dir := t.TempDir()
	var log []string
	old := &keysUser{storage: lockLog{&certmagic.FileStorage{Path: dir}, "old", &log}, logger: zap.NewNop()}
	next := &keysUser{storage: lockLog{&certmagic.FileStorage{Path: dir}, "new", &log}, logger: zap.NewNop()}
	a := &appKeys{users: []*keysUser{old}, locks: map[string]certmagic.Storage{}}
	relay := storageRelay{a}
	if err := relay.Lock(t.Context(), "k"); err != nil {
		t.Fatal(err)
	}
	a.users = append(a.users, next)
	if err := relay.Unlock(t.Context(), "k"); err != nil {
		t.Fatal(err)
	}
	if err := relay.Lock(t.Context(), "k"); err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(log, ", "); got != "old lock, old unlock, new lock" {
		t.Fatalf("locks: %s", got)
	}
}

func TestJWKSCacheControl(t *testing.T) {
	for maxAge, want := range map[time.Duration]string{
		5 * time.Minute:         "public, max-age=300",
		20 * time.Minute:        "public, max-age=300",
		15 * time.Second:        "public, max-age=15",
		7500 * time.Millisecond: "public, max-age=7",
	} {
		if got := jwksCacheControl(maxAge); got != want {
			t.Errorf("max age %v: %q, want %q", maxAge, got, want)
		}
	}
}

// The memo of origins answers exactly what requestOrigin does, on a hit as
// on a miss, when slots are shared by many hosts, and behind a trusted
// proxy as directly.
func TestOriginMemoIsRequestOrigin(t *testing.T) {
	type req struct {
		host, proto, fwdHost string
		tls, trusted         bool
	}
	reqs := []req{
		{host: "app.example.com"},
		{host: "APP.Example.COM:443", tls: true},
		{host: "app.example.com:80"},
		{host: "app.example.com:8443", tls: true},
		{host: "bücher.example"},
		{host: "127.1:9080"},
		{host: "[::1]:9080"},
		{host: "app.example.com.", tls: true},
		{host: "bad host"},
		{host: "user@app.example.com"},
		{host: ""},
		{host: "127.0.0.1:9080", proto: "https", fwdHost: "shop.example.com", trusted: true},
		{host: "127.0.0.1:9080", proto: "https", fwdHost: "shop.example.com"},
		{host: "127.0.0.1:9080", proto: "HTTPS", fwdHost: "shop.example.com:443", trusted: true},
		{host: "127.0.0.1:9080", proto: "gopher", trusted: true},
	}
	for i := range 200 {
		reqs = append(reqs, req{host: fmt.Sprintf("h%d.example.com:%d", i, 1000+i)})
	}
	memo := newOriginMemo()
	for round := range 2 {
		for _, rq := range reqs {
			r := httptest.NewRequest(http.MethodGet, "/", nil)
			r.Host = rq.host
			if rq.tls {
				r.TLS = &tls.ConnectionState{}
			}
			if rq.proto != "" {
				r.Header.Set("X-Forwarded-Proto", rq.proto)
				r.Header.Set("X-Forwarded-Host", rq.fwdHost)
			}
			vars := map[string]any{caddyhttp.TrustedProxyVarKey: rq.trusted}
			r = r.WithContext(context.WithValue(r.Context(), caddyhttp.VarsCtxKey, vars))

			want, wantOK := requestOrigin(r)
			https, host, ok := memo.of(r)
			got := "http://" + host
			if https {
				got = "https://" + host
			}
			if ok != wantOK || (ok && got != want.String()) {
				t.Errorf("round %d, %+v: memo %q %v, requestOrigin %q %v", round, rq, got, ok, want.String(), wantOK)
			}
		}
	}
}
