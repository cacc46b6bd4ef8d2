package instagramtest

import (
	"context"
	"errors"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestAuthorizedUsers(t *testing.T) {
	s := Start(t, testClient, testSecret)
	advance := fakeClock(s.Provider)
	if got := s.AuthorizedUsers(); len(got) != 0 {
		t.Fatalf("AuthorizedUsers %v before any login", got)
	}
	for _, name := range []string{"alice", "bob", "carol"} {
		login(t, s, name)
		advance(time.Minute)
	}
	login(t, s, "alice") // allowing again makes her the latest
	if got, want := s.AuthorizedUsers(), []string{"alice", "carol", "bob"}; !slices.Equal(got, want) {
		t.Fatalf("AuthorizedUsers %v, want %v", got, want)
	}
	// Deny authorizes nobody.
	decide(t, s, testRedirect, "dave", "deny")
	if slices.Contains(s.AuthorizedUsers(), "dave") {
		t.Fatal("Deny authorized dave")
	}
}

func TestRemoveApp(t *testing.T) {
	s := Start(t, testClient, testSecret)
	then := time.Unix(1800000000, 0)
	s.SetClock(func() time.Time { return then })
	st, siteURL := startSite(t, http.StatusOK, "")
	s.SetCallbacks(siteURL+"/deauthorize", "")

	short := shortToken(t, s, "alice")
	long := longToken(t, s, "alice")
	pending := login(t, s, "alice")
	bobs := shortToken(t, s, "bob")

	status, err := s.RemoveApp(context.Background(), "alice")
	if err != nil || status != 200 {
		t.Fatalf("RemoveApp: %d %v", status, err)
	}
	got := st.received()
	if len(got) != 1 || got[0]["user_id"] != UserID("alice") || got[0]["issued_at"] != float64(then.Unix()) {
		t.Fatalf("the site received %v", got)
	}
	for name, token := range map[string]string{"short-lived": short, "long-lived": long.AccessToken} {
		if status := meStatus(t, s, token); status != 400 {
			t.Errorf("alice's %s token answered %d after removal", name, status)
		}
	}
	if status, _, body := do(t, "POST", s.TokenURL(), tokenForm(pending)); status != 400 || !strings.Contains(body, MsgCodeNotFound) {
		t.Errorf("alice's pending code: %d %s", status, body)
	}
	if meStatus(t, s, bobs) != 200 {
		t.Error("bob's token stopped working")
	}
	if got := s.AuthorizedUsers(); !slices.Equal(got, []string{"bob"}) {
		t.Errorf("AuthorizedUsers %v, want [bob]", got)
	}

	for _, name := range []string{"alice", "nobody"} {
		if _, err := s.RemoveApp(context.Background(), name); !errors.Is(err, ErrUnknownUser) {
			t.Errorf("RemoveApp(%s): %v, want ErrUnknownUser", name, err)
		}
	}
	if n := len(st.received()); n != 1 {
		t.Errorf("the site was called %d times, want once", n)
	}

	// Allowing again installs the app again; with no callback registered
	// removal tells no one.
	login(t, s, "alice")
	s.SetCallbacks("", "")
	if status, err := s.RemoveApp(context.Background(), "alice"); status != 0 || err != nil {
		t.Fatalf("RemoveApp without a callback: %d %v", status, err)
	}
	if n := len(st.received()); n != 1 {
		t.Errorf("the site was called %d times, want once", n)
	}
}

func TestRequestDataDeletion(t *testing.T) {
	s := Start(t, testClient, testSecret)
	st, siteURL := startSite(t, http.StatusOK, `{"url":"https://app.example/deletion/42","confirmation_code":"del-42"}`)
	login(t, s, "alice")
	if _, _, err := s.RequestDataDeletion(context.Background(), "alice"); err == nil || !strings.Contains(err.Error(), "data_deletion_url") {
		t.Fatalf("no URL registered: %v", err)
	}
	s.SetCallbacks("", siteURL+"/deletion")

	// Asking works with the app installed and after removing it.
	for range 2 {
		statusURL, code, err := s.RequestDataDeletion(context.Background(), "alice")
		if err != nil || statusURL != "https://app.example/deletion/42" || code != "del-42" {
			t.Fatalf("%q %q %v", statusURL, code, err)
		}
		s.RemoveApp(context.Background(), "alice")
	}
	if got := st.received(); len(got) != 2 || got[1]["user_id"] != UserID("alice") {
		t.Fatalf("the site received %v", got)
	}
	if _, _, err := s.RequestDataDeletion(context.Background(), "nobody"); !errors.Is(err, ErrUnknownUser) {
		t.Fatalf("unknown user: %v", err)
	}
}
