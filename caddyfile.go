package instagramauth

import (
	"errors"
	"fmt"
	"os"
	"reflect"
	"regexp"
	"strings"

	"github.com/caddyserver/caddy/v2"
	"github.com/caddyserver/caddy/v2/caddyconfig/caddyfile"
	"github.com/caddyserver/caddy/v2/caddyconfig/httpcaddyfile"
	"github.com/caddyserver/caddy/v2/modules/caddyhttp"
)

func init() {
	httpcaddyfile.RegisterDirective("instagram_auth", parseCaddyfile)
	// Beside Caddy's own auth directives: before basic_auth, so handle,
	// route, respond, reverse_proxy and file_server all run after it.
	httpcaddyfile.RegisterDirectiveOrder("instagram_auth", httpcaddyfile.Before, "basic_auth")
}

// ownPathsState is the adapter's per-site record of the callback and
// logout paths already taken by an instagram_auth directive.
const ownPathsState = "instagram_auth.own_paths"

// parseCaddyfile sets up the handler from Caddyfile tokens. The
// directive's matcher does not wrap the route: it becomes the handler's
// "protect" matcher, so the handler still runs on every request of the
// site, to strip identity headers and to serve its own paths, which a
// login started under the matcher needs. For the same reason the directive
// must sit at the top level of the site.
func parseCaddyfile(h httpcaddyfile.Helper) ([]httpcaddyfile.ConfigValue, error) {
	h.Next() // the directive name, so the next token may be a matcher
	line := h.Line()
	if nested(h) {
		return nil, h.Errf("must be at the top level of the site block, not inside handle, route or another block: " +
			"there, requests for its callback and logout paths never reach it, and other routes get the client's " +
			"identity headers unstripped; write it at the top level with a matcher, e.g. instagram_auth /admin* { ... }")
	}
	matcherSet, err := h.ExtractMatcherSet()
	if err != nil {
		return nil, err
	}
	handler := new(Handler)
	if err := handler.UnmarshalCaddyfile(h.Dispenser); err != nil {
		return nil, err
	}
	if err := claimOwnPaths(h, handler, line); err != nil {
		return nil, err
	}
	if matcherSet != nil {
		handler.ProtectRaw = caddyhttp.RawMatcherSets{matcherSet}
	}
	return h.NewRoute(nil, handler), nil
}

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

// UnmarshalCaddyfile parses the directive:
//
//	instagram_auth [<matcher>] {
//	    client_id          <id>
//	    client_secret      <secret>
//	    redirect_uri       <url|path>
//	    scope              <scope...>
//	    authorize_url      <url>
//	    token_url          <url>
//	    userinfo_url       <url>|off
//	    long_lived_token   <url>|off
//	    token_refresh      <url>|off
//	    cookie_name        <name>
//	    cookie_domain      <domain>
//	    cookie_secret      <key> [<old key...>]
//	    insecure_cookies
//	    session_lifetime   <duration>
//	    session_idle       <duration>
//	    timeout            <duration>
//	    logout_path        <path>
//	    logout_redirect    <path|url>
//	    whoami_path        <path>
//	    deauthorize_path   <path>
//	    data_deletion_path <path>
//	    allow_preflight
//	    login_rate_limit   <count> <duration>|off
//	    allow_users        <id|username...>
//	    header_user_id     <header>
//	    header_username    <header>
//	    header_token       <header>|off
//	}
//
// The parser checks the syntax; then the options are validated as
// Provision validates them, and each error names the option and its line.
func (h *Handler) UnmarshalCaddyfile(d *caddyfile.Dispenser) error {
	d.Next() // consume directive name
	if d.NextArg() {
		return d.Errf("unexpected argument %q: options go in a block", d.Val())
	}
	lines := map[string]int{}
	for nesting := d.Nesting(); d.NextBlock(nesting); {
		option := d.Val()
		if _, seen := lines[option]; seen && option != "allow_users" {
			return d.Errf("%s given twice", option)
		}
		lines[option] = d.Line()
		if err := h.parseOption(d, option); err != nil {
			return err
		}
	}
	return h.validateAdapted(d, lines)
}

// validateAdapted runs the config checks on a copy with defaults in, and
// reports each error at the line of its option (or of the directive, for
// a required option that is missing).
func (h *Handler) validateAdapted(d *caddyfile.Dispenser, lines map[string]int) error {
	check := *h
	check.Scope = append([]string(nil), h.Scope...)
	check.applyDefaults()
	var errs []error
	for _, e := range check.validate() {
		line, given := lines[e.option]
		if !given {
			line = d.Line()
			if e.option == "client_id" || e.option == "client_secret" {
				e.err = errors.New("is required")
			}
		}
		errs = append(errs, fmt.Errorf("%w, at %s:%d", e, d.File(), line))
	}
	return errors.Join(errs...)
}

// Options by the arguments they take.
var (
	listOptions = map[string]bool{"scope": true, "cookie_secret": true, "allow_users": true}
	oneOptions  = map[string]bool{
		"client_id": true, "client_secret": true, "redirect_uri": true,
		"authorize_url": true, "token_url": true, "userinfo_url": true,
		"long_lived_token": true, "token_refresh": true, "cookie_name": true,
		"cookie_domain": true, "logout_path": true, "logout_redirect": true,
		"whoami_path": true, "deauthorize_path": true, "data_deletion_path": true,
		"header_user_id": true, "header_username": true, "header_token": true,
	}
	durationOptions = map[string]bool{"session_lifetime": true, "session_idle": true, "timeout": true}
)

// parseOption reads one subdirective's arguments.
func (h *Handler) parseOption(d *caddyfile.Dispenser, option string) error {
	args := d.RemainingArgs()
	switch {
	case option == "insecure_cookies" || option == "allow_preflight":
		if len(args) != 0 {
			return d.Errf("%s takes no argument", option)
		}
		*h.flag(option) = true
	case option == "login_rate_limit":
		return h.parseRateLimitOption(d, args)
	case listOptions[option]:
		if len(args) == 0 {
			return d.Errf("%s: missing value%s", option, unsetVariableHint(d))
		}
		h.setList(option, args)
	case durationOptions[option]:
		return h.parseDurationOption(d, option, args)
	case oneOptions[option]:
		if len(args) == 0 || (len(args) == 1 && args[0] == "") {
			return d.Errf("%s: missing value%s", option, unsetVariableHint(d))
		}
		if len(args) != 1 {
			return d.Errf("%s takes exactly one argument, got %d", option, len(args))
		}
		*h.stringField(option) = args[0]
	default:
		return d.Errf("unrecognized subdirective %q", option)
	}
	return nil
}

func (h *Handler) flag(option string) *bool {
	if option == "allow_preflight" {
		return &h.AllowPreflight
	}
	return &h.InsecureCookies
}

func (h *Handler) setList(option string, args []string) {
	switch option {
	case "scope":
		h.Scope = args
	case "cookie_secret":
		h.CookieSecret = args
	case "allow_users":
		h.AllowUsers = append(h.AllowUsers, args...)
	}
}

func (h *Handler) stringField(option string) *string {
	return map[string]*string{
		"client_id": &h.ClientID, "client_secret": &h.ClientSecret, "redirect_uri": &h.RedirectURI,
		"authorize_url": &h.AuthorizeURL, "token_url": &h.TokenURL, "userinfo_url": &h.UserinfoURL,
		"long_lived_token": &h.LongLivedURL, "token_refresh": &h.TokenRefreshURL,
		"cookie_name": &h.CookieName, "cookie_domain": &h.CookieDomain,
		"logout_path": &h.LogoutPath, "logout_redirect": &h.LogoutRedirect, "whoami_path": &h.WhoamiPath,
		"deauthorize_path": &h.DeauthorizePath, "data_deletion_path": &h.DataDeletionPath,
		"header_user_id": &h.HeaderUserID, "header_username": &h.HeaderUsername, "header_token": &h.HeaderToken,
	}[option]
}

func (h *Handler) parseDurationOption(d *caddyfile.Dispenser, option string, args []string) error {
	if len(args) == 0 {
		return d.Errf("%s: missing value%s", option, unsetVariableHint(d))
	}
	raw := strings.Join(args, " ")
	dur, err := caddy.ParseDuration(strings.Join(args, ""))
	if len(args) != 1 || err != nil {
		return d.Errf("%s: bad duration %q: write it as one word, such as 90m, 12h or 30d", option, raw)
	}
	field := map[string]*caddy.Duration{
		"session_lifetime": &h.SessionLifetime, "session_idle": &h.SessionIdle, "timeout": &h.Timeout,
	}[option]
	*field = caddy.Duration(dur)
	if dur <= 0 {
		return d.Errf("%s: must be positive", option)
	}
	return nil
}

func (h *Handler) parseRateLimitOption(d *caddyfile.Dispenser, args []string) error {
	raw := strings.Join(args, " ")
	if len(args) == 0 {
		return d.Errf("login_rate_limit: missing value%s", unsetVariableHint(d))
	}
	if _, err := parseRateLimit(raw); err != nil || (len(args) != 2 && raw != optionOff) {
		return d.Errf("login_rate_limit: %q is not <count> <duration> (such as 30 1m) or off", raw)
	}
	h.LoginRateLimit = raw
	return nil
}

// envShorthand finds Caddyfile {$NAME} placeholders in a source line.
var envShorthand = regexp.MustCompile(`\{\$([A-Za-z_][A-Za-z0-9_]*)(?::[^}]*)?\}`)

// unsetVariableHint names the environment variable that left an option
// without a value: Caddy replaces an unset {$NAME} with nothing before it
// parses, so only the source line still shows it.
func unsetVariableHint(d *caddyfile.Dispenser) string {
	data, err := os.ReadFile(d.File())
	if err != nil {
		return ""
	}
	src := strings.Split(string(data), "\n")
	if d.Line() < 1 || d.Line() > len(src) {
		return ""
	}
	if m := envShorthand.FindStringSubmatch(src[d.Line()-1]); m != nil {
		return fmt.Sprintf(" (is %s set?)", m[1])
	}
	return ""
}

// Interface guard
var _ caddyfile.Unmarshaler = (*Handler)(nil)
