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
		if got := withoutOwnCookies(&h.cfg.cookies, tc.line); got != tc.want {
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
	h.cfg.cookies.dropOwn(r)
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
	h.cfg.cookies.dropOwn(r)
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
		got := withoutOwnCookies(&h.cfg.cookies, line)
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

// FuzzCookieName: whatever cookie_name, cookie_domain and insecure_cookies
// say, a name the config accepts is one a browser keeps with the
// attributes the plugin sets (prefixes matched in any case), and so are
// the names derived from it; the default is always accepted. With such a
// name, the plugin reads exactly its own values from a Cookie line and
// takes out exactly its own cookies, keeping every other in order.
func FuzzCookieName(f *testing.F) {
	for _, seed := range []struct {
		name, domain string
		insecure     bool
		line         string
	}{
		{defaultCookieName, "", false, "a=1; __Host-instagram_auth=v; __Host-instagram_auth_state_AbCdEfGhIj=s"},
		{defaultDomainCookieName, "example.com", false, "__Secure-instagram_auth=v;__Secure-instagram_authx=1"},
		{insecureCookieName, "", true, "_instagram_auth=v; __Host-instagram_auth=w"},
		{"__HOST-app", "example.com", false, "__HOST-app=1"},
		{"__secure-app", "", true, "__secure-app_reauth=1"},
		{"__Host-", "", false, "__Host-=1; __Host-_state_=2"},
		{"app", "", true, " ; app ; app=; app==x"},
	} {
		f.Add(seed.name, seed.domain, seed.insecure, seed.line)
	}
	type pair struct {
		name, value string
		eq          bool // "name=value", not a bare name
	}
	parse := func(line string) (pairs []pair) {
		for part := range strings.SplitSeq(line, ";") {
			if part = strings.TrimSpace(part); part != "" {
				name, value, eq := strings.Cut(part, "=")
				pairs = append(pairs, pair{name, value, eq})
			}
		}
		return pairs
	}
	f.Fuzz(func(t *testing.T, name, domain string, insecure bool, line string) {
		if def := defaultCookieNameFor(domain, insecure); checkCookieName(def, domain, insecure) != nil {
			t.Fatalf("the default name %q is refused with domain %q, insecure %v", def, domain, insecure)
		}
		if checkCookieName(name, domain, insecure) != nil {
			return
		}
		lower := strings.ToLower(name)
		if strings.HasPrefix(lower, "__host-") && (domain != "" || insecure) || strings.HasPrefix(lower, "__secure-") && insecure {
			t.Fatalf("accepted %q with domain %q, insecure %v: a browser drops it", name, domain, insecure)
		}
		names := newCookieJar(name, true, "", true)
		for _, n := range []string{names.session, names.pending + "AbCdEfGhIj", names.reauth} {
			if err := (&http.Cookie{Name: n, Value: "v", Path: "/"}).Valid(); err != nil {
				t.Fatalf("accepted %q, but its cookie %q is invalid: %v", name, n, err)
			}
		}
		var want []string
		var others []pair
		for _, p := range parse(line) {
			rest, ours := strings.CutPrefix(p.name, name)
			ours = ours && (rest == "" || rest == reauthSuffix || strings.HasPrefix(rest, pendingInfix))
			if p.name == name && p.eq {
				want = append(want, p.value)
			}
			if !ours {
				others = append(others, p)
			}
		}
		var got []string
		scan := cookieScan{lines: []string{line}, name: name}
		for v, _, ok := scan.next(); ok; v, _, ok = scan.next() {
			got = append(got, v)
		}
		if !slices.Equal(got, want) {
			t.Fatalf("%q in %q: read %q, want %q", name, line, got, want)
		}
		if kept := parse(withoutOwnCookies(&names, line)); !slices.Equal(kept, others) {
			t.Fatalf("%q in %q: kept %v, want %v", name, line, kept, others)
		}
	})
}
