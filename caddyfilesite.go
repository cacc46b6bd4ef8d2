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
func claimOwnPaths(h httpcaddyfile.Helper, handler *Handler, site string, line int) error {
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

// siteBlock finds the site block the directive at line is in. Caddy's
// Caddyfile API does not say which site block a directive belongs to (its
// State is shared by every site of the Caddyfile), so the file is read
// again with Caddy's own parser, and the block holding an instagram_auth
// directive at that line is found there; its addresses name the site. For
// a Caddyfile that is not on disk (one posted to the admin API), or one
// that differs from what was adapted, there is none: the checks that need
// it are skipped rather than ever failing a good config.
//
// A snippet imported by several sites puts directives of one file and line
// in each of them. Caddy adapts the blocks in the order the parser gives
// them, so the n-th directive adapted from a line is in the n-th segment
// that starts there: siteBlock counts them, and is called once per
// directive.
func siteBlock(h httpcaddyfile.Helper, line int) (caddyfile.ServerBlock, bool) {
	file := h.File()
	seenKey := ownPathsState + " seen " + file
	seen, _ := h.State[seenKey].(map[int]int)
	if seen == nil {
		seen = map[int]int{}
		h.State[seenKey] = seen
	}
	nth := seen[line]
	seen[line]++
	cacheKey := ownPathsState + " file " + file
	blocks, cached := h.State[cacheKey].([]caddyfile.ServerBlock)
	if !cached {
		body, err := os.ReadFile(file)
		if err == nil {
			blocks, err = caddyfile.Parse(file, body)
		}
		if err != nil {
			blocks = nil
		}
		h.State[cacheKey] = blocks // nil after an error: read once, found nowhere
	}
	for _, sb := range blocks {
		for _, seg := range sb.Segments {
			if len(seg) > 0 && seg[0].File == file && seg[0].Line == line && seg.Directive() == "instagram_auth" {
				if nth == 0 {
					return sb, true
				}
				nth--
			}
		}
	}
	return caddyfile.ServerBlock{}, false
}

// addressesOf is the site block's addresses, as written.
func addressesOf(sb caddyfile.ServerBlock) []string {
	addrs := make([]string, len(sb.Keys))
	for i, k := range sb.Keys {
		addrs[i] = k.Text
	}
	return addrs
}

// blockName spells a site block's addresses with where they are written.
func blockName(sb caddyfile.ServerBlock) string {
	var b strings.Builder
	for _, k := range sb.Keys {
		fmt.Fprintf(&b, "%s:%d:%s ", k.File, k.Line, k.Text)
	}
	return b.String()
}
