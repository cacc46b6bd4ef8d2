package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"
)

// The demo's page is also a small single-page app: its script asks whoami,
// calls /api/hello with fetch() and opens a WebSocket to an echo behind
// reverse_proxy. These tests drive it as a user would, and end the session
// under it as an expiry would.

// TestSPA: logged in, the page's script learns who is logged in and gets
// the API's answer; once the session is gone, its fetch() gets a 401 it
// can read (not a redirect to Instagram that the browser reports as a CORS
// error), no login is started behind the user's back, and the page's
// "Log in again" link logs in and comes back.
func TestSPA(t *testing.T) {
	_, tb := newBrowser(t)
	const page = appURL + "/spa?tab=1"
	login(t, tb, page, "spa_user")

	if got := tb.settled("whoami-user", "…"); got != "spa_user" {
		t.Errorf("whoami, as the page shows it: %q, want spa_user", got)
	}
	if got := tb.settled("whoami-expires", "…"); got == "Invalid Date" {
		t.Errorf("whoami's expires_at does not parse as a date in the browser: %q", got)
	}
	if got := tb.settled("api", "", "…"); got != "200: Hello from the API, spa_user!" {
		t.Errorf("the API's answer, as the page shows it: %q", got)
	}

	tb.endSession()
	tb.do("click Call /api/hello", chromedp.Click(chromedp.ID("call-api")))
	if got := tb.settled("api", "", "…", "200: Hello from the API, spa_user!"); got != "401: an Instagram login is required" {
		t.Fatalf("fetch() without a session, as the page shows it: %q, want the 401's message", got)
	}
	if states := pendingStates(tb.cookies()); len(states) != 0 {
		t.Errorf("the page's fetch() started %d logins", len(states))
	}

	tb.do("wait for Log in again", chromedp.WaitVisible(chromedp.ID("relogin")))
	if resp := tb.click("relogin-link"); resp.Status != 200 || !strings.HasPrefix(resp.URL, authorize+"?") {
		t.Fatalf("Log in again: HTTP %d for %s, want the consent page", resp.Status, resp.URL)
	}
	// Instagram still knows the user (no logout): Allow continues as them.
	tb.do("wait for the consent page", chromedp.WaitVisible(chromedp.ID("session")))
	if resp := tb.click("allow"); resp.Status != 200 || !samePage(resp.URL, page) {
		t.Fatalf("Continue as spa_user: HTTP %d for %s, want %s", resp.Status, resp.URL, page)
	}
	checkAppPage(t, tb, "spa_user")
}

// TestSPAWebSocket: logged in, the page's WebSocket reaches the echo behind
// reverse_proxy and a message comes back; without a session the handshake
// is refused with a 401, not redirected, and starts no login.
func TestSPAWebSocket(t *testing.T) {
	_, tb := newBrowser(t)
	handshakes := tb.watchWebSockets()
	login(t, tb, appURL+"/", "ws_user")

	if got := tb.settled("ws", "connecting…"); got != "echoed “hello #1”" {
		t.Fatalf("the page's WebSocket: %q, want its message echoed", got)
	}
	tb.do("click Open another and send", chromedp.Click(chromedp.ID("ws-again")))
	if got := tb.settled("ws", "echoed “hello #1”"); got != "echoed “hello #2”" {
		t.Fatalf("a second socket: %q, want its message echoed", got)
	}

	tb.endSession()
	tb.do("click Open another and send", chromedp.Click(chromedp.ID("ws-again")))
	if got := tb.settled("ws", "echoed “hello #2”"); !strings.HasPrefix(got, "closed") {
		t.Fatalf("a WebSocket without a session: %q, want it closed", got)
	}
	if got := handshakes.outcomes(); len(got) != 3 || got[0] != "101" || got[1] != "101" || !refusedWith401(got[2]) {
		t.Errorf("handshakes ended %q; want two 101s, then a 401", got)
	}
	if states := pendingStates(tb.cookies()); len(states) != 0 {
		t.Errorf("the WebSocket handshake started %d logins", len(states))
	}
}

// TestLogoutAsksInstagramAgain: after Log out (on a shared computer, say),
// the next login does not offer "Continue as" the account that logged out:
// the mock Instagram shows its re-authentication prompt. A login that
// completes clears that, so the login after it may continue as before.
func TestLogoutAsksInstagramAgain(t *testing.T) {
	_, tb := newBrowser(t)
	login(t, tb, appURL+"/", "first_user")
	tb.click("logout")
	tb.do("wait for the logged-out page", chromedp.WaitVisible(chromedp.ID("logged-out")))
	if got := tb.location(); got != appURL+"/logged-out" {
		t.Fatalf("after Log out the browser is on %s, want logout_redirect %s/logged-out", got, appURL)
	}
	mark, ok := tb.cookies()[cookieName+"_reauth"]
	if !ok {
		t.Fatalf("logout left no re-authentication mark: %v", names(tb.cookies()))
	}
	checkGuarded(t, mark)

	if resp := tb.click("login-again"); resp.Status != 200 || !strings.HasPrefix(resp.URL, authorize+"?") {
		t.Fatalf("Log in again: HTTP %d for %s, want the consent page", resp.Status, resp.URL)
	}
	tb.do("wait for the consent page", chromedp.WaitVisible(chromedp.ID("allow")))
	if !tb.present("reauth") || tb.present("session") {
		t.Fatalf("after a logout the consent page offers to continue as the last user (re-auth prompt %v, session %v)",
			tb.present("reauth"), tb.present("session"))
	}
	if got := get(tb, "read the username field", chromedp.Evaluate[string](`document.getElementById("username").value`)); got != "" {
		t.Fatalf("the username field holds %q after a logout", got)
	}
	allow(t, tb, "second_user", appURL+"/")
	if _, ok := tb.cookies()[cookieName+"_reauth"]; ok {
		t.Error("the mark outlived the completed login")
	}

	// No logout this time: the session just ends. Instagram's own login may
	// continue.
	tb.endSession()
	tb.do("open the app", chromedp.Navigate(appURL+"/"), chromedp.WaitVisible(chromedp.ID("allow")))
	if tb.present("reauth") || !tb.present("session") {
		t.Errorf("a login without a logout before it: re-auth prompt %v, session %v; want the plain consent page",
			tb.present("reauth"), tb.present("session"))
	}
}

// settled waits until the text of the element with the id is none of the
// pending texts, and returns it.
func (tb *tab) settled(id string, pending ...string) string {
	tb.t.Helper()
	args, _ := json.Marshal([]any{id, pending})
	return get(tb, "wait for #"+id, chromedp.Poll[string](`((id, pending) => {
		const el = document.getElementById(id);
		const text = el ? el.textContent.trim() : "";
		return el && !pending.includes(text) ? text : false;
	})(...`+string(args)+`)`, chromedp.WithPollingMutation()))
}

// present reports whether the page has an element with the id.
func (tb *tab) present(id string) bool {
	tb.t.Helper()
	return get(tb, "look for #"+id, chromedp.Evaluate[bool](`document.getElementById(`+jsString(id)+`) !== null`))
}

func jsString(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

// endSession deletes the browser's session cookie, as its expiry would.
func (tb *tab) endSession() {
	tb.t.Helper()
	get(tb, "delete the session cookie", func(ctx context.Context, t *chromedp.Target) (cdp.Empty, error) {
		return cdp.Call(ctx, t, network.DeleteCookies, network.DeleteCookiesParams{Name: cookieName, URL: appURL + "/"})
	})
	if _, ok := tb.cookies()[cookieName]; ok {
		tb.t.Fatal("the session cookie is still there")
	}
}

// handshakeLog records how each WebSocket handshake of a tab ended, as the
// browser saw it: "101", or the browser's error for a refused one.
type handshakeLog struct {
	mu  sync.Mutex
	got []string
}

func (l *handshakeLog) add(outcome string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.got = append(l.got, outcome)
}

func (l *handshakeLog) outcomes() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]string(nil), l.got...)
}

// refusedWith401 reports whether outcome is a handshake answered 401. A
// page's script sees only "closed (1006)" whatever the answer was; the
// browser's own log tells a 401 from a redirect. Chromium words a 401 as
// an authentication failure, other codes as "Unexpected response code".
func refusedWith401(outcome string) bool {
	return strings.Contains(outcome, "HTTP Authentication failed") || strings.Contains(outcome, "response code: 401")
}

// watchWebSockets starts recording the tab's WebSocket handshakes.
func (tb *tab) watchWebSockets() *handshakeLog {
	tb.t.Helper()
	l := new(handshakeLog)
	open := map[network.RequestID]bool{} // only read and written by the listener
	err := chromedp.Listen(tb.ctx, func(ev any) {
		switch e := ev.(type) {
		case *network.EventWebSocketHandshakeResponseReceived:
			open[e.RequestID] = true
			l.add(fmt.Sprint(e.Response.Status))
		case *network.EventWebSocketFrameError:
			if !open[e.RequestID] {
				open[e.RequestID] = true
				l.add(e.ErrorMessage)
			}
		}
	})
	if err != nil {
		tb.t.Fatal(err)
	}
	return l
}
