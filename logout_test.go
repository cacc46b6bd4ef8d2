package instagramauth

import (
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/b4b0c547/caddy-instagram-auth/internal/instagram"
	"go.uber.org/zap"
)

// A logout, and a "log out everywhere", end every session the browser
// sent, also when a planted cookie of another user is among them: two
// users' sessions are no session to serve, but still sessions to end.
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
