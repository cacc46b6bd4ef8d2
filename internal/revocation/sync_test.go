package revocation

import (
	"sync/atomic"

	"github.com/b4b0c547/caddy-instagram-auth/internal/record"
	"github.com/b4b0c547/caddy-instagram-auth/internal/storagetest"

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
func newTestSync(t *testing.T, dir, app string) (*Sync, *observer.ObservedLogs) {
	t.Helper()
	core, logs := observer.New(zapcore.InfoLevel)
	user := &User{Storage: &certmagic.FileStorage{Path: dir}, Logger: zap.New(core)}
	return NewSync(Config{Prefix: Prefix(app, "c"), Set: NewSet(), Now: now}, user), logs
}

func (s *Sync) storage() certmagic.Storage { return s.current().Storage }

// A logout written by one instance reaches another through storage.
func TestSyncBetweenInstances(t *testing.T) {
	dir := t.TempDir()
	a, _ := newTestSync(t, dir, "app")
	b, _ := newTestSync(t, dir, "app")
	other, _ := newTestSync(t, dir, "other-app")
	ctx := context.Background()
	s := record.Session{ID: record.ID{1, 2, 3}, UserID: "9", Created: now().Unix()}
	a.Enqueue(Record{Session: s.ID, Until: now().Unix() + 3600})
	a.Enqueue(Record{User: "10", NotBefore: now().Unix(), Until: now().Unix() + 3600})
	must(t, a.flush(ctx))
	if a.queued() != 0 {
		t.Fatalf("%d records still queued after a flush", a.queued())
	}
	must(t, b.tick(ctx))
	if !b.set.IsRevoked(&s) || !b.set.IsRevoked(&record.Session{UserID: "10", Created: now().Unix() - 1}) {
		t.Error("the other instance did not learn the revocations")
	}
	must(t, other.tick(ctx))
	if other.set.Len() != 0 {
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
	rec := Record{Session: record.ID{4}, Until: now().Unix() + 7200}
	must(t, a.storage().Store(ctx, RecordKey(a.prefix, rec, now().Unix()-3600), RecordValue(rec)))
	must(t, b.sync(ctx, false))
	if b.set.Len() != 0 {
		t.Fatal("a round listed an old bucket: rounds would list everything")
	}
	must(t, b.sync(ctx, true))
	if b.set.Len() != 1 {
		t.Error("the full listing missed a record of an old bucket")
	}
}

// Records already ended are neither written nor loaded.
func TestEndedRecordsAreDropped(t *testing.T) {
	dir := t.TempDir()
	a, _ := newTestSync(t, dir, "app")
	ctx := context.Background()
	a.Enqueue(Record{Session: record.ID{5}, Until: now().Unix() - 1})
	must(t, a.flush(ctx))
	if recs, _, _ := listRecords(ctx, a.storage(), a.prefix); len(recs) != 0 {
		t.Errorf("an ended record was written: %+v", recs)
	}
	ended := Record{Session: record.ID{6}, Until: now().Unix() - 1}
	must(t, a.storage().Store(ctx, RecordKey(a.prefix, ended, now().Unix()), RecordValue(ended)))
	must(t, a.sync(ctx, true))
	if a.set.Len() != 0 {
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
	repair := storagetest.Break(t, dir, a.prefix)
	rec := Record{Session: record.ID{8}, Until: now().Unix() + 3600}
	a.Enqueue(rec)
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
		if strings.Contains(e.Message, hexOf(rec.Session)) {
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
	if !b.set.IsRevoked(&record.Session{ID: rec.Session}) {
		t.Error("the logout made during the outage never reached the other instance")
	}
}

// After a reload the sync writes to the newest config's storage, and
// back to the older one's if the newer config goes first.
func TestSyncUsesTheNewestStorage(t *testing.T) {
	first, second := t.TempDir(), t.TempDir()
	s, _ := newTestSync(t, first, "app")
	newer := &User{Storage: &certmagic.FileStorage{Path: second}, Logger: zap.NewNop()}
	s.Attach(newer)
	ctx := context.Background()
	s.Enqueue(Record{Session: record.ID{1}, Until: now().Unix() + 60})
	must(t, s.flush(ctx))
	s.Detach(newer)
	s.Enqueue(Record{Session: record.ID{2}, Until: now().Unix() + 60})
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
		s.Enqueue(Record{User: "1", NotBefore: int64(i + 1), Until: now().Unix() + 60})
	}
	if s.queued() != maxQueued {
		t.Errorf("queued %d, want at most %d", s.queued(), maxQueued)
	}
}

// A sync reads storage before the first request, and its Stop writes what
// is still queued.
func TestStartsFromStorageAndFlushesAtTheEnd(t *testing.T) {
	dir := t.TempDir()
	a, _ := newTestSync(t, dir, "app")
	ctx := context.Background()
	rec := Record{User: "77", NotBefore: now().Unix(), Until: now().Unix() + 60}
	must(t, a.storage().Store(ctx, RecordKey(a.prefix, rec, now().Unix()-3600), RecordValue(rec)))
	user := &User{Storage: &certmagic.FileStorage{Path: dir}, Logger: zap.NewNop()}
	set := NewSet()
	sync := NewSync(Config{Prefix: a.prefix, Set: set, Now: now}, user)
	sync.Start()
	if !set.IsRevoked(&record.Session{UserID: "77", Created: now().Unix() - 1}) {
		t.Error("a new state did not start from storage")
	}
	later := Record{Session: record.ID{9}, Until: now().Unix() + 60}
	sync.mu.Lock() // queue it without waking the goroutine
	sync.queue = append(sync.queue, later)
	sync.mu.Unlock()
	sync.Stop()
	recs, _, _ := listRecords(ctx, a.storage(), a.prefix)
	if len(recs) != 2 {
		t.Errorf("after Destruct storage holds %d records, want 2", len(recs))
	}
}

// clockOffset moves the clock the tests' syncs are given.
var clockOffset atomic.Int64

func now() time.Time { return time.Now().Add(time.Duration(clockOffset.Load())) }

func advanceClock(t *testing.T, d time.Duration) {
	clockOffset.Add(int64(d))
	t.Cleanup(func() { clockOffset.Store(0) })
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
	s := NewSync(Config{Prefix: "instagram_auth/test/revoked", Set: NewSet(), Now: now}, &User{Storage: st, Logger: zap.NewNop()})
	s.start()
	until := time.Now().Add(time.Hour).Unix()
	for i := 0; i < 300; i++ {
		var id record.ID
		id[0], id[1] = byte(i), byte(i>>8)
		s.Enqueue(Record{Session: id, Until: until})
	}
	time.Sleep(50 * time.Millisecond) // the goroutine is writing
	start := time.Now()
	s.Stop()
	if d := time.Since(start); d > 2*finalFlushTimeout {
		t.Errorf("stopAndFlush took %v, want at most about %v", d, finalFlushTimeout)
	}
}

// queued is the number of records waiting to be written.
func (s *Sync) queued() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.queue)
}
