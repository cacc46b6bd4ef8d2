// Package storagetest is test tooling: it breaks a file_system storage
// folder the way an outage would, for the tests of the revocation sync
// and of a cluster of real Caddy processes. Only _test.go files import it.
package storagetest

import (
	"os"
	"path/filepath"
	"testing"
)

// Break makes writes under prefix in the storage folder dir fail, even
// for root (whom permissions do not stop): the folder becomes a file, so
// creating a folder in it fails with ENOTDIR. It returns the repair.
func Break(t testing.TB, dir, prefix string) (repair func()) {
	t.Helper()
	folder := filepath.Join(dir, filepath.FromSlash(prefix))
	must(t, os.MkdirAll(folder, 0o700))
	must(t, os.Rename(folder, folder+".away"))
	must(t, os.WriteFile(folder, []byte("not a folder"), 0o600))
	return func() {
		must(t, os.Remove(folder))
		must(t, os.Rename(folder+".away", folder))
	}
}

func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
