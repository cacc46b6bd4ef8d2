package instagramauth

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/b4b0c547/caddy-instagram-auth/internal/record"
	"github.com/b4b0c547/caddy-instagram-auth/internal/revocation"
	"github.com/caddyserver/certmagic"
	"github.com/prometheus/client_golang/prometheus"
	"go.uber.org/zap"
)

// storageErrors reads caddy_instagram_auth_storage_errors_total from a
// registry holding the plugin's collectors.
func storageErrors(t *testing.T) (float64, bool) {
	t.Helper()
	reg := prometheus.NewPedanticRegistry()
	if err := registerMetrics(reg); err != nil {
		t.Fatal(err)
	}
	families, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range families {
		if f.GetName() == "caddy_instagram_auth_storage_errors_total" && len(f.GetMetric()) == 1 {
			return f.GetMetric()[0].GetCounter().GetValue(), true
		}
	}
	return 0, false
}

// An app's state counts its storage failures: here a file where a bucket
// folder should be, skipped by the listing at start while the readable
// record still applies.
func TestSharedStateCountsStorageErrors(t *testing.T) {
	before, ok := storageErrors(t)
	if !ok {
		t.Fatal("no series caddy_instagram_auth_storage_errors_total (one, without labels)")
	}
	dir := t.TempDir()
	st := &certmagic.FileStorage{Path: dir}
	prefix := revocation.Prefix("app-id", insecureCookieName)
	now := time.Now().Unix()
	rec := revocation.Record{Session: record.ID{7}, Until: now + 3600}
	if err := st.Store(context.Background(), revocation.RecordKey(prefix, rec, now), revocation.RecordValue(rec)); err != nil {
		t.Fatal(err)
	}
	stray := filepath.Join(dir, filepath.FromSlash(prefix), "1000000200") // a bucket's name, a file's body
	if err := os.WriteFile(stray, []byte("x"), 0o600); err != nil {
		t.Fatal(err)
	}
	s := newSharedState(prefix, &revocation.User{Storage: st, Logger: zap.NewNop()}, time.Now)
	defer s.Destruct()
	if !s.revocations.IsRevoked(&record.Session{ID: rec.Session}) {
		t.Error("the readable record did not apply")
	}
	if after, _ := storageErrors(t); after-before != 1 {
		t.Errorf("the storage errors metric moved by %v, want 1", after-before)
	}
}
