package revocation

import (
	"context"
	"io"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/b4b0c547/caddy-instagram-auth/internal/record"
	"github.com/caddyserver/certmagic"
)

// The review's attack on file_system storage: entries of the revocation
// folder that Caddy's user cannot read, or whose path is too long to
// open. Root reads every folder, so the test of permissions runs as an
// unprivileged user.

// A folder nobody may read, at each level of the revocation folder: a
// whole bucket, a folder among a bucket's records, a folder that is no
// bucket; and a file where a bucket folder should be. Rounds, the full
// listing and clean-up go on with every readable record.
func TestUnreadableFoldersAreSkipped(t *testing.T) {
	if os.Geteuid() == 0 {
		runUnprivileged(t)
		return
	}
	dir := t.TempDir()
	fs := &certmagic.FileStorage{Path: dir}
	clock := newTestClock(bucketOf(time.Now().Unix()) + 10)
	t0 := clock.unix.Load()
	prefix := Prefix("app", "c")
	inCur := Record{Session: record.ID{1}, Until: t0 + 3600}
	inLocked := Record{Session: record.ID{2}, Until: t0 + 3600}
	inOld := Record{User: "3", NotBefore: t0, Until: t0 + 3600}
	ended := Record{Session: record.ID{4}, Until: t0 - cleanGrace - 10}
	store(t, fs, prefix, inCur, clock.bucket(0))
	store(t, fs, prefix, inLocked, clock.bucket(6))
	store(t, fs, prefix, inOld, clock.bucket(12))
	endedKey := store(t, fs, prefix, ended, clock.bucket(12))
	folder := func(key string) string { return filepath.Join(dir, filepath.FromSlash(key)) }
	lock(t, folder(bucketKey(prefix, clock.bucket(6))))
	must(t, os.Mkdir(folder(bucketKey(prefix, clock.bucket(0))+"/junk"), 0o700))
	lock(t, folder(bucketKey(prefix, clock.bucket(0))+"/junk"))
	must(t, os.Mkdir(folder(prefix+"/lost+found"), 0o700))
	lock(t, folder(prefix+"/lost+found"))
	must(t, os.WriteFile(folder(bucketKey(prefix, clock.bucket(3))), []byte("a file"), 0o600))

	s, _, errs := newSyncOver(fs, clock.now)
	ctx := context.Background()
	if err := s.sync(ctx, false); err != nil || !revoked(s, inCur) {
		t.Errorf("a round over a bucket holding an unreadable folder: %v, applied %v", err, revoked(s, inCur))
	}
	if errs.Load() == 0 {
		t.Error("the folder among the records was not reported")
	}
	if err := s.sync(ctx, true); err != nil {
		t.Errorf("the full listing failed: %v", err)
	}
	if !revoked(s, inCur) || !revoked(s, inOld) || revoked(s, inLocked) || s.set.Len() != 2 {
		t.Errorf("after the full listing: %d records, want the 2 readable ones", s.set.Len())
	}
	before := errs.Load()
	if err := s.clean(ctx); err != nil {
		t.Errorf("clean-up failed: %v", err)
	}
	if exists(fs, endedKey) || !exists(fs, path.Dir(prefix)+"/cleaned") {
		t.Error("clean-up stopped before the readable buckets were cleaned")
	}
	// Clean-up meets the same three: the locked bucket, the folder among
	// the records, the file where a bucket should be.
	if n := errs.Load() - before; n != 3 {
		t.Errorf("clean-up reported %d entries, want 3", n)
	}
}

// A folder nested past the path length limit, among a bucket's records:
// no one can list it, root included.
func TestPathTooLongIsSkipped(t *testing.T) {
	dir := t.TempDir()
	fs := &certmagic.FileStorage{Path: dir}
	clock := newTestClock(bucketOf(time.Now().Unix()) + 10)
	prefix := Prefix("app", "c")
	rec := Record{Session: record.ID{0xff}, Until: clock.unix.Load() + 3600} // its name sorts after the folder's
	store(t, fs, prefix, rec, clock.bucket(0))
	deepFolder(t, filepath.Join(dir, filepath.FromSlash(bucketKey(prefix, clock.bucket(0)))), "deep")
	s, _, errs := newSyncOver(fs, clock.now)
	if err := s.sync(context.Background(), false); err != nil || !revoked(s, rec) {
		t.Errorf("a round over a bucket holding a too deep folder: %v, applied %v", err, revoked(s, rec))
	}
	if errs.Load() != 1 {
		t.Errorf("%d storage errors counted, want 1", errs.Load())
	}
}

// lock makes a folder unreadable until the test ends.
func lock(t *testing.T, folder string) {
	t.Helper()
	must(t, os.Chmod(folder, 0))
	t.Cleanup(func() { _ = os.Chmod(folder, 0o700) })
}

// deepFolder makes under parent a folder whose deepest path is longer than
// the system's limit (4,096 bytes), one level at a time.
func deepFolder(t *testing.T, parent, name string) {
	t.Helper()
	root, err := os.OpenRoot(parent)
	must(t, err)
	must(t, root.Mkdir(name, 0o700))
	level := strings.Repeat("d", 250)
	for range 20 {
		next, err := root.OpenRoot(name)
		must(t, err)
		root.Close()
		root, name = next, level
		must(t, root.Mkdir(name, 0o700))
	}
	root.Close()
}

// runUnprivileged runs the calling test again in a copy of the test
// binary, as nobody (uid and gid 65534), through setpriv from util-linux,
// and fails if it fails or did not run.
func runUnprivileged(t *testing.T) {
	t.Helper()
	setpriv, err := exec.LookPath("setpriv")
	if err != nil {
		t.Skip("running as root, who reads every folder, and setpriv (util-linux) is not installed to run this test as an unprivileged user")
	}
	// The go tool's build folder is root's alone: nobody runs a copy.
	work, err := os.MkdirTemp("", "revocation-unprivileged-")
	must(t, err)
	t.Cleanup(func() { _ = os.RemoveAll(work) })
	tmp := filepath.Join(work, "tmp")
	must(t, os.Mkdir(tmp, 0o777))
	must(t, os.Chmod(work, 0o755))
	must(t, os.Chmod(tmp, 0o777))
	bin := filepath.Join(work, "revocation.test")
	copyFile(t, bin)

	cmd := exec.Command(setpriv, "--reuid=65534", "--regid=65534", "--clear-groups",
		bin, "-test.run=^"+t.Name()+"$", "-test.count=1", "-test.v")
	cmd.Env = append(os.Environ(), "TMPDIR="+tmp, "HOME="+tmp)
	out, err := cmd.CombinedOutput()
	if err != nil || !strings.Contains(string(out), "--- PASS: "+t.Name()) {
		t.Fatalf("as nobody: %v\n%s", err, out)
	}
}

// copyFile copies the running test binary to bin, executable by all.
func copyFile(t *testing.T, bin string) {
	t.Helper()
	self, err := os.Executable()
	must(t, err)
	src, err := os.Open(self)
	must(t, err)
	defer src.Close()
	dst, err := os.OpenFile(bin, os.O_CREATE|os.O_WRONLY|os.O_EXCL, 0o755)
	must(t, err)
	_, err = io.Copy(dst, src)
	must(t, err)
	must(t, dst.Close())
}
