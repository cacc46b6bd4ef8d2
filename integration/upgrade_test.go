package integration

import (
	"encoding/json"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/b4b0c547/caddy-instagram-auth/internal/record"
	"github.com/b4b0c547/caddy-instagram-auth/internal/seal"
)

// Behaviour 14: sessions sealed by the release at commit 2efb6bc (record
// format 1, its cookie names) are accepted and re-issued in the current
// form on first use. The values in testdata were sealed by that release's
// own code, not by this one.

type v1Sessions struct {
	CookieSecret string `json:"cookie_secret"`
	ClientID     string `json:"client_id"`
	SealedAt     int64  `json:"sealed_at"`
	Sessions     []struct {
		CookieName string `json:"cookie_name"`
		UserID     string `json:"user_id"`
		Username   string `json:"username"`
		Token      string `json:"token"`
		Value      string `json:"value"`
	} `json:"sessions"`
}

// loadV1Sessions reads the test data and sets the clock a minute after
// the values were sealed, so that they are live.
func loadV1Sessions(t *testing.T) v1Sessions {
	t.Helper()
	b, err := os.ReadFile("testdata/upgrade/v1_sessions.json")
	if err != nil {
		t.Fatal(err)
	}
	var v v1Sessions
	if err := json.Unmarshal(b, &v); err != nil || v.ClientID != testID || len(v.Sessions) < 3 {
		t.Fatalf("testdata/upgrade/v1_sessions.json: %v (client_id %q)", err, v.ClientID)
	}
	advanceClock(t, time.Until(time.Unix(v.SealedAt, 0))+time.Minute)
	return v
}

// withCookie asks for / as an API client sending exactly one cookie.
func (h *harness) withCookie(name, value string) *http.Response {
	h.t.Helper()
	return h.do(http.DefaultClient, http.MethodGet, siteURL+"/", nil, "Accept", "application/json", "Cookie", name+"="+value)
}

// sealedFormat opens a Set-Cookie value with the data's key and returns
// the record format inside, or 0.
func sealedFormat(t *testing.T, secret, cookieName, value string) byte {
	t.Helper()
	keys, err := seal.NewRing([]string{secret})
	if err != nil {
		t.Fatal(err)
	}
	plain, _, ok := keys.Open(seal.Bind(seal.SessionPurpose, cookieName, testID), value)
	if !ok || len(plain) == 0 {
		return 0
	}
	return plain[0]
}

// With insecure_cookies the name is the same as before: the old value is
// accepted with its identity and sealed again in format 2, once.
func TestUpgradeUnderTheSameName(t *testing.T) {
	v := loadV1Sessions(t)
	h := newHarness(t, withOptions("cookie_secret "+v.CookieSecret))
	for _, s := range v.Sessions {
		if s.CookieName != insecureCookieName {
			continue
		}
		resp := h.withCookie(insecureCookieName, s.Value)
		e := h.upstreamSaw(resp)
		if e.Header.Get(defaultHeaderUserID) != s.UserID || e.Header.Get(defaultHeaderUsername) != s.Username ||
			e.Header.Get(defaultHeaderToken) != s.Token {
			t.Errorf("%s: upstream saw %v", s.UserID, e.Header)
		}
		renewed := findSetCookie(resp, insecureCookieName)
		if renewed == nil || sealedFormat(t, v.CookieSecret, insecureCookieName, renewed.Value) != 2 {
			t.Fatalf("%s: not re-issued in format 2: %+v", s.UserID, renewed)
		}
		again := h.withCookie(insecureCookieName, renewed.Value)
		if h.upstreamSaw(again).Header.Get(defaultHeaderUserID) != s.UserID {
			t.Errorf("%s: the re-issued cookie is not the same session", s.UserID)
		}
		if c := findSetCookie(again, insecureCookieName); c != nil {
			t.Errorf("%s: the re-issued cookie was issued again: a seal per request", s.UserID)
		}
	}
}

// With the default __Host- name, the earlier default name is read once,
// re-issued under the new name and cleared; but only in the earlier
// format: a current-format value under the old name is refused.
func TestUpgradeToTheHostPrefixedName(t *testing.T) {
	v := loadV1Sessions(t)
	h := newHarness(t, withOptions("cookie_secret "+v.CookieSecret))
	h.load(strings.Replace(h.caddyfile(), "insecure_cookies\n", "", 1))
	s := v.Sessions[0]
	resp := h.withCookie(insecureCookieName, s.Value)
	if got := h.upstreamSaw(resp).Header.Get(defaultHeaderUserID); got != s.UserID {
		t.Fatalf("the earlier release's cookie: user %q, want %q", got, s.UserID)
	}
	renewed := findSetCookie(resp, defaultCookieName)
	if renewed == nil || !renewed.Secure || sealedFormat(t, v.CookieSecret, defaultCookieName, renewed.Value) != 2 {
		t.Fatalf("not re-issued as a Secure %s in format 2: %+v", defaultCookieName, renewed)
	}
	if old := findSetCookie(resp, insecureCookieName); old == nil || old.MaxAge >= 0 {
		t.Errorf("the old cookie was not cleared: %+v", old)
	}
	if got := h.upstreamSaw(h.withCookie(defaultCookieName, renewed.Value)).Header.Get(defaultHeaderUserID); got != s.UserID {
		t.Errorf("the re-issued cookie: user %q", got)
	}
	// A format 2 value, sealed for the old name with the right key: the
	// old name must not stay a way in.
	keys, _ := seal.NewRing([]string{v.CookieSecret})
	fresh := record.Session{ID: record.ID{1}, UserID: s.UserID, Token: "T", Created: now().Unix(), Issued: now().Unix(), Expires: now().Unix() + 3600}
	forged := keys.Seal(seal.Bind(seal.SessionPurpose, insecureCookieName, testID), record.EncodeSession(&fresh))
	if resp := h.withCookie(insecureCookieName, forged); resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("a format 2 value under the earlier name: status %d, want 401", resp.StatusCode)
	}
	// The earlier format under the new name was never sealed so: refused.
	if resp := h.withCookie(defaultCookieName, s.Value); resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("the earlier release's value under the new name: status %d, want 401", resp.StatusCode)
	}
}

// A cookie_name of the user's own: the same name before and after.
func TestUpgradeCustomCookieName(t *testing.T) {
	v := loadV1Sessions(t)
	h := newHarness(t, withOptions("cookie_secret "+v.CookieSecret, "cookie_name myapp_session"))
	for _, s := range v.Sessions {
		if s.CookieName != "myapp_session" {
			continue
		}
		resp := h.withCookie("myapp_session", s.Value)
		if got := h.upstreamSaw(resp).Header.Get(defaultHeaderUsername); got != s.Username {
			t.Errorf("username %q, want %q", got, s.Username)
		}
		renewed := findSetCookie(resp, "myapp_session")
		if renewed == nil || sealedFormat(t, v.CookieSecret, "myapp_session", renewed.Value) != 2 {
			t.Errorf("not re-issued in format 2: %+v", renewed)
		}
		if resp := h.withCookie(insecureCookieName, s.Value); resp.StatusCode != http.StatusUnauthorized {
			t.Errorf("under another name: status %d, want 401", resp.StatusCode)
		}
	}
}

// Logging out of an upgraded session refuses the old cookie too: the
// upgrade keeps the session's id, whichever copy logs out.
func TestLogoutOfAnUpgradedSession(t *testing.T) {
	v := loadV1Sessions(t)
	h := newHarness(t, withOptions("cookie_secret "+v.CookieSecret))
	for i, s := range v.Sessions[:2] {
		renewed := findSetCookie(h.withCookie(insecureCookieName, s.Value), insecureCookieName)
		if renewed == nil {
			t.Fatal("not re-issued")
		}
		// First session: log out with the new cookie; second: the old.
		out, kept := renewed.Value, s.Value
		if i == 1 {
			out, kept = s.Value, renewed.Value
		}
		h.do(http.DefaultClient, http.MethodGet, siteURL+defaultLogoutPath, nil, "Cookie", insecureCookieName+"="+out)
		if resp := h.withCookie(insecureCookieName, kept); resp.StatusCode != http.StatusUnauthorized {
			t.Errorf("session %d: the other copy after logout: status %d, want 401", i, resp.StatusCode)
		}
	}
}
