package integration

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/b4b0c547/caddy-instagram-auth/instagramtest"
)

// Behaviour 31: Instagram's answers are kept (5 minutes, refusals 1), and
// a revocation of the user ends the kept acceptance at once.

func TestBearerAnswersKept(t *testing.T) {
	h := newHarness(t, withOptions("allow_bearer"))
	h.ig.SetClock(now)
	token := h.ig.MintToken("dora", true)
	for i := range 3 {
		h.upstreamSaw(h.bearerCall("/api", token))
		if n := h.ig.UserinfoRequests(); n != 1 {
			t.Fatalf("request %d: %d calls to Instagram, want 1", i+1, n)
		}
	}
	advanceClock(t, 5*time.Minute)
	h.upstreamSaw(h.bearerCall("/api", token))
	if n := h.ig.UserinfoRequests(); n != 2 {
		t.Errorf("after 5 minutes: %d calls, want 2 (asked again)", n)
	}

	// A refusal for a minute: Instagram is not asked in between, and the
	// token, revoked meanwhile, stays refused afterwards.
	junk := h.ig.MintToken("dora", true)
	h.ig.RevokeToken(junk)
	checkInvalidToken(t, h.bearerCall("/api", junk), "revoked")
	advanceClock(t, 59*time.Second)
	checkInvalidToken(t, h.bearerCall("/api", junk), "revoked, 59s later")
	if n := h.ig.UserinfoRequests(); n != 3 {
		t.Errorf("a refusal within the minute: %d calls, want 3", n)
	}
	advanceClock(t, time.Second)
	checkInvalidToken(t, h.bearerCall("/api", junk), "revoked, a minute later")
	if n := h.ig.UserinfoRequests(); n != 4 {
		t.Errorf("a refusal after the minute: %d calls, want 4", n)
	}
}

// A deauthorize (the user removed the app) ends the kept acceptance of the
// user's tokens: the next request asks Instagram, which refuses them.
// Another user's kept acceptance is untouched.
func TestBearerEndsWithDeauthorize(t *testing.T) {
	h := newHarness(t, withOptions("allow_bearer"))
	h.ig.SetClock(now)
	h.ig.SetCallbacks(siteURL+defaultDeauthorizePath, "")
	gone, stays := h.ig.MintToken("emil", true), h.ig.MintToken("fay", true)
	h.upstreamSaw(h.bearerCall("/", gone))
	h.upstreamSaw(h.bearerCall("/", stays))
	if status, err := h.ig.RemoveApp(context.Background(), "emil"); err != nil || status != http.StatusOK {
		t.Fatalf("remove app: %d %v", status, err)
	}
	calls := h.ig.UserinfoRequests()
	checkInvalidToken(t, h.bearerCall("/", gone), "after deauthorize")
	h.upstreamSaw(h.bearerCall("/", stays))
	if n := h.ig.UserinfoRequests() - calls; n != 1 {
		t.Errorf("%d calls to Instagram, want 1 (the revoked user's token only)", n)
	}
}

// The same for a data deletion request, whose record reaches the bearer
// cache the same way; Instagram itself still accepting the token here (the
// mock only revokes on Remove app) shows the cache was asked again, not
// that Instagram refused.
func TestBearerRecheckedAfterDataDeletion(t *testing.T) {
	h := newHarness(t, withOptions("allow_bearer"))
	h.ig.SetClock(now)
	token := h.ig.MintToken("gil", true)
	h.upstreamSaw(h.bearerCall("/", token))
	if _, _, err := h.ig.SendDataDeletion(context.Background(), nil, siteURL+defaultDataDeletionPath, instagramtest.UserID("gil")); err != nil {
		t.Fatal(err)
	}
	advanceClock(t, 2*time.Second) // past the deletion's issued_at second
	h.upstreamSaw(h.bearerCall("/", token))
	h.upstreamSaw(h.bearerCall("/", token))
	if n := h.ig.UserinfoRequests(); n != 2 {
		t.Errorf("%d calls to Instagram, want 2: asked again once after the deletion, then kept", n)
	}
}

// Logout everywhere ends the user's browser sessions, not the tokens an
// app holds: those are Instagram's to end. The token is asked about again
// (its acceptance predates the logout), and passes.
func TestBearerOutlivesLogoutEverywhere(t *testing.T) {
	h := newHarness(t, withOptions("allow_bearer"))
	h.ig.SetClock(now)
	token := h.ig.MintToken("hugo", true)
	h.upstreamSaw(h.bearerCall("/", token))
	h.mustLogin(h.client, "hugo", "/")
	h.get(defaultLogoutPath + "?all=1")
	if s := h.apiStatusWith(h.client); s != http.StatusUnauthorized {
		t.Errorf("the browser after logout everywhere: status %d, want 401", s)
	}
	calls := h.ig.UserinfoRequests()
	advanceClock(t, 2*time.Second)
	e := h.upstreamSaw(h.bearerCall("/", token))
	if e.Header.Get(defaultHeaderUsername) != "hugo" {
		t.Errorf("the app's token after logout everywhere: user %q", e.Header.Get(defaultHeaderUsername))
	}
	if n := h.ig.UserinfoRequests() - calls; n != 1 {
		t.Errorf("%d calls to Instagram after logout everywhere, want 1", n)
	}
}
