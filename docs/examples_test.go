package docs

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// quotedExamples are the files of examples/ that a document shows whole,
// by the document: the tests run the files, so the text a reader copies
// must be theirs, to the byte.
var quotedExamples = map[string]string{
	"verify.py":           "identity-and-proxies.md",
	"node/verify.mjs":     "identity-and-proxies.md",
	"go/verify.go":        "identity-and-proxies.md",
	"nginx-in-front.conf": "identity-and-proxies.md",
}

func TestExamplesAreQuotedWhole(t *testing.T) {
	for example, doc := range quotedExamples {
		src, err := os.ReadFile(filepath.Join("examples", example))
		if err != nil {
			t.Fatal(err)
		}
		md, err := os.ReadFile(doc)
		if err != nil {
			t.Fatal(err)
		}
		want := strings.TrimRight(string(src), "\n")
		found := false
		for _, b := range fencedBlocks(doc, md) {
			found = found || b.text == want
		}
		if !found {
			t.Errorf("%s does not show examples/%s as it is (a fenced block holding the whole file)", doc, example)
		}
	}
}
