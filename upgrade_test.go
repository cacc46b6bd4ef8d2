package instagramauth

import (
	"testing"
	"time"

	"github.com/b4b0c547/caddy-instagram-auth/internal/record"
	"github.com/caddyserver/caddy/v2"
)

// Behaviours 10 and 14: upgrading with a shorter session_lifetime than the
// earlier release's logs nobody out, and ends the old sessions at most
// that long from now (a format 1 record holds no login time): the newest
// old sessions are not refused, nor the oldest kept too long.
func TestUpgradeWithShorterLifetime(t *testing.T) {
	unitFixClock(t, unitEpoch)
	h := unitHandler(t) // insecure_cookies: format 1 is read under _instagram_auth
	v1 := func(expires time.Time) string {
		rec := record.V1{Time: expires.Unix(), Fields: [3]string{"17841400000000001", "alice", "TOKEN"}}
		return h.keys.Seal(h.cfg.aad.Session, rec.Encode())
	}
	loggedIn1hAgo := v1(unitEpoch.Add(23 * time.Hour)) // the earlier release's 24h
	loggedIn20hAgo := v1(unitEpoch.Add(4 * time.Hour))
	h.SessionLifetime = caddy.Duration(12 * time.Hour)
	h.cfg = derive(h, false)
	for name, cookie := range map[string]string{"1h": loggedIn1hAgo, "20h": loggedIn20hAgo} {
		s, ok := h.sessions.current(getWithCookie("http://site.example/", insecureCookieName+"="+cookie))
		if !ok {
			t.Errorf("a session logged in %s ago refused after an upgrade with session_lifetime 12h", name)
		}
		// Sealed again in the current form on this first use, it ends at
		// most session_lifetime from now.
		if end := h.sessions.endOf(&s); end > unitEpoch.Add(12*time.Hour).Unix() {
			t.Errorf("the session logged in %s ago ends %v after its first use, want at most 12h", name,
				time.Duration(end-unitEpoch.Unix())*time.Second)
		}
	}
}

// While in the old form, a session's login time is a guess: any "log out
// everywhere" ends it.
func TestLogoutEverywhereCoversOldFormSessions(t *testing.T) {
	unitFixClock(t, unitEpoch)
	h := unitHandler(t)
	rec := record.V1{Time: unitEpoch.Add(23 * time.Hour).Unix(), Fields: [3]string{"17841400000000001", "alice", "TOKEN"}}
	cookie := insecureCookieName + "=" + h.keys.Seal(h.cfg.aad.Session, rec.Encode())
	h.shared.revokeUser("17841400000000001", unitEpoch.Add(-time.Hour).Unix(), unitEpoch.Add(time.Hour).Unix())
	if _, ok := h.sessions.current(getWithCookie("http://site.example/", cookie)); ok {
		t.Error("an old-form session survived its user's log out everywhere")
	}
}
