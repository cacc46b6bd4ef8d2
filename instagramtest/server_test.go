package instagramtest

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strings"
	"sync"
	"testing"
)

func TestServerURLs(t *testing.T) {
	s := Start(t, testClient, testSecret)
	if !strings.HasPrefix(s.URL, "http://127.0.0.1:") {
		t.Fatalf("URL %q", s.URL)
	}
	for got, want := range map[string]string{
		s.AuthorizeURL(): "/oauth/authorize",
		s.TokenURL():     "/oauth/access_token",
		s.UserinfoURL():  "/me",
		s.ExchangeURL():  "/access_token",
		s.RefreshURL():   "/refresh_access_token",
		s.SettingsURL():  "/settings/apps",
	} {
		if got != s.URL+want {
			t.Errorf("%s, want %s%s", got, s.URL, want)
		}
	}
}

func TestConsentAllow(t *testing.T) {
	s := Start(t, testClient, testSecret)
	hostile := `"><script>&amp;`
	cb, err := Consent(nil, s.AuthorizeURL()+"?"+authorizeQuery(hostile).Encode(), "Alice", true)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(cb, testRedirect+"?code=") || !strings.HasSuffix(cb, "#_") {
		t.Fatalf("callback %q", cb)
	}
	u, _ := url.Parse(cb)
	if u.Query().Get("state") != hostile {
		t.Fatalf("state %q came back as %q", hostile, u.Query().Get("state"))
	}
	status, _, body := do(t, "POST", s.TokenURL(), tokenForm(u.Query().Get("code")))
	if status != 200 || !strings.Contains(body, UserID("alice")) {
		t.Fatalf("token: %d %s", status, body)
	}
}

func TestConsentDeny(t *testing.T) {
	s := Start(t, testClient, testSecret)
	cb, err := Consent(nil, s.AuthorizeURL()+"?"+authorizeQuery("st").Encode(), "", false)
	if err != nil {
		t.Fatal(err)
	}
	u, _ := url.Parse(cb)
	if q := u.Query(); q.Get("error") != "access_denied" || q.Get("state") != "st" || q.Get("code") != "" {
		t.Fatalf("callback %q", cb)
	}
}

func TestConsentErrors(t *testing.T) {
	s := Start(t, testClient, testSecret)
	bad := authorizeQuery("st")
	bad.Set("client_id", "other")
	if _, err := Consent(nil, s.AuthorizeURL()+"?"+bad.Encode(), "alice", true); err == nil ||
		!strings.Contains(err.Error(), "Invalid platform app") {
		t.Errorf("unknown client: %v", err)
	}
	if _, err := Consent(nil, s.AuthorizeURL()+"?"+authorizeQuery("st").Encode(), "not valid!", true); err == nil ||
		!strings.Contains(err.Error(), "Enter an Instagram username") {
		t.Errorf("bad username: %v", err)
	}
	if _, err := Consent(nil, s.URL+"/me", "alice", true); err == nil {
		t.Error("a page that is not the consent page was accepted")
	}
}

func TestConsentKeepsClientJar(t *testing.T) {
	s := Start(t, testClient, testSecret)
	jar, _ := cookiejar.New(nil)
	client := &http.Client{Jar: jar}
	if _, err := Consent(client, s.AuthorizeURL()+"?"+authorizeQuery("st").Encode(), "alice", true); err != nil {
		t.Fatal(err)
	}
	if client.CheckRedirect != nil {
		t.Fatal("Consent changed the caller's client")
	}
}

// TestParallelLogins is the load the plugin's tests put on the mock.
func TestParallelLogins(t *testing.T) {
	s := Start(t, testClient, testSecret)
	s.SetRequireProof(true)
	var wg sync.WaitGroup
	errs := make(chan error, 200)
	for i := range 200 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs <- parallelLogin(s, fmt.Sprintf("user%d", i), i%3 == 0)
		}()
		if i == 100 {
			s.SetShape(ShapeData) // setters race with requests by design
		}
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Error(err)
		}
	}
	if n := s.TokenRequests(); n != 200 {
		t.Errorf("TokenRequests = %d", n)
	}
}

// parallelLogin is one whole login as the plugin does it: consent, token,
// /me with proof and, when asked, the long-lived exchange.
func parallelLogin(s *Server, username string, exchange bool) error {
	cb, err := Consent(nil, s.AuthorizeURL()+"?"+authorizeQuery(username).Encode(), username, true)
	if err != nil {
		return err
	}
	u, err := url.Parse(cb)
	if err != nil {
		return err
	}
	if u.Query().Get("state") != username {
		return fmt.Errorf("%s: state %q", username, u.Query().Get("state"))
	}
	var answer struct {
		AccessToken string `json:"access_token"`
		Data        []struct {
			AccessToken string `json:"access_token"`
		} `json:"data"`
	}
	if err := getJSON(s.TokenURL(), tokenForm(u.Query().Get("code")), &answer); err != nil {
		return fmt.Errorf("%s: token: %w", username, err)
	}
	token := answer.AccessToken
	if len(answer.Data) == 1 {
		token = answer.Data[0].AccessToken
	}
	var me struct{ ID, Username string }
	if err := getJSON(meURL(s.UserinfoURL(), token, proofOf(token), ""), nil, &me); err != nil {
		return fmt.Errorf("%s: /me: %w", username, err)
	}
	if me.ID != UserID(username) || me.Username != username {
		return fmt.Errorf("%s: /me says %+v", username, me)
	}
	if exchange {
		var long longTokenAnswer
		if err := getJSON(exchangeURL(s, "ig_exchange_token", testSecret, token), nil, &long); err != nil {
			return fmt.Errorf("%s: exchange: %w", username, err)
		}
	}
	return nil
}

// getJSON is a goroutine-safe request helper (no *testing.T) expecting 200.
func getJSON(rawURL string, form url.Values, v any) error {
	var resp *http.Response
	var err error
	if form != nil {
		resp, err = http.PostForm(rawURL, form)
	} else {
		resp, err = http.Get(rawURL)
	}
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("status %d", resp.StatusCode)
	}
	return json.NewDecoder(resp.Body).Decode(v)
}
