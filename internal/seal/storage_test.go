package seal

import (
	"context"
	"strings"
	"sync"
	"testing"

	"github.com/caddyserver/certmagic"
)

// Instances starting at once on one storage make one key between them,
// and a restart finds it.
func TestStoredSecretMadeOnce(t *testing.T) {
	st := &certmagic.FileStorage{Path: t.TempDir()}
	secrets := make([]string, 8)
	var wg sync.WaitGroup
	for i := range secrets {
		wg.Go(func() {
			s, err := StoredSecret(context.Background(), st)
			if err != nil {
				t.Error(err)
			}
			secrets[i] = s
		})
	}
	wg.Wait()
	for _, s := range secrets {
		if s != secrets[0] || CheckSecret(s) != nil {
			t.Fatalf("instances disagree on the key, or it is not one: %d bytes vs %d", len(s), len(secrets[0]))
		}
	}
	again, err := StoredSecret(context.Background(), st)
	if err != nil || again != secrets[0] {
		t.Fatalf("a restart made another key (err %v)", err)
	}
}

// A damaged key in storage is an error that never quotes it.
func TestStoredSecretDamaged(t *testing.T) {
	st := &certmagic.FileStorage{Path: t.TempDir()}
	damaged := "not-a-key-but-close-enough-to-a-secret"
	if err := st.Store(context.Background(), keyStorageKey, []byte(damaged)); err != nil {
		t.Fatal(err)
	}
	_, err := StoredSecret(context.Background(), st)
	if err == nil || strings.Contains(err.Error(), damaged) {
		t.Fatalf("damaged key: err %v", err)
	}
}

// Values sealed for one app, cookie or purpose open for no other.
func TestAdditionalDataSeparates(t *testing.T) {
	ring := unitRing(t, unitKeyA)
	a := NewAdditionalData("__Host-instagram_auth", "_instagram_auth", "app-1")
	b := NewAdditionalData("__Host-instagram_auth", "", "app-2")
	v := ring.Seal(a.Session, []byte("x"))
	for name, aad := range map[string][]byte{"other app": b.Session, "pending": a.Pending, "deletion": a.Deletion, "legacy name": a.LegacySession} {
		if _, _, ok := ring.Open(aad, v); ok {
			t.Errorf("a session sealed for app-1 opened as %s", name)
		}
	}
	if b.LegacySession != nil {
		t.Error("additional data for a legacy name without one")
	}
}
