package integration

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"
)

// Behaviour 6: logout ends the session, also for a copied cookie
// (caddy-security CVE-2024-21492).
func TestLogout(t *testing.T) {
	h := newHarness(t)
	h.mustLogin(h.client, "kate", "/")
	stolen := sessionCookie(h.client)
	resp := h.get(defaultLogoutPath)
	if resp.StatusCode != http.StatusFound || resp.Header.Get("Location") != "/" {
		t.Fatalf("logout: %d to %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	if c := findSetCookie(resp, insecureCookieName); c == nil || c.MaxAge >= 0 {
		t.Errorf("logout did not clear the session cookie: %+v", c)
	}
	if resp := h.get("/"); resp.StatusCode != http.StatusFound {
		t.Errorf("after logout: status %d, want 302 to login", resp.StatusCode)
	}
	replay := newBrowser(t)
	setCookie(replay, insecureCookieName, stolen)
	if resp := h.do(replay, http.MethodGet, siteURL+"/", nil, "Accept", "application/json"); resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("logged-out cookie replayed: status %d, want 401", resp.StatusCode)
	}
}

// Behaviour 12: logout_path?all=1 ends every session of the user, on every
// device; other users' sessions and the user's next login are untouched.
func TestLogoutEverywhere(t *testing.T) {
	h := newHarness(t)
	phone, laptop, other := newBrowser(t), newBrowser(t), newBrowser(t)
	h.mustLogin(phone, "uma", "/")
	h.mustLogin(laptop, "uma", "/")
	h.mustLogin(other, "vera", "/")
	if resp := h.do(phone, http.MethodGet, siteURL+defaultLogoutPath+"?all=1", nil); resp.StatusCode != http.StatusFound {
		t.Fatalf("logout everywhere: status %d", resp.StatusCode)
	}
	if s := h.apiStatusWith(laptop); s != http.StatusUnauthorized {
		t.Errorf("the user's other device after logout everywhere: status %d, want 401", s)
	}
	if s := h.apiStatusWith(other); s != http.StatusOK {
		t.Errorf("another user after logout everywhere: status %d, want 200", s)
	}
	advanceClock(t, 2*time.Second)
	h.mustLogin(phone, "uma", "/")
	if s := h.apiStatusWith(phone); s != http.StatusOK {
		t.Errorf("a login after logout everywhere: status %d, want 200", s)
	}
	// A plain logout ends that one session only.
	h.mustLogin(laptop, "uma", "/")
	h.do(phone, http.MethodGet, siteURL+defaultLogoutPath, nil)
	if s := h.apiStatusWith(laptop); s != http.StatusOK {
		t.Errorf("a plain logout ended the user's other session: status %d", s)
	}
}

// revocationsLoaded is the debug line of an app's memory reading storage
// when it is made.
const revocationsLoaded = `"msg":"revocations loaded from storage"`

// Behaviour 12: a logged-out cookie stays refused across a reload, and
// across a restart, which starts from storage with nothing in memory.
func TestLogoutSurvivesReloadAndRestart(t *testing.T) {
	h := newHarness(t)
	h.mustLogin(h.client, "wes", "/")
	stolen := sessionCookie(h.client)
	everywhere := newBrowser(t)
	h.mustLogin(everywhere, "xia", "/")
	laptop := newBrowser(t)
	h.mustLogin(laptop, "xia", "/")
	h.get(defaultLogoutPath)
	h.do(everywhere, http.MethodGet, siteURL+defaultLogoutPath+"?all=1", nil)

	site := h.caddyfile()
	h.load(strings.Replace(site, "timeout 2s", "timeout 3s", 1))
	if s := h.apiStatus(stolen); s != http.StatusUnauthorized {
		t.Errorf("logged-out cookie after a reload: status %d, want 401", s)
	}
	// Another site on the same ports, then ours again: the app's memory
	// is gone, so only storage can refuse the cookie now. An app's memory
	// is made anew only when no config held it, and its first act is to
	// read storage, which it logs: one such line more proves the restart.
	loaded := func() int { return strings.Count(readLog(t, h.logFile, revocationsLoaded), revocationsLoaded) }
	before := loaded() // the first load's line, at least
	h.load(fmt.Sprintf("{\n\tadmin localhost:2999\n\thttp_port %d\n\tstorage file_system %q\n}\nhttp://localhost:%d {\n\trespond ok\n}\n",
		sitePort, h.storage, sitePort))
	h.load(site)
	waitFor(t, 5*time.Second, "new memory of the app (its state outlived its last config: this would not test a restart)",
		func() bool { return loaded() == before+1 })
	if s := h.apiStatus(stolen); s != http.StatusUnauthorized {
		t.Errorf("logged-out cookie after a restart: status %d, want 401", s)
	}
	if s := h.apiStatusWith(laptop); s != http.StatusUnauthorized {
		t.Errorf("a session ended by logout everywhere, after a restart: status %d, want 401", s)
	}
}
