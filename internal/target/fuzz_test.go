package target

import (
	"net/url"
	"testing"
)

// FuzzJudge: whatever the target and the request's host, Judge never
// panics and answers "/", a path of the site that Path accepts, or an
// absolute URL whose host — read again by net/url and by the browser
// rules of browserOrigin — the patterns allow. Seeds are in
// testdata/fuzz/FuzzJudge.
func FuzzJudge(f *testing.F) {
	f.Add("https://app.example.com/x", "auth.example.com")
	sets := make([]Patterns, len(fixtures))
	for i, fx := range fixtures {
		sets[i] = fx.parse(f)
	}
	f.Fuzz(func(t *testing.T, raw, host string) {
		self, ok := NewOrigin("https", host)
		base, _ := url.Parse("https://site.example/")
		if ok {
			base, _ = url.Parse(self.String() + "/")
		}
		for i, fx := range fixtures {
			got, ok := Judge(raw, self, sets[i])
			checkJudged(t, raw, got, ok, base, fx)
		}
		if rd, found := RD(raw); found {
			got, ok := Judge(rd, self, sets[1])
			checkJudged(t, rd, got, ok, base, fixtures[1])
		}
	})
}
