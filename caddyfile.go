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
	if site, onDisk := siteBlock(h, line); onDisk {
		handler.Site = addressesOf(site)
		if err := claimOwnPaths(h, handler, blockName(site), line); err != nil {
			return nil, err
		}
		warnSharedCookie(h, handler, site, line)
	}
	if matcherSet != nil {
		handler.ProtectRaw = caddyhttp.RawMatcherSets{matcherSet}
	}
	return h.NewRoute(nil, handler), nil
}

// UnmarshalCaddyfile parses the directive:
//
//	instagram_auth [<matcher>] {
//	    client_id              <id>
//	    client_secret          <secret>
//	    redirect_uri           <url|path>
//	    scope                  <scope...>
//	    authorize_url          <url>
//	    token_url              <url>
//	    userinfo_url           <url>|off
//	    long_lived_token       <url>|off
//	    token_refresh          <url>|off
//	    cookie_name            <name>
//	    cookie_domain          <domain>
//	    cookie_secret          <key> [<old key...>]
//	    insecure_cookies
//	    session_lifetime       <duration>
//	    session_idle           <duration>
//	    timeout                <duration>
//	    logout_path            <path>
//	    logout_redirect        <path|url>
//	    whoami_path            <path>
//	    deauthorize_path       <path>
//	    data_deletion_path     <path>
//	    auth_path              <path>
//	    start_path             <path>
//	    assertion_header       <header>
//	    jwks_path              <path>
//	    assertion_key_rotation <duration>|off
//	    allow_bearer
//	    return_hosts           <host-pattern...>
//	    allow_preflight
//	    login_rate_limit       <count> <duration>|off
//	    allow_users            <id|username...>
//	    header_user_id         <header>
//	    header_username        <header>
//	    header_token           <header>|off
//	}
//
// The parser checks the syntax, as the options table (options.go) says
// each option is written; then the options are validated as Provision
// validates them, and each error names the option and its line.
func (h *Handler) UnmarshalCaddyfile(d *caddyfile.Dispenser) error {
	d.Next() // consume directive name
	directiveLine := d.Line()
	if d.NextArg() {
		return d.Errf("unexpected argument %q: options go in a block", d.Val())
	}
	lines := map[string]int{}
	for nesting := d.Nesting(); d.NextBlock(nesting); {
		opt, known := optionNamed(d.Val())
		if !known {
			return unknownOption(d)
		}
		if _, seen := lines[opt.name]; seen && !opt.repeat {
			return d.Errf("%s given twice", opt.name)
		}
		lines[opt.name] = d.Line()
		if err := parseOption(d, opt, opt.field(h)); err != nil {
			return err
		}
	}
	return validateAdapted(h, d, lines, directiveLine)
}

// unknownOption refuses a subdirective the table does not hold, naming
// the option a typo most likely meant.
func unknownOption(d *caddyfile.Dispenser) error {
	if near := nearestOption(d.Val()); near != "" {
		return d.Errf("unrecognized subdirective %q (did you mean %s?)", d.Val(), near)
	}
	return d.Errf("unrecognized subdirective %q", d.Val())
}

// validateAdapted runs the config checks on a copy with defaults in, and
// reports each error at the line of its option (or of the directive, for
// a required option that is missing: not the block's closing brace, where
// the dispenser now stands).
func validateAdapted(h *Handler, d *caddyfile.Dispenser, lines map[string]int, directiveLine int) error {
	check := *h
	check.Scope = append([]string(nil), h.Scope...)
	applyDefaults(&check)
	var errs []error
	for _, e := range validate(&check) {
		line, given := lines[e.option]
		if !given {
			line = directiveLine
			if e.option == optClientID || e.option == optClientSecret {
				e.err = errors.New("is required")
			}
		}
		errs = append(errs, fmt.Errorf("%w, at %s:%d", e, d.File(), line))
	}
	return errors.Join(errs...)
}

// parseOption reads one subdirective's arguments into its field.
func parseOption(d *caddyfile.Dispenser, opt *option, field any) error {
	args := d.RemainingArgs()
	if opt.kind == kindFlag {
		if len(args) != 0 {
			return d.Errf("%s takes no argument", opt.name)
		}
		*field.(*bool) = true
		return nil
	}
	if len(args) == 0 || (len(args) == 1 && args[0] == "" && opt.kind == kindOne) {
		return d.Errf("%s: missing value%s", opt.name, unsetVariableHint(d))
	}
	switch opt.kind {
	case kindList:
		list := field.(*[]string)
		if opt.repeat {
			*list = append(*list, args...)
		} else {
			*list = args
		}
	case kindDuration:
		return parseDuration(d, opt.name, args, field.(*caddy.Duration))
	case kindRateLimit:
		return parseRateLimitOption(d, args, field.(*string))
	default:
		if len(args) != 1 {
			return d.Errf("%s takes exactly one argument, got %d", opt.name, len(args))
		}
		*field.(*string) = args[0]
	}
	return nil
}

func parseDuration(d *caddyfile.Dispenser, name string, args []string, field *caddy.Duration) error {
	raw := strings.Join(args, " ")
	dur, err := caddy.ParseDuration(strings.Join(args, ""))
	if len(args) != 1 || err != nil {
		return d.Errf("%s: bad duration %q: write it as one word, such as 90m, 12h or 30d", name, raw)
	}
	*field = caddy.Duration(dur)
	if dur <= 0 {
		return d.Errf("%s: must be positive", name)
	}
	return nil
}

func parseRateLimitOption(d *caddyfile.Dispenser, args []string, field *string) error {
	raw := strings.Join(args, " ")
	if _, err := parseRateLimit(raw); err != nil || (len(args) != 2 && raw != optionOff) {
		return d.Errf("%s: %q is not <count> <duration> (such as 30 1m) or off", optLoginRateLimit, raw)
	}
	*field = raw
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
