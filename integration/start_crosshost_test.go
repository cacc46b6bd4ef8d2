package integration

import (
	"net/http"
	"net/url"
	"regexp"
	"testing"
)

// Behaviours 33 and 34: under return_hosts, the start endpoint's rd may be
// an absolute URL on an allowed host, judged by the same code as the page
// a login started from; the login comes back there, and with a session the
// start endpoint sends the browser straight on. Every look-alike of the
// corpus lands on a path of the site or on an allowed host.
func TestStartEndpointAcrossHosts(t *testing.T) {
	h := newHarness(t)
	h.load(h.crossHostConfig(""))
	c := h.crossBrowser(t)
	rd := app2URL + "/p?a=1&b=2"

	start := h.do(c, http.MethodGet, app1URL+defaultStartPath+"?rd="+rd, nil, "Accept", "text/html")
	back := h.loginVia(c, start, "zoe")
	if back.StatusCode != http.StatusFound || back.Header.Get("Location") != rd {
		t.Fatalf("the login from app1's start endpoint came back to %q (status %d), want %q",
			back.Header.Get("Location"), back.StatusCode, rd)
	}
	for query, want := range map[string]string{
		"rd=" + rd:                  rd,
		"rd=" + url.QueryEscape(rd): rd,
		"rd=https://evil.example/p": "/",
		"rd=https://app2.example.test.evil.example:9443/": "/",
		"rd=/here": "/here",
	} {
		resp := h.do(c, http.MethodGet, app1URL+defaultStartPath+"?"+query, nil, "Accept", "text/html")
		if resp.StatusCode != http.StatusFound || resp.Header.Get("Location") != want {
			t.Errorf("start?%s with a session: status %d to %q, want %q", query, resp.StatusCode, resp.Header.Get("Location"), want)
		}
	}
	onExampleTest := regexp.MustCompile(`^https://([a-z0-9-]+\.)*example\.test:9443/`)
	for _, raw := range redirectCorpus(t, "lookalike") {
		resp := h.do(c, http.MethodGet, app1URL+defaultStartPath+"?rd="+percentEncodeAll(raw), nil, "Accept", "text/html")
		loc := resp.Header.Get("Location")
		u, err := url.Parse(loc)
		onAllowed := err == nil && onExampleTest.MatchString(loc) && isSitePath(u.RequestURI())
		if resp.StatusCode != http.StatusFound || !(isSitePath(loc) || onAllowed) {
			t.Errorf("rd=%q: status %d to %q, want a path or an allowed host", raw, resp.StatusCode, loc)
		}
	}
}
