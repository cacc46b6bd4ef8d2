package storagelock

import (
	"context"
	"testing"
	"time"

	"github.com/caddyserver/certmagic"
)

// lockOnly hides FileStorage's TryLock: a storage that can only wait.
type lockOnly struct{ certmagic.Storage }

func TestTry(t *testing.T) {
	ctx := context.Background()
	fs := &certmagic.FileStorage{Path: t.TempDir()}
	for name, st := range map[string]certmagic.Storage{"TryLocker": fs, "Lock only": lockOnly{fs}} {
		got, err := Try(ctx, st, name, 200*time.Millisecond)
		if !got || err != nil {
			t.Fatalf("%s: a free lock: %v %v", name, got, err)
		}
		start := time.Now()
		again, err := Try(ctx, st, name, 200*time.Millisecond)
		if again || err != nil {
			t.Errorf("%s: a held lock: %v %v, want taken without an error", name, again, err)
		}
		if d := time.Since(start); d > 5*time.Second {
			t.Errorf("%s: waited %v for a held lock", name, d)
		}
		if err := st.Unlock(ctx, name); err != nil {
			t.Fatal(err)
		}
	}
	// The caller's own context ending while it waits is an error, not
	// another instance's lock.
	if err := fs.Lock(ctx, "x"); err != nil {
		t.Fatal(err)
	}
	defer fs.Unlock(ctx, "x")
	gone, cancel := context.WithCancel(ctx)
	cancel()
	if got, err := Try(gone, lockOnly{fs}, "x", time.Second); got || err == nil {
		t.Errorf("an ended context: %v %v, want an error", got, err)
	}
}
