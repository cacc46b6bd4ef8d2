package instagramauth

import (
	"github.com/b4b0c547/caddy-instagram-auth/internal/seal"

	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/caddyserver/caddy/v2"
)

// Defaults of the options, as the README's option table states them.
const (
	defaultRedirectPath     = "/oauth2/instagram/callback"
	defaultScope            = "instagram_business_basic"
	defaultAuthorizeURL     = "https://www.instagram.com/oauth/authorize"
	defaultTokenURL         = "https://api.instagram.com/oauth/access_token"
	defaultUserinfoURL      = "https://graph.instagram.com/me"
	defaultLongLivedURL     = "https://graph.instagram.com/access_token"
	defaultTokenRefreshURL  = "https://graph.instagram.com/refresh_access_token"
	defaultCookieName       = "__Host-instagram_auth"   // Secure, host-only
	defaultDomainCookieName = "__Secure-instagram_auth" // Secure, with cookie_domain
	insecureCookieName      = "_instagram_auth"         // with insecure_cookies
	defaultSessionLifetime  = 24 * time.Hour
	defaultTimeout          = 10 * time.Second
	defaultLogoutPath       = "/oauth2/instagram/logout"
	defaultLogoutRedirect   = "/"
	defaultWhoamiPath       = "/oauth2/instagram/whoami"
	defaultDeauthorizePath  = "/oauth2/instagram/deauthorize"
	defaultDataDeletionPath = "/oauth2/instagram/data-deletion"
	defaultLoginRateLimit   = "30 1m"
	defaultHeaderUserID     = "X-Instagram-User-Id"
	defaultHeaderUsername   = "X-Instagram-Username"
	defaultHeaderToken      = "X-Instagram-Access-Token"

	// optionOff turns off userinfo_url, long_lived_token, token_refresh,
	// login_rate_limit and header_token.
	optionOff = "off"
)

// runtimeConfig is what Provision derives from the options once they are
// checked, so that no request parses or joins them again.
type runtimeConfig struct {
	redirectPath    string // path part of redirect_uri: the callback
	callbackHost    string // host[:port] of an absolute redirect_uri; "" for a path
	callbackOrigin  string // scheme://host[:port] of an absolute redirect_uri; "" for a path
	authorizeBase   string // authorize_url with the parameters every login shares
	authorizeReauth string // the same, asking Instagram to re-authenticate (reauth.go)
	sessionLifetime int64  // seconds
	sessionIdle     int64  // seconds; 0: none
	renewAfter      int64  // seconds since the cookie was sealed before an idle session is sealed again
	tokenRefresh    bool   // token_refresh is not off
	cookieNames     cookieNames
	hostBound       bool // host-only cookies open only on the host that issued them
	allowIDs        map[string]struct{}
	allowUsernames  map[string]struct{} // lower case
	rateLimit       rateLimit
	aad             seal.AdditionalData
}

// prepare fills in defaults, resolves placeholders and checks every
// option, then derives the runtime config. It does no I/O.
func (h *Handler) prepare() (runtimeConfig, error) {
	nameGiven := h.CookieName != ""
	h.applyDefaults()
	if err := h.resolvePlaceholders(); err != nil {
		return runtimeConfig{}, err
	}
	if err := h.validate().join(); err != nil {
		return runtimeConfig{}, err
	}
	return h.derive(nameGiven), nil
}

func (h *Handler) applyDefaults() {
	setDefault(&h.RedirectURI, defaultRedirectPath)
	setDefault(&h.AuthorizeURL, defaultAuthorizeURL)
	setDefault(&h.TokenURL, defaultTokenURL)
	setDefault(&h.UserinfoURL, defaultUserinfoURL)
	setDefault(&h.LongLivedURL, defaultLongLivedURL)
	setDefault(&h.TokenRefreshURL, defaultTokenRefreshURL)
	setDefault(&h.CookieName, defaultCookieNameFor(h.CookieDomain, h.InsecureCookies))
	setDefault(&h.LogoutPath, defaultLogoutPath)
	setDefault(&h.LogoutRedirect, defaultLogoutRedirect)
	setDefault(&h.WhoamiPath, defaultWhoamiPath)
	setDefault(&h.DeauthorizePath, defaultDeauthorizePath)
	setDefault(&h.DataDeletionPath, defaultDataDeletionPath)
	setDefault(&h.LoginRateLimit, defaultLoginRateLimit)
	setDefault(&h.HeaderUserID, defaultHeaderUserID)
	setDefault(&h.HeaderUsername, defaultHeaderUsername)
	setDefault(&h.HeaderToken, defaultHeaderToken)
	if len(h.Scope) == 0 {
		h.Scope = []string{defaultScope}
	}
	if h.SessionLifetime == 0 {
		h.SessionLifetime = caddy.Duration(defaultSessionLifetime)
	}
	if h.Timeout == 0 {
		h.Timeout = caddy.Duration(defaultTimeout)
	}
}

// defaultCookieNameFor picks the prefix browsers enforce: __Host- (Secure,
// host-only, path /) cannot be planted by a sibling subdomain; __Secure-
// where a Domain is set; no prefix without Secure, which both require.
func defaultCookieNameFor(domain string, insecure bool) string {
	switch {
	case insecure:
		return insecureCookieName
	case domain != "":
		return defaultDomainCookieName
	}
	return defaultCookieName
}

func setDefault(field *string, value string) {
	if *field == "" {
		*field = value
	}
}

// resolvePlaceholders resolves {env.*} (and Caddy's other global
// placeholders) in every option a user may take from the environment. A
// placeholder that does not resolve is an error naming the option: sent to
// Instagram as it is, it would fail much later and much less clearly.
func (h *Handler) resolvePlaceholders() error {
	repl := caddy.NewReplacer()
	var errs optionErrors
	one := func(option string, field *string) {
		if !strings.Contains(*field, "{") {
			return
		}
		raw := *field
		v, err := repl.ReplaceOrErr(raw, true, true)
		if err != nil || v == "" {
			// The message names the placeholder, never a value: the
			// option may be a secret.
			errs.add(option, unresolved(placeholderIn(raw)))
			return
		}
		*field = v
	}
	one("client_id", &h.ClientID)
	one("client_secret", &h.ClientSecret)
	one("redirect_uri", &h.RedirectURI)
	one("authorize_url", &h.AuthorizeURL)
	one("token_url", &h.TokenURL)
	one("userinfo_url", &h.UserinfoURL)
	one("long_lived_token", &h.LongLivedURL)
	one("token_refresh", &h.TokenRefreshURL)
	one("cookie_domain", &h.CookieDomain)
	one("logout_redirect", &h.LogoutRedirect)
	for i := range h.CookieSecret {
		one("cookie_secret", &h.CookieSecret[i])
	}
	for i := range h.AllowUsers {
		one("allow_users", &h.AllowUsers[i])
	}
	return errs.join()
}

// unresolved explains a placeholder left in an option: an environment
// variable that is not set, or a placeholder that has no value when the
// config loads (a request's, say).
func unresolved(placeholder string) error {
	if strings.HasPrefix(placeholder, "{env.") {
		return fmt.Errorf("%s does not resolve (is the environment variable set?)", placeholder)
	}
	return fmt.Errorf("%s does not resolve: options are fixed when the config loads, so only {env.*} and "+
		"Caddy's global placeholders work here", placeholder)
}

// placeholderIn names the first placeholder of s, for an error message.
func placeholderIn(s string) string {
	start := strings.IndexByte(s, '{')
	end := strings.IndexByte(s[start:], '}')
	if end < 0 {
		return s[start:]
	}
	return s[start : start+end+1]
}

// derive builds the runtime config from checked options.
func (h *Handler) derive(nameGiven bool) runtimeConfig {
	lifetime := int64(time.Duration(h.SessionLifetime) / time.Second)
	idle := int64(time.Duration(h.SessionIdle) / time.Second)
	cfg := runtimeConfig{
		redirectPath:    pathOf(h.RedirectURI),
		authorizeBase:   authorizeBase(h.AuthorizeURL, h.ClientID, strings.Join(h.Scope, ",")),
		sessionLifetime: lifetime,
		sessionIdle:     idle,
		renewAfter:      max(1, min(idle/10, 60)), // at least a second: never a seal per request
		tokenRefresh:    h.TokenRefreshURL != optionOff,
		cookieNames:     newCookieNames(h.CookieName, nameGiven),
		hostBound:       h.CookieDomain == "",
	}
	cfg.authorizeReauth = cfg.authorizeBase
	if !hasQueryKey(cfg.authorizeBase, "force_reauth") {
		cfg.authorizeReauth += forceReauthParam
	}
	if cfg.callbackHost = callbackHost(h.RedirectURI); cfg.callbackHost != "" {
		scheme, _, _ := strings.Cut(h.RedirectURI, "://")
		cfg.callbackOrigin = strings.ToLower(scheme) + "://" + cfg.callbackHost
	}
	cfg.aad = seal.NewAdditionalData(cfg.cookieNames.session, cfg.cookieNames.legacy, h.ClientID)
	cfg.rateLimit, _ = parseRateLimit(h.LoginRateLimit)
	cfg.allowIDs, cfg.allowUsernames = allowSets(h.AllowUsers)
	return cfg
}

// optionError is a problem with one option; the Caddyfile adapter adds the
// line the option was given on.
type optionError struct {
	option string
	err    error
}

func (e optionError) Error() string { return e.option + ": " + e.err.Error() }

type optionErrors []optionError

func (errs *optionErrors) add(option string, err error) {
	if err != nil {
		*errs = append(*errs, optionError{option, err})
	}
}

func (errs optionErrors) join() error {
	all := make([]error, len(errs))
	for i, e := range errs {
		all[i] = e
	}
	return errors.Join(all...)
}

// validate checks every option once defaults are in. A value that still
// holds a placeholder (as the Caddyfile adapter sees {env.*}) is checked
// after Provision has resolved it.
func (h *Handler) validate() optionErrors {
	var errs optionErrors
	check := errs.add
	if h.ClientID == "" {
		check("client_id", errors.New("required"))
	}
	if h.ClientSecret == "" {
		check("client_secret", errors.New("required"))
	}
	check("redirect_uri", checkRedirectURI(h.RedirectURI))
	for _, s := range h.Scope {
		check("scope", checkScope(s))
	}
	check("authorize_url", checkEndpoint(h.AuthorizeURL, false))
	check("token_url", checkEndpoint(h.TokenURL, false))
	check("userinfo_url", checkEndpoint(h.UserinfoURL, true))
	check("long_lived_token", checkEndpoint(h.LongLivedURL, true))
	check("token_refresh", checkEndpoint(h.TokenRefreshURL, true))
	check("cookie_name", checkCookieName(h.CookieName, h.CookieDomain, h.InsecureCookies))
	check("cookie_domain", checkCookieDomain(h.CookieDomain))
	for _, s := range h.CookieSecret {
		if !hasPlaceholder(s) {
			check("cookie_secret", seal.CheckSecret(s))
		}
	}
	check("session_lifetime", checkSessionDuration(h.SessionLifetime))
	if h.SessionIdle != 0 {
		check("session_idle", checkSessionDuration(h.SessionIdle))
	}
	check("timeout", checkPositive(h.Timeout))
	check("logout_redirect", checkLogoutRedirect(h.LogoutRedirect))
	check("login_rate_limit", checkRateLimit(h.LoginRateLimit))
	for _, u := range h.AllowUsers {
		check("allow_users", checkAllowedUser(u))
	}
	if h.UserinfoURL == optionOff && allowsUsernames(h.AllowUsers) {
		check("allow_users", errors.New("lists usernames, but userinfo_url is off, so no username is ever known "+
			"and those users could never log in: list their ids, or turn userinfo_url on"))
	}
	h.validatePaths(check)
	h.validateHeaders(check)
	return errs
}

// validatePaths checks the handler's own paths: each a plain path, none
// the same as another, and none taking over the whole site.
func (h *Handler) validatePaths(check func(string, error)) {
	callback := pathOf(h.RedirectURI)
	if hasPlaceholder(h.RedirectURI) {
		callback = ""
	} else if callback == "/" {
		check("redirect_uri", errors.New("needs a path of its own: the callback would take over /"))
	}
	seen := map[string]string{}
	if callback != "" {
		seen[callback] = "the redirect_uri path"
	}
	for _, p := range []struct{ option, path string }{
		{"logout_path", h.LogoutPath},
		{"whoami_path", h.WhoamiPath},
		{"deauthorize_path", h.DeauthorizePath},
		{"data_deletion_path", h.DataDeletionPath},
	} {
		if err := checkPath(p.path); err != nil {
			check(p.option, err)
			continue
		}
		if other, dup := seen[p.path]; dup {
			check(p.option, fmt.Errorf("%q is already %s: give each its own path", p.path, other))
			continue
		}
		seen[p.path] = p.option
	}
}

// validateHeaders checks the identity header names, which must be three
// different headers.
func (h *Handler) validateHeaders(check func(string, error)) {
	check("header_user_id", checkHTTPName(h.HeaderUserID))
	check("header_username", checkHTTPName(h.HeaderUsername))
	if foldName(h.HeaderUsername) == foldName(h.HeaderUserID) {
		check("header_username", errors.New("names the same header as header_user_id"))
	}
	if h.HeaderToken != optionOff {
		check("header_token", checkHTTPName(h.HeaderToken))
		if t := foldName(h.HeaderToken); t == foldName(h.HeaderUserID) || t == foldName(h.HeaderUsername) {
			check("header_token", errors.New("names the same header as another header option"))
		}
	}
}
