package instagramauth

import (
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/b4b0c547/caddy-instagram-auth/internal/record"
	"github.com/caddyserver/caddy/v2"
)

// askAuth sends h's auth endpoint a GET with cookie, as a proxy would.
func askAuth(t *testing.T, h *Handler, cookie string, header ...string) *httptest.ResponseRecorder {
	t.Helper()
	h.headers = newIdentityHeaders(h.HeaderUserID, h.HeaderUsername, h.HeaderToken, "") // as Provision sets them
	r := getWithCookie("http://site.example"+defaultAuthPath, cookie)
	for i := 0; i+1 < len(header); i += 2 {
		r.Header.Set(header[i], header[i+1])
	}
	w := httptest.NewRecorder()
	if err := h.ServeHTTP(w, r, noopNext); err != nil {
		t.Fatalf("ServeHTTP: %v", err)
	}
	return w
}

// nginx passes on only the first Set-Cookie of the auth answer: the
// endpoint never sends two, whatever renewal a session is due.
func TestAuthEndpointSetsOneCookieAtMost(t *testing.T) {
	unitFixClock(t, unitEpoch)
	v1 := record.V1{Time: unitEpoch.Add(time.Hour).Unix(), Fields: [3]string{"17841400000000001", "alice", "TOKEN"}}
	t.Run("a cookie under the earlier release's name", func(t *testing.T) {
		h := unitHandler(t)
		h.InsecureCookies, h.CookieName = false, "" // the default name, with the earlier one read besides
		applyDefaults(h)
		h.cfg = derive(h, false)
		h.wire()
		if h.cfg.cookies.legacy == "" {
			t.Fatal("setup: no earlier name")
		}
		w := askAuth(t, h, h.cfg.cookies.legacy+"="+h.keys.Seal(h.cfg.aad.LegacySession, v1.Encode()))
		if w.Code != http.StatusOK || w.Header().Get(defaultHeaderUserID) != "17841400000000001" {
			t.Fatalf("status %d, user %q", w.Code, w.Header().Get(defaultHeaderUserID))
		}
		if n := len(w.Header().Values("Set-Cookie")); n != 0 {
			t.Errorf("%d Set-Cookie lines, want none: the upgrade would take two", n)
		}
	})
	t.Run("an earlier record under the current name", func(t *testing.T) {
		h := unitHandler(t) // insecure_cookies: the earlier name is the current one
		w := askAuth(t, h, insecureCookieName+"="+h.keys.Seal(h.cfg.aad.Session, v1.Encode()))
		if w.Code != http.StatusOK || len(w.Header().Values("Set-Cookie")) != 1 {
			t.Errorf("status %d, Set-Cookie %q; want 200 and the upgraded cookie", w.Code, w.Header().Values("Set-Cookie"))
		}
	})
	t.Run("idle renewal", func(t *testing.T) {
		h := unitHandler(t)
		h.SessionIdle = caddy.Duration(time.Hour)
		h.cfg = derive(h, false)
		h.wire()
		s := record.Session{ID: record.ID{7}, UserID: "1", Token: "T", Host: "site.example", Created: unitEpoch.Unix() - 600,
			Issued: unitEpoch.Unix() - 600, Expires: unitEpoch.Unix() + 3600}
		w := askAuth(t, h, insecureCookieName+"="+sealForTest(h, s))
		if w.Code != http.StatusOK || len(w.Header().Values("Set-Cookie")) != 1 {
			t.Errorf("status %d, Set-Cookie %q; want 200 and one renewed cookie", w.Code, w.Header().Values("Set-Cookie"))
		}
	})
}

// Without a session the auth endpoint answers the 401 of API calls to a
// browser's page load too: the proxy that asked decides what to show.
func TestAuthEndpointNeverStartsALogin(t *testing.T) {
	h := unitHandler(t)
	w := askAuth(t, h, "", "Accept", "text/html", "Sec-Fetch-Mode", "navigate", "Sec-Fetch-Dest", "document")
	if w.Code != http.StatusUnauthorized || w.Header().Get("Location") != "" || len(w.Header().Values("Set-Cookie")) != 0 {
		t.Errorf("status %d, headers %v; want a bare 401", w.Code, w.Header())
	}
	if got := w.Body.String(); got != string(answerUnauthorized) {
		t.Errorf("body %q", got)
	}
}
