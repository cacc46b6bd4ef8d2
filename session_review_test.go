package instagramauth

// Found in review, each shown failing before its fix.

import (
	"github.com/b4b0c547/caddy-instagram-auth/internal/instagram"

	"github.com/b4b0c547/caddy-instagram-auth/internal/record"

	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/caddyserver/caddy/v2"
	"go.uber.org/zap"
)

func sealForTest(h *Handler, s record.Session) string {
	return h.keys.Seal(h.cfg.aad.Session, record.EncodeSession(&s))
}

func getWithCookie(url, cookie string) *http.Request {
	r := httptest.NewRequest(http.MethodGet, url, nil)
	if cookie != "" {
		r.Header.Set("Cookie", cookie)
	}
	return r
}

// Behaviours 10 and 14: upgrading with a shorter session_lifetime than the
// earlier release's logs nobody out, and ends the old sessions at most
// that long from now (a format 1 record holds no login time). Before the
// fix, the newest old sessions were refused and the oldest kept too long.
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
	h.cfg = h.derive(false)
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

// A revoked copy of the user's own cookie sent first (a host-only cookie
// left from before cookie_domain, say) must not hide the live session:
// before the fix, only the first cookie that opened was judged.
func TestDeadCopyFirstDoesNotHideLiveSession(t *testing.T) {
	unitFixClock(t, unitEpoch)
	h := unitHandler(t)
	id := instagram.Identity{UserID: "17841400000000001", Username: "alice", Token: "T", Expires: unitEpoch.Add(24 * time.Hour)}
	r0 := getWithCookie("http://site.example/", "")
	stale, fresh := h.sessions.start(id, r0), h.sessions.start(id, r0)
	h.shared.revokeSession(stale.ID, stale.Expires)
	name := h.cfg.cookies.session
	r := getWithCookie("http://site.example/", name+"="+sealForTest(h, stale)+"; "+name+"="+sealForTest(h, fresh))
	if s, ok := h.sessions.current(r); !ok || s.ID != fresh.ID {
		t.Errorf("a live session was refused because a revoked copy came first")
	}
	// A dead planted cookie of another user does not lock the user out
	// either; a live one still means no session.
	other := h.sessions.start(instagram.Identity{UserID: "222", Token: "T", Expires: unitEpoch.Add(24 * time.Hour)}, r0)
	h.shared.revokeSession(other.ID, other.Expires)
	r = getWithCookie("http://site.example/", name+"="+sealForTest(h, other)+"; "+name+"="+sealForTest(h, fresh))
	if _, ok := h.sessions.current(r); !ok {
		t.Error("a revoked cookie of another user locked the user out")
	}
	live := h.sessions.start(instagram.Identity{UserID: "333", Token: "T", Expires: unitEpoch.Add(24 * time.Hour)}, r0)
	r = getWithCookie("http://site.example/", name+"="+sealForTest(h, live)+"; "+name+"="+sealForTest(h, fresh))
	if _, ok := h.sessions.current(r); ok {
		t.Error("live sessions of two users made a session")
	}
}

// A logout, and a "log out everywhere", end every session the browser
// sent, also when a planted cookie of another user is among them: before
// the fix, such a logout revoked nothing and said nothing.
func TestLogoutWithAPlantedCookieEndsThemAll(t *testing.T) {
	unitFixClock(t, unitEpoch)
	h := unitHandler(t)
	h.logger = zap.NewNop()
	r0 := getWithCookie("http://site.example/", "")
	victim := h.sessions.start(instagram.Identity{UserID: "111", Token: "T", Expires: unitEpoch.Add(24 * time.Hour)}, r0)
	planted := h.sessions.start(instagram.Identity{UserID: "222", Token: "T", Expires: unitEpoch.Add(24 * time.Hour)}, r0)
	name := h.cfg.cookies.session
	victimCookie := name + "=" + sealForTest(h, victim)
	w := httptest.NewRecorder()
	_ = h.serveLogout(w, getWithCookie("http://site.example"+h.LogoutPath+"?all=1", name+"="+sealForTest(h, planted)+"; "+victimCookie))
	if w.Code != http.StatusFound {
		t.Fatalf("logout answered %d", w.Code)
	}
	if _, ok := h.sessions.current(getWithCookie("http://site.example/", victimCookie)); ok {
		t.Error("after ?all=1 the victim's session still works elsewhere")
	}
	unitFixClock(t, unitEpoch.Add(time.Minute))
	other := h.sessions.start(instagram.Identity{UserID: "111", Token: "T", Expires: unitEpoch.Add(24 * time.Hour)}, r0)
	if _, ok := h.sessions.current(getWithCookie("http://site.example/", name+"="+sealForTest(h, other))); !ok {
		t.Error("a login after the logout everywhere is refused")
	}
}
