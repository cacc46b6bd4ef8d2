package instagramtest

import (
	"strings"
	"testing"
	"time"
)

func TestSetLongLifetime(t *testing.T) {
	s := Start(t, testClient, testSecret)
	advance := fakeClock(s.Provider)
	before := longToken(t, s, "alice") // issued with the default 60 days
	s.SetLongLifetime(48 * time.Hour)
	s.SetRefreshMinAge(time.Hour)
	after := longToken(t, s, "alice")
	if before.ExpiresIn != 5183944 || after.ExpiresIn != 48*3600 {
		t.Fatalf("expires_in %d then %d, want 5183944 then %d", before.ExpiresIn, after.ExpiresIn, 48*3600)
	}

	advance(time.Hour)
	status, renewed, e := refresh(t, s, after.AccessToken)
	if status != 200 || renewed.ExpiresIn != 48*3600 {
		t.Fatalf("refresh: %d %+v %+v", status, renewed, e.Error)
	}
	advance(47*time.Hour + time.Second)
	if meStatus(t, s, after.AccessToken) != 400 {
		t.Fatal("a 48-hour token outlived 48 hours")
	}
	if meStatus(t, s, renewed.AccessToken) != 200 || meStatus(t, s, before.AccessToken) != 200 {
		t.Fatal("a token expired early")
	}
}

func TestSetClock(t *testing.T) {
	s := Start(t, testClient, testSecret)
	then := time.Date(2020, 2, 29, 12, 0, 0, 0, time.UTC)
	s.SetClock(func() time.Time { return then })
	token := shortToken(t, s, "alice")
	info, found, now := s.lookupToken(token)
	if !found || !now.Equal(then) || !info.issued.Equal(then) || !info.expires.Equal(then.Add(time.Hour)) {
		t.Fatalf("token %+v found %v at %v, want issued at %v for an hour", info, found, now, then)
	}
	if meStatus(t, s, token) != 200 {
		t.Fatal("token not valid by the shared clock")
	}

	// Two hours later by another clock, it has expired, and /me says so.
	s.SetClock(func() time.Time { return then.Add(2 * time.Hour) })
	status, _, body := do(t, "GET", meURL(s.UserinfoURL(), token, proofOf(token), ""), nil)
	if status != 400 || !strings.Contains(body, `"error_subcode":463`) ||
		!strings.Contains(body, "Session has expired on Saturday, 29-Feb-20 13:00:00 UTC. The current time is Saturday, 29-Feb-20 14:00:00 UTC.") {
		t.Fatalf("two hours later: %d %s", status, body)
	}

	// nil is real time again.
	s.SetClock(nil)
	start := time.Now()
	info, _, _ = s.lookupToken(shortToken(t, s, "alice"))
	if info.issued.Before(start) || info.issued.After(time.Now()) {
		t.Fatalf("after SetClock(nil) a token was issued at %v", info.issued)
	}
}

func TestSetRefreshMinAge(t *testing.T) {
	s := Start(t, testClient, testSecret)
	s.SetRefreshMinAge(0)
	long := longToken(t, s, "alice")
	if status, _, e := refresh(t, s, long.AccessToken); status != 200 {
		t.Fatalf("refresh with no minimum age: %d %+v", status, e.Error)
	}
}

func TestLifetimeSettersRejectNonsense(t *testing.T) {
	for name, set := range map[string]func(*Provider){
		"SetLongLifetime(0)":       func(p *Provider) { p.SetLongLifetime(0) },
		"SetLongLifetime(1ms)":     func(p *Provider) { p.SetLongLifetime(time.Millisecond) },
		"SetRefreshMinAge(-1)":     func(p *Provider) { p.SetRefreshMinAge(-1) },
		"SetLongLifetime(-1 hour)": func(p *Provider) { p.SetLongLifetime(-time.Hour) },
	} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("%s did not panic", name)
				}
			}()
			set(New("a", "b"))
		}()
	}
}
