package revocation

import (
	"context"
	"errors"
	"path"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/b4b0c547/caddy-instagram-auth/internal/record"
	"github.com/b4b0c547/caddy-instagram-auth/internal/storagetest"
	"github.com/caddyserver/certmagic"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
	"go.uber.org/zap/zaptest/observer"
)

// One entry of the revocation folder that cannot be read must not stop
// cluster logout (the README's security notes): the rest of the listing
// still applies, clean-up still runs, and the failure is counted and
// logged. These tests drive a storage whose List fails for some keys, as
// a remote storage may; unreadable_test.go does the same with real folders.

// testClock is a clock the test moves by hand.
type testClock struct{ unix atomic.Int64 }

func newTestClock(unix int64) *testClock {
	c := &testClock{}
	c.unix.Store(unix)
	return c
}

func (c *testClock) now() time.Time         { return time.Unix(c.unix.Load(), 0) }
func (c *testClock) add(d time.Duration)    { c.unix.Add(int64(d / time.Second)) }
func (c *testClock) bucket(ago int64) int64 { return bucketOf(c.unix.Load()) - ago*BucketWidth }

// failingList fails each List of a key bad accepts, and works otherwise.
type failingList struct {
	certmagic.Storage
	bad func(key string) bool
}

func (f failingList) List(ctx context.Context, prefix string, recursive bool) ([]string, error) {
	if f.bad(prefix) {
		return nil, errors.New("open " + prefix + ": permission denied")
	}
	return f.Storage.List(ctx, prefix, recursive)
}

// newSyncOver is a sync over st whose storage errors are counted.
func newSyncOver(st certmagic.Storage, now func() time.Time) (*Sync, *observer.ObservedLogs, *atomic.Int64) {
	core, logs := observer.New(zapcore.InfoLevel)
	var errs atomic.Int64
	s := NewSync(Config{Prefix: Prefix("app", "c"), Set: NewSet(), Now: now, OnStorageError: func() { errs.Add(1) }},
		&User{Storage: st, Logger: zap.New(core)})
	return s, logs, &errs
}

func store(t *testing.T, st certmagic.Storage, prefix string, rec Record, bucket int64) string {
	t.Helper()
	key := RecordKey(prefix, rec, bucket)
	must(t, st.Store(context.Background(), key, RecordValue(rec)))
	return key
}

func revoked(s *Sync, rec Record) bool {
	if rec.User != "" {
		return s.set.IsRevoked(&record.Session{UserID: rec.User, Created: rec.NotBefore - 1})
	}
	return s.set.IsRevoked(&record.Session{ID: rec.Session})
}

func exists(st certmagic.Storage, key string) bool {
	return st.Exists(context.Background(), key)
}

// The attack: one bucket that cannot be listed. A round (the newest
// buckets) and the full listing still apply every other record, clean-up
// still deletes the ended ones, and each skip is counted once.
func TestOneFailingBucketDoesNotStopTheSync(t *testing.T) {
	fs := &certmagic.FileStorage{Path: t.TempDir()}
	clock := newTestClock(bucketOf(time.Now().Unix()) + 10) // a round lists this bucket and the one before
	t0 := clock.unix.Load()
	prefix := Prefix("app", "c")
	inBad := Record{Session: record.ID{1}, Until: t0 + 3600}
	inPrev := Record{Session: record.ID{2}, Until: t0 + 3600}
	inOld := Record{User: "3", NotBefore: t0, Until: t0 + 3600}
	ended := Record{Session: record.ID{4}, Until: t0 - cleanGrace - 10}
	store(t, fs, prefix, inBad, clock.bucket(0))
	store(t, fs, prefix, inPrev, clock.bucket(1))
	store(t, fs, prefix, inOld, clock.bucket(12))
	endedKey := store(t, fs, prefix, ended, clock.bucket(12))
	badKey := bucketKey(prefix, clock.bucket(0))
	s, logs, errs := newSyncOver(failingList{fs, func(k string) bool { return k == badKey }}, clock.now)
	ctx := context.Background()

	if err := s.sync(ctx, false); err != nil {
		t.Errorf("a round failed for one bucket: %v", err)
	}
	if !revoked(s, inPrev) {
		t.Error("the round did not apply the readable bucket's record")
	}
	if err := s.sync(ctx, true); err != nil {
		t.Errorf("the full listing failed for one bucket: %v", err)
	}
	if !revoked(s, inOld) || !revoked(s, inPrev) || revoked(s, inBad) || s.set.Len() != 2 {
		t.Errorf("after the full listing: %d records, want the 2 readable ones", s.set.Len())
	}
	if err := s.clean(ctx); err != nil {
		t.Errorf("clean-up failed for one bucket: %v", err)
	}
	if exists(fs, endedKey) {
		t.Error("clean-up stopped: the ended record of another bucket is still there")
	}
	if !exists(fs, path.Dir(prefix)+"/cleaned") {
		t.Error("clean-up did not finish: no marker")
	}
	if n := errs.Load(); n != 3 {
		t.Errorf("%d storage errors counted, want 3 (one per listing that skipped the bucket)", n)
	}
	s.report(nil)
	lines := logs.FilterLevelExact(zapcore.ErrorLevel).All()
	if len(lines) != 1 || lines[0].ContextMap()["entry"] != badKey {
		t.Errorf("want one error line naming %s, got %d: %+v", badKey, len(lines), lines)
	}
}

// A failure that lasts is logged again every few minutes, not on every
// round, and not once only; every failed round or skipped entry counts.
func TestTroubleIsLoggedEveryFewMinutes(t *testing.T) {
	const rounds = 12 * 60 / 5 // twelve minutes of rounds, every 5 s
	t.Run("an unreadable bucket", func(t *testing.T) {
		fs := &certmagic.FileStorage{Path: t.TempDir()}
		clock := newTestClock(time.Now().Unix())
		prefix := Prefix("app", "c")
		every := failingList{fs, func(k string) bool { return strings.HasPrefix(k, prefix+"/") }}
		s, logs, errs := newSyncOver(every, clock.now)
		s.nextClean = time.Now().Add(time.Hour)
		for range rounds {
			clock.add(SyncInterval)
			s.report(s.tick(context.Background()))
		}
		if n := logs.FilterLevelExact(zapcore.ErrorLevel).Len(); n != 3 {
			t.Errorf("%d error lines over 12 minutes of an unreadable bucket, want 3 (at 0, 5 and 10 minutes)", n)
		}
		if n := errs.Load(); n < rounds {
			t.Errorf("%d storage errors counted over %d rounds that each skipped a bucket", n, rounds)
		}
		// Readable again: a full listing without a skip says so, once.
		s.setStorage(fs)
		must(t, s.sync(context.Background(), true))
		s.report(nil)
		s.report(s.tick(context.Background()))
		if n := logs.FilterMessageSnippet("can be read again").Len(); n != 1 {
			t.Errorf("the end of the trouble logged %d times, want 1", n)
		}
	})
	t.Run("storage down", func(t *testing.T) {
		dir := t.TempDir()
		clock := newTestClock(time.Now().Unix())
		s, logs, errs := newSyncOver(&certmagic.FileStorage{Path: dir}, clock.now)
		s.nextClean = time.Now().Add(time.Hour)
		repair := storagetest.Break(t, dir, s.prefix)
		s.Enqueue(Record{Session: record.ID{5}, Until: clock.unix.Load() + 3600})
		for range rounds {
			clock.add(SyncInterval)
			s.report(s.tick(context.Background()))
		}
		if n := logs.FilterLevelExact(zapcore.ErrorLevel).Len(); n != 3 {
			t.Errorf("%d error lines over 12 minutes of outage, want 3 (at 0, 5 and 10 minutes)", n)
		}
		if n := errs.Load(); n != rounds {
			t.Errorf("%d storage errors counted, want one per failed round (%d)", n, rounds)
		}
		repair()
		s.report(s.tick(context.Background()))
		if n := logs.FilterMessageSnippet("works again").Len(); n != 1 {
			t.Errorf("the end of the outage logged %d times, want 1", n)
		}
	})
}

// setStorage replaces the storage the sync uses, as a reload would.
func (s *Sync) setStorage(st certmagic.Storage) {
	s.Attach(&User{Storage: st, Logger: s.current().Logger})
}
