package instagramauth

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/caddyserver/caddy/v2"
	"github.com/caddyserver/caddy/v2/modules/caddyhttp"
)

// errorRoutesServer is a server as the Caddyfile makes it for two sites on
// one listener, where only the other site has handle_errors.
func errorRoutesServer(b *testing.B) *caddyhttp.Server {
	b.Helper()
	custom := &caddyhttp.Subroute{Routes: caddyhttp.RouteList{{
		Handlers: []caddyhttp.MiddlewareHandler{caddyhttp.StaticResponse{Body: "custom"}},
	}}}
	host := caddyhttp.MatchHost{"other.example.com"}
	return &caddyhttp.Server{Errors: &caddyhttp.HTTPErrorConfig{Routes: caddyhttp.RouteList{{
		MatcherSets: caddyhttp.MatcherSets{{host}},
		Handlers:    []caddyhttp.MiddlewareHandler{custom},
		Terminal:    true,
	}}}}
}

// The 401 on a listener whose error routes are another site's: the routes
// are matched, and the built-in answer written.
func BenchmarkServeHTTPUnauthorizedAPIErrorRoutes(b *testing.B) {
	r := benchRequest(b, "/api/items", "Accept", "application/json")
	r = r.WithContext(context.WithValue(r.Context(), caddyhttp.ServerCtxKey, errorRoutesServer(b)))
	benchAnswer(b, r, http.StatusUnauthorized)
}

// Asking the error routes leaves the request's placeholders as they were.
func TestSiteTakesPutsPlaceholdersBack(t *testing.T) {
	repl := caddy.NewReplacer()
	repl.Set("http.error.status_code", 404)
	r := httptest.NewRequest(http.MethodGet, "/", nil)
	r = r.WithContext(context.WithValue(r.Context(), caddy.ReplacerCtxKey, repl))
	sawStatus := caddyhttp.MatcherSet{matchFunc(func(r *http.Request) bool {
		v, _ := repl.Get("http.error.status_code")
		return v == http.StatusUnauthorized
	})}
	routes := caddyhttp.RouteList{{MatcherSets: caddyhttp.MatcherSets{sawStatus},
		Handlers: []caddyhttp.MiddlewareHandler{caddyhttp.StaticResponse{}}}}
	if !siteTakes(routes, r, http.StatusUnauthorized, errLoginRequired) {
		t.Fatal("the route matching on the error's status did not take it")
	}
	if v, _ := repl.Get("http.error.status_code"); v != 404 {
		t.Errorf("status_code is %v after, want 404 as before", v)
	}
	if _, set := repl.Get("http.error.message"); set {
		t.Error("message is set after, and was not before")
	}
}

type matchFunc func(*http.Request) bool

func (f matchFunc) MatchWithError(r *http.Request) (bool, error) { return f(r), nil }
