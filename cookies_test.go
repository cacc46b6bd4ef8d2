package instagramauth

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"

	"github.com/caddyserver/caddy/v2/modules/caddyhttp"
)

func TestWithoutOwnCookies(t *testing.T) {
	h := unitHandler(t)
	own := insecureCookieName + "=sealed"
	pending := insecureCookieName + "_state_AbCdEfGhIj=sealed"
	for _, tc := range []struct{ line, want string }{
		{own, ""},
		{own + "; " + pending, ""},
		{"a=1; " + own + "; b=2", "a=1; b=2"},
		{own + ";a=1", "a=1"},
		{"a=1;" + own, "a=1"},
		{"a=1; " + own + ";", "a=1"},
		{"  " + own + " ;  a=1 ; " + pending + "; b=2", "a=1; b=2"},
		{"a=1; " + insecureCookieName, "a=1"}, // a bare name is a cookie of that name
		{"a=1; b=2", "a=1; b=2"},              // untouched, as sent
		{"a=1;; b=2", "a=1;; b=2"},
		// Names that merely start like ours are the app's.
		{insecureCookieName + "x=1; " + insecureCookieName + "_theme=dark", insecureCookieName + "x=1; " + insecureCookieName + "_theme=dark"},
		{"x" + own, "x" + own},
		{"a=" + own, "a=" + own}, // our name inside another cookie's value
	} {
		if got := withoutOwnCookies(&h.cfg.cookieNames, tc.line); got != tc.want {
			t.Errorf("withoutOwnCookies(%q) = %q, want %q", tc.line, got, tc.want)
		}
	}
}

func TestDropOwnCookiesLines(t *testing.T) {
	h := unitHandler(t)
	own := insecureCookieName + "=sealed"
	request := func(lines ...string) *http.Request {
		r := httptest.NewRequest(http.MethodGet, "/", nil)
		r.Header["Cookie"] = lines
		return r.WithContext(context.WithValue(r.Context(), caddyhttp.VarsCtxKey, map[string]any{}))
	}
	sent := []string{"a=1", own, "b=2; " + own, "c=3"}
	r := request(slices.Clone(sent)...)
	h.dropOwnCookies(r)
	if want := []string{"a=1", "b=2", "c=3"}; !slices.Equal(r.Header["Cookie"], want) {
		t.Errorf("Cookie lines %q, want %q", r.Header["Cookie"], want)
	}
	// A later instagram_auth handler still reads the cookies as sent.
	if got := sentCookieLines(r); !slices.Equal(got, sent) {
		t.Errorf("cookies as sent %q, want %q", got, sent)
	}
	if v, _ := caddyhttp.GetVar(r.Context(), sentCookiesVar).(fmt.Stringer); v == nil || v.String() != "" {
		t.Errorf("the kept cookies print as %v", v)
	}

	r = request(own, own)
	h.dropOwnCookies(r)
	if _, ok := r.Header["Cookie"]; ok {
		t.Errorf("Cookie %q left when every cookie was ours", r.Header["Cookie"])
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
	h := unitHandler(f)
	pairs := func(line string) (ours, others []string) {
		for part := range strings.SplitSeq(line, ";") {
			part = strings.TrimSpace(part)
			name, _, _ := strings.Cut(part, "=")
			switch {
			case name == insecureCookieName || strings.HasPrefix(name, insecureCookieName+"_state_"):
				ours = append(ours, part)
			case part != "":
				others = append(others, part)
			}
		}
		return ours, others
	}
	f.Fuzz(func(t *testing.T, line string) {
		got := withoutOwnCookies(&h.cfg.cookieNames, line)
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
