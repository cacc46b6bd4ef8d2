package target

import (
	"flag"
	"os"
	"strconv"
	"strings"
	"testing"
)

// The open-redirect corpus of this package's tests (offSitePaths and
// lookAlikes) is also kept as a file, testdata/redirect-corpus.txt, so
// that tests outside the package — the integration tests, which send it
// through a real Caddy on the cross-host path of return_hosts — run the
// very same list. Each line is a kind ("offsite" or "lookalike") and the
// entry as a Go string literal, which keeps controls and Unicode readable.

const corpusFile = "testdata/redirect-corpus.txt"

var updateCorpus = flag.Bool("update-corpus", false, "rewrite "+corpusFile+" from offSitePaths and lookAlikes")

// TestRedirectCorpusFile keeps the file equal to the lists: after adding
// to either, run go test ./internal/target/ -run TestRedirectCorpusFile
// -update-corpus.
func TestRedirectCorpusFile(t *testing.T) {
	var b strings.Builder
	b.WriteString("# The open-redirect corpus of internal/target's tests, written by\n" +
		"# go test ./internal/target/ -run TestRedirectCorpusFile -update-corpus\n" +
		"# from offSitePaths (path_test.go) and lookAlikes (lookalikes_test.go): do not edit.\n")
	for _, list := range []struct {
		kind    string
		entries []string
	}{{"offsite", offSitePaths}, {"lookalike", lookAlikes}} {
		for _, e := range list.entries {
			b.WriteString(list.kind + " " + strconv.Quote(e) + "\n")
		}
	}
	if *updateCorpus {
		if err := os.WriteFile(corpusFile, []byte(b.String()), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	have, err := os.ReadFile(corpusFile)
	if err != nil || string(have) != b.String() {
		t.Fatalf("%s is not the corpus of the tests (%v): rewrite it with -update-corpus", corpusFile, err)
	}
	// It reads back to the lists, entry for entry.
	n := 0
	for line := range strings.SplitSeq(strings.TrimSpace(string(have)), "\n") {
		if strings.HasPrefix(line, "#") {
			continue
		}
		_, quoted, _ := strings.Cut(line, " ")
		if _, err := strconv.Unquote(quoted); err != nil {
			t.Fatalf("line %q: %v", line, err)
		}
		n++
	}
	if n != len(offSitePaths)+len(lookAlikes) {
		t.Fatalf("%d entries in %s, want %d", n, corpusFile, len(offSitePaths)+len(lookAlikes))
	}
}
