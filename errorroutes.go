package instagramauth

import (
	"net/http"

	"github.com/caddyserver/caddy/v2"
	"github.com/caddyserver/caddy/v2/modules/caddyhttp"
)

// Whether the site renders errors itself. The Caddyfile puts the
// handle_errors blocks of every site on a listener into one list of error
// routes on the server, each site's behind its hosts, each block's behind
// the status codes it was given. So the question is asked per request and
// per error: would some error route that matches this request and this
// error answer it? Only then is the error handed to Caddy; otherwise Caddy
// would answer it with an empty body, and the built-in answer is better.
//
// Caddy offers no call that answers this without running the routes (which
// would run their handlers), so routesTake walks them with Caddy's public
// route and matcher types, as its chain would. The integration tests of
// handle_errors (TestHandleErrors*) pin this against a real Caddy: should a
// Caddy release route errors otherwise, they fail.

// errorRoutesOf returns the server's error routes, if any.
func errorRoutesOf(r *http.Request) caddyhttp.RouteList {
	srv, ok := r.Context().Value(caddyhttp.ServerCtxKey).(*caddyhttp.Server)
	if !ok || srv == nil || srv.Errors == nil {
		return nil
	}
	return srv.Errors.Routes
}

// siteTakes reports whether routes would answer an error of status for
// r. The routes are matched as Caddy runs them: against the request as the
// client sent it (Caddy undoes rewrites before its error routes) and with
// the error's placeholders set, which handle_errors' status codes match
// on. The placeholders are put back afterwards.
func siteTakes(routes caddyhttp.RouteList, r *http.Request, status int, err error) bool {
	repl, ok := r.Context().Value(caddy.ReplacerCtxKey).(*caddy.Replacer)
	if !ok {
		return false
	}
	saved := saveErrorPlaceholders(repl)
	defer saved.restore(repl)
	repl.Set("http.error.status_code", status)
	repl.Set("http.error.status_text", http.StatusText(status))
	repl.Set("http.error.message", err.Error())
	return routesTake(routes, asSent(r))
}

// asSent is r with the method and URL the client sent, if a rewrite
// changed them.
func asSent(r *http.Request) *http.Request {
	orig, ok := r.Context().Value(caddyhttp.OriginalRequestCtxKey).(http.Request)
	if !ok || orig.URL == nil || orig.Method == r.Method && *orig.URL == *r.URL {
		return r
	}
	sent := r.WithContext(r.Context())
	sent.Method, sent.URL = orig.Method, orig.URL
	return sent
}

// routesTake walks routes as Caddy's chain would: the first matching route
// with a handler of its own answers; a subroute answers if one of its
// routes does, and otherwise hands on to what follows it.
func routesTake(routes caddyhttp.RouteList, r *http.Request) bool {
	for _, route := range routes {
		if match, err := route.MatcherSets.AnyMatchWithError(r); err != nil || !match {
			continue
		}
		for _, handler := range route.Handlers {
			sub, isSub := handler.(*caddyhttp.Subroute)
			if !isSub || routesTake(sub.Routes, r) {
				return true
			}
		}
		if route.Terminal {
			return false
		}
	}
	return false
}

// errorPlaceholders are those siteTakes sets.
var errorPlaceholders = [...]string{"http.error.status_code", "http.error.status_text", "http.error.message"}

// savedPlaceholders are their values before.
type savedPlaceholders [len(errorPlaceholders)]struct {
	value any
	set   bool
}

func saveErrorPlaceholders(repl *caddy.Replacer) (s savedPlaceholders) {
	for i, name := range errorPlaceholders {
		s[i].value, s[i].set = repl.Get(name)
	}
	return s
}

func (s *savedPlaceholders) restore(repl *caddy.Replacer) {
	for i, name := range errorPlaceholders {
		if s[i].set {
			repl.Set(name, s[i].value)
		} else {
			repl.Delete(name)
		}
	}
}
