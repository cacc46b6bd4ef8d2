package integration

import (
	"io/fs"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/b4b0c547/caddy-instagram-auth/instagramtest"
)

// revocationRecords counts the revocation records in the storage folder
// whose names start with one of kinds: s- (a session), u- (a user's
// sessions).
func revocationRecords(storage string, kinds ...string) int {
	n := 0
	_ = filepath.WalkDir(filepath.Join(storage, "instagram_auth"), func(p string, d fs.DirEntry, err error) error {
		name := filepath.Base(p)
		if err != nil || d.IsDir() || !strings.Contains(p, "/revoked/") {
			return nil
		}
		for _, kind := range kinds {
			if strings.HasPrefix(name, kind) {
				n++
			}
		}
		return nil
	})
	return n
}

// logoutLines counts the log's logout lines of one user.
func logoutLines(log, userID string) int {
	n := 0
	for _, line := range strings.Split(log, "\n") {
		if strings.Contains(line, `"msg":"logout"`) && strings.Contains(line, `"user_id":"`+userID+`"`) {
			n++
		}
	}
	return n
}

// Behaviour 12: only a session that is still acceptable can revoke. A
// cookie already logged out, replayed to logout_path with or without
// ?all=1 (once a second, so that each "log out everywhere" would name a
// later time), and a cookie past its lifetime, write nothing to storage,
// count nothing, emit nothing and log nothing; the browser that sent them
// still has its cookies cleared and goes to logout_redirect.
func TestLogoutReplayWritesNothing(t *testing.T) {
	h := newHarness(t, withOptions("session_lifetime 1h"))
	withEventRecorder(h)
	h.mustLogin(h.client, "olga", "/")
	olga, olgaID := sessionCookie(h.client), instagramtest.UserID("olga")
	if resp := h.get(defaultLogoutPath + "?all=1"); resp.StatusCode != http.StatusFound {
		t.Fatalf("the first logout everywhere: status %d", resp.StatusCode)
	}
	waitFor(t, 5*time.Second, "the logout's two records (the session, the user) in storage",
		func() bool { return revocationRecords(h.storage, "s-", "u-") == 2 })
	expiring := newBrowser(t)
	h.mustLogin(expiring, "pete", "/")
	pete, peteID := sessionCookie(expiring), instagramtest.UserID("pete")
	takeEvents()

	replay := func(what, cookie, query string) {
		t.Helper()
		before := scrape(t)
		resp := h.do(newBrowser(t), http.MethodGet, siteURL+defaultLogoutPath+query, nil,
			"Accept", "text/html", "Cookie", insecureCookieName+"="+cookie)
		if resp.StatusCode != http.StatusFound || resp.Header.Get("Location") != "/" {
			t.Errorf("%s: status %d to %q, want 302 to logout_redirect", what, resp.StatusCode, resp.Header.Get("Location"))
		}
		if c := findSetCookie(resp, insecureCookieName); c == nil || c.MaxAge >= 0 {
			t.Errorf("%s: the dead cookie was not cleared: %+v", what, c)
		}
		movedBy(t, what, before, scrape(t), nil)
		if events := takeEvents(); len(events) != 0 {
			t.Errorf("%s: events %+v, want none", what, events)
		}
	}
	for range 4 {
		advanceClock(t, time.Second)
		replay("a logged-out cookie to logout everywhere", olga, "?all=1")
		replay("a logged-out cookie to logout", olga, "")
	}
	advanceClock(t, 2*time.Hour) // past pete's session_lifetime
	replay("a cookie past its lifetime to logout everywhere", pete, "?all=1")
	replay("a cookie past its lifetime to logout", pete, "")

	// A real logout after them: storage takes records in order, so once
	// its session record is there, any the replays made would be too.
	last := newBrowser(t)
	h.mustLogin(last, "quinn", "/")
	h.do(last, http.MethodGet, siteURL+defaultLogoutPath, nil)
	waitFor(t, 5*time.Second, "the last logout's record in storage", func() bool { return revocationRecords(h.storage, "s-") == 2 })
	if n := revocationRecords(h.storage, "s-", "u-"); n != 3 {
		t.Errorf("%d revocation records in storage, want 3 (olga's session and user, quinn's session): the replays wrote %d", n, n-3)
	}
	log := readLog(t, h.logFile, `"user_id":"`+instagramtest.UserID("quinn")+`"`)
	if n := logoutLines(log, olgaID); n != 1 {
		t.Errorf("olga's logout logged %d times, want once (the replays logged)", n)
	}
	if n := logoutLines(log, peteID); n != 0 {
		t.Errorf("pete's expired cookie logged %d logouts, want none", n)
	}
}
