package instagramauth

// Every option's name, spelled here once: the Caddyfile subdirective and
// (in the Handler's JSON tags) the JSON key. The parser, the placeholder
// resolution and every validation message use these.
const (
	optClientID             = "client_id"
	optClientSecret         = "client_secret"
	optRedirectURI          = "redirect_uri"
	optScope                = "scope"
	optAuthorizeURL         = "authorize_url"
	optTokenURL             = "token_url"
	optUserinfoURL          = "userinfo_url"
	optLongLivedToken       = "long_lived_token"
	optTokenRefresh         = "token_refresh"
	optCookieName           = "cookie_name"
	optCookieDomain         = "cookie_domain"
	optCookieSecret         = "cookie_secret"
	optInsecureCookies      = "insecure_cookies"
	optSessionLifetime      = "session_lifetime"
	optSessionIdle          = "session_idle"
	optTimeout              = "timeout"
	optLogoutPath           = "logout_path"
	optLogoutRedirect       = "logout_redirect"
	optWhoamiPath           = "whoami_path"
	optDeauthorizePath      = "deauthorize_path"
	optDataDeletionPath     = "data_deletion_path"
	optAuthPath             = "auth_path"
	optStartPath            = "start_path"
	optAssertionHeader      = "assertion_header"
	optJWKSPath             = "jwks_path"
	optAssertionKeyRotation = "assertion_key_rotation"
	optAllowBearer          = "allow_bearer"
	optReturnHosts          = "return_hosts"
	optAllowPreflight       = "allow_preflight"
	optLoginRateLimit       = "login_rate_limit"
	optAllowUsers           = "allow_users"
	optHeaderUserID         = "header_user_id"
	optHeaderUsername       = "header_username"
	optHeaderToken          = "header_token"
)

// optionKind is what arguments an option takes in the Caddyfile.
type optionKind uint8

const (
	kindFlag      optionKind = iota // no argument
	kindOne                         // exactly one
	kindList                        // one or more
	kindDuration                    // one duration, such as 90m or 30d
	kindRateLimit                   // <count> <duration>, or off
)

// option ties a name to its field of the Handler.
type option struct {
	name string
	kind optionKind
	// env: the value may hold {env.*} (or another global placeholder),
	// resolved when the config loads (config.go).
	env bool
	// repeat: the option may be given more than once, adding to its list.
	repeat bool
	field  func(h *Handler) any // *string, *[]string, *bool or *caddy.Duration
}

// options is every option, in the order the README's options table lists
// them (details in docs/configuration.md).
var options = []option{
	{name: optClientID, kind: kindOne, env: true, field: func(h *Handler) any { return &h.ClientID }},
	{name: optClientSecret, kind: kindOne, env: true, field: func(h *Handler) any { return &h.ClientSecret }},
	{name: optRedirectURI, kind: kindOne, env: true, field: func(h *Handler) any { return &h.RedirectURI }},
	{name: optScope, kind: kindList, field: func(h *Handler) any { return &h.Scope }},
	{name: optAuthorizeURL, kind: kindOne, env: true, field: func(h *Handler) any { return &h.AuthorizeURL }},
	{name: optTokenURL, kind: kindOne, env: true, field: func(h *Handler) any { return &h.TokenURL }},
	{name: optUserinfoURL, kind: kindOne, env: true, field: func(h *Handler) any { return &h.UserinfoURL }},
	{name: optLongLivedToken, kind: kindOne, env: true, field: func(h *Handler) any { return &h.LongLivedURL }},
	{name: optTokenRefresh, kind: kindOne, env: true, field: func(h *Handler) any { return &h.TokenRefreshURL }},
	{name: optCookieName, kind: kindOne, field: func(h *Handler) any { return &h.CookieName }},
	{name: optCookieDomain, kind: kindOne, env: true, field: func(h *Handler) any { return &h.CookieDomain }},
	{name: optCookieSecret, kind: kindList, env: true, field: func(h *Handler) any { return &h.CookieSecret }},
	{name: optInsecureCookies, kind: kindFlag, field: func(h *Handler) any { return &h.InsecureCookies }},
	{name: optSessionLifetime, kind: kindDuration, field: func(h *Handler) any { return &h.SessionLifetime }},
	{name: optSessionIdle, kind: kindDuration, field: func(h *Handler) any { return &h.SessionIdle }},
	{name: optTimeout, kind: kindDuration, field: func(h *Handler) any { return &h.Timeout }},
	{name: optLogoutPath, kind: kindOne, field: func(h *Handler) any { return &h.LogoutPath }},
	{name: optLogoutRedirect, kind: kindOne, env: true, field: func(h *Handler) any { return &h.LogoutRedirect }},
	{name: optWhoamiPath, kind: kindOne, field: func(h *Handler) any { return &h.WhoamiPath }},
	{name: optDeauthorizePath, kind: kindOne, field: func(h *Handler) any { return &h.DeauthorizePath }},
	{name: optDataDeletionPath, kind: kindOne, field: func(h *Handler) any { return &h.DataDeletionPath }},
	{name: optAuthPath, kind: kindOne, field: func(h *Handler) any { return &h.AuthPath }},
	{name: optStartPath, kind: kindOne, field: func(h *Handler) any { return &h.StartPath }},
	{name: optAssertionHeader, kind: kindOne, field: func(h *Handler) any { return &h.AssertionHeader }},
	{name: optJWKSPath, kind: kindOne, field: func(h *Handler) any { return &h.JWKSPath }},
	{name: optAssertionKeyRotation, kind: kindOne, field: func(h *Handler) any { return &h.AssertionKeyRotation }},
	{name: optAllowBearer, kind: kindFlag, field: func(h *Handler) any { return &h.AllowBearer }},
	{name: optReturnHosts, kind: kindList, env: true, field: func(h *Handler) any { return &h.ReturnHosts }},
	{name: optAllowPreflight, kind: kindFlag, field: func(h *Handler) any { return &h.AllowPreflight }},
	{name: optLoginRateLimit, kind: kindRateLimit, field: func(h *Handler) any { return &h.LoginRateLimit }},
	{name: optAllowUsers, kind: kindList, env: true, repeat: true, field: func(h *Handler) any { return &h.AllowUsers }},
	{name: optHeaderUserID, kind: kindOne, field: func(h *Handler) any { return &h.HeaderUserID }},
	{name: optHeaderUsername, kind: kindOne, field: func(h *Handler) any { return &h.HeaderUsername }},
	{name: optHeaderToken, kind: kindOne, field: func(h *Handler) any { return &h.HeaderToken }},
}

// optionNamed finds an option by its name.
func optionNamed(name string) (*option, bool) {
	for i := range options {
		if options[i].name == name {
			return &options[i], true
		}
	}
	return nil, false
}

// nearestOption is the option a mistyped name most likely meant: the one
// fewest edits away (at most a third of the name's letters), or "".
func nearestOption(name string) string {
	best, bestDist := "", len(name)/3+1
	for _, o := range options {
		if d := editDistance(name, o.name); d < bestDist {
			best, bestDist = o.name, d
		}
	}
	return best
}

// editDistance is the Levenshtein distance of a and b, in bytes.
func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur := make([]int, len(b)+1)
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev = cur
	}
	return prev[len(b)]
}
