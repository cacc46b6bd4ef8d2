package revocation

import (
	"github.com/b4b0c547/caddy-instagram-auth/internal/ascii"
	"github.com/b4b0c547/caddy-instagram-auth/internal/record"
	"github.com/b4b0c547/caddy-instagram-auth/internal/storagelock"

	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io/fs"
	"path"
	"strconv"
	"strings"
	"time"

	"github.com/caddyserver/certmagic"
)

// Revocations in Caddy storage, shared by every instance that uses it:
//
//	instagram_auth/<app>/revoked/<bucket>/s-<until>-<session id, hex>
//	instagram_auth/<app>/revoked/<bucket>/u-<until>-<notBefore>-<user>
//
// <app> is a short hash of the client_id and the cookie name, so two apps
// never share records. <bucket> is the writer's clock, in unix seconds,
// rounded down to ten minutes: a sync lists the newest buckets only, and a
// full listing now and then catches anything else. The key name holds all
// a reader needs, so a sync is a List and never a Load; the value holds the
// same as JSON, for humans. <user> is the user id if it is digits (as
// Instagram's are), else "x" and its hex.

const (
	BucketWidth = 10 * 60 // seconds
	// clockSkew is how far the clocks of instances may differ, for which
	// buckets a sync lists and when a record may be deleted.
	clockSkew = 60
	// maxUserIDLen bounds a user id in a key name (hex doubles it).
	maxUserIDLen = 96
)

// Prefix is the storage folder of one app's records.
func Prefix(clientID, cookieName string) string {
	sum := sha256.Sum256([]byte(clientID + "\x00" + cookieName))
	return "instagram_auth/" + hex.EncodeToString(sum[:8]) + "/revoked"
}

func bucketOf(t int64) int64 { return t - t%BucketWidth }

func bucketKey(prefix string, bucket int64) string {
	return prefix + "/" + strconv.FormatInt(bucket, 10)
}

// RecordKey is where rec is written at time t.
func RecordKey(prefix string, rec Record, t int64) string {
	name := "s-" + strconv.FormatInt(rec.Until, 10) + "-" + hex.EncodeToString(rec.Session[:])
	if rec.User != "" {
		name = "u-" + strconv.FormatInt(rec.Until, 10) + "-" + strconv.FormatInt(rec.NotBefore, 10) + "-" + userKeyPart(rec.User)
	}
	return bucketKey(prefix, bucketOf(t)) + "/" + name
}

func userKeyPart(userID string) string {
	if ascii.Digits(userID, 32) {
		return userID
	}
	return "x" + hex.EncodeToString([]byte(userID))
}

// parseRecordKey reads a record from its key; anything else found in the
// folder (bucket folders, a storage's temporary files) is not one.
func parseRecordKey(key string) (Record, bool) {
	name := path.Base(key)
	kind, rest, _ := strings.Cut(name, "-")
	untilText, rest, _ := strings.Cut(rest, "-")
	until, ok := parseUnix(untilText)
	if !ok {
		return Record{}, false
	}
	switch kind {
	case "s":
		var rec Record
		if len(rest) != 2*record.IDLen {
			return Record{}, false
		}
		if _, err := hex.Decode(rec.Session[:], []byte(rest)); err != nil {
			return Record{}, false
		}
		rec.Until = until
		return rec, true
	case "u":
		nbText, user, _ := strings.Cut(rest, "-")
		notBefore, ok := parseUnix(nbText)
		userID, okUser := parseUserKeyPart(user)
		return Record{User: userID, NotBefore: notBefore, Until: until}, ok && okUser
	}
	return Record{}, false
}

// parseUnix reads a positive time as recordKey writes it: digits, no
// sign, no leading zero.
func parseUnix(s string) (int64, bool) {
	if !ascii.Digits(s, 32) || s[0] == '0' {
		return 0, false
	}
	t, err := strconv.ParseInt(s, 10, 64)
	return t, err == nil
}

func parseUserKeyPart(s string) (string, bool) {
	if ascii.Digits(s, 32) {
		return s, len(s) <= maxUserIDLen
	}
	raw, ok := strings.CutPrefix(s, "x")
	b, err := hex.DecodeString(raw)
	if !ok || err != nil || len(b) == 0 || len(b) > maxUserIDLen {
		return "", false
	}
	return string(b), true
}

// RecordValue is the JSON kept in a record, for whoever looks at storage.
func RecordValue(rec Record) []byte {
	v := map[string]string{"until": time.Unix(rec.Until, 0).UTC().Format(time.RFC3339)}
	if rec.User == "" {
		v["session"] = hex.EncodeToString(rec.Session[:])
	} else {
		v["user_id"] = rec.User
		v["sessions_before"] = time.Unix(rec.NotBefore, 0).UTC().Format(time.RFC3339)
	}
	b, _ := json.Marshal(v) // strings only
	return b
}

// bucketNumber reads a bucket folder's key.
func bucketNumber(prefix, key string) (int64, bool) {
	if path.Dir(key) != prefix {
		return 0, false
	}
	return parseUnix(path.Base(key))
}

// clean deletes the records whose sessions have all ended, and old bucket
// folders left empty. One instance does it, under a storage lock, and only
// if no instance did in the last cleanEvery (a marker next to the folder
// says when), so a cluster cleans every few minutes, not once per
// instance.
func (s *Sync) clean(ctx context.Context) error {
	st := s.current().Storage
	lock := s.prefix
	got, err := tryLock(ctx, st, lock)
	if err != nil || !got {
		return err
	}
	defer func() { _ = st.Unlock(context.Background(), lock) }()

	t := s.clock().Unix()
	marker := path.Dir(s.prefix) + "/cleaned"
	if b, err := st.Load(ctx, marker); err == nil {
		if last, ok := parseUnix(strings.TrimSpace(string(b))); ok && t-last < int64(cleanEvery/time.Second) {
			return nil
		}
	}
	// A record or bucket that cannot be deleted is reported and left: the
	// rest is cleaned all the same. One report per bucket is enough.
	cur, kept, failed := "", 0, false
	records := func(bucket string, b *listed) error {
		if bucket != cur {
			cur, kept, failed = bucket, 0, false
		}
		for i, rec := range b.recs {
			switch {
			case rec.Until >= t-cleanGrace:
				kept++
			case !failed:
				if err := deleteKey(ctx, st, b.key(i)); err != nil {
					failed = true
					s.skip(path.Dir(b.key(i)), redact(err, path.Base(b.key(i))))
				}
			}
		}
		return ctx.Err()
	}
	bucketDone := func(bucket string) error {
		if bucket != cur { // one that held no record
			cur, kept, failed = bucket, 0, false
		}
		// An old bucket, which no clock writes to any more, left empty.
		if n, ok := bucketNumber(s.prefix, bucket); ok && kept == 0 && !failed && n+BucketWidth+3600 < t {
			if err := deleteKey(ctx, st, bucket); err != nil {
				s.skip(bucket, err)
			}
		}
		return ctx.Err()
	}
	l := &listing{st: st, prefix: s.prefix, skip: s.skip}
	if err := l.eachBucket(ctx, records, bucketDone); err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, storageOpTimeout)
	defer cancel()
	return st.Store(ctx, marker, []byte(strconv.FormatInt(t, 10)))
}

func deleteKey(ctx context.Context, st certmagic.Storage, key string) error {
	ctx, cancel := context.WithTimeout(ctx, storageOpTimeout)
	defer cancel()
	if err := st.Delete(ctx, key); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	return nil
}

// tryLock takes the lock if it is free, waiting a little on a storage that
// cannot say so at once.
func tryLock(ctx context.Context, st certmagic.Storage, name string) (bool, error) {
	return storagelock.Try(ctx, st, name, 2*time.Second)
}
