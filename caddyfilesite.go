package instagramauth

import (
	"fmt"
	"os"
	"strings"

	"github.com/caddyserver/caddy/v2/caddyconfig/caddyfile"
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
	site, ok := siteKey(h, line)
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
	applyDefaults(&eff)
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

// siteKey names the site block the directive at line is in. Caddy's
// Caddyfile API does not say which site block a directive belongs to (its
// State is shared by every site of the Caddyfile), so the file is read
// again with Caddy's own parser, and the block holding an instagram_auth
// directive at that line is found there; its addresses name the site. A
// Caddyfile that is not on disk (one posted to the admin API), or one
// that differs from what was adapted, is not checked: the check is
// skipped rather than ever failing a good config.
func siteKey(h httpcaddyfile.Helper, line int) (string, bool) {
	file := h.File()
	cacheKey := ownPathsState + " file " + file
	blocks, cached := h.State[cacheKey].([]caddyfile.ServerBlock)
	if !cached {
		body, err := os.ReadFile(file)
		if err != nil {
			return "", false
		}
		if blocks, err = caddyfile.Parse(file, body); err != nil {
			return "", false
		}
		h.State[cacheKey] = blocks
	}
	for _, sb := range blocks {
		for _, seg := range sb.Segments {
			if len(seg) > 0 && seg[0].File == file && seg[0].Line == line && seg.Directive() == "instagram_auth" {
				return blockName(sb), true
			}
		}
	}
	return "", false
}

// blockName spells a site block's addresses with where they are written.
func blockName(sb caddyfile.ServerBlock) string {
	var b strings.Builder
	for _, k := range sb.Keys {
		fmt.Fprintf(&b, "%s:%d:%s ", k.File, k.Line, k.Text)
	}
	return b.String()
}
