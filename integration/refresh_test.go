package integration

import (
	"net/http"
	"strings"
	"testing"
	"time"
)

// Behaviour 11, through a real Caddy and the mock Instagram, which reads
// the plugin's clock: its tokens age, expire and may be refreshed (at least
// 24 hours old, unexpired) as the test moves the clock.

const tokenHeader = "X-Instagram-Access-Token"

// newRefreshHarness is a site whose sessions (session_lifetime 90d unless
// opts give one) outlive their long-lived tokens, which last tokenLifetime.
func newRefreshHarness(t *testing.T, tokenLifetime time.Duration, opts ...harnessOption) *harness {
	t.Helper()
	return newHarness(t, append(opts, func(h *harness) {
		h.ig.SetClock(func() time.Time { return now() })
		h.ig.SetLongLifetime(tokenLifetime)
		if !strings.Contains(h.options, "session_lifetime") {
			h.options += "session_lifetime 90d\n"
		}
	})...)
}

// visit asks for / as the browser and returns the token the upstream got
// and the session cookie the answer set, if any.
func (h *harness) visit() (string, *http.Cookie) {
	h.t.Helper()
	resp := h.get("/")
	return h.upstreamSaw(resp).Header.Get(tokenHeader), findSetCookie(resp, insecureCookieName)
}

// tokenWith asks for / with the given session cookie and returns the token
// the upstream got.
func (h *harness) tokenWith(cookie string) string {
	h.t.Helper()
	c := newBrowser(h.t)
	setCookie(c, insecureCookieName, cookie)
	resp := h.do(c, http.MethodGet, siteURL+"/", nil, "Accept", "application/json")
	return h.upstreamSaw(resp).Header.Get(tokenHeader)
}

func (h *harness) wantRefreshes(n int, when string) {
	h.t.Helper()
	if got := h.ig.RefreshRequests(); got != n {
		h.t.Fatalf("%s: %d refresh requests reached Instagram, want %d", when, got, n)
	}
}

// A session whose token expires within 7 days is refreshed on its next
// request: the upstream gets the new token and the cookie is re-issued,
// keeping the session id, so a logout still ends every copy.
func TestRefreshWithinSevenDaysOfExpiry(t *testing.T) {
	h := newRefreshHarness(t, 10*24*time.Hour)
	h.mustLogin(h.client, "nora", "/")
	first, set := h.visit()
	if first == "" || set != nil {
		t.Fatalf("just after login: token %q, Set-Cookie %v; want the token and no new cookie", first, set)
	}
	advanceClock(t, 2*24*time.Hour) // 8 days left
	if token, set := h.visit(); token != first || set != nil {
		t.Fatalf("8 days before the token's expiry: token changed %v, Set-Cookie %v; want neither", token != first, set)
	}
	h.wantRefreshes(0, "8 days before the token's expiry")
	beforeRefresh := sessionCookie(h.client)

	advanceClock(t, 24*time.Hour+time.Minute) // 7 days minus a minute left
	refreshed, set := h.visit()
	h.wantRefreshes(1, "7 days before the token's expiry")
	if refreshed == first || refreshed == "" {
		t.Fatalf("after the refresh the upstream got the old token")
	}
	if set == nil {
		t.Fatal("after the refresh: no new session cookie")
	}
	// The new token lives 10 days from now, well within the session.
	if want := 10 * 24 * 3600; set.MaxAge > want || set.MaxAge < want-5 {
		t.Errorf("re-issued cookie's Max-Age %d, want %d (the new token's end)", set.MaxAge, want)
	}
	if token, set := h.visit(); token != refreshed || set != nil {
		t.Errorf("with the new cookie: token is the new one %v, Set-Cookie %v; want the new token, no cookie", token == refreshed, set)
	}
	// A copy of the cookie from before the refresh gets the new token too,
	// without another call.
	if h.tokenWith(beforeRefresh) != refreshed {
		t.Error("the cookie from before the refresh did not get the refreshed token")
	}
	h.wantRefreshes(1, "after more requests")

	h.get(defaultLogoutPath)
	if status := h.apiStatus(beforeRefresh); status != http.StatusUnauthorized {
		t.Errorf("after logout with the refreshed cookie, the cookie from before the refresh: status %d, want 401", status)
	}
}

// Instagram may answer the same token with a new lifetime: the cookie is
// re-issued with the new end, and the session outlives the token's first
// end.
func TestRefreshSameTokenAgain(t *testing.T) {
	h := newRefreshHarness(t, 5*24*time.Hour)
	h.ig.SetRefreshKeepsToken(true)
	h.mustLogin(h.client, "mira", "/")
	first, _ := h.visit()
	advanceClock(t, 24*time.Hour+time.Minute)
	token, set := h.visit()
	if token != first || set == nil {
		t.Fatalf("refreshed to the same token: token changed %v, Set-Cookie %v; want the same token, a new cookie", token != first, set)
	}
	if want := 5 * 24 * 3600; set.MaxAge > want || set.MaxAge < want-5 {
		t.Errorf("re-issued cookie's Max-Age %d, want %d", set.MaxAge, want)
	}
	advanceClock(t, 4*24*time.Hour) // past the token's first end
	h.visit()
	// Refused at login (the token was too new), then done twice.
	h.wantRefreshes(3, "past the token's first end")
}

// Instagram refuses a token less than 24 hours old: the old token goes on,
// a warning is logged without the token, the session is not retried for an
// hour, and is refreshed once the token is old enough.
func TestRefreshRefusedTokenTooNew(t *testing.T) {
	h := newRefreshHarness(t, 3*24*time.Hour) // due from the start
	h.mustLogin(h.client, "olga", "/")
	first, set := h.visit()
	h.wantRefreshes(1, "first request")
	if set != nil {
		t.Error("a refused refresh re-issued the cookie")
	}
	log := readLog(t, h.logFile, "token refresh failed")
	if !strings.Contains(log, "token refresh failed") {
		t.Fatal("no warning logged for the refused refresh")
	}
	for _, line := range strings.Split(log, "\n") {
		if strings.Contains(line, "token refresh failed") && !strings.Contains(line, `"user_id":"`) {
			t.Errorf("the warning does not name the user: %s", line)
		}
		// Caddy's reverse_proxy logs the headers it sends at DEBUG (see
		// TestNoSecretsInDebugLogs); nothing of ours may.
		if strings.Contains(line, first) && logSource(line) != "http.handlers.reverse_proxy: upstream roundtrip" {
			t.Errorf("a log entry holds the access token: %s", logSource(line))
		}
	}
	advanceClock(t, 25*time.Hour) // the token is 25 hours old now
	refreshed, set := h.visit()
	h.wantRefreshes(2, "25 hours later")
	if refreshed == first || set == nil {
		t.Errorf("25 hours later: token changed %v, Set-Cookie %v; want the new token and cookie", refreshed != first, set)
	}
}

// After a failure the old token is forwarded and that session is not
// retried within the hour, however many requests come; after the hour it is.
func TestRefreshFailureNotRetriedWithinHour(t *testing.T) {
	h := newRefreshHarness(t, 5*24*time.Hour)
	h.ig.SetRefreshMinAge(0)
	h.ig.SetRefreshFail(true)
	h.mustLogin(h.client, "pia", "/")
	before := scrape(t)
	first, _ := h.visit()
	for range 5 {
		if token, _ := h.visit(); token != first {
			t.Fatal("a failed refresh changed the token")
		}
	}
	h.wantRefreshes(1, "six requests after a failure")
	advanceClock(t, 59*time.Minute)
	h.visit()
	h.wantRefreshes(1, "59 minutes after the failure")
	advanceClock(t, 2*time.Minute)
	h.visit()
	h.wantRefreshes(2, "61 minutes after the failure")
	h.ig.SetRefreshFail(false)
	advanceClock(t, 61*time.Minute)
	if token, set := h.visit(); token == first || set == nil {
		t.Errorf("once Instagram answers again: token changed %v, Set-Cookie %v", token != first, set)
	}
	h.wantRefreshes(3, "once Instagram answers again")

	// Behaviour 25: each refresh counted by its result, and timed.
	after := scrape(t)
	for name, want := range map[string]float64{
		refreshesSeries("error"): 2, refreshesSeries("ok"): 1,
		providerSeries("refresh", "error"): 2, providerSeries("refresh", "ok"): 1,
		durationCountSeries("refresh"): 3,
	} {
		if got := after[name] - before[name]; got != want {
			t.Errorf("%s moved by %v, want %v", name, got, want)
		}
	}
}

// When every refresh fails, the session ends with the token it forwards.
func TestRefreshFailingSessionEndsWithToken(t *testing.T) {
	h := newRefreshHarness(t, 3*24*time.Hour)
	h.ig.SetRefreshFail(true)
	h.mustLogin(h.client, "quentin", "/")
	first, _ := h.visit()
	advanceClock(t, 2*24*time.Hour)
	h.visit()
	h.wantRefreshes(2, "two days apart")
	advanceClock(t, 24*time.Hour-time.Minute)
	if token, _ := h.visit(); token != first {
		t.Error("a failed refresh changed the token")
	}
	advanceClock(t, 2*time.Minute) // the token has expired
	if resp := h.get("/"); resp.StatusCode != http.StatusFound {
		t.Errorf("after the token's expiry: status %d, want 302", resp.StatusCode)
	}
}

// Idle renewal and refresh together: one new cookie for both, and the idle
// timeout still ends the refreshed session.
func TestRefreshWithIdle(t *testing.T) {
	h := newRefreshHarness(t, 7*24*time.Hour+time.Hour, withOptions("session_idle 1h"))
	h.ig.SetRefreshMinAge(0)
	h.mustLogin(h.client, "tilda", "/")
	advanceClock(t, 50*time.Minute)
	first, set := h.visit()
	h.wantRefreshes(0, "7 days and 10 minutes before the token's expiry")
	if set == nil {
		t.Fatal("50 minutes after login: the idle session was not renewed")
	}
	advanceClock(t, 50*time.Minute)
	resp := h.get("/")
	refreshed := h.upstreamSaw(resp).Header.Get(tokenHeader)
	h.wantRefreshes(1, "6 days 23 hours before the token's expiry")
	if refreshed == first {
		t.Error("the upstream got the old token")
	}
	var issued []*http.Cookie
	for _, c := range resp.Cookies() {
		if c.Name == insecureCookieName {
			issued = append(issued, c)
		}
	}
	if len(issued) != 1 {
		t.Fatalf("%d session cookies set, want 1 for the renewal and the refresh", len(issued))
	}
	if issued[0].MaxAge > 3600 || issued[0].MaxAge < 3595 {
		t.Errorf("re-issued cookie's Max-Age %d, want session_idle (3600)", issued[0].MaxAge)
	}
	advanceClock(t, time.Hour+time.Second)
	if resp := h.get("/"); resp.StatusCode != http.StatusFound {
		t.Errorf("unused for session_idle after the refresh: status %d, want 302", resp.StatusCode)
	}
}

// No refresh when it is off, when the token is a 1-hour one (Instagram
// refreshes only 60-day tokens), or when the session ends before its token.
func TestRefreshNotWanted(t *testing.T) {
	for _, c := range []struct {
		name    string
		options []string
	}{
		{"token_refresh off", []string{"token_refresh off"}},
		{"1-hour token", []string{"long_lived_token off"}},
		{"session ends first", []string{"session_lifetime 2d"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			h := newRefreshHarness(t, 3*24*time.Hour, withOptions(c.options...))
			h.ig.SetRefreshMinAge(0)
			h.mustLogin(h.client, "uma", "/")
			first, set := h.visit()
			advanceClock(t, 50*time.Minute)
			second, _ := h.visit()
			h.wantRefreshes(0, "two requests")
			if set != nil || first != second {
				t.Errorf("Set-Cookie %v, token changed %v; want neither", set, first != second)
			}
		})
	}
}
