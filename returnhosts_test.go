package instagramauth

import (
	"net/http"
	"net/http/httptest"
	"os"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/b4b0c547/caddy-instagram-auth/internal/record"
	"github.com/b4b0c547/caddy-instagram-auth/internal/target"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
	"go.uber.org/zap/zaptest/observer"
)

// Behaviour 34 (docs/behaviour.md) at the level of startLogin and the
// callback's last step; integration/crosshost_*_test.go runs the same
// through a real Caddy.

const crossCallbackURL = "https://auth.example.com/oauth2/instagram/callback"

// crossHostHandler is a provisioned handler whose logins all finish on
// auth.example.com, for example.com and every host under it.
func crossHostHandler(tb testing.TB, patterns ...string) *Handler {
	tb.Helper()
	if len(patterns) == 0 {
		patterns = []string{"example.com", "*.example.com"}
	}
	h := &Handler{ClientID: "app-id", ClientSecret: "s", CookieDomain: "example.com", RedirectURI: crossCallbackURL,
		ReturnHosts: patterns, keys: unitRing(tb, unitKeyA)}
	applyDefaults(h)
	if err := validate(h).join(); err != nil {
		tb.Fatal(err)
	}
	h.cfg = derive(h, false)
	h.now, h.logger = now, zap.NewNop()
	h.shared = newSharedState("", nil, now)
	h.wire()
	return h
}

// startAt starts a login for a page load of rawURL (Host as given, when
// not ""), returning to returnTo, and opens the state cookie it set.
func startAt(t *testing.T, h *Handler, rawURL, host, returnTo string) (record.Pending, *http.Cookie) {
	t.Helper()
	r := httptest.NewRequest(http.MethodGet, rawURL, nil)
	if host != "" {
		r.Host = host
	}
	w := httptest.NewRecorder()
	if err := h.startLogin(w, r, returnTo); err != nil {
		t.Fatalf("startLogin at %s: %v", rawURL, err)
	}
	for _, c := range w.Result().Cookies() {
		if strings.HasPrefix(c.Name, h.cfg.cookies.pending) {
			p, ok := h.pending.open(c.Value)
			if !ok {
				t.Fatalf("state cookie of %s does not open", rawURL)
			}
			return p, c
		}
	}
	t.Fatalf("startLogin at %s set no state cookie", rawURL)
	return record.Pending{}, nil
}

// landAt is where the callback, reached at crossCallbackURL, sends the
// browser for what the login stored.
func landAt(h *Handler, stored string) string {
	return h.cfg.callbackReturn(httptest.NewRequest(http.MethodGet, crossCallbackURL+"?state=x", nil), stored)
}

func TestCrossHostLoginStoresTheStartURL(t *testing.T) {
	h := crossHostHandler(t)
	for _, c := range []struct{ start, host, returnTo, want string }{
		{"https://app1.example.com/p?q=1", "", "/p?q=1", "https://app1.example.com/p?q=1"},
		{"https://app1.example.com:8443/p", "", "/p", "https://app1.example.com:8443/p"},
		{"https://example.com/", "", "/", "https://example.com/"},
		{"https://auth.example.com/p", "", "/p", "/p"},                                                // the callback's own site: a path
		{"https://app1.example.com/", "", "https://app2.example.com/x", "https://app2.example.com/x"}, // rd, judged already
		{"https://app1.example.com/", "", "https://auth.example.com/x", "/x"},
		// Never a return target.
		{"https://evil.net/p", "", "/p", "/"},
		{"https://app1.example.com/p", "evil-example.com", "/p", "/"},
		{"https://app1.example.com/p", "example.com.evil.net", "/p", "/"},
		{"https://app1.example.com/p", "auth.example.com@evil.net", "/p", "/"},
		{"https://app1.example.com/p", "app1.example.com/evil", "/p", "/"},
		{"https://app1.example.com/p", "127.0.0.1", "/p", "/"},
		{"https://app1.example.com/p", "[::1]:443", "/p", "/"},
		{"https://app1.example.com/p", "", "https://example.com.evil.net/", "/"}, // not judged by the caller
		{"https://app1.example.com/p", "", "//evil.net/", "/"},
		{"http://app1.example.com/p", "", "/p", "/"}, // https callback: no way back down to http
		// The same host, spelled as browsers never send it, is that host.
		{"https://app1.example.com/p", "APP1.ex%61mple.com.", "/p", "https://app1.example.com/p"},
	} {
		p, state := startAt(t, h, c.start, c.host, c.returnTo)
		if p.ReturnTo != c.want || p.RedirectURI != crossCallbackURL {
			t.Errorf("start %s (Host %q) returning to %q: stored %q for %q, want %q for the one redirect URI",
				c.start, c.host, c.returnTo, p.ReturnTo, p.RedirectURI, c.want)
		}
		if state.Domain != "example.com" || !strings.HasPrefix(state.Name, "__Secure-instagram_auth_state_") || !state.Secure {
			t.Errorf("state cookie %s for %q: want __Secure-instagram_auth_state_* for example.com, Secure", state.Name, state.Domain)
		}
		if got := landAt(h, p.ReturnTo); got != c.want {
			t.Errorf("start %s: the callback sends the browser to %q, want %q", c.start, got, c.want)
		}
	}
	// A long URL loses its query, as on the callback's own host.
	long := "/search?q=" + strings.Repeat("x", target.MaxLen)
	if p, _ := startAt(t, h, "https://app1.example.com"+long, "", long); p.ReturnTo != "https://app1.example.com/search" {
		t.Errorf("a long URL was stored as %.60q", p.ReturnTo)
	}
}

// The callback judges the target again: a reload that narrows return_hosts
// narrows the logins under way, and a downgrade is refused there too.
func TestCrossHostCallbackJudgesAgain(t *testing.T) {
	h := crossHostHandler(t, "app2.example.com")
	for stored, want := range map[string]string{
		"https://app1.example.com/p":  "/",
		"https://app2.example.com/p":  "https://app2.example.com/p",
		"http://app2.example.com/p":   "/",
		"https://auth.example.com/p":  "/p",
		"/p?q=1":                      "/p?q=1",
		"//evil.net":                  "/",
		"https://app2.example.com//x": "/",
	} {
		if got := landAt(h, stored); got != want {
			t.Errorf("stored %q: the callback sends the browser to %q, want %q", stored, got, want)
		}
	}
}

// Without return_hosts a login stores what it was given, as before: a path,
// read on whatever host the callback is.
func TestWithoutReturnHostsTheTargetIsThePath(t *testing.T) {
	h := crossHostHandler(t)
	h.ReturnHosts = nil
	h.cfg = derive(h, false)
	h.wire()
	p, _ := startAt(t, h, "https://app1.example.com/p?q=1", "", "/p?q=1")
	if p.ReturnTo != "/p?q=1" || landAt(h, p.ReturnTo) != "/p?q=1" {
		t.Errorf("stored %q, want the path", p.ReturnTo)
	}
}

// The first login from a host return_hosts does not list logs one warning
// that names it and the fix; the next ones log nothing. A listed host whose
// target is refused for another reason (plain HTTP) is not the host's fault.
func TestCrossHostWarnsOnceAboutAnUnlistedHost(t *testing.T) {
	h := crossHostHandler(t, "*.shop.example.com")
	core, logs := observer.New(zapcore.WarnLevel)
	h.logger = zap.New(core)
	h.wire()
	startAt(t, h, "https://a.shop.example.com/", "", "/")
	startAt(t, h, "http://a.shop.example.com/", "", "/")
	startAt(t, h, "https://a.shop.example.com/", "", "/"+strings.Repeat("x", target.MaxLen))
	startAt(t, h, "https://blog.example.com/", "", "/")
	startAt(t, h, "https://admin.example.com/", "", "/")
	lines := logs.FilterMessageSnippet("return_hosts does not allow").All()
	if len(lines) != 1 || lines[0].ContextMap()["host"] != "blog.example.com" {
		t.Fatalf("warnings %v, want one naming blog.example.com", lines)
	}
}

// The open-redirect corpus of internal/target, as the start endpoint gives
// it to startLogin (rd judged on the start origin) and as it is (not judged
// at all): whatever the start host, the callback never sends a browser off
// example.com's hosts.
func TestCrossHostRedirectCorpusThroughALogin(t *testing.T) {
	data, err := os.ReadFile("internal/target/testdata/redirect-corpus.txt")
	if err != nil {
		t.Fatal(err)
	}
	h := crossHostHandler(t)
	n := 0
	for line := range strings.SplitSeq(string(data), "\n") {
		_, quoted, ok := strings.Cut(line, " ")
		e, err := strconv.Unquote(quoted)
		if !ok || strings.HasPrefix(line, "#") || err != nil {
			continue
		}
		n++
		for _, start := range []string{"https://app1.example.com/", "https://auth.example.com/"} {
			self, _ := target.NewOrigin("https", strings.TrimSuffix(strings.TrimPrefix(start, "https://"), "/"))
			rd, _ := target.RD("rd=" + e)
			judged, _ := target.Judge(rd, self, h.cfg.returnHosts)
			for _, returnTo := range []string{judged, e} {
				p, _ := startAt(t, h, start, "", returnTo)
				if got := landAt(h, p.ReturnTo); !onExampleCom(got) {
					t.Errorf("start %s with target %q: the callback sends the browser to %q", start, e, got)
				}
			}
		}
	}
	if n < 100 {
		t.Fatalf("%d corpus entries read: not the file expected", n)
	}
}

// onExampleCom is the tests' own statement of a safe landing: a plain path
// of the callback's site, or an https URL on example.com or under it, with
// nothing a browser would read otherwise.
func onExampleCom(loc string) bool {
	for i := 0; i < len(loc); i++ {
		if loc[i] <= ' ' || loc[i] >= 0x7f || loc[i] == '\\' {
			return false
		}
	}
	return exampleComLanding.MatchString(loc)
}

var exampleComLanding = regexp.MustCompile(`^(/|/[^/].*|https://([a-z0-9-]+\.)*example\.com(:[1-9][0-9]*)?(/|/[^/].*))$`)

// Behaviour 27 under 34: the start-up line names the one redirect URI to
// register, and the hosts that share it.
func TestStartupNamesTheOneRedirectURI(t *testing.T) {
	h := crossHostHandler(t, "*.example.com", "example.com:8443")
	core, logs := observer.New(zapcore.InfoLevel)
	h.logger = zap.New(core)
	logStartup(h)
	lines := logs.FilterMessage(startupMessage).All()
	if len(lines) != 1 {
		t.Fatalf("%d start-up lines, want 1", len(lines))
	}
	f := lines[0].ContextMap()
	hosts, _ := f["return_hosts"].([]any)
	hint, _ := f["hint"].(string)
	if f["redirect_uri"] != crossCallbackURL || len(hosts) != 2 || hosts[0] != "*.example.com" || !strings.Contains(hint, "only this one") {
		t.Errorf("start-up line %v, want the one redirect URI, both patterns and a hint to register only it", f)
	}
}
