package e2e

import (
	"net/url"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// Logging out in a real browser, which sends fetch metadata
// (Sec-Fetch-Site, Sec-Fetch-Dest) as it does in production: the site's
// own links and fetch() log out; a link on another site does not.

const logoutURL = appURL + "/oauth2/instagram/logout"

// TestLogoutEverywhere: the demo's "Log out everywhere" link ends the
// session of this browser and the same user's session in another browser.
func TestLogoutEverywhere(t *testing.T) {
	_, tb := newBrowser(t)
	login(t, tb, appURL+"/", "dora")
	_, other := newBrowser(t)
	login(t, other, appURL+"/elsewhere", "dora")

	if resp := tb.click("logout-all"); resp.Status != 200 || resp.URL != appURL+"/logged-out" {
		t.Fatalf("after Log out everywhere: HTTP %d for %s, want 200 for %s/logged-out", resp.Status, resp.URL, appURL)
	}
	if c, ok := tb.cookies()[cookieName]; ok {
		t.Fatalf("session cookie %q still held after Log out everywhere", c.Name)
	}
	other.do("open the app in the other browser", chromedp.Navigate(appURL+"/elsewhere"), chromedp.WaitVisible(chromedp.ID("allow")))
	checkConsentPage(t, other.location())
}

// TestLogoutByFetch: a fetch() of the logout path from the site's own page
// logs out.
func TestLogoutByFetch(t *testing.T) {
	_, tb := newBrowser(t)
	login(t, tb, appURL+"/", "ezra")
	status := get(tb, "fetch the logout path", chromedp.Evaluate[int](
		`fetch("/oauth2/instagram/logout", {redirect: "manual"}).then(r => r.type === "opaqueredirect" ? 302 : r.status)`,
		chromedp.EvalAwaitPromise))
	if status != 302 {
		t.Fatalf("the page's fetch() of the logout path: %d, want the 302 (seen as an opaque redirect)", status)
	}
	if c, ok := tb.cookies()[cookieName]; ok {
		t.Fatalf("session cookie %q still held after the page's fetch() of the logout", c.Name)
	}
}

// TestLogoutFromAnotherSiteRefused: a "log out everywhere" link on another
// page (here one with an opaque origin, a data: URL, which the browser
// marks Sec-Fetch-Site: cross-site) is refused with the 403 page, and the
// user is still logged in.
func TestLogoutFromAnotherSiteRefused(t *testing.T) {
	_, tb := newBrowser(t)
	login(t, tb, appURL+"/", "fay")
	evil := "data:text/html," + url.PathEscape(`<a id="prize" href="`+logoutURL+`?all=1">Win a prize</a>`)
	tb.do("open another site's page", chromedp.Navigate(evil), chromedp.WaitVisible(chromedp.ID("prize")))
	if resp := tb.click("prize"); resp.Status != 403 || resp.URL != logoutURL+"?all=1" {
		t.Fatalf("the other site's logout link: HTTP %d for %s, want 403 for %s?all=1", resp.Status, resp.URL, logoutURL)
	}
	body := get(tb, "read the page text", chromedp.Evaluate[string](`document.body.innerText`))
	if !strings.Contains(body, "still logged in") {
		t.Errorf("the refused logout's page does not say the user is still logged in:\n%s", body)
	}
	tb.do("open the app again", chromedp.Navigate(appURL+"/"), chromedp.WaitVisible(chromedp.ID("user-id")))
	checkAppPage(t, tb, "fay")
}
