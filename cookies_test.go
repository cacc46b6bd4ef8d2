package instagramauth

import (
	"net/http"
	"slices"
	"strings"
	"testing"
)

func TestWithoutOwnCookies(t *testing.T) {
	h := &Handler{CookieName: defaultCookieName}
	own := defaultCookieName + "=sealed"
	pending := defaultCookieName + "_state_AbCdEfGhIj=sealed"
	for _, tc := range []struct{ line, want string }{
		{own, ""},
		{own + "; " + pending, ""},
		{"a=1; " + own + "; b=2", "a=1; b=2"},
		{own + ";a=1", "a=1"},
		{"a=1;" + own, "a=1"},
		{"a=1; " + own + ";", "a=1"},
		{"  " + own + " ;  a=1 ; " + pending + "; b=2", "a=1; b=2"},
		{"a=1; " + defaultCookieName, "a=1"}, // a bare name is a cookie of that name
		{"a=1; b=2", "a=1; b=2"},             // untouched, as sent
		{"a=1;; b=2", "a=1;; b=2"},
		// Names that merely start like ours are the app's.
		{defaultCookieName + "x=1; " + defaultCookieName + "_theme=dark", defaultCookieName + "x=1; " + defaultCookieName + "_theme=dark"},
		{"x" + own, "x" + own},
		{"a=" + own, "a=" + own}, // our name inside another cookie's value
	} {
		if got := h.withoutOwnCookies(tc.line); got != tc.want {
			t.Errorf("withoutOwnCookies(%q) = %q, want %q", tc.line, got, tc.want)
		}
	}
}

func TestDropOwnCookiesLines(t *testing.T) {
	h := &Handler{CookieName: defaultCookieName}
	own := defaultCookieName + "=sealed"
	hdr := http.Header{"Cookie": {"a=1", own, "b=2; " + own, "c=3"}}
	h.dropOwnCookies(hdr)
	if want := []string{"a=1", "b=2", "c=3"}; !slices.Equal(hdr["Cookie"], want) {
		t.Errorf("Cookie lines %q, want %q", hdr["Cookie"], want)
	}
	hdr = http.Header{"Cookie": {own, own}}
	h.dropOwnCookies(hdr)
	if _, ok := hdr["Cookie"]; ok {
		t.Errorf("Cookie %q left when every cookie was ours", hdr["Cookie"])
	}
	// The usual request of a logged-in browser costs no allocation.
	allocs := testing.AllocsPerRun(100, func() {
		h.dropOwnCookies(http.Header{"Cookie": {own}})
	})
	if allocs > 1 { // the literal header map itself
		t.Errorf("%v allocations to drop the only cookie", allocs)
	}
}

// FuzzDropOwnCookies: whatever the Cookie line, none of our cookies is
// left, and every other cookie is kept, in order.
func FuzzDropOwnCookies(f *testing.F) {
	for _, seed := range []string{
		"a=1; _instagram_auth=x; b=2", "_instagram_auth", " ; ;_instagram_auth_state_x=1;",
		"_instagram_authx=1", "a=_instagram_auth=1", "",
	} {
		f.Add(seed)
	}
	h := &Handler{CookieName: defaultCookieName}
	pairs := func(line string) (ours, others []string) {
		for part := range strings.SplitSeq(line, ";") {
			part = strings.TrimSpace(part)
			name, _, _ := strings.Cut(part, "=")
			switch {
			case name == defaultCookieName || strings.HasPrefix(name, defaultCookieName+"_state_"):
				ours = append(ours, part)
			case part != "":
				others = append(others, part)
			}
		}
		return ours, others
	}
	f.Fuzz(func(t *testing.T, line string) {
		got := h.withoutOwnCookies(line)
		ours, others := pairs(line)
		if len(ours) == 0 {
			if got != line {
				t.Fatalf("%q changed to %q without a cookie of ours", line, got)
			}
			return
		}
		gotOurs, gotOthers := pairs(got)
		if len(gotOurs) > 0 || !slices.Equal(gotOthers, others) {
			t.Fatalf("%q became %q: ours left %q, others %q, want %q", line, got, gotOurs, gotOthers, others)
		}
	})
}
