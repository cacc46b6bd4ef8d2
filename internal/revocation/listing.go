package revocation

import (
	"context"
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/caddyserver/certmagic"
)

// Listing the revocation folder. Two things shape it:
//
//   - One entry that cannot be read must not stop the rest (docs/security.md): a bucket that cannot be listed, or a folder among
//     the records, is skipped and reported, and every other record still
//     applies.
//   - A bucket may hold 100,000 records (a burst of logouts lands in one
//     ten-minute bucket), and a round lists the newest buckets every 5 s:
//     the records are read and applied in batches, never all their keys
//     at once.
//
// certmagic's FileStorage.List does neither: it walks the whole tree,
// opening every folder even when asked not to recurse, fails the whole
// listing at the first one it cannot open, and returns every path at once.
// So file_system storage is read here directly, one folder at a time, with
// the file names certmagic gives keys (FileStorage.Filename); any other
// storage is listed through certmagic.Storage, one bucket at a time.

// listBatch is how many entries are read and applied at a time.
const listBatch = 512

// errFolderAmongRecords is why a folder inside a bucket is skipped: no
// instance writes one there, and it is never opened.
var errFolderAmongRecords = errors.New("a folder among the records: not opened")

// listed is one batch of records as a listing found them. Its slices are
// reused for the next batch: a callback keeps nothing of it.
type listed struct {
	recs  []Record
	names []string // each record's name in dir, or its whole key where dir is ""
	dir   string
}

// key is where the i-th record is stored.
func (l *listed) key(i int) string {
	if l.dir == "" {
		return l.names[i]
	}
	return l.dir + "/" + l.names[i]
}

func (l *listed) reset(dir string) {
	l.recs, l.names, l.dir = l.recs[:0], l.names[:0], dir
}

func (l *listed) add(rec Record, name string) {
	l.recs = append(l.recs, rec)
	l.names = append(l.names, name)
}

// listing reads one app's revocation folder from one storage. skip is told
// of each entry left out because it cannot be read, never of names that
// are simply not records (a human's notes, a storage's temporary files).
type listing struct {
	st     certmagic.Storage
	prefix string
	skip   func(key string, err error)
	batch  listed
}

// eachBucket lists every record, bucket by bucket: records(bucket, batch)
// for each batch, then bucketDone(bucket), if not nil, for each bucket
// read whole. bucket is "" for records a storage lists flat (one that
// ignores folders). An error means the folder itself could not be read;
// whatever was read before it has been given to records.
func (l *listing) eachBucket(ctx context.Context, records func(bucket string, b *listed) error, bucketDone func(bucket string) error) error {
	var flat listed
	err := l.top(ctx, func(key string, isRecord bool) error {
		if isRecord {
			if rec, ok := parseRecordKey(key); ok {
				flat.add(rec, key)
			}
			return nil
		}
		complete, err := l.bucket(ctx, key, func(b *listed) error { return records(key, b) })
		if err != nil || !complete || bucketDone == nil {
			return err
		}
		return bucketDone(key)
	})
	if len(flat.recs) > 0 {
		if err := records("", &flat); err != nil {
			return err
		}
	}
	return err
}

// top reads the names of the revocation folder: each bucket folder, and
// each record a storage that ignores folders lists here. A missing folder
// holds none.
func (l *listing) top(ctx context.Context, f func(key string, isRecord bool) error) error {
	each := func(key string) error {
		if _, ok := parseRecordKey(key); ok {
			return f(key, true)
		}
		if _, ok := bucketNumber(l.prefix, key); ok {
			return f(key, false)
		}
		return nil // not ours
	}
	if fst, ok := l.st.(*certmagic.FileStorage); ok {
		stop, readErr := readFolder(ctx, fst, l.prefix, func(names []string) error {
			for _, name := range names {
				if err := each(l.prefix + "/" + name); err != nil {
					return err
				}
			}
			return nil
		})
		if stop != nil {
			return stop
		}
		return readErr
	}
	opCtx, cancel := context.WithTimeout(ctx, storageOpTimeout)
	keys, err := l.st.List(opCtx, l.prefix, false)
	cancel()
	for _, k := range keys { // a storage may list some before it fails
		if err := each(k); err != nil {
			return err
		}
	}
	return ignoreMissing(err)
}

// bucket gives the records of one bucket folder to f, batch by batch, and
// reports whether it read the folder whole. A bucket that cannot be read
// is skipped, not an error: the error returned is f's, or ctx's.
func (l *listing) bucket(ctx context.Context, key string, f func(*listed) error) (complete bool, err error) {
	b := &l.batch
	var readErr error
	if fst, ok := l.st.(*certmagic.FileStorage); ok {
		var stop error
		folder := fst.Filename(key)
		stop, readErr = readFolder(ctx, fst, key, func(names []string) error {
			b.reset(key)
			for _, name := range names {
				l.entry(key, folder, name, b)
			}
			return f(b)
		})
		if stop != nil {
			return false, stop
		}
	} else {
		opCtx, cancel := context.WithTimeout(ctx, storageOpTimeout)
		var keys []string
		keys, readErr = l.st.List(opCtx, key, true)
		cancel()
		for start := 0; start < len(keys); start += listBatch { // a storage may list some before it fails
			b.reset("")
			for _, k := range keys[start:min(start+listBatch, len(keys))] {
				if rec, ok := parseRecordKey(k); ok {
					b.add(rec, k)
				}
			}
			if err := f(b); err != nil {
				return false, err
			}
		}
		readErr = ignoreMissing(readErr)
	}
	if ctx.Err() != nil {
		return false, ctx.Err() // the round ended (Stop, the start's timeout): no fault of the bucket
	}
	if readErr != nil {
		l.skip(key, readErr)
		return false, nil
	}
	return true, nil
}

// entry adds one entry of a bucket folder to b if its name is a record's
// (a record is its name: nothing is opened or looked up). Of the others,
// a folder is reported; files are not (a storage's temporary files, a
// human's notes).
func (l *listing) entry(bucket, folder, name string, b *listed) {
	if rec, ok := parseRecordKey(name); ok {
		b.add(rec, name)
		return
	}
	if info, err := os.Lstat(filepath.Join(folder, name)); err == nil && info.IsDir() {
		l.skip(bucket+"/"+name, errFolderAmongRecords)
	}
}

// readFolder gives the names in a file_system folder to f, a batch at a
// time, without opening any of them. stop is f's error or ctx's, which end
// the reading; readErr is why the folder could not be read (whatever was
// read before has been given to f). A missing folder is empty.
func readFolder(ctx context.Context, st *certmagic.FileStorage, key string, f func(names []string) error) (stop, readErr error) {
	dir, err := os.Open(st.Filename(key))
	if err != nil {
		return nil, ignoreMissing(err)
	}
	defer dir.Close()
	for {
		if err := ctx.Err(); err != nil {
			return err, nil
		}
		names, err := dir.Readdirnames(listBatch)
		if len(names) > 0 {
			if err := f(names); err != nil {
				return err, nil
			}
		}
		if err == io.EOF {
			return nil, nil
		}
		if err != nil {
			return nil, err
		}
	}
}

func ignoreMissing(err error) error {
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	return err
}

// redact takes a record's name out of an error's text: the names of
// session records hold their ids, which logs never show.
func redact(err error, name string) error {
	if err == nil || !strings.Contains(err.Error(), name) {
		return err
	}
	return errors.New(strings.ReplaceAll(err.Error(), name, "<record>"))
}
