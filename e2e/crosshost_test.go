package e2e

import (
	"context"
	"net/url"
	"strings"
	"testing"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"
)

// One login for many subdomains (behaviour 34, docs/behaviour.md), on the
// demo's second site: shop.demo.localhost and blog.demo.localhost log in
// through the one callback of auth.demo.localhost, with cookie_domain
// demo.localhost. Chromium resolves every *.localhost name to loopback.
const (
	shopURL           = "http://shop.demo.localhost:8080"
	blogURL           = "http://blog.demo.localhost:8080"
	demoDomain        = "demo.localhost"
	sharedCallbackURL = "http://auth.demo.localhost:8080/oauth2/instagram/callback"
)

// TestOneLoginForManySubdomains: start on the shop, consent at the mock,
// land back on the very page asked for on the shop, logged in; the blog is
// logged in without a login of its own; log out on the blog, and the shop
// is logged out too. The demo's localhost app holds none of it.
func TestOneLoginForManySubdomains(t *testing.T) {
	_, tb := newBrowser(t)
	asked := shopURL + "/cart?item=42&next=%2Fpay"

	tb.do("open "+asked, chromedp.Navigate(asked), chromedp.WaitVisible(chromedp.ID("allow")))
	checkSharedConsent(t, tb.location())
	states := pendingStates(tb.cookiesFor(shopURL))
	if len(states) != 1 || states[0].Domain != "."+demoDomain {
		t.Fatalf("pending-login cookies %v, want one for .%s, which the callback host reads", states, demoDomain)
	}

	allow(t, tb, "erin", asked)
	if host := tb.text("host"); host != "shop.demo.localhost:8080" {
		t.Errorf("back on host %q, want the shop", host)
	}
	session, ok := tb.cookiesFor(blogURL)[cookieName]
	if !ok || session.Domain != "."+demoDomain || !session.HTTPOnly {
		t.Fatalf("session cookie %+v, want an HttpOnly one for .%s", session, demoDomain)
	}
	if _, ok := tb.cookiesFor(appURL)[cookieName]; ok {
		t.Errorf("the shop's login left a session for %s, another site", appURL)
	}

	tb.do("open the blog", chromedp.Navigate(blogURL+"/"), chromedp.WaitVisible(chromedp.ID("user-id")))
	if got := tb.location(); got != blogURL+"/" {
		t.Fatalf("with the shop's session, the blog led to %s", got)
	}
	checkAppPage(t, tb, "erin")

	if resp := tb.click("logout"); resp.Status != 200 || resp.URL != blogURL+"/logged-out" {
		t.Fatalf("Log out on the blog: HTTP %d for %s, want 200 for %s/logged-out", resp.Status, resp.URL, blogURL)
	}
	tb.do("open the shop again", chromedp.Navigate(shopURL+"/after-logout"), chromedp.WaitVisible(chromedp.ID("allow")))
	checkSharedConsent(t, tb.location())
}

// checkSharedConsent checks that u is the consent page, asked for with the
// one redirect URI the hosts share.
func checkSharedConsent(t *testing.T, u string) {
	t.Helper()
	if !strings.HasPrefix(u, authorize+"?") {
		t.Fatalf("the browser is on %s, want the consent page %s?...", u, authorize)
	}
	q, _ := url.Parse(u)
	if got := q.Query().Get("redirect_uri"); got != sharedCallbackURL {
		t.Fatalf("consent page asked with redirect_uri %q, want the shared %q", got, sharedCallbackURL)
	}
}

// cookiesFor are the cookies the browser would send to base, HttpOnly or
// not, as the browser itself reports them.
func (tb *tab) cookiesFor(base string) map[string]*network.Cookie {
	tb.t.Helper()
	res := get(tb, "read the browser's cookies for "+base, func(ctx context.Context, t *chromedp.Target) (network.GetCookiesResult, error) {
		return cdp.Call(ctx, t, network.GetCookies, network.GetCookiesParams{URLs: []string{base + "/"}})
	})
	m := make(map[string]*network.Cookie, len(res.Cookies))
	for _, c := range res.Cookies {
		m[c.Name] = c
	}
	return m
}
