package instagramauth

import (
	"net/http"

	"github.com/b4b0c547/caddy-instagram-auth/internal/target"
)

// returnPath is the page to come back to after login: the request's own
// path and query, as the client sent them (before any rewrite), judged by
// the same rules as every return target (internal/target). A very long one
// loses its query, then its path: the state cookie carries it, and must
// stay well below browsers' 4 KB cookie limit.
func returnPath(r *http.Request) string {
	u := originalURL(r)
	p := u.RequestURI()
	if len(p) > target.MaxLen {
		p = u.EscapedPath()
	}
	if len(p) > target.MaxLen {
		return "/"
	}
	return target.Path(p)
}
