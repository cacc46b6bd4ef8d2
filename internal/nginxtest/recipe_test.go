package nginxtest_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/b4b0c547/caddy-instagram-auth/internal/nginxtest"
)

// userID is who the stand-in plugin says the session cookie belongs to.
const userID = "17841400000000001"

// seen is what a stand-in server was asked, for the test to inspect.
type seen struct {
	mu       sync.Mutex
	requests []*http.Request
	bodies   []string
}

func (s *seen) record(r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	s.mu.Lock()
	defer s.mu.Unlock()
	s.requests = append(s.requests, r)
	s.bodies = append(s.bodies, string(body))
}

func (s *seen) count() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.requests)
}

func (s *seen) last(t *testing.T) (*http.Request, string) {
	t.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.requests) == 0 {
		t.Fatal("no request")
	}
	return s.requests[len(s.requests)-1], s.bodies[len(s.bodies)-1]
}

// recipe is docs/examples/nginx.conf in front of an app and a stand-in for
// the plugin: its auth endpoint answers 200 with the identity headers for
// the cookie session=good (and a renewed cookie for session=renew), 401
// otherwise; its start endpoint sends a page load to log in and answers
// anything else 401, as the plugin's do; its other pages answer 200.
type recipe struct {
	nginx              *nginxtest.Server
	auth, start, pages seen // the plugin's auth endpoint, its start endpoint, its other pages
	app                seen
	client             *http.Client
}

// standInLogin is where the stand-in's start endpoint sends a page load.
const standInLogin = "https://instagram.example/oauth/authorize"

func startRecipe(t *testing.T) *recipe {
	r := &recipe{client: &http.Client{Timeout: 10 * time.Second, CheckRedirect: func(*http.Request, []*http.Request) error {
		return http.ErrUseLastResponse // a browser's redirect is what we assert
	}}}
	plugin := http.NewServeMux()
	plugin.HandleFunc("/oauth2/instagram/auth", func(w http.ResponseWriter, req *http.Request) {
		r.auth.record(req)
		c, err := req.Cookie("session")
		if err != nil || (c.Value != "good" && c.Value != "renew") {
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		if c.Value == "renew" {
			w.Header().Set("Set-Cookie", "session=renewed; Path=/; HttpOnly")
		}
		w.Header().Set("X-Instagram-User-Id", userID)
		w.Header().Set("X-Instagram-Username", "alice")
		w.Header().Set("X-Instagram-Access-Token", "IGAA-token")
	})
	plugin.HandleFunc("/oauth2/instagram/start", func(w http.ResponseWriter, req *http.Request) {
		r.start.record(req)
		if !strings.Contains(req.Header.Get("Accept"), "text/html") {
			w.WriteHeader(http.StatusUnauthorized)
			io.WriteString(w, `{"error":"unauthorized"}`)
			return
		}
		http.Redirect(w, req, standInLogin, http.StatusFound)
	})
	plugin.HandleFunc("/oauth2/instagram/", func(w http.ResponseWriter, req *http.Request) {
		r.pages.record(req)
		io.WriteString(w, "plugin page")
	})
	app := http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		r.app.record(req)
		io.WriteString(w, "app")
	})
	template, err := os.ReadFile("../../docs/examples/nginx.conf")
	if err != nil {
		t.Fatal(err)
	}
	r.nginx = nginxtest.Start(t, string(template), map[string]string{
		"CADDY_PORT": port(t, plugin), "APP_PORT": port(t, app)})
	return r
}

// port serves h on 127.0.0.1 until t ends and returns its port.
func port(t *testing.T, h http.Handler) string {
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	u, err := url.Parse(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	return u.Port()
}

func (r *recipe) do(t *testing.T, method, path, body string, header http.Header) *http.Response {
	t.Helper()
	req, err := http.NewRequest(method, r.nginx.URL+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range header {
		req.Header[k] = v
	}
	resp, err := r.client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp
}

var loggedIn = http.Header{"Cookie": {"session=good"}}

func TestRecipeForwardsTheUserToTheApp(t *testing.T) {
	r := startRecipe(t)
	resp := r.do(t, "POST", "/notes?draft=1", `{"text":"hello"}`, loggedIn)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("status %d, want 200 from the app", resp.StatusCode)
	}
	host := "127.0.0.1:" + strconv.Itoa(r.nginx.Port)
	app, appBody := r.app.last(t)
	for name, want := range map[string]string{
		"X-Instagram-User-Id": userID, "X-Instagram-Username": "alice", "X-Instagram-Access-Token": "IGAA-token",
	} {
		if got := app.Header.Values(name); len(got) != 1 || got[0] != want {
			t.Errorf("app got %s %q, want %q", name, got, want)
		}
	}
	if app.Host != host || app.RequestURI != "/notes?draft=1" || appBody != `{"text":"hello"}` {
		t.Errorf("app got Host %q, URI %q, body %q", app.Host, app.RequestURI, appBody)
	}
	auth, authBody := r.auth.last(t)
	if auth.Host != host || auth.Method != http.MethodGet || auth.Header.Get("X-Forwarded-Proto") != "http" {
		t.Errorf("auth endpoint got Host %q (want %q), method %s, X-Forwarded-Proto %q", auth.Host, host,
			auth.Method, auth.Header.Get("X-Forwarded-Proto"))
	}
	if authBody != "" || auth.ContentLength > 0 {
		t.Errorf("auth endpoint got the request body %q (length %d)", authBody, auth.ContentLength)
	}
	if len(resp.Header.Values("Set-Cookie")) != 0 {
		t.Errorf("Set-Cookie %q with nothing renewed", resp.Header.Values("Set-Cookie"))
	}
}

// A client's own identity headers never reach the app: nginx replaces
// them for a logged-in user, and nobody else gets to the app at all.
func TestRecipeReplacesAClientsUserHeader(t *testing.T) {
	r := startRecipe(t)
	forged := http.Header{"Cookie": {"session=good"}, "X-Instagram-User-Id": {"1"}, "x-instagram-user-id": {"2"},
		"X-Instagram-Username": {"mallory"}}
	r.do(t, "GET", "/", "", forged)
	app, _ := r.app.last(t)
	if got := app.Header.Values("X-Instagram-User-Id"); len(got) != 1 || got[0] != userID {
		t.Errorf("app got X-Instagram-User-Id %q, want only %q", got, userID)
	}
	if got := app.Header.Values("X-Instagram-Username"); len(got) != 1 || got[0] != "alice" {
		t.Errorf("app got X-Instagram-Username %q", got)
	}
	resp := r.do(t, "GET", "/", "", http.Header{"X-Instagram-User-Id": {"1"}, "Accept": {"text/html"}})
	if resp.StatusCode != http.StatusFound || r.app.count() != 1 {
		t.Errorf("without a session: status %d, app asked %d times; want 302 and only the first", resp.StatusCode, r.app.count())
	}
}

// A page load without a session goes to the start endpoint with rd the
// request URI as sent, unencoded, and on to the login; an API call keeps
// the start endpoint's 401.
func TestRecipeSendsAStrangerToLogIn(t *testing.T) {
	r := startRecipe(t)
	resp := r.do(t, "GET", "/notes/7?tab=all&sort=new", "", http.Header{"Cookie": {"session=stale"}, "Accept": {"text/html"}})
	if resp.StatusCode != http.StatusFound || resp.Header.Get("Location") != standInLogin {
		t.Fatalf("status %d to %q, want 302 to the login", resp.StatusCode, resp.Header.Get("Location"))
	}
	start, _ := r.start.last(t)
	if start.URL.RawQuery != "rd=/notes/7?tab=all&sort=new" || start.Method != http.MethodGet ||
		start.Host != "127.0.0.1:"+strconv.Itoa(r.nginx.Port) {
		t.Errorf("the start endpoint got %s %q with Host %q", start.Method, start.RequestURI, start.Host)
	}
	resp = r.do(t, "POST", "/api/notes", `{"x":1}`, http.Header{"Accept": {"application/json"}})
	if resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("an API call without a session: status %d, want 401", resp.StatusCode)
	}
	if r.app.count() != 0 {
		t.Errorf("the app was asked %d times", r.app.count())
	}
}

// The auth endpoint's answer carries the token: a browser asking for it
// gets a 404 from nginx, and the plugin is not asked.
func TestRecipeHidesTheAuthLocation(t *testing.T) {
	r := startRecipe(t)
	before := r.auth.count()
	for _, path := range []string{"/oauth2/instagram/auth", "/oauth2/instagram/auth?x=1"} {
		resp := r.do(t, "GET", path, "", loggedIn)
		if resp.StatusCode != http.StatusNotFound || r.auth.count() != before {
			t.Errorf("%s: status %d, auth endpoint asked %d times; want 404 and none", path, resp.StatusCode, r.auth.count()-before)
		}
	}
}

// A cookie the auth endpoint renewed reaches the browser, once.
func TestRecipePassesTheRenewedCookie(t *testing.T) {
	r := startRecipe(t)
	resp := r.do(t, "GET", "/", "", http.Header{"Cookie": {"session=renew"}})
	if got := resp.Header.Values("Set-Cookie"); resp.StatusCode != http.StatusOK || len(got) != 1 ||
		got[0] != "session=renewed; Path=/; HttpOnly" {
		t.Errorf("status %d, Set-Cookie %q; want the renewed cookie once", resp.StatusCode, got)
	}
}
