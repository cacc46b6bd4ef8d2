package instagramtest

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
)

func pressSettings(t *testing.T, s *Server, username, action string) (int, string) {
	t.Helper()
	status, _, body := do(t, "POST", s.SettingsURL(), url.Values{"username": {username}, "action": {action}})
	return status, body
}

func wantAll(t *testing.T, what, page string, wants ...string) {
	t.Helper()
	missing := false
	for _, want := range wants {
		if !strings.Contains(page, want) {
			t.Errorf("%s lacks %s", what, want)
			missing = true
		}
	}
	if missing {
		t.Logf("%s:\n%s", what, page)
	}
}

func TestSettingsPage(t *testing.T) {
	s := Start(t, testClient, testSecret)
	_, _, consent := do(t, "GET", s.AuthorizeURL()+"?"+authorizeQuery("st").Encode(), nil)
	wantAll(t, "the consent page", consent, `<a id="settings" href="/settings/apps">`)

	status, h, page := do(t, "GET", s.SettingsURL(), nil)
	if status != 200 || !strings.HasPrefix(h.Get("Content-Type"), "text/html") {
		t.Fatalf("%d %q", status, h.Get("Content-Type"))
	}
	wantAll(t, "the empty page", page, `id="no-users"`, "Deauthorize callback: none registered", "Data deletion URL: none registered")

	s.SetCallbacks("http://app.example/deauth", "http://app.example/deletion")
	login(t, s, "alice")
	login(t, s, "bob")
	s.revoke("bob") // removed, without calling anyone
	_, _, page = do(t, "GET", s.SettingsURL(), nil)
	wantAll(t, "the page", page,
		`<code id="deauthorize-url">http://app.example/deauth</code>`,
		`<code id="data-deletion-url">http://app.example/deletion</code>`,
		`<li id="user-alice"><b>alice</b> <small>id `+UserID("alice")+`, allowed `,
		`<input type="hidden" name="username" value="alice">`,
		`id="remove-alice">Remove app</button>`,
		`id="delete-alice">Request data deletion</button>`,
		`<li id="user-bob"><b>bob</b>`, `<span class="removed">removed</span>`,
		`id="delete-bob"`,
	)
	if strings.Contains(page, `id="remove-bob"`) || strings.Contains(page, `id="no-users"`) {
		t.Errorf("removed user offered removal, or the list is said empty:\n%s", page)
	}
}

func TestSettingsRemove(t *testing.T) {
	s := Start(t, testClient, testSecret)
	st, siteURL := startSite(t, http.StatusOK, "")
	login(t, s, "alice")
	token := shortToken(t, s, "alice")

	// Nothing registered: the app is removed, nobody is told.
	status, page := pressSettings(t, s, "alice", "remove")
	wantAll(t, "removal without a callback", page,
		`<p id="result" class="notice" role="status">Removed app-123 for alice: its access tokens no longer work. No deauthorize callback URL is registered (deauthorize_url), so no site was told.</p>`)
	if status != 200 || meStatus(t, s, token) != 400 {
		t.Fatalf("status %d; token still works: %v", status, meStatus(t, s, token) == 200)
	}

	s.SetCallbacks(siteURL+"/deauth", "")
	login(t, s, "alice")
	_, page = pressSettings(t, s, "alice", "remove")
	wantAll(t, "removal", page,
		`<p id="result" class="notice" role="status">Removed app-123 for alice: its access tokens no longer work. The mock POSTed a signed request to <code>`+siteURL+`/deauth</code>, which answered HTTP <b id="result-status">200</b> OK.</p>`)
	if got := st.received(); len(got) != 1 || got[0]["user_id"] != UserID("alice") {
		t.Fatalf("the site received %v", got)
	}

	// A site that fails is shown as failing.
	st.setStatus(http.StatusInternalServerError)
	login(t, s, "alice")
	_, page = pressSettings(t, s, "alice", "remove")
	wantAll(t, "removal the site refused", page, `<p id="result" class="error" role="alert">`,
		`answered HTTP <b id="result-status">500</b> Internal Server Error.`)

	// A site that does not answer.
	s.SetCallbacks("http://127.0.0.1:1/deauth", "")
	login(t, s, "alice")
	_, page = pressSettings(t, s, "alice", "remove")
	wantAll(t, "removal nobody heard", page, `class="error" role="alert">`, "which did not answer. instagramtest: callback:")

	_, page = pressSettings(t, s, "alice", "remove")
	wantAll(t, "a second removal", page, `<p id="result" class="error" role="alert">alice has not authorized app-123, or has removed it already.</p>`)
}

func TestSettingsDataDeletion(t *testing.T) {
	s := Start(t, testClient, testSecret)
	answer := `{"url":"https://app.example/deletion?id=7&x=<y>","confirmation_code":"<b>c7</b>"}`
	_, siteURL := startSite(t, http.StatusOK, answer)
	login(t, s, "alice")

	_, page := pressSettings(t, s, "alice", "delete")
	wantAll(t, "deletion without a URL", page, `class="error" role="alert">instagramtest: no data deletion URL is registered (data_deletion_url)</p>`)

	s.SetCallbacks("", siteURL+"/deletion")
	_, page = pressSettings(t, s, "alice", "delete")
	wantAll(t, "deletion", page,
		`<p id="result" class="notice" role="status">Data deletion requested for alice. The mock POSTed a signed request to <code>`+siteURL+`/deletion</code>, which answered HTTP <b id="result-status">200</b> OK.</p>`,
		`<a id="deletion-url" href="https://app.example/deletion?id=7&amp;x=%3cy%3e">https://app.example/deletion?id=7&amp;x=&lt;y&gt;</a>`,
		`<code id="confirmation-code">&lt;b&gt;c7&lt;/b&gt;</code>`)

	_, badSite := startSite(t, http.StatusOK, `{"url":"javascript:alert(1)","confirmation_code":"x"}`)
	s.SetCallbacks("", badSite)
	_, page = pressSettings(t, s, "alice", "delete")
	wantAll(t, "a malformed answer", page, `class="error" role="alert">`, `answered HTTP <b id="result-status">200</b> OK.`,
		"is not an absolute http(s) URL")
	if strings.Contains(page, `id="deletion-url"`) {
		t.Error("a bad status URL was linked")
	}

	_, page = pressSettings(t, s, "nobody", "delete")
	wantAll(t, "an unknown user", page, `class="error" role="alert">instagramtest: this user has not authorized the app: nobody</p>`)
}

func TestSettingsRejects(t *testing.T) {
	s := Start(t, testClient, testSecret)
	if status, body := pressSettings(t, s, "alice", "explode"); status != 400 || !strings.Contains(body, "Unknown action") {
		t.Errorf("unknown action: %d", status)
	}
	status, h, _ := do(t, "PUT", s.SettingsURL(), nil)
	if status != 405 || h.Get("Allow") != "GET, POST" {
		t.Errorf("PUT: %d Allow %q", status, h.Get("Allow"))
	}
}

func TestSettingsListsTheLatest(t *testing.T) {
	s := Start(t, testClient, testSecret)
	advance := fakeClock(s.Provider)
	for i := range settingsListed + 5 {
		decide(t, s, testRedirect, fmt.Sprintf("user%d", i), "allow")
		advance(1)
	}
	_, _, page := do(t, "GET", s.SettingsURL(), nil)
	if n := strings.Count(page, "<li id="); n != settingsListed || !strings.Contains(page, "And 5 more, not listed.") {
		t.Fatalf("%d listed", n)
	}
	if !strings.Contains(page, `id="user-user104"`) || strings.Contains(page, `id="user-user4"`) {
		t.Fatal("not the latest listed")
	}
}
