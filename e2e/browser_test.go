package e2e

import (
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"
)

// The login crosses sites twice: the app (localhost) sends the browser to
// the provider (127.0.0.1), whose Allow or Deny form posts there and
// redirects back. The state cookie set by the app must come back with that
// cross-site redirect, which SameSite=Lax allows and Strict would not.

// TestLogin: the protected page leads to the consent page, Allow leads back
// to the page first asked for with the user's name shown, and the session
// cookie is one page JavaScript cannot read.
func TestLogin(t *testing.T) {
	_, tb := newBrowser(t)
	const asked = appURL + "/some/page?x=1"

	tb.do("open "+asked, chromedp.Navigate(asked), chromedp.WaitVisible(chromedp.ID("allow")))
	checkConsentPage(t, tb.location())
	cookies := tb.cookies()
	if c, ok := cookies[cookieName]; ok {
		t.Fatalf("session cookie %q before any login", c.Name)
	}
	states := pendingStates(cookies)
	if len(states) != 1 {
		t.Fatalf("want one pending-login cookie for %s, got %d: %v", appURL, len(states), names(cookies))
	}
	checkGuarded(t, states[0])

	tb.do("type the username", chromedp.SendKeys(chromedp.ID("username"), "alice"))
	if resp := tb.click("allow"); resp.Status != 200 {
		t.Fatalf("after Allow: HTTP %d for %s, want 200", resp.Status, resp.URL)
	}
	if got := tb.location(); !samePage(got, asked) {
		t.Fatalf("after Allow the browser is on %s, want the page first asked for, %s", got, asked)
	}
	checkAppPage(t, tb, "alice")
	checkAssertionVerified(t, tb)

	cookies = tb.cookies()
	session, ok := cookies[cookieName]
	if !ok {
		t.Fatalf("after login the browser holds no %s cookie for %s: %v", cookieName, appURL, names(cookies))
	}
	checkGuarded(t, session)
	if left := pendingStates(cookies); len(left) != 0 {
		t.Errorf("pending-login cookie left after the login: %v", names(cookies))
	}

	// Page JavaScript sees the app's other cookies (the probe proves that it
	// can read document.cookie at all) but never the session.
	js := get(tb, "read document.cookie", chromedp.Evaluate[string](
		`document.cookie = "e2e_probe=1; path=/; SameSite=Lax"; document.cookie`))
	visible := cookieNames(js) // names only: the test log shows no cookie value
	if !slices.Contains(visible, "e2e_probe") {
		t.Fatalf("document.cookie shows %v: the page cannot read even its own cookie, so the check below means nothing", visible)
	}
	for _, name := range visible {
		if strings.HasPrefix(name, cookieName) {
			t.Fatalf("document.cookie shows %v: page JavaScript can read %s (want HttpOnly)", visible, name)
		}
	}

	// The session serves any page of the site, without another login.
	tb.do("open "+appURL+"/", chromedp.Navigate(appURL+"/"), chromedp.WaitVisible(chromedp.ID("user-id")))
	if got := tb.location(); got != appURL+"/" {
		t.Fatalf("with a session, %s/ led to %s", appURL, got)
	}
	checkAppPage(t, tb, "alice")

	if path := os.Getenv(envScreenshot); path != "" {
		saveScreenshot(t, tb, path)
	}
}

// TestDeny: Deny on the consent page leads to the app's "access denied"
// page, with no session.
func TestDeny(t *testing.T) {
	_, tb := newBrowser(t)
	tb.do("open the app", chromedp.Navigate(appURL+"/secret"), chromedp.WaitVisible(chromedp.ID("deny")))
	checkConsentPage(t, tb.location())

	resp := tb.click("deny")
	if resp.Status != 403 || !strings.HasPrefix(resp.URL, callbackURL+"?") {
		t.Fatalf("after Deny: HTTP %d for %s, want 403 for %s?...", resp.Status, resp.URL, callbackURL)
	}
	if got := tb.location(); !strings.HasPrefix(got, callbackURL+"?") {
		t.Fatalf("after Deny the browser is on %s, want %s?...", got, callbackURL)
	}
	body := get(tb, "read the page text", chromedp.Evaluate[string](`document.body.innerText`))
	if !strings.Contains(strings.ToLower(body), "denied") {
		t.Fatalf("the page after Deny does not say access was denied:\n%s", body)
	}
	if c, ok := tb.cookies()[cookieName]; ok {
		t.Fatalf("Deny left a session cookie %q", c.Name)
	}
}

// TestLogout: after a login, the logout link ends the session: the site
// asks for a login again.
func TestLogout(t *testing.T) {
	_, tb := newBrowser(t)
	login(t, tb, appURL+"/", "carol")

	// Logout redirects to the demo's logout_redirect, a page that needs no
	// login.
	if resp := tb.click("logout"); resp.Status != 200 || resp.URL != appURL+"/logged-out" {
		t.Fatalf("after Log out: HTTP %d for %s, want 200 for %s/logged-out", resp.Status, resp.URL, appURL)
	}
	tb.do("wait for the logged-out page", chromedp.WaitVisible(chromedp.ID("logged-out")))
	if c, ok := tb.cookies()[cookieName]; ok {
		t.Fatalf("session cookie %q still held after logout", c.Name)
	}

	// Any page of the app needs a login again.
	tb.do("open the app again", chromedp.Navigate(appURL+"/after-logout"), chromedp.WaitVisible(chromedp.ID("allow")))
	checkConsentPage(t, tb.location())
}

// TestTwoTabs: two tabs start a login before either finishes; both
// complete, each back on its own page, the later-started one first.
func TestTwoTabs(t *testing.T) {
	b, one := newBrowser(t)
	const pageOne, pageTwo = appURL + "/one", appURL + "/two?tab=2"

	one.do("open "+pageOne, chromedp.Navigate(pageOne), chromedp.WaitVisible(chromedp.ID("allow")))
	two := b.newTab()
	two.do("open "+pageTwo, chromedp.Navigate(pageTwo), chromedp.WaitVisible(chromedp.ID("allow")))
	if n := len(pendingStates(one.cookies())); n != 2 {
		t.Fatalf("want two pending-login cookies, got %d", n)
	}

	allow(t, two, "bob", pageTwo)
	allow(t, one, "alice", pageOne)
}

// login goes through the whole login as username and ends on asked.
func login(t *testing.T, tb *tab, asked, username string) {
	t.Helper()
	tb.do("open "+asked, chromedp.Navigate(asked), chromedp.WaitVisible(chromedp.ID("allow")))
	checkConsentPage(t, tb.location())
	allow(t, tb, username, asked)
}

// allow types username on the consent page shown in tb, presses Allow, and
// checks that the tab is back on asked, logged in.
func allow(t *testing.T, tb *tab, username, asked string) {
	t.Helper()
	tb.do("type the username", chromedp.SendKeys(chromedp.ID("username"), username))
	if resp := tb.click("allow"); resp.Status != 200 {
		t.Fatalf("%s: after Allow: HTTP %d for %s, want 200", tb.name, resp.Status, resp.URL)
	}
	if got := tb.location(); !samePage(got, asked) {
		t.Fatalf("%s: after Allow the browser is on %s, want %s", tb.name, got, asked)
	}
	checkAppPage(t, tb, username)
}

// checkConsentPage checks that u is the provider's consent page, asked for
// by the demo app.
func checkConsentPage(t *testing.T, u string) {
	t.Helper()
	if !strings.HasPrefix(u, authorize+"?") {
		t.Fatalf("the browser is on %s, want the consent page %s?...", u, authorize)
	}
	q, _ := url.Parse(u)
	v := q.Query()
	if v.Get("client_id") != "demo-app" || v.Get("redirect_uri") != callbackURL ||
		v.Get("response_type") != "code" || v.Get("state") == "" {
		t.Fatalf("consent page asked with unexpected parameters: %s", u)
	}
}

var digits = regexp.MustCompile(`^[0-9]+$`)

// checkAppPage checks that the demo app's page shows username and a
// numeric user id.
func checkAppPage(t *testing.T, tb *tab, username string) {
	t.Helper()
	tb.do("wait for the app page", chromedp.WaitVisible(chromedp.ID("user-id")))
	if got := tb.text("username"); got != username {
		t.Errorf("%s: the page greets %q, want %q", tb.name, got, username)
	}
	if id := tb.text("user-id"); !digits.MatchString(id) {
		t.Errorf("%s: the page shows user id %q, want digits", tb.name, id)
	}
}

// checkAssertionVerified checks that the demo app verified the signed
// assertion it received against the site's JWKS (demo/assertioncheck).
func checkAssertionVerified(t *testing.T, tb *tab) {
	t.Helper()
	if got := tb.text("assertion"); got != "verified" {
		t.Errorf("%s: the page says the assertion is %q, want verified", tb.name, got)
	}
}

// checkGuarded checks the attributes every cookie of the plugin has in the
// demo: HttpOnly, SameSite=Lax, host-only, path /.
func checkGuarded(t *testing.T, c *network.Cookie) {
	t.Helper()
	if !c.HTTPOnly {
		t.Errorf("cookie %s is not HttpOnly", c.Name)
	}
	if c.SameSite != network.CookieSameSiteLax {
		t.Errorf("cookie %s has SameSite=%q, want Lax", c.Name, c.SameSite)
	}
	if c.Domain != "localhost" || c.Path != "/" {
		t.Errorf("cookie %s has domain %q, path %q; want localhost, /", c.Name, c.Domain, c.Path)
	}
}

// pendingStates are the cookies of logins started and not finished.
func pendingStates(cookies map[string]*network.Cookie) []*network.Cookie {
	var out []*network.Cookie
	for name, c := range cookies {
		if strings.HasPrefix(name, cookieName+"_state_") {
			out = append(out, c)
		}
	}
	return out
}

func names(cookies map[string]*network.Cookie) []string {
	var out []string
	for name := range cookies {
		out = append(out, name)
	}
	slices.Sort(out)
	return out
}

// cookieNames are the names in a document.cookie string ("a=1; b=2").
func cookieNames(documentCookie string) []string {
	var out []string
	for pair := range strings.SplitSeq(documentCookie, ";") {
		if name, _, _ := strings.Cut(strings.TrimSpace(pair), "="); name != "" {
			out = append(out, name)
		}
	}
	return out
}

// samePage reports whether the browser's location u is the page asked for.
// Instagram (and the mock) end the callback URL with "#_", and a browser
// keeps the fragment over a redirect whose Location has none, so the page
// asked for may show with "#_" (or an empty "#") after it.
func samePage(u, asked string) bool {
	return u == asked || u == asked+"#_" || u == asked+"#"
}

// saveScreenshot saves the viewport of tb as a PNG at path; a relative path
// is taken from the repository root.
func saveScreenshot(t *testing.T, tb *tab, path string) {
	t.Helper()
	if !filepath.IsAbs(path) {
		path = filepath.Join(repoRoot, path)
	}
	png := get(tb, "take the screenshot", chromedp.CaptureScreenshot())
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, png, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("screenshot of %s saved in %s", tb.location(), path)
}

// TestRemoveApp: the user removes the app in (mock) Instagram's settings;
// Meta's deauthorize callback reaches the demo, whose session ends. Then
// a data deletion request answers a status page the user can open.
func TestRemoveApp(t *testing.T) {
	_, tb := newBrowser(t)
	login(t, tb, appURL+"/", "dora")

	tb.click("instagram-settings")
	tb.do("wait for the settings page", chromedp.WaitVisible(chromedp.ID("remove-dora")))
	tb.click("remove-dora")
	tb.do("wait for the result", chromedp.WaitVisible(chromedp.ID("result-status")))
	if got := tb.text("result-status"); got != "200" {
		t.Fatalf("the demo answered the deauthorize callback with %s, want 200", got)
	}
	// The session cookie is still in the browser, but the session is over.
	tb.do("open the app again", chromedp.Navigate(appURL+"/after-removal"), chromedp.WaitVisible(chromedp.ID("allow")))
	checkConsentPage(t, tb.location())

	tb.do("back to the settings page", chromedp.Navigate(providerURL+"/settings/apps"), chromedp.WaitVisible(chromedp.ID("delete-dora")))
	tb.click("delete-dora")
	tb.do("wait for the deletion answer", chromedp.WaitVisible(chromedp.ID("deletion-url")))
	code := tb.text("confirmation-code")
	tb.click("deletion-url")
	tb.do("wait for the status page", chromedp.WaitVisible(chromedp.ID("status")))
	if got := tb.text("code"); got != code || code == "" {
		t.Fatalf("the status page names code %q, want %q", got, code)
	}
}
