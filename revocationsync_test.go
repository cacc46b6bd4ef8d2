package instagramauth

import (
	"github.com/b4b0c547/caddy-instagram-auth/internal/record"

	"context"
	"encoding/hex"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/caddyserver/certmagic"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
	"go.uber.org/zap/zaptest/observer"
)

// newTestSync is one instance's sync over a real file_system storage in
// dir, not started: the test drives its rounds.
func newTestSync(t *testing.T, dir, app string) (*revocationSync, *observer.ObservedLogs) {
	t.Helper()
	core, logs := observer.New(zapcore.InfoLevel)
	user := &storageUser{storage: &certmagic.FileStorage{Path: dir}, logger: zap.New(core)}
	return newRevocationSync(revocationPrefix(app, "c"), newRevocations(), user), logs
}

func (s *revocationSync) storage() certmagic.Storage { return s.current().storage }

// A logout written by one instance reaches another through storage.
func TestSyncBetweenInstances(t *testing.T) {
	dir := t.TempDir()
	a, _ := newTestSync(t, dir, "app")
	b, _ := newTestSync(t, dir, "app")
	other, _ := newTestSync(t, dir, "other-app")
	ctx := context.Background()
	s := record.Session{ID: record.ID{1, 2, 3}, UserID: "9", Created: now().Unix()}
	a.enqueue(revocation{session: s.ID, until: now().Unix() + 3600})
	a.enqueue(revocation{user: "10", notBefore: now().Unix(), until: now().Unix() + 3600})
	must(t, a.flush(ctx))
	if a.queued() != 0 {
		t.Fatalf("%d records still queued after a flush", a.queued())
	}
	must(t, b.tick(ctx))
	if !b.rv.isRevoked(&s) || !b.rv.isRevoked(&record.Session{UserID: "10", Created: now().Unix() - 1}) {
		t.Error("the other instance did not learn the revocations")
	}
	must(t, other.tick(ctx))
	if other.rv.len() != 0 {
		t.Error("another app learned this app's revocations")
	}
}

// A round lists the newest buckets only; a record another instance wrote
// long ago (a clock far behind) is found by the full listing.
func TestFullSyncFindsOldBuckets(t *testing.T) {
	dir := t.TempDir()
	a, _ := newTestSync(t, dir, "app")
	b, _ := newTestSync(t, dir, "app")
	ctx := context.Background()
	rec := revocation{session: record.ID{4}, until: now().Unix() + 7200}
	must(t, a.storage().Store(ctx, recordKey(a.prefix, rec, now().Unix()-3600), recordValue(rec)))
	must(t, b.sync(ctx, false))
	if b.rv.len() != 0 {
		t.Fatal("a round listed an old bucket: rounds would list everything")
	}
	must(t, b.sync(ctx, true))
	if b.rv.len() != 1 {
		t.Error("the full listing missed a record of an old bucket")
	}
}

// Records already ended are neither written nor loaded.
func TestEndedRecordsAreDropped(t *testing.T) {
	dir := t.TempDir()
	a, _ := newTestSync(t, dir, "app")
	ctx := context.Background()
	a.enqueue(revocation{session: record.ID{5}, until: now().Unix() - 1})
	must(t, a.flush(ctx))
	if recs, _, _ := listRecords(ctx, a.storage(), a.prefix); len(recs) != 0 {
		t.Errorf("an ended record was written: %+v", recs)
	}
	ended := revocation{session: record.ID{6}, until: now().Unix() - 1}
	must(t, a.storage().Store(ctx, recordKey(a.prefix, ended, now().Unix()), recordValue(ended)))
	must(t, a.sync(ctx, true))
	if a.rv.len() != 0 {
		t.Error("an ended record was loaded into memory")
	}
}

// Storage down: the logout stays queued and is retried each round; one
// error is logged for the outage, one line when it ends, and then the
// record reaches the other instances.
func TestStorageOutage(t *testing.T) {
	dir := t.TempDir()
	a, logs := newTestSync(t, dir, "app")
	b, _ := newTestSync(t, dir, "app")
	ctx := context.Background()
	repair := breakStorage(t, dir, a.prefix)
	rec := revocation{session: record.ID{8}, until: now().Unix() + 3600}
	a.enqueue(rec)
	for range 3 {
		a.report(a.tick(ctx))
	}
	if a.queued() != 1 {
		t.Fatalf("queued %d during the outage, want 1", a.queued())
	}
	if n := logs.FilterLevelExact(zapcore.ErrorLevel).Len(); n != 1 {
		t.Errorf("%d errors logged over three failed rounds, want 1", n)
	}
	for _, e := range logs.All() {
		if strings.Contains(e.Message, hexOf(rec.session)) {
			t.Error("the log names a session id")
		}
	}
	repair()
	a.report(a.tick(ctx))
	a.report(a.tick(ctx))
	if a.queued() != 0 {
		t.Errorf("queued %d after the outage", a.queued())
	}
	if n := logs.FilterMessageSnippet("works again").Len(); n != 1 {
		t.Errorf("the end of the outage logged %d times, want 1", n)
	}
	must(t, b.tick(ctx))
	if !b.rv.isRevoked(&record.Session{ID: rec.session}) {
		t.Error("the logout made during the outage never reached the other instance")
	}
}

// After a reload the sync writes to the newest config's storage, and
// back to the older one's if the newer config goes first.
func TestSyncUsesTheNewestStorage(t *testing.T) {
	first, second := t.TempDir(), t.TempDir()
	s, _ := newTestSync(t, first, "app")
	newer := &storageUser{storage: &certmagic.FileStorage{Path: second}, logger: zap.NewNop()}
	s.attach(newer)
	ctx := context.Background()
	s.enqueue(revocation{session: record.ID{1}, until: now().Unix() + 60})
	must(t, s.flush(ctx))
	s.detach(newer)
	s.enqueue(revocation{session: record.ID{2}, until: now().Unix() + 60})
	must(t, s.flush(ctx))
	for _, dir := range []string{first, second} {
		recs, _, _ := listRecords(ctx, &certmagic.FileStorage{Path: dir}, s.prefix)
		if len(recs) != 1 {
			t.Errorf("%s holds %d records, want 1", filepath.Base(dir), len(recs))
		}
	}
}

func TestQueueIsBounded(t *testing.T) {
	s, _ := newTestSync(t, t.TempDir(), "app")
	for i := range maxQueued + 10 {
		s.enqueue(revocation{user: "1", notBefore: int64(i + 1), until: now().Unix() + 60})
	}
	if s.queued() != maxQueued {
		t.Errorf("queued %d, want at most %d", s.queued(), maxQueued)
	}
}

// A new app state reads storage before the first request, and its last
// config's end writes what is still queued.
func TestSharedStateStartsFromStorageAndFlushesAtTheEnd(t *testing.T) {
	dir := t.TempDir()
	a, _ := newTestSync(t, dir, "app")
	ctx := context.Background()
	rec := revocation{user: "77", notBefore: now().Unix(), until: now().Unix() + 60}
	must(t, a.storage().Store(ctx, recordKey(a.prefix, rec, now().Unix()-3600), recordValue(rec)))
	user := &storageUser{storage: &certmagic.FileStorage{Path: dir}, logger: zap.NewNop()}
	st := newSharedState(a.prefix, user)
	if !st.revocations.isRevoked(&record.Session{UserID: "77", Created: now().Unix() - 1}) {
		t.Error("a new state did not start from storage")
	}
	later := revocation{session: record.ID{9}, until: now().Unix() + 60}
	st.sync.mu.Lock() // queue it without waking the goroutine
	st.sync.queue = append(st.sync.queue, later)
	st.sync.mu.Unlock()
	must(t, st.Destruct())
	recs, _, _ := listRecords(ctx, a.storage(), a.prefix)
	if len(recs) != 2 {
		t.Errorf("after Destruct storage holds %d records, want 2", len(recs))
	}
}

func hexOf(id record.ID) string { return hex.EncodeToString(id[:]) }

// slowStorage answers every write after a delay, as a remote store may.
type slowStorage struct{ *certmagic.FileStorage }

func (s slowStorage) Store(ctx context.Context, key string, value []byte) error {
	time.Sleep(20 * time.Millisecond)
	return s.FileStorage.Store(ctx, key, value)
}

// A reload or a stop that ends the sync waits for one bounded flush, not
// for a long queue on a slow storage (found in review: 300 records at
// 20 ms each held stopAndFlush for 6.7 s).
func TestStopDoesNotWaitForTheWholeQueue(t *testing.T) {
	st := slowStorage{&certmagic.FileStorage{Path: t.TempDir()}}
	s := newRevocationSync("instagram_auth/test/revoked", newRevocations(), &storageUser{storage: st, logger: zap.NewNop()})
	s.start()
	until := time.Now().Add(time.Hour).Unix()
	for i := 0; i < 300; i++ {
		var id record.ID
		id[0], id[1] = byte(i), byte(i>>8)
		s.enqueue(revocation{session: id, until: until})
	}
	time.Sleep(50 * time.Millisecond) // the goroutine is writing
	start := time.Now()
	s.stopAndFlush()
	if d := time.Since(start); d > 2*finalFlushTimeout {
		t.Errorf("stopAndFlush took %v, want at most about %v", d, finalFlushTimeout)
	}
}

// queued is the number of records waiting to be written.
func (s *revocationSync) queued() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.queue)
}
