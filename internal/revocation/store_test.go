package revocation

import (
	"github.com/b4b0c547/caddy-instagram-auth/internal/record"

	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/caddyserver/certmagic"
)

func TestRevocationKeysRoundTrip(t *testing.T) {
	prefix := Prefix("app-id", "_instagram_auth")
	for _, rec := range []Record{
		{Session: record.ID{0xde, 0xad, 0xbe, 0xef}, Until: 1796248006},
		{User: "17841405793187218", NotBefore: 1796161606, Until: 1796248006},
		{User: "user/../../etc", NotBefore: 1, Until: 2},
		{User: strings.Repeat("9", 40), NotBefore: 1, Until: 2},
	} {
		key := RecordKey(prefix, rec, 1796161606)
		if !strings.HasPrefix(key, prefix+"/1796161200/") || strings.Count(key, "/") != strings.Count(prefix, "/")+2 {
			t.Errorf("key %q is not <prefix>/<bucket>/<name>", key)
		}
		got, ok := parseRecordKey(key)
		if !ok || got != rec {
			t.Errorf("%+v: key %q parses to %+v %v", rec, key, got, ok)
		}
	}
	if Prefix("app-id", "a") == Prefix("app-id", "b") ||
		Prefix("app-id", "a") == Prefix("app-ie", "a") {
		t.Error("two apps share a storage folder")
	}
}

func TestRevocationKeysRefuseJunk(t *testing.T) {
	id := strings.Repeat("ab", record.IDLen)
	for _, name := range []string{
		"", "1796161200", "s", "s-", "s-1", "s-1-", "s-1-" + id[2:], "s-1-" + id + "00", "s-1-" + strings.Repeat("zz", record.IDLen),
		"s-0-" + id, "s--1-" + id, "s-+1-" + id, "s-01-" + id, ".s-1-" + id + ".tmp123", "s-1-" + id + ".tmp",
		"u-1-1-", "u-1-1-x", "u-1-1-xzz", "u-1-0-5", "u-1--5", "u-1-1-12a", "q-1-1-1", "u-99999999999999999999-1-1",
	} {
		if rec, ok := parseRecordKey("instagram_auth/x/revoked/1/" + name); ok {
			t.Errorf("%q parsed as a record: %+v", name, rec)
		}
	}
}

// Whatever a storage lists, parsing never panics, and a record it accepts
// names the same record when written again.
func FuzzParseRecordKey(f *testing.F) {
	f.Add("s-1796248006-" + strings.Repeat("ab", record.IDLen))
	f.Add("u-1796248006-1796161606-17841405793187218")
	f.Add("u-2-1-x7573")
	f.Fuzz(func(t *testing.T, name string) {
		rec, ok := parseRecordKey(name)
		if !ok {
			return
		}
		again, ok := parseRecordKey(RecordKey("p", rec, 1))
		if !ok || again != rec {
			t.Fatalf("%q: %+v written again parses to %+v %v", name, rec, again, ok)
		}
	})
}

func TestListingSkipsWhatIsNotARecord(t *testing.T) {
	st := &certmagic.FileStorage{Path: t.TempDir()}
	ctx := context.Background()
	prefix := Prefix("app-id", "c")
	rec := Record{Session: record.ID{7}, Until: 2000000000}
	must(t, st.Store(ctx, RecordKey(prefix, rec, 1796161606), RecordValue(rec)))
	must(t, st.Store(ctx, bucketKey(prefix, 1796161200)+"/notes.txt", []byte("hello")))
	must(t, st.Store(ctx, prefix+"/README", []byte("hello")))
	for name, st := range map[string]certmagic.Storage{"file_system": st, "a storage that lists flat": flatStorage{st}} {
		var got []Record
		l := &listing{st: st, prefix: prefix, skip: func(key string, err error) { t.Errorf("%s: skipped %s: %v", name, key, err) }}
		err := l.eachBucket(ctx, func(_ string, b *listed) error {
			got = append(got, b.recs...)
			return nil
		}, nil)
		if err != nil || len(got) != 1 || got[0] != rec {
			t.Errorf("%s: %+v %v", name, got, err)
		}
	}
	if recs, _, err := listRecords(ctx, st, "instagram_auth/none/revoked"); err != nil || len(recs) != 0 {
		t.Errorf("a missing folder: %v %v", recs, err)
	}
}

// flatStorage lists every key under a prefix, folders or not, as some
// key-value storages do.
type flatStorage struct{ *certmagic.FileStorage }

func (f flatStorage) List(ctx context.Context, prefix string, _ bool) ([]string, error) {
	all, err := f.FileStorage.List(ctx, prefix, true)
	var files []string
	for _, k := range all {
		if info, err := f.Stat(ctx, k); err == nil && info.IsTerminal {
			files = append(files, k)
		}
	}
	return files, err
}

// Clean-up deletes the records whose sessions have all ended (after a
// grace for clocks that lag) and old bucket folders left empty, keeps the
// rest, and runs once per cleanEvery for the whole cluster.
func TestCleanDeletesEndedRecords(t *testing.T) {
	dir := t.TempDir()
	a, _ := newTestSync(t, dir, "app")
	b, _ := newTestSync(t, dir, "app")
	ctx := context.Background()
	t0 := now().Unix()
	ended := Record{Session: record.ID{1}, Until: t0 - cleanGrace - 10}
	graced := Record{Session: record.ID{2}, Until: t0 - 10}
	live := Record{User: "42", NotBefore: t0, Until: t0 + 3600}
	old := t0 - 2*86400
	for _, w := range []struct {
		rec Record
		at  int64
	}{{ended, old}, {graced, t0}, {live, t0}} {
		must(t, a.storage().Store(ctx, RecordKey(a.prefix, w.rec, w.at), RecordValue(w.rec)))
	}
	must(t, a.clean(ctx))
	recs, _, err := listRecords(ctx, a.storage(), a.prefix)
	must(t, err)
	if len(recs) != 2 {
		t.Errorf("after clean-up: %+v, want the graced and the live record", recs)
	}
	if _, err := os.Stat(filepath.Join(dir, filepath.FromSlash(bucketKey(a.prefix, bucketOf(old))))); err == nil {
		t.Error("the old bucket folder is still there")
	}
	// Another instance right after: the marker says it was just done.
	ended2 := Record{Session: record.ID{3}, Until: t0 - cleanGrace - 10}
	must(t, b.storage().Store(ctx, RecordKey(b.prefix, ended2, t0), RecordValue(ended2)))
	must(t, b.clean(ctx))
	if recs, _, _ := listRecords(ctx, b.storage(), b.prefix); len(recs) != 3 {
		t.Errorf("a second clean-up within %v ran: %d records left, want 3", cleanEvery, len(recs))
	}
	advanceClock(t, cleanEvery+time.Second)
	must(t, b.clean(ctx))
	if recs, _, _ := listRecords(ctx, b.storage(), b.prefix); len(recs) != 1 {
		t.Errorf("clean-up after %v: %d records left, want the live one", cleanEvery, len(recs))
	}
}

// While another instance holds the lock, clean-up does nothing, and waits
// no longer than a storage operation may take.
func TestCleanSkipsWhileLocked(t *testing.T) {
	dir := t.TempDir()
	a, _ := newTestSync(t, dir, "app")
	ctx := context.Background()
	ended := Record{Session: record.ID{1}, Until: now().Unix() - cleanGrace - 10}
	must(t, a.storage().Store(ctx, RecordKey(a.prefix, ended, now().Unix()), RecordValue(ended)))
	other := &certmagic.FileStorage{Path: dir}
	must(t, other.Lock(ctx, a.prefix))
	defer other.Unlock(ctx, a.prefix)
	start := time.Now()
	must(t, a.clean(ctx))
	if recs, _, _ := listRecords(ctx, a.storage(), a.prefix); len(recs) != 1 {
		t.Error("clean-up ran without the lock")
	}
	if d := time.Since(start); d > storageOpTimeout {
		t.Errorf("clean-up waited %v for a lock another instance holds", d)
	}
}

// listRecords is every record stored under key, as certmagic lists them.
func listRecords(ctx context.Context, st certmagic.Storage, key string) (recs []Record, keys []string, err error) {
	all, err := st.List(ctx, key, true)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil, nil
	}
	for _, k := range all {
		if rec, ok := parseRecordKey(k); ok {
			recs, keys = append(recs, rec), append(keys, k)
		}
	}
	return recs, keys, err
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
