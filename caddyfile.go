package instagramauth

import (
	"errors"

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
// site, to strip identity headers and to serve the callback and logout
// paths, which a login started under the matcher needs.
func parseCaddyfile(h httpcaddyfile.Helper) ([]httpcaddyfile.ConfigValue, error) {
	h.Next() // the directive name, so the next token may be a matcher
	matcherSet, err := h.ExtractMatcherSet()
	if err != nil {
		return nil, err
	}
	handler := new(Handler)
	if err := handler.UnmarshalCaddyfile(h.Dispenser); err != nil {
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
//	    client_id        <id>
//	    client_secret    <secret>
//	    redirect_uri     <url|path>
//	    scope            <scope...>
//	    authorize_url    <url>
//	    token_url        <url>
//	    userinfo_url     <url>|off
//	    long_lived_token <url>|off
//	    cookie_name      <name>
//	    cookie_domain    <domain>
//	    cookie_secret    <key> [<old key...>]
//	    insecure_cookies
//	    session_lifetime <duration>
//	    logout_path      <path>
//	    allow_users      <id|username...>
//	    header_user_id   <header>
//	    header_username  <header>
//	    header_token     <header>|off
//	    timeout          <duration>
//	}
//
// Every error names the option and the line.
func (h *Handler) UnmarshalCaddyfile(d *caddyfile.Dispenser) error {
	d.Next() // consume directive name
	if d.NextArg() {
		return d.Errf("instagram_auth: unexpected argument %q: options go in a block", d.Val())
	}
	seen := make(map[string]bool)
	for nesting := d.Nesting(); d.NextBlock(nesting); {
		option := d.Val()
		if seen[option] && option != "allow_users" {
			return d.Errf("instagram_auth: %s given twice", option)
		}
		seen[option] = true
		if err := h.parseOption(d, option); err != nil {
			return err
		}
	}
	if h.ClientID == "" {
		return d.Errf("instagram_auth: client_id is required")
	}
	if h.ClientSecret == "" {
		return d.Errf("instagram_auth: client_secret is required")
	}
	return nil
}

// parseOption reads one subdirective's arguments and checks them.
func (h *Handler) parseOption(d *caddyfile.Dispenser, option string) error {
	args := d.RemainingArgs()
	var err error
	switch option {
	case "insecure_cookies":
		if len(args) != 0 {
			return d.Errf("instagram_auth: %s takes no argument", option)
		}
		h.InsecureCookies = true
		return nil
	case "scope", "cookie_secret", "allow_users":
		if len(args) == 0 {
			return d.Errf("instagram_auth: %s needs at least one argument", option)
		}
		err = h.setList(option, args)
	default:
		if !singleOptions[option] {
			return d.Errf("instagram_auth: unrecognized subdirective %q", option)
		}
		if len(args) != 1 {
			return d.Errf("instagram_auth: %s takes exactly one argument", option)
		}
		err = h.setOne(option, args[0])
	}
	if err != nil {
		return d.Errf("instagram_auth: %s: %v", option, err)
	}
	return nil
}

// singleOptions take exactly one argument.
var singleOptions = map[string]bool{
	"client_id": true, "client_secret": true, "redirect_uri": true,
	"authorize_url": true, "token_url": true, "userinfo_url": true,
	"long_lived_token": true, "cookie_name": true, "cookie_domain": true,
	"logout_path": true, "header_user_id": true, "header_username": true,
	"header_token": true, "session_lifetime": true, "timeout": true,
}

func (h *Handler) setList(option string, args []string) error {
	switch option {
	case "scope":
		h.Scope = args
	case "cookie_secret":
		for _, s := range args {
			if err := checkCookieSecret(s); err != nil {
				return err
			}
		}
		h.CookieSecret = args
	case "allow_users":
		h.AllowUsers = append(h.AllowUsers, args...)
	}
	return nil
}

func (h *Handler) setOne(option, arg string) error {
	switch option {
	case "client_id":
		h.ClientID = arg
	case "client_secret":
		h.ClientSecret = arg
	case "redirect_uri":
		h.RedirectURI = arg
		return checkRedirectURI(arg)
	case "authorize_url":
		h.AuthorizeURL = arg
		return checkEndpoint(arg, false)
	case "token_url":
		h.TokenURL = arg
		return checkEndpoint(arg, false)
	case "userinfo_url":
		h.UserinfoURL = arg
		return checkEndpoint(arg, true)
	case "long_lived_token":
		h.LongLivedToken = arg
		return checkEndpoint(arg, true)
	case "cookie_name":
		h.CookieName = arg
		return checkToken(arg)
	case "cookie_domain":
		h.CookieDomain = arg
		return checkCookieDomain(arg)
	case "logout_path":
		h.LogoutPath = arg
		return checkPath(arg)
	case "header_user_id":
		h.HeaderUserID = arg
		return checkToken(arg)
	case "header_username":
		h.HeaderUsername = arg
		return checkToken(arg)
	case "header_token":
		h.HeaderToken = arg
		if arg == off {
			return nil
		}
		return checkToken(arg)
	case "session_lifetime":
		return parseDuration(arg, &h.SessionLifetime)
	case "timeout":
		return parseDuration(arg, &h.Timeout)
	}
	return nil
}

func parseDuration(arg string, into *caddy.Duration) error {
	dur, err := caddy.ParseDuration(arg)
	if err != nil {
		return err
	}
	if dur <= 0 {
		return errors.New("must be positive")
	}
	*into = caddy.Duration(dur)
	return nil
}

// Interface guard
var _ caddyfile.Unmarshaler = (*Handler)(nil)
