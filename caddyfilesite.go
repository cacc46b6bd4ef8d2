package instagramauth

import (
	"fmt"
	"reflect"
	"strings"

	"github.com/caddyserver/caddy/v2/caddyconfig/httpcaddyfile"
)

// Where the directive may stand in a Caddyfile: at the top level of its
// site, with a callback path of its own (parseCaddyfile applies these).

// ownPathsState is the adapter's per-site record of the callback and
// logout paths already taken by an instagram_auth directive.
const ownPathsState = "instagram_auth.own_paths"

// nested tells a directive inside a block (handle, route, a named route,
// ...) from one at the top level of the site: Caddy hands top-level
// directives one map as both State and BlockState, and nested ones a copy
// as BlockState.
//
// Nesting is refused rather than made to work because Caddy's Caddyfile
// API gives a nested directive no way to do its job: what it returns goes
// into the enclosing block's subroute (it cannot add a route at the top of
// the site, which stripping identity headers on every path needs), and it
// cannot see the enclosing block's matcher, so it cannot tell whether its
// callback and logout paths would reach it. Even an unmatched route block
// runs after handle and handle_path, whose requests would bypass it. The
// top-level directive with a matcher does everything the nested one was
// meant to, so the error says to write that.
func nested(h httpcaddyfile.Helper) bool {
	const probe = "instagram_auth.nesting_probe"
	h.BlockState[probe] = true
	_, top := h.State[probe]
	delete(h.BlockState, probe)
	delete(h.State, probe)
	return !top
}

// sitePaths are the own paths taken in one site: where the directive
// serving each callback is (file:line), and each logout's with its cookie.
type sitePaths struct {
	callbacks map[string]string
	logouts   map[string]logoutClaim
}

type logoutClaim struct {
	at     string
	cookie string
}

// claimOwnPaths refuses a second directive of the site with the same
// callback path: the first would serve every callback, judging the second's
// users by its own allow_users. A logout path may be shared only by
// directives with the same cookie: the first clears only its own.
func claimOwnPaths(h httpcaddyfile.Helper, handler *Handler, line int) error {
	site, ok := siteKey(h)
	if !ok {
		return nil
	}
	key := ownPathsState + " " + site
	taken, _ := h.State[key].(*sitePaths)
	if taken == nil {
		taken = &sitePaths{callbacks: map[string]string{}, logouts: map[string]logoutClaim{}}
		h.State[key] = taken
	}
	eff := *handler
	eff.applyDefaults()
	at := fmt.Sprintf("%s:%d", h.File(), line)
	callback, logout := pathOf(eff.RedirectURI), logoutClaim{at, eff.CookieName}
	if first, dup := taken.callbacks[callback]; dup {
		return fmt.Errorf("redirect_uri: the callback path %s is already served by the instagram_auth directive at %s: "+
			"give this one its own redirect_uri, at %s", callback, first, at)
	}
	if first, dup := taken.logouts[eff.LogoutPath]; dup && first.cookie != logout.cookie {
		return fmt.Errorf("logout_path: %s is already the logout of the instagram_auth directive at %s, which "+
			"clears its own cookie only: give this one its own logout_path, at %s", eff.LogoutPath, first.at, at)
	}
	taken.callbacks[callback] = at
	if _, dup := taken.logouts[eff.LogoutPath]; !dup {
		taken.logouts[eff.LogoutPath] = logout
	}
	return nil
}

// siteKey names the site block a directive is in: the adapter's State is
// shared by every site of the Caddyfile, and Caddy offers no public way to
// tell them apart, so the block's keys (its addresses, where they are
// written) are read with reflection, read-only. Should a later Caddy lay
// the Helper out otherwise, the check is skipped rather than ever failing
// a good config.
func siteKey(h httpcaddyfile.Helper) (string, bool) {
	keys := reflect.ValueOf(h).FieldByName("parentBlock").FieldByName("Keys")
	if !keys.IsValid() || keys.Kind() != reflect.Slice || keys.Len() == 0 {
		return "", false
	}
	var b strings.Builder
	for i := 0; i < keys.Len(); i++ {
		tok := keys.Index(i)
		file, line, text := tok.FieldByName("File"), tok.FieldByName("Line"), tok.FieldByName("Text")
		if file.Kind() != reflect.String || line.Kind() != reflect.Int || text.Kind() != reflect.String {
			return "", false
		}
		fmt.Fprintf(&b, "%s:%d:%s ", file.String(), line.Int(), text.String())
	}
	return b.String(), true
}
