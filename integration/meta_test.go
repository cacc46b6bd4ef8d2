package integration

import (
	"context"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/b4b0c547/caddy-instagram-auth/instagramtest"
)

// Behaviour 13: Meta's deauthorize callback, signed as Meta signs it, ends
// every session the user had, and none of anyone else's.
func TestDeauthorizeEndsTheUsersSessions(t *testing.T) {
	h := newHarness(t)
	h.ig.SetClock(now)
	phone, laptop, other := newBrowser(t), newBrowser(t), newBrowser(t)
	h.mustLogin(phone, "mia", "/")
	h.mustLogin(laptop, "mia", "/")
	h.mustLogin(other, "noah", "/")

	status, err := h.ig.SendDeauthorize(context.Background(), nil, siteURL+defaultDeauthorizePath, instagramtest.UserID("mia"))
	if err != nil || status != http.StatusOK {
		t.Fatalf("deauthorize: status %d, %v; want 200", status, err)
	}
	for name, c := range map[string]*http.Client{"phone": phone, "laptop": laptop} {
		if s := h.apiStatusWith(c); s != http.StatusUnauthorized {
			t.Errorf("mia's %s after deauthorize: status %d, want 401", name, s)
		}
	}
	if s := h.apiStatusWith(other); s != http.StatusOK {
		t.Errorf("another user's session after mia's deauthorize: status %d, want 200", s)
	}
	// A login after the app was removed (and allowed again) is a new
	// session, which the callback did not end.
	advanceClock(t, 2*time.Second)
	again := newBrowser(t)
	h.mustLogin(again, "mia", "/")
	if s := h.apiStatusWith(again); s != http.StatusOK {
		t.Errorf("mia's new login after deauthorize: status %d, want 200", s)
	}
}

// The mock's "Remove app" (its settings page) calls the deauthorize URL as
// Meta does.
func TestRemoveAppInInstagramSettings(t *testing.T) {
	h := newHarness(t)
	h.ig.SetClock(now)
	h.ig.SetCallbacks(siteURL+defaultDeauthorizePath, siteURL+defaultDataDeletionPath)
	h.mustLogin(h.client, "olga", "/")
	if status, err := h.ig.RemoveApp(context.Background(), "olga"); err != nil || status != http.StatusOK {
		t.Fatalf("remove app: status %d, %v", status, err)
	}
	if s := h.apiStatusWith(h.client); s != http.StatusUnauthorized {
		t.Errorf("after removing the app: status %d, want 401", s)
	}
}

// Behaviour 13: data deletion ends the sessions and answers a status page
// URL and a confirmation code; the page needs no storage and names the
// code; a forged code gets 404.
func TestDataDeletion(t *testing.T) {
	h := newHarness(t)
	h.ig.SetClock(now)
	h.mustLogin(h.client, "pia", "/")
	statusURL, code, err := h.ig.SendDataDeletion(context.Background(), nil, siteURL+defaultDataDeletionPath, instagramtest.UserID("pia"))
	if err != nil {
		t.Fatalf("data deletion: %v", err)
	}
	if s := h.apiStatusWith(h.client); s != http.StatusUnauthorized {
		t.Errorf("after data deletion: status %d, want 401", s)
	}
	if !strings.HasPrefix(statusURL, siteURL+defaultDataDeletionPath+"?") {
		t.Errorf("status URL %q is not the site's data deletion path", statusURL)
	}
	resp := h.do(newBrowser(t), http.MethodGet, statusURL, nil)
	body := readAll(t, resp)
	if resp.StatusCode != http.StatusOK || !strings.Contains(resp.Header.Get("Content-Type"), "text/html") {
		t.Fatalf("status page: %d %q", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	for _, want := range []string{code, "keeps no data of its own", "sessions on this site that started", "were ended"} {
		if !strings.Contains(body, want) {
			t.Errorf("status page lacks %q:\n%s", want, body)
		}
	}
	if strings.Contains(body, instagramtest.UserID("pia")) {
		t.Error("status page shows the user id: anyone with the link would see it")
	}
	// A session cookie is sealed with the same key, for another purpose.
	forged := []string{code[:len(code)-2] + "AA", "x", "", sessionCookie(h.client)}
	for _, c := range forged {
		resp := h.do(newBrowser(t), http.MethodGet, siteURL+defaultDataDeletionPath+"?code="+url.QueryEscape(c), nil)
		if resp.StatusCode != http.StatusNotFound {
			t.Errorf("status page for forged code %.12q: status %d, want 404", c, resp.StatusCode)
		}
	}
	// The page survives a restart: nothing was kept but the code itself.
	h.load(strings.Replace(h.caddyfile(), "timeout 2s", "timeout 3s", 1))
	if resp := h.do(newBrowser(t), http.MethodGet, statusURL, nil); resp.StatusCode != http.StatusOK {
		t.Errorf("status page after reload: %d", resp.StatusCode)
	}
}

// The callbacks are the handler's own paths: served whatever the
// directive's matcher, never passed upstream.
func TestCallbacksOutsideTheMatcher(t *testing.T) {
	h := newHarness(t, withMatcher("/admin/*"))
	h.ig.SetClock(now)
	status, err := h.ig.SendDeauthorize(context.Background(), nil, siteURL+defaultDeauthorizePath, instagramtest.UserID("tom"))
	if err != nil || status != http.StatusOK {
		t.Errorf("deauthorize outside the matcher: %d %v", status, err)
	}
	if _, _, err := h.ig.SendDataDeletion(context.Background(), nil, siteURL+defaultDataDeletionPath, instagramtest.UserID("tom")); err != nil {
		t.Errorf("data deletion outside the matcher: %v", err)
	}
	if n := h.up.calls.Load(); n != 0 {
		t.Errorf("the upstream was called %d times", n)
	}
}

// apiStatusWith asks for / as an API client with the browser's cookies.
func (h *harness) apiStatusWith(c *http.Client) int {
	h.t.Helper()
	resp := h.do(c, http.MethodGet, siteURL+"/", nil, "Accept", "application/json")
	_, _ = io.Copy(io.Discard, resp.Body)
	return resp.StatusCode
}

// Behaviours 25 and 26 for what ends sessions from elsewhere: logout
// everywhere and Meta's callbacks are counted by source and reach the
// events app as instagram_session_revoked; a replay is neither.
func TestRevocationsCountedAndEmitted(t *testing.T) {
	h := newHarness(t)
	h.ig.SetClock(now)
	withEventRecorder(h)
	h.mustLogin(h.client, "zoe", "/")
	takeEvents()
	zoe := instagramtest.UserID("zoe")
	revoked := func(source, username string) recordedEvent {
		return recordedEvent{name: eventRevoked, data: map[string]any{"user_id": zoe, "username": username, "source": source}}
	}
	step := func(name string, want map[string]float64, events []recordedEvent, act func()) {
		t.Helper()
		before := scrape(t)
		act()
		movedBy(t, name, before, scrape(t), want)
		checkEvents(t, name, takeEvents(), events, nil)
	}
	step("logout everywhere", map[string]float64{revocationsSeries("logout"): 1, revocationsSeries("logout_all"): 1},
		[]recordedEvent{revoked("logout_all", "zoe"), {name: eventLogout, data: map[string]any{"user_id": zoe, "username": "zoe"}}},
		func() { h.get(defaultLogoutPath + "?all=1") })

	deauthorize := form(instagramtest.SignedRequest(testSecret, zoe, now().Add(5*time.Second)))
	post := func(path, body string) {
		resp := h.do(http.DefaultClient, http.MethodPost, siteURL+path, strings.NewReader(body),
			"Content-Type", "application/x-www-form-urlencoded")
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("%s: status %d", path, resp.StatusCode)
		}
	}
	step("deauthorize", map[string]float64{revocationsSeries("deauthorize"): 1}, []recordedEvent{revoked("deauthorize", "")},
		func() { post(defaultDeauthorizePath, deauthorize) })
	step("deauthorize replayed", nil, nil, func() { post(defaultDeauthorizePath, deauthorize) })
	deletion := form(instagramtest.SignedRequest(testSecret, zoe, now().Add(10*time.Second)))
	step("data deletion", map[string]float64{revocationsSeries("data_deletion"): 1}, []recordedEvent{revoked("data_deletion", "")},
		func() { post(defaultDataDeletionPath, deletion) })
}
