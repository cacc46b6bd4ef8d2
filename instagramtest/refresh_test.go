package instagramtest

import (
	"encoding/json"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"
)

// longToken logs username in and exchanges the short-lived token.
func longToken(t *testing.T, s *Server, username string) longTokenAnswer {
	t.Helper()
	status, _, body := do(t, "GET", exchangeURL(s, "ig_exchange_token", testSecret, shortToken(t, s, username)), nil)
	var long longTokenAnswer
	if status != 200 || json.Unmarshal([]byte(body), &long) != nil {
		t.Fatalf("exchange: %d %s", status, body)
	}
	return long
}

func refreshURL(s *Server, token string) string {
	return s.RefreshURL() + "?" + url.Values{"grant_type": {"ig_refresh_token"}, "access_token": {token}}.Encode()
}

// refresh asks for token to be refreshed and decodes the answer, whichever
// it is.
func refresh(t *testing.T, s *Server, token string) (int, longTokenAnswer, graphErrorAnswer) {
	t.Helper()
	status, _, body := do(t, "GET", refreshURL(s, token), nil)
	var ok longTokenAnswer
	var bad graphErrorAnswer
	if status == 200 {
		if err := json.Unmarshal([]byte(body), &ok); err != nil {
			t.Fatalf("refresh answer %s: %v", body, err)
		}
	} else if err := json.Unmarshal([]byte(body), &bad); err != nil || bad.Error.Type != "OAuthException" {
		t.Fatalf("refresh error %d %s: not a Graph error", status, body)
	}
	return status, ok, bad
}

type graphErrorAnswer struct {
	Error struct {
		Message   string `json:"message"`
		Type      string `json:"type"`
		Code      int    `json:"code"`
		Subcode   int    `json:"error_subcode"`
		FbtraceID string `json:"fbtrace_id"`
	} `json:"error"`
}

// meStatus is the status /me answers for token.
func meStatus(t *testing.T, s *Server, token string) int {
	t.Helper()
	status, _, _ := do(t, "GET", meURL(s.UserinfoURL(), token, proofOf(token), ""), nil)
	return status
}

func TestRefreshNeedsADayOldToken(t *testing.T) {
	s := Start(t, testClient, testSecret)
	advance := fakeClock(s.Provider)
	long := longToken(t, s, "alice")

	advance(23 * time.Hour)
	status, _, e := refresh(t, s, long.AccessToken)
	if status != 400 || e.Error.Code != GraphCodeRefreshTooEarly || e.Error.Subcode != 0 ||
		!strings.Contains(e.Error.Message, "cannot be refreshed yet: it was issued 23h0m0s ago") {
		t.Fatalf("refresh at 23 h: %d %+v", status, e.Error)
	}
	if meStatus(t, s, long.AccessToken) != 200 {
		t.Fatal("a refused refresh spoilt the token")
	}

	advance(time.Hour)
	status, renewed, e := refresh(t, s, long.AccessToken)
	if status != 200 {
		t.Fatalf("refresh at 24 h: %d %+v", status, e.Error)
	}
	if renewed.TokenType != "bearer" || renewed.ExpiresIn != 5183944 ||
		renewed.AccessToken == long.AccessToken || !strings.HasPrefix(renewed.AccessToken, "IGAA") {
		t.Fatalf("refresh answer %+v", renewed)
	}
	if n := s.RefreshRequests(); n != 2 {
		t.Errorf("RefreshRequests = %d, want 2", n)
	}

	// The old token lives out its own 60 days, the new one 60 days from the
	// refresh.
	advance(59*24*time.Hour - time.Second)
	if meStatus(t, s, long.AccessToken) != 200 || meStatus(t, s, renewed.AccessToken) != 200 {
		t.Fatal("a token stopped working before its expiry")
	}
	advance(2 * time.Second)
	if meStatus(t, s, long.AccessToken) != 400 {
		t.Fatal("the refreshed token outlived its 60 days")
	}
	if meStatus(t, s, renewed.AccessToken) != 200 {
		t.Fatal("the new token expired with the old one")
	}
}

func TestRefreshRefusals(t *testing.T) {
	s := Start(t, testClient, testSecret)
	advance := fakeClock(s.Provider)
	short := shortToken(t, s, "alice")
	long := longToken(t, s, "alice")
	// Old enough to refresh the long-lived token; the short-lived one has
	// expired but is still known as such.
	advance(24*time.Hour + time.Minute)

	cases := []struct {
		name, url    string
		code, sub    int
		wantMessage  string
		wantContains bool
	}{
		{"expired short-lived", refreshURL(s, short), 190, 463, "Session has expired", true},
		{"unknown", refreshURL(s, "IGAAnope"), 190, 0, MsgInvalidToken, false},
		{"no token", s.RefreshURL() + "?grant_type=ig_refresh_token", 190, 0, MsgInvalidToken, false},
		{"grant type", s.RefreshURL() + "?grant_type=ig_exchange_token&access_token=" + long.AccessToken, 100, 0, msgUnsupportedGrant, false},
	}
	for _, c := range cases {
		status, _, body := do(t, "GET", c.url, nil)
		var e graphErrorAnswer
		json.Unmarshal([]byte(body), &e)
		ok := e.Error.Message == c.wantMessage || (c.wantContains && strings.Contains(e.Error.Message, c.wantMessage))
		if status != 400 || e.Error.Code != c.code || e.Error.Subcode != c.sub || !ok {
			t.Errorf("%s: %d %s", c.name, status, body)
		}
	}

	// A short-lived token young enough to be valid is refused for what it is.
	fresh := shortToken(t, s, "bob")
	if status, _, e := refresh(t, s, fresh); status != 400 || e.Error.Code != 190 || e.Error.Message != MsgRefreshShortToken {
		t.Errorf("fresh short-lived token: %d %+v", status, e.Error)
	}

	// The right token, refreshed a minute too late.
	advance(59 * 24 * time.Hour)
	status, _, e := refresh(t, s, long.AccessToken)
	expired := regexp.MustCompile(`^Error validating access token: Session has expired on \w+day, \d\d-\w{3}-\d\d \d\d:\d\d:\d\d UTC\. The current time is \w+day, \d\d-\w{3}-\d\d \d\d:\d\d:\d\d UTC\.$`)
	if status != 400 || e.Error.Code != 190 || e.Error.Subcode != 463 || !expired.MatchString(e.Error.Message) {
		t.Errorf("expired long-lived token: %d %+v", status, e.Error)
	}
	if n := s.RefreshRequests(); n != 6 {
		t.Errorf("RefreshRequests = %d, want 6", n)
	}
}

func TestSetRefreshFail(t *testing.T) {
	s := Start(t, testClient, testSecret)
	advance := fakeClock(s.Provider)
	long := longToken(t, s, "alice")
	advance(25 * time.Hour)
	s.SetRefreshFail(true)
	if status, _, e := refresh(t, s, long.AccessToken); status != 400 || e.Error.Code != 1 {
		t.Fatalf("SetRefreshFail(true): %d %+v", status, e.Error)
	}
	s.SetRefreshFail(false)
	if status, _, e := refresh(t, s, long.AccessToken); status != 200 {
		t.Fatalf("SetRefreshFail(false): %d %+v", status, e.Error)
	}
}

func TestRefreshKeepsToken(t *testing.T) {
	s := Start(t, testClient, testSecret)
	s.SetRefreshKeepsToken(true)
	advance := fakeClock(s.Provider)
	long := longToken(t, s, "alice")
	advance(30 * 24 * time.Hour)
	status, renewed, _ := refresh(t, s, long.AccessToken)
	if status != 200 || renewed.AccessToken != long.AccessToken || renewed.ExpiresIn != 5183944 {
		t.Fatalf("refresh: %d %+v", status, renewed)
	}
	// Its lifetime restarted: it works past the first 60 days.
	advance(59 * 24 * time.Hour)
	if meStatus(t, s, long.AccessToken) != 200 {
		t.Fatal("the kept token expired with its first lifetime")
	}
	// And its age too: it is a day old again before the next refresh.
	advance(-59 * 24 * time.Hour)
	if status, _, e := refresh(t, s, long.AccessToken); status != 400 || e.Error.Code != GraphCodeRefreshTooEarly {
		t.Fatalf("second refresh at once: %d %+v", status, e.Error)
	}
}
