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
// the plugin: its auth endpoint answers 200 with X-Instagram-User-Id for
// the cookie session=good and 401 otherwise; its other pages answer 200.
type recipe struct {
	nginx       *nginxtest.Server
	auth, pages seen // the plugin's auth endpoint, and its other pages
	app         seen
	client      *http.Client
}

func startRecipe(t *testing.T) *recipe {
	r := &recipe{client: &http.Client{Timeout: 10 * time.Second, CheckRedirect: func(*http.Request, []*http.Request) error {
		return http.ErrUseLastResponse // a browser's redirect is what we assert
	}}}
	plugin := http.NewServeMux()
	plugin.HandleFunc("/oauth2/instagram/auth", func(w http.ResponseWriter, req *http.Request) {
		r.auth.record(req)
		if c, err := req.Cookie("session"); err != nil || c.Value != "good" {
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		w.Header().Set("X-Instagram-User-Id", userID)
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
	if got := app.Header.Values("X-Instagram-User-Id"); len(got) != 1 || got[0] != userID {
		t.Errorf("app got X-Instagram-User-Id %q, want %q", got, userID)
	}
	if app.Host != host || app.RequestURI != "/notes?draft=1" || appBody != `{"text":"hello"}` {
		t.Errorf("app got Host %q, URI %q, body %q", app.Host, app.RequestURI, appBody)
	}
	auth, authBody := r.auth.last(t)
	if auth.Host != host || auth.Header.Get("X-Original-URI") != "/notes?draft=1" {
		t.Errorf("auth endpoint got Host %q (want %q), X-Original-URI %q", auth.Host, host,
			auth.Header.Get("X-Original-URI"))
	}
	if authBody != "" || auth.ContentLength > 0 {
		t.Errorf("auth endpoint got the request body %q (length %d)", authBody, auth.ContentLength)
	}
}

// A client's own X-Instagram-User-Id never reaches the app: nginx replaces
// it for a logged-in user, and nobody else gets to the app at all.
func TestRecipeReplacesAClientsUserHeader(t *testing.T) {
	r := startRecipe(t)
	forged := http.Header{"Cookie": {"session=good"}, "X-Instagram-User-Id": {"1"}, "x-instagram-user-id": {"2"}}
	r.do(t, "GET", "/", "", forged)
	app, _ := r.app.last(t)
	if got := app.Header.Values("X-Instagram-User-Id"); len(got) != 1 || got[0] != userID {
		t.Errorf("app got X-Instagram-User-Id %q, want only %q", got, userID)
	}
	resp := r.do(t, "GET", "/", "", http.Header{"X-Instagram-User-Id": {"1"}})
	if resp.StatusCode != http.StatusFound || r.app.count() != 1 {
		t.Errorf("without a session: status %d, app asked %d times; want 302 and only the first", resp.StatusCode, r.app.count())
	}
}

func TestRecipeSendsAStrangerToLogIn(t *testing.T) {
	r := startRecipe(t)
	resp := r.do(t, "GET", "/notes/7?tab=all", "", http.Header{"Cookie": {"session=stale"}})
	if resp.StatusCode != http.StatusFound {
		t.Fatalf("status %d, want 302", resp.StatusCode)
	}
	if got, want := resp.Header.Get("Location"), "/oauth2/instagram/login?rd=/notes/7?tab=all"; got != want {
		t.Errorf("Location %q, want %q", got, want)
	}
	if r.app.count() != 0 {
		t.Errorf("the app was asked %d times", r.app.count())
	}
	// The login itself is the plugin's, open to all.
	resp = r.do(t, "GET", "/oauth2/instagram/login?rd=/notes/7", "", nil)
	page, _ := r.pages.last(t)
	if resp.StatusCode != http.StatusOK || page.URL.Path != "/oauth2/instagram/login" {
		t.Errorf("login: status %d, the plugin got %q", resp.StatusCode, page.URL.Path)
	}
}

func TestRecipeHidesTheAuthLocation(t *testing.T) {
	r := startRecipe(t)
	before := r.auth.count()
	resp := r.do(t, "GET", "/_instagram_auth", "", loggedIn)
	if resp.StatusCode != http.StatusNotFound || r.auth.count() != before {
		t.Errorf("status %d, auth endpoint asked %d times; want 404 and none", resp.StatusCode, r.auth.count()-before)
	}
}
