package instagramauth

import (
	"errors"
	"fmt"
	"os"
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
