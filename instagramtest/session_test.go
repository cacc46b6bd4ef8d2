package instagramtest

import (
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strings"
	"testing"
)

// browser is a client with a cookie jar that does not follow redirects.
func browser(t *testing.T) *http.Client {
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	return &http.Client{Jar: jar, CheckRedirect: noFollow.CheckRedirect}
}

// consentPageFor GETs the consent page for query with client.
func consentPageFor(t *testing.T, client *http.Client, s *Server, q url.Values) string {
	t.Helper()
	resp, err := client.Get(s.AuthorizeURL() + "?" + q.Encode())
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 {
		t.Fatalf("consent page: %d %s", resp.StatusCode, body)
	}
	return string(body)
}

// pressAllow submits the page's form as a browser would when the user
// types nothing: every field with the value the page gave it.
func pressAllow(t *testing.T, client *http.Client, s *Server, page string) string {
	t.Helper()
	form := url.Values{"decision": {"allow"}}
	for _, tag := range fieldTag.FindAllStringSubmatch(formTag.FindStringSubmatch(page)[2], -1) {
		if attrs := attributes(tag[1]); attrs["type"] == "hidden" || attrs["type"] == "text" {
			form.Set(attrs["name"], attrs["value"])
		}
	}
	resp, err := client.PostForm(s.AuthorizeURL(), form)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	loc, _ := url.Parse(resp.Header.Get("Location"))
	if resp.StatusCode != 302 || loc.Query().Get("code") == "" {
		t.Fatalf("Allow without typing: %d, Location %q", resp.StatusCode, loc)
	}
	return loc.Query().Get("code")
}

// ownerOf exchanges code and returns whose token it is.
func ownerOf(t *testing.T, s *Server, code string) string {
	t.Helper()
	status, _, body := do(t, "POST", s.TokenURL(), tokenForm(code))
	for _, name := range []string{"alice", "bob"} {
		if strings.Contains(body, UserID(name)) {
			return name
		}
	}
	t.Fatalf("token: %d %s", status, body)
	return ""
}

func TestSessionCookie(t *testing.T) {
	s := Start(t, testClient, testSecret)
	form := authorizeQuery("st")
	form.Set("username", "alice")
	form.Set("decision", "allow")
	req, _ := http.NewRequest("POST", s.AuthorizeURL(), strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err := noFollow.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if got, want := resp.Header.Get("Set-Cookie"), "ig_mock_session=alice; Path=/; Max-Age=7776000; HttpOnly; SameSite=Lax"; got != want {
		t.Fatalf("Set-Cookie %q, want %q", got, want)
	}

	// Deny and a refused username leave the session alone.
	for _, decision := range []string{"deny", "allow"} {
		form.Set("decision", decision)
		form.Set("username", "not valid!")
		status, h, _ := do(t, "POST", s.AuthorizeURL(), form)
		if h.Get("Set-Cookie") != "" {
			t.Errorf("%s (%d) set %q", decision, status, h.Get("Set-Cookie"))
		}
	}
}

func TestContinueAs(t *testing.T) {
	s := Start(t, testClient, testSecret)
	client := browser(t)
	page := consentPageFor(t, client, s, authorizeQuery("st"))
	if strings.Contains(page, `id="session"`) || !strings.Contains(page, `id="allow">Allow</button>`) {
		t.Fatalf("first visit offers a session:\n%s", page)
	}
	if _, err := Consent(client, s.AuthorizeURL()+"?"+authorizeQuery("st").Encode(), "alice", true); err != nil {
		t.Fatal(err)
	}

	page = consentPageFor(t, client, s, authorizeQuery("st"))
	for _, want := range []string{
		`<p id="session" class="notice">Logged in to Instagram as <b>alice</b>.</p>`,
		`id="allow">Continue as alice</button>`,
		`id="username" value="alice"`,
	} {
		if !strings.Contains(page, want) {
			t.Errorf("second visit lacks %s", want)
		}
	}
	if strings.Contains(page, `id="reauth"`) {
		t.Error("re-authentication notice without force_reauth")
	}
	if got := ownerOf(t, s, pressAllow(t, client, s, page)); got != "alice" {
		t.Fatalf("Continue as alice logged in %s", got)
	}

	// Consent still types the username it is given, over the remembered one,
	// and the session follows.
	cb, err := Consent(client, s.AuthorizeURL()+"?"+authorizeQuery("st").Encode(), "bob", true)
	if err != nil {
		t.Fatal(err)
	}
	u, _ := url.Parse(cb)
	if got := ownerOf(t, s, u.Query().Get("code")); got != "bob" {
		t.Fatalf("Consent as bob logged in %s", got)
	}
	if page := consentPageFor(t, client, s, authorizeQuery("st")); !strings.Contains(page, "Continue as bob") {
		t.Fatal("the session did not follow the last Allow")
	}
}

func TestForceReauth(t *testing.T) {
	s := Start(t, testClient, testSecret)
	client := browser(t)
	if _, err := Consent(client, s.AuthorizeURL()+"?"+authorizeQuery("st").Encode(), "alice", true); err != nil {
		t.Fatal(err)
	}
	if s.LastForceReauth() || s.ForceReauthRequests() != 0 {
		t.Fatal("force_reauth seen where there was none")
	}

	forced := authorizeQuery("st")
	forced.Set("force_reauth", "true")
	page := consentPageFor(t, client, s, forced)
	const notice = `<p id="reauth" class="notice">Instagram asks you to log in again: the site requested re-authentication (force_reauth).</p>`
	if !strings.Contains(page, notice) {
		t.Errorf("no re-authentication notice:\n%s", page)
	}
	if strings.Contains(page, "alice") || !strings.Contains(page, `id="username" value=""`) {
		t.Errorf("the page still offers the remembered user:\n%s", page)
	}
	if !s.LastForceReauth() || s.ForceReauthRequests() != 1 {
		t.Fatalf("LastForceReauth %v, ForceReauthRequests %d", s.LastForceReauth(), s.ForceReauthRequests())
	}
	// The user must type a name: the empty field is refused.
	form := url.Values{"decision": {"allow"}}
	parsed, err := parseConsentForm(page)
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range parsed.hidden {
		form[k] = v
	}
	if status, _, body := do(t, "POST", s.AuthorizeURL(), form); status != 400 || !strings.Contains(body, "Enter an Instagram username") {
		t.Fatalf("Allow without a username after force_reauth: %d", status)
	}
	// Consent works on the forced page too.
	cb, err := Consent(client, s.AuthorizeURL()+"?"+forced.Encode(), "bob", true)
	if err != nil {
		t.Fatal(err)
	}
	u, _ := url.Parse(cb)
	if got := ownerOf(t, s, u.Query().Get("code")); got != "bob" {
		t.Fatalf("logged in %s", got)
	}

	// Only "true" forces, as documented; the next plain request clears the flag.
	for _, v := range []string{"1", "false", "TRUE", ""} {
		q := authorizeQuery("st")
		q.Set("force_reauth", v)
		if page := consentPageFor(t, client, s, q); strings.Contains(page, `id="reauth"`) || s.LastForceReauth() {
			t.Errorf("force_reauth=%q forced", v)
		}
	}
	if n, total := s.ForceReauthRequests(), s.AuthorizeRequests(); n != 2 || total != 7 {
		t.Errorf("ForceReauthRequests %d, AuthorizeRequests %d; want 2, 7", n, total)
	}
}

func TestSessionCookieIgnoredUnlessUsername(t *testing.T) {
	s := Start(t, testClient, testSecret)
	req, _ := http.NewRequest("GET", s.AuthorizeURL()+"?"+authorizeQuery("st").Encode(), nil)
	req.Header.Set("Cookie", sessionCookie+"=Robert<b>")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if strings.Contains(string(body), `id="session"`) || strings.Contains(string(body), "Robert") {
		t.Fatalf("a junk session cookie was used:\n%s", body)
	}
}
