package instagramauth

import (
	"github.com/b4b0c547/caddy-instagram-auth/internal/seal"
	"github.com/b4b0c547/caddy-instagram-auth/internal/target"
	"github.com/b4b0c547/caddy-instagram-auth/internal/throttle"

	"errors"
	"fmt"
	"net/textproto"
	"strings"
	"time"

	"github.com/caddyserver/caddy/v2"
)

// Defaults of the options, as the README's options table and
// docs/configuration.md state them.
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
	defaultAuthPath         = "/oauth2/instagram/auth"
	defaultStartPath        = "/oauth2/instagram/start"
	defaultJWKSPath         = "/oauth2/instagram/jwks.json"
	defaultKeyRotation      = "30d"
	defaultLoginRateLimit   = "30 1m"
	defaultHeaderUserID     = "X-Instagram-User-Id"
	defaultHeaderUsername   = "X-Instagram-Username"
	defaultHeaderToken      = "X-Instagram-Access-Token"

	// optionOff turns off userinfo_url, long_lived_token, token_refresh,
	// login_rate_limit, header_token and assertion_key_rotation.
	optionOff = "off"
)

// runtimeConfig is what Provision derives from the options once they are
// checked, so that no request parses or joins them again.
type runtimeConfig struct {
	redirectURI     string        // as configured: a path is completed per request (login.go)
	redirectPath    string        // path part of redirect_uri: the callback
	callbackHost    string        // host[:port] of an absolute redirect_uri; "" for a path
	callbackOrigin  string        // scheme://host[:port] of an absolute redirect_uri; "" for a path
	callbackSelf    target.Origin // the same, parsed: what return targets are judged against (returnhosts.go)
	authorizeBase   string        // authorize_url with the parameters every login shares
	authorizeReauth string        // the same, asking Instagram to re-authenticate (reauth.go)
	paths           ownPaths
	logoutRedirect  string
	clientSecret    string // signs Meta's signed requests
	sessionLifetime int64  // seconds
	sessionIdle     int64  // seconds; 0: none
	renewAfter      int64  // seconds since the cookie was sealed before an idle session is sealed again
	tokenRefresh    bool   // token_refresh is not off
	exchange        bool   // long_lived_token is not off
	userinfo        bool   // userinfo_url is not off
	allowPreflight  bool
	allowBearer     bool
	cookies         cookieJar
	allowIDs        map[string]struct{}
	allowUsernames  map[string]struct{} // lower case
	rateLimit       throttle.Limit
	aad             seal.AdditionalData
	assertionHeader string          // canonical; "": no assertion, and jwks_path is not served
	keyRotation     time.Duration   // assertion_key_rotation; 0: off
	returnHosts     target.Patterns // empty: return targets on this site only
	site            string          // the site's addresses, for start-up lines (startup.go)
}

// ownPaths are the paths the handler serves itself, besides the callback.
type ownPaths struct {
	logout, whoami, deauthorize, dataDeletion, auth, start, jwks string
}

// prepare fills in defaults, resolves placeholders and checks every
// option, then derives the runtime config. It does no I/O.
func prepare(h *Handler) (runtimeConfig, error) {
	nameGiven := h.CookieName != ""
	applyDefaults(h)
	if err := resolvePlaceholders(h); err != nil {
		return runtimeConfig{}, err
	}
	if err := validate(h).join(); err != nil {
		return runtimeConfig{}, err
	}
	return derive(h, nameGiven), nil
}

func applyDefaults(h *Handler) {
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
	setDefault(&h.AuthPath, defaultAuthPath)
	setDefault(&h.StartPath, defaultStartPath)
	setDefault(&h.JWKSPath, defaultJWKSPath)
	setDefault(&h.AssertionKeyRotation, defaultKeyRotation)
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
func resolvePlaceholders(h *Handler) error {
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
	for _, opt := range options {
		switch field := opt.field(h).(type) {
		case *string:
			if opt.env {
				one(opt.name, field)
			}
		case *[]string:
			for i := range *field {
				if opt.env {
					one(opt.name, &(*field)[i])
				}
			}
		}
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
func derive(h *Handler, nameGiven bool) runtimeConfig {
	lifetime := int64(time.Duration(h.SessionLifetime) / time.Second)
	idle := int64(time.Duration(h.SessionIdle) / time.Second)
	cfg := runtimeConfig{
		redirectURI:  h.RedirectURI,
		redirectPath: pathOf(h.RedirectURI),
		paths: ownPaths{logout: h.LogoutPath, whoami: h.WhoamiPath, deauthorize: h.DeauthorizePath,
			dataDeletion: h.DataDeletionPath, auth: h.AuthPath, start: h.StartPath, jwks: h.JWKSPath},
		logoutRedirect:  h.LogoutRedirect,
		clientSecret:    h.ClientSecret,
		exchange:        h.LongLivedURL != optionOff,
		userinfo:        h.UserinfoURL != optionOff,
		allowPreflight:  h.AllowPreflight,
		allowBearer:     h.AllowBearer,
		authorizeBase:   authorizeBase(h.AuthorizeURL, h.ClientID, strings.Join(h.Scope, ",")),
		sessionLifetime: lifetime,
		sessionIdle:     idle,
		renewAfter:      max(1, min(idle/10, 60)), // at least a second: never a seal per request
		tokenRefresh:    h.TokenRefreshURL != optionOff,
		cookies:         newCookieJar(h.CookieName, nameGiven, h.CookieDomain, !h.InsecureCookies),
	}
	cfg.authorizeReauth = cfg.authorizeBase
	if !hasQueryKey(cfg.authorizeBase, "force_reauth") {
		cfg.authorizeReauth += forceReauthParam
	}
	if cfg.callbackHost = callbackHost(h.RedirectURI); cfg.callbackHost != "" {
		scheme, _, _ := strings.Cut(h.RedirectURI, "://")
		cfg.callbackOrigin = strings.ToLower(scheme) + "://" + cfg.callbackHost
		cfg.callbackSelf, _ = target.NewOrigin(scheme, cfg.callbackHost)
	}
	cfg.aad = seal.NewAdditionalData(cfg.cookies.session, cfg.cookies.legacy, h.ClientID)
	cfg.rateLimit, _ = parseRateLimit(h.LoginRateLimit)
	cfg.allowIDs, cfg.allowUsernames = allowSets(h.AllowUsers)
	cfg.keyRotation, _ = keyRotation(h.AssertionKeyRotation)
	if h.AssertionHeader != "" {
		cfg.assertionHeader = textproto.CanonicalMIMEHeaderKey(h.AssertionHeader)
	}
	if len(h.ReturnHosts) > 0 {
		cfg.returnHosts, _ = target.ParsePatterns(h.ReturnHosts, h.CookieDomain)
	}
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
func validate(h *Handler) optionErrors {
	var errs optionErrors
	check := errs.add
	if h.ClientID == "" {
		check(optClientID, errors.New("required"))
	}
	if h.ClientSecret == "" {
		check(optClientSecret, errors.New("required"))
	}
	check(optRedirectURI, checkRedirectURI(h.RedirectURI))
	for _, s := range h.Scope {
		check(optScope, checkScope(s))
	}
	check(optAuthorizeURL, checkEndpoint(h.AuthorizeURL, false))
	check(optTokenURL, checkEndpoint(h.TokenURL, false))
	check(optUserinfoURL, checkEndpoint(h.UserinfoURL, true))
	check(optLongLivedToken, checkEndpoint(h.LongLivedURL, true))
	check(optTokenRefresh, checkEndpoint(h.TokenRefreshURL, true))
	check(optCookieName, checkCookieName(h.CookieName, h.CookieDomain, h.InsecureCookies))
	check(optCookieDomain, checkCookieDomain(h.CookieDomain))
	for _, s := range h.CookieSecret {
		if !hasPlaceholder(s) {
			check(optCookieSecret, seal.CheckSecret(s))
		}
	}
	check(optSessionLifetime, checkSessionDuration(h.SessionLifetime))
	if h.SessionIdle != 0 {
		check(optSessionIdle, checkSessionDuration(h.SessionIdle))
	}
	check(optTimeout, checkPositive(h.Timeout))
	check(optLogoutRedirect, checkLogoutRedirect(h.LogoutRedirect))
	check(optLoginRateLimit, checkRateLimit(h.LoginRateLimit))
	check(optAssertionKeyRotation, checkKeyRotation(h.AssertionKeyRotation))
	for _, u := range h.AllowUsers {
		check(optAllowUsers, checkAllowedUser(u))
	}
	if h.UserinfoURL == optionOff && allowsUsernames(h.AllowUsers) {
		check(optAllowUsers, errors.New("lists usernames, but "+optUserinfoURL+" is off, so no username is ever known "+
			"and those users could never log in: list their ids, or turn "+optUserinfoURL+" on"))
	}
	if h.AllowBearer && h.UserinfoURL == optionOff {
		check(optAllowBearer, errors.New("needs "+optUserinfoURL+", where bearer tokens are checked: turn it on, or remove "+optAllowBearer))
	}
	check(optReturnHosts, checkReturnHosts(h))
	validatePaths(h, check)
	validateHeaders(h, check)
	return errs
}

// validatePaths checks the handler's own paths: each a plain path, none
// the same as another, and none taking over the whole site.
func validatePaths(h *Handler, check func(string, error)) {
	callback := pathOf(h.RedirectURI)
	if hasPlaceholder(h.RedirectURI) {
		callback = ""
	} else if callback == "/" {
		check(optRedirectURI, errors.New("needs a path of its own: the callback would take over /"))
	}
	seen := map[string]string{}
	if callback != "" {
		seen[callback] = "the " + optRedirectURI + " path"
	}
	for _, p := range []struct{ option, path string }{
		{optLogoutPath, h.LogoutPath},
		{optWhoamiPath, h.WhoamiPath},
		{optDeauthorizePath, h.DeauthorizePath},
		{optDataDeletionPath, h.DataDeletionPath},
		{optAuthPath, h.AuthPath},
		{optStartPath, h.StartPath},
		{optJWKSPath, h.JWKSPath},
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

// validateHeaders checks the header names the handler sets upstream,
// which must all be different headers.
func validateHeaders(h *Handler, check func(string, error)) {
	seen := map[string]string{}
	for _, hd := range []struct{ option, name string }{
		{optHeaderUserID, h.HeaderUserID},
		{optHeaderUsername, h.HeaderUsername},
		{optHeaderToken, h.HeaderToken},
		{optAssertionHeader, h.AssertionHeader},
	} {
		if hd.name == "" && hd.option == optAssertionHeader || hd.name == optionOff && hd.option == optHeaderToken {
			continue // none: the default of the one, a choice for the other
		}
		if err := checkHTTPName(hd.name); err != nil {
			check(hd.option, err)
			continue
		}
		if other, dup := seen[foldName(hd.name)]; dup {
			check(hd.option, fmt.Errorf("names the same header as %s", other))
			continue
		}
		seen[foldName(hd.name)] = hd.option
	}
}
