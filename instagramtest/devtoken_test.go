package instagramtest

import (
	"context"
	"net/url"
	"regexp"
	"strings"
	"testing"
)

var shownToken = regexp.MustCompile(`<code id="token" class="token">([^<]+)</code>`)

// devToken asks the developer page for a token with query and returns the
// status, the page and the token it shows ("" for none).
func devToken(t *testing.T, s *Server, query url.Values) (int, string, string) {
	t.Helper()
	status, h, page := do(t, "GET", s.DevTokenURL()+"?"+query.Encode(), nil)
	if h.Get("Cache-Control") != "no-store" {
		t.Errorf("Cache-Control %q: a page with a token must not be cached", h.Get("Cache-Control"))
	}
	m := shownToken.FindStringSubmatch(page)
	if m == nil {
		return status, page, ""
	}
	return status, page, m[1]
}

func TestDevTokenForm(t *testing.T) {
	s := Start(t, testClient, testSecret)
	status, page, token := devToken(t, s, nil)
	if status != 200 || token != "" {
		t.Fatalf("bare form: %d, token %q", status, token)
	}
	wantAll(t, "the form", page, `id="mock-only"`, "real Instagram has no such page",
		`<form method="get" action="/dev/token">`, `name="username"`, `name="app" value="other"`)
	if len(s.AuthorizedUsers()) != 0 {
		t.Fatal("the bare form minted something")
	}
	_, _, settings := do(t, "GET", s.SettingsURL(), nil)
	wantAll(t, "the settings page", settings, `<a id="dev-token" href="/dev/token">`)
	if status, _, _ := do(t, "POST", s.DevTokenURL(), url.Values{"username": {"alice"}}); status != 405 {
		t.Fatalf("POST: %d", status)
	}
}

// The page's token is a long-lived token of the Provider's app that /me
// accepts, and removing the app in the settings ends it.
func TestDevTokenForOurApp(t *testing.T) {
	s := Start(t, testClient, testSecret)
	status, page, token := devToken(t, s, url.Values{"username": {" Alice "}})
	if status != 200 || !strings.HasPrefix(token, "IGAA") {
		t.Fatalf("%d, token %q:\n%s", status, token, page)
	}
	wantAll(t, "the token page", page, `<b id="token-user">alice</b>`,
		`<code id="token-user-id">`+UserID("alice")+`</code>`, `of <span class="app">`+testClient+`</span>`,
		"/dev/token?username=alice&amp;format=text")
	if status, body := meAs(t, s, token, testSecret); status != 200 || !strings.Contains(body, UserID("alice")) {
		t.Fatalf("/me with the page's token: %d %s", status, body)
	}
	if status, _, bad := refresh(t, s, token); status == 400 && bad.Error.Code == GraphCodeInvalidToken {
		t.Fatalf("the page's token is not long-lived: %+v", bad)
	}
	if _, err := s.RemoveApp(context.Background(), "alice"); err != nil {
		t.Fatalf("the page's user has not allowed the app: %v", err)
	}
	if status, _ := meAs(t, s, token, testSecret); status != 400 {
		t.Fatalf("/me after removing the app: %d", status)
	}
}

func TestDevTokenForOtherApp(t *testing.T) {
	s := Start(t, testClient, testSecret)
	status, page, token := devToken(t, s, url.Values{"username": {"bob"}, "app": {"other"}})
	if status != 200 || token == "" {
		t.Fatalf("%d:\n%s", status, page)
	}
	wantAll(t, "the token page", page, `of another app, <span class="app">`+OtherClientID+`</span>`)
	if status, _ := meAs(t, s, token, testSecret); status != 400 {
		t.Fatalf("our proof for the other app's token: %d", status)
	}
	if status, _ := meAs(t, s, token, OtherClientSecret); status != 200 {
		t.Fatalf("the other app's proof: %d", status)
	}
}

func TestDevTokenText(t *testing.T) {
	s := Start(t, testClient, testSecret)
	status, h, body := do(t, "GET", s.DevTokenURL()+"?username=carol&format=text", nil)
	token, ok := strings.CutSuffix(body, "\n")
	if status != 200 || !ok || !strings.HasPrefix(h.Get("Content-Type"), "text/plain") || strings.ContainsAny(token, " \n<") {
		t.Fatalf("%d %q %q", status, h.Get("Content-Type"), body)
	}
	if status, _ := meAs(t, s, token, testSecret); status != 200 {
		t.Fatalf("/me with the text token: %d", status)
	}
}

func TestDevTokenBadUsername(t *testing.T) {
	s := Start(t, testClient, testSecret)
	for _, name := range []string{"", "no spaces", strings.Repeat("a", 31), "<script>"} {
		status, page, token := devToken(t, s, url.Values{"username": {name}})
		if status != 400 || token != "" || !strings.Contains(page, `role="alert"`) || strings.Contains(page, "<script>") {
			t.Fatalf("username %q: %d, token %q", name, status, token)
		}
	}
	if len(s.AuthorizedUsers()) != 0 {
		t.Fatal("a bad username was recorded")
	}
}
