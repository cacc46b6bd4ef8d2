// Package instagramauth is a Caddy v2 HTTP handler that puts "Log in with
// Instagram" in front of a site: visitors without a session are sent through
// Instagram's authorization-code flow, the result is kept in an encrypted
// cookie, and the upstream receives the user's id, username and token as
// request headers.
package instagramauth

import (
	"crypto/cipher"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync/atomic"
	"time"

	"github.com/caddyserver/caddy/v2"
	"github.com/caddyserver/caddy/v2/modules/caddyhttp"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
)

func init() {
	caddy.RegisterModule(Handler{})
}

// Defaults of the options, as CONTRACT.md states them.
const (
	defaultRedirectPath    = "/oauth2/instagram/callback"
	defaultScope           = "instagram_business_basic"
	defaultAuthorizeURL    = "https://www.instagram.com/oauth/authorize"
	defaultTokenURL        = "https://api.instagram.com/oauth/access_token"
	defaultUserinfoURL     = "https://graph.instagram.com/me"
	defaultLongLivedURL    = "https://graph.instagram.com/access_token"
	defaultCookieName      = "_instagram_auth"
	defaultSessionLifetime = 24 * time.Hour
	defaultLogoutPath      = "/oauth2/instagram/logout"
	defaultHeaderUserID    = "X-Instagram-User-Id"
	defaultHeaderUsername  = "X-Instagram-Username"
	defaultHeaderToken     = "X-Instagram-Access-Token"
	defaultTimeout         = 10 * time.Second

	// off disables userinfo_url, long_lived_token and header_token.
	off = "off"
)

// now is the clock; tests replace it.
var now = time.Now

// Handler authenticates requests with Instagram Login.
type Handler struct {
	// The Instagram app ID. Required.
	ClientID string `json:"client_id,omitempty"`
	// The Instagram app secret. Required. May be a placeholder such as
	// {env.INSTAGRAM_CLIENT_SECRET}, resolved when the config is loaded.
	ClientSecret string `json:"client_secret,omitempty"`
	// Where Instagram sends the user back: an absolute URL, or a path
	// completed with the request's own scheme and host.
	// Default: /oauth2/instagram/callback.
	RedirectURI string `json:"redirect_uri,omitempty"`
	// Permissions asked for, sent comma-joined. Default: instagram_business_basic.
	Scope []string `json:"scope,omitempty"`
	// Instagram's authorization page. Default: https://www.instagram.com/oauth/authorize.
	AuthorizeURL string `json:"authorize_url,omitempty"`
	// Instagram's code-for-token endpoint. Default: https://api.instagram.com/oauth/access_token.
	TokenURL string `json:"token_url,omitempty"`
	// The profile endpoint that gives the username, or "off".
	// Default: https://graph.instagram.com/me.
	UserinfoURL string `json:"userinfo_url,omitempty"`
	// The endpoint that exchanges the 1-hour token for a 60-day one, or "off".
	// Default: https://graph.instagram.com/access_token.
	LongLivedToken string `json:"long_lived_token,omitempty"`
	// Name of the session cookie; pending logins use <name>_state_<id>.
	// Default: _instagram_auth.
	CookieName string `json:"cookie_name,omitempty"`
	// Domain attribute of the cookies. Default: a host-only cookie.
	CookieDomain string `json:"cookie_domain,omitempty"`
	// Base64 of 32 random bytes each: the first seals cookies, all open
	// them, so a key can be rotated without logging everybody out.
	// Default: a key generated once and kept in Caddy's storage.
	CookieSecret []string `json:"cookie_secret,omitempty"`
	// Drops the Secure flag from cookies, for plain-HTTP development.
	InsecureCookies bool `json:"insecure_cookies,omitempty"`
	// How long a session lasts, never beyond the token's expiry. Default: 24h.
	SessionLifetime caddy.Duration `json:"session_lifetime,omitempty"`
	// The path that ends the session. Default: /oauth2/instagram/logout.
	LogoutPath string `json:"logout_path,omitempty"`
	// Instagram user ids or usernames allowed in. Default: every user.
	AllowUsers []string `json:"allow_users,omitempty"`
	// Header carrying the user id upstream. Default: X-Instagram-User-Id.
	HeaderUserID string `json:"header_user_id,omitempty"`
	// Header carrying the username upstream. Default: X-Instagram-Username.
	HeaderUsername string `json:"header_username,omitempty"`
	// Header carrying the access token upstream, or "off".
	// Default: X-Instagram-Access-Token.
	HeaderToken string `json:"header_token,omitempty"`
	// Time limit of each call to Instagram. Default: 10s.
	Timeout caddy.Duration `json:"timeout,omitempty"`
	// Requests that need a session; empty means all. The Caddyfile's
	// directive matcher lands here, so that header stripping, the
	// callback and logout still work outside it.
	ProtectRaw caddyhttp.RawMatcherSets `json:"protect,omitempty" caddy:"namespace=http.matchers"`

	protect      caddyhttp.MatcherSets
	keys         []cipher.AEAD // keys[0] seals; all open
	aadSession   []byte        // binds sealed values to purpose and cookie name
	aadPending   []byte
	authorize    string // authorize_url and its fixed parameters, ready for redirect_uri and state
	redirectPath string // path part of RedirectURI
	scope        string // Scope comma-joined
	allowed      map[string]struct{}
	headers      identityHeaders
	instagram    *instagramClient
	logger       *zap.Logger
}

// CaddyModule returns the Caddy module information.
func (Handler) CaddyModule() caddy.ModuleInfo {
	return caddy.ModuleInfo{
		ID:  "http.handlers.instagram_auth",
		New: func() caddy.Module { return new(Handler) },
	}
}

// Provision fills in defaults, resolves secrets and prepares the keys.
func (h *Handler) Provision(ctx caddy.Context) error {
	liveHandlers.Add(1) // Caddy calls Cleanup even when Provision fails
	h.logger = ctx.Logger()
	h.applyDefaults()
	repl := caddy.NewReplacer()
	if raw := h.ClientSecret; raw != "" {
		h.ClientSecret = repl.ReplaceKnown(raw, "")
		if h.ClientSecret == "" {
			return fmt.Errorf("instagram_auth: client_secret: %s is empty (is the environment variable set?)", raw)
		}
	}
	for i, s := range h.CookieSecret {
		h.CookieSecret[i] = repl.ReplaceKnown(s, "")
	}
	if len(h.ProtectRaw) > 0 {
		mods, err := ctx.LoadModule(h, "ProtectRaw")
		if err != nil {
			return fmt.Errorf("loading matchers: %w", err)
		}
		if err := h.protect.FromInterface(mods); err != nil {
			return err
		}
	}
	secrets := h.CookieSecret
	if len(secrets) == 0 {
		stored, err := storedCookieSecret(ctx)
		if err != nil {
			return err
		}
		secrets = []string{stored}
	}
	keys, err := newKeyRing(secrets)
	if err != nil {
		return err
	}
	h.keys = keys
	h.aadSession = sealedFor(sessionPrefix, h.CookieName, h.ClientID)
	h.aadPending = sealedFor(pendingPrefix, h.CookieName, h.ClientID)
	h.scope = strings.Join(h.Scope, ",")
	h.authorize = authorizeBase(h.AuthorizeURL, h.ClientID, h.scope)
	h.redirectPath = redirectPath(h.RedirectURI)
	h.allowed = allowSet(h.AllowUsers)
	h.headers = newIdentityHeaders(h.HeaderUserID, h.HeaderUsername, h.HeaderToken)
	h.instagram = newInstagramClient(h, time.Duration(h.Timeout))
	if h.headers.token != "" && h.logger.Core().Enabled(zapcore.DebugLevel) {
		h.logger.Warn("debug logging is on: Caddy's reverse_proxy logs the request headers it sends upstream, "+
			"so access tokens will be logged; filter the header out of the log or set header_token off",
			zap.String("header", h.headers.token))
	}
	return nil
}

// sealedFor is the additional data that binds a sealed value to its
// purpose, its cookie's name and the Instagram app: a value made for one
// never opens as another, even where sites share a key.
func sealedFor(purpose []byte, cookieName, clientID string) []byte {
	aad := append([]byte{}, purpose...)
	aad = append(aad, cookieName...)
	aad = append(aad, 0)
	return append(aad, clientID...)
}

func (h *Handler) applyDefaults() {
	setDefault(&h.RedirectURI, defaultRedirectPath)
	setDefault(&h.AuthorizeURL, defaultAuthorizeURL)
	setDefault(&h.TokenURL, defaultTokenURL)
	setDefault(&h.UserinfoURL, defaultUserinfoURL)
	setDefault(&h.LongLivedToken, defaultLongLivedURL)
	setDefault(&h.CookieName, defaultCookieName)
	setDefault(&h.LogoutPath, defaultLogoutPath)
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

func setDefault(field *string, value string) {
	if *field == "" {
		*field = value
	}
}

// Validate reports a config that cannot work.
func (h *Handler) Validate() error {
	return h.validateOptions()
}

// validateOptions checks every option; each error names its option.
func (h *Handler) validateOptions() error {
	var errs []error
	check := func(option string, err error) {
		if err != nil {
			errs = append(errs, fmt.Errorf("instagram_auth: %s: %w", option, err))
		}
	}
	if h.ClientID == "" {
		check("client_id", errors.New("required"))
	}
	if h.ClientSecret == "" {
		check("client_secret", errors.New("required"))
	}
	check("redirect_uri", checkRedirectURI(h.RedirectURI))
	check("authorize_url", checkEndpoint(h.AuthorizeURL, false))
	check("token_url", checkEndpoint(h.TokenURL, false))
	check("userinfo_url", checkEndpoint(h.UserinfoURL, true))
	check("long_lived_token", checkEndpoint(h.LongLivedToken, true))
	check("cookie_name", checkToken(h.CookieName))
	check("cookie_domain", checkCookieDomain(h.CookieDomain))
	for _, s := range h.CookieSecret {
		check("cookie_secret", checkCookieSecret(s))
	}
	if h.SessionLifetime <= 0 {
		check("session_lifetime", errors.New("must be positive"))
	}
	if h.Timeout <= 0 {
		check("timeout", errors.New("must be positive"))
	}
	check("logout_path", checkPath(h.LogoutPath))
	if h.LogoutPath == redirectPath(h.RedirectURI) {
		check("logout_path", errors.New("must differ from the redirect_uri path"))
	}
	if redirectPath(h.RedirectURI) == "/" {
		check("redirect_uri", errors.New("needs a path of its own: the callback would take over /"))
	}
	check("header_user_id", checkToken(h.HeaderUserID))
	check("header_username", checkToken(h.HeaderUsername))
	if foldName(h.HeaderUsername) == foldName(h.HeaderUserID) {
		check("header_username", errors.New("names the same header as header_user_id"))
	}
	if h.HeaderToken != off {
		check("header_token", checkToken(h.HeaderToken))
		if t := foldName(h.HeaderToken); t == foldName(h.HeaderUserID) || t == foldName(h.HeaderUsername) {
			check("header_token", errors.New("names the same header as another header option"))
		}
	}
	return errors.Join(errs...)
}

// checkEndpoint accepts an absolute http(s) URL, or "off" where allowed.
func checkEndpoint(raw string, offAllowed bool) error {
	if offAllowed && raw == off {
		return nil
	}
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fmt.Errorf("%q is not an absolute http(s) URL", raw)
	}
	if u.Fragment != "" {
		return fmt.Errorf("%q has a fragment", raw)
	}
	return nil
}

// checkRedirectURI accepts an absolute http(s) URL or a path.
func checkRedirectURI(raw string) error {
	if strings.HasPrefix(raw, "/") {
		return checkPath(raw)
	}
	return checkEndpoint(raw, false)
}

func checkPath(p string) error {
	u, err := url.Parse(p)
	if err != nil || !strings.HasPrefix(p, "/") || strings.HasPrefix(p, "//") ||
		u.RawQuery != "" || u.Fragment != "" {
		return fmt.Errorf("%q is not a path beginning with /", p)
	}
	return nil
}

// authorizeBase is the authorize URL with the parameters every login
// shares, keeping any query it already has, so a login only appends
// redirect_uri and state.
func authorizeBase(authorizeURL, clientID, scope string) string {
	u, err := url.Parse(authorizeURL)
	if err != nil {
		return authorizeURL // refused by Validate
	}
	q := u.Query()
	for _, k := range []string{"client_id", "response_type", "scope", "redirect_uri", "state"} {
		q.Del(k)
	}
	fixed := url.Values{"client_id": {clientID}, "response_type": {"code"}, "scope": {scope}}.Encode()
	if extra := q.Encode(); extra != "" {
		fixed = extra + "&" + fixed
	}
	u.RawQuery = fixed
	return u.String()
}

// redirectPath is the path on which the callback is served.
func redirectPath(redirectURI string) string {
	u, err := url.Parse(redirectURI)
	if err != nil || u.Path == "" {
		return "/"
	}
	return u.Path
}

// checkToken accepts an HTTP token: a valid header or cookie name.
func checkToken(name string) error {
	if name == "" {
		return errors.New("empty name")
	}
	for i := 0; i < len(name); i++ {
		if !isTokenChar(name[i]) {
			return fmt.Errorf("%q is not a valid name", name)
		}
	}
	return nil
}

func isTokenChar(c byte) bool {
	return isAlnum(c) || strings.IndexByte("!#$%&'*+-.^_`|~", c) >= 0
}

func isAlnum(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
}

// isAlnumOr reports whether every byte of s is an ASCII letter, a digit or
// one of extra: the shapes of usernames, hosts and state ids.
func isAlnumOr(s, extra string) bool {
	for i := 0; i < len(s); i++ {
		if !isAlnum(s[i]) && strings.IndexByte(extra, s[i]) < 0 {
			return false
		}
	}
	return true
}

func checkCookieDomain(domain string) error {
	if domain == "" {
		return nil
	}
	c := http.Cookie{Name: "x", Value: "y", Domain: domain}
	if c.Valid() != nil {
		return fmt.Errorf("%q is not a valid cookie domain", domain)
	}
	return nil
}

// allowSet holds ids as given and usernames in lower case (Instagram
// usernames are case-insensitive).
func allowSet(users []string) map[string]struct{} {
	if len(users) == 0 {
		return nil
	}
	set := make(map[string]struct{}, len(users))
	for _, u := range users {
		set[strings.ToLower(strings.TrimPrefix(u, "@"))] = struct{}{}
	}
	return set
}

// allows reports whether allow_users lets this user in.
func (h *Handler) allows(userID, username string) bool {
	if h.allowed == nil {
		return true
	}
	if _, ok := h.allowed[userID]; ok {
		return true
	}
	if username == "" {
		return false
	}
	_, ok := h.allowed[strings.ToLower(username)]
	return ok
}

// liveHandlers counts provisioned handlers. While there is only one, no
// other instagram_auth handler can come after it in a request, and the
// hot path need not keep the cookies it takes out for one (see
// dropOwnCookies). During a reload old and new overlap, which only means
// keeping them for a moment.
var liveHandlers atomic.Int64

// Cleanup is called when the config that provisioned h is unloaded.
func (h *Handler) Cleanup() error {
	liveHandlers.Add(-1)
	return nil
}

// Interface guards
var (
	_ caddy.CleanerUpper          = (*Handler)(nil)
	_ caddy.Provisioner           = (*Handler)(nil)
	_ caddy.Validator             = (*Handler)(nil)
	_ caddyhttp.MiddlewareHandler = (*Handler)(nil)
)
