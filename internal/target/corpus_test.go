package target

import (
	"flag"
	"os"
	"strconv"
	"strings"
	"testing"
)

var updateCorpus = flag.Bool("update", false, "rewrite testdata/openredirect.txt from the corpus in the tests")

// corpusFile holds the open-redirect corpus of this package's tests
// (offSitePaths and lookAlikes), one Go-quoted string a line, for the tests
// of the endpoints that take return targets (integration/), which must
// send every one of them and see none leave the site.
const corpusFile = "testdata/openredirect.txt"

func corpusText() string {
	var b strings.Builder
	b.WriteString("# The open-redirect corpus of internal/target's tests, one Go-quoted string a line.\n")
	b.WriteString("# Generated: go test ./internal/target -run TestCorpusFile -update\n")
	for _, raw := range append(append([]string{}, offSitePaths...), lookAlikes...) {
		b.WriteString(strconv.Quote(raw) + "\n")
	}
	return b.String()
}

// The file and the lists never drift apart.
func TestCorpusFile(t *testing.T) {
	want := corpusText()
	if *updateCorpus {
		if err := os.WriteFile(corpusFile, []byte(want), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	got, err := os.ReadFile(corpusFile)
	if err != nil || string(got) != want {
		t.Fatalf("%s is missing or differs from the corpus in the tests (%v): "+
			"go test ./internal/target -run TestCorpusFile -update", corpusFile, err)
	}
}
