// Package instagramauth is a Caddy v2 HTTP handler that puts "Log in with
// Instagram" in front of a site: visitors without a session are sent through
// Instagram's authorization-code flow, the result is kept in an encrypted
// cookie, and the upstream receives the user's id, username and token as
// request headers. The README and docs/ are the user-facing contract this
// code follows; docs/behaviour.md numbers the behaviours comments cite.
package instagramauth

import (
	"github.com/b4b0c547/caddy-instagram-auth/internal/revocation"

	"github.com/b4b0c547/caddy-instagram-auth/internal/instagram"

	"github.com/b4b0c547/caddy-instagram-auth/internal/seal"

	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/caddyserver/caddy/v2"
	"github.com/caddyserver/caddy/v2/modules/caddyhttp"
	"github.com/caddyserver/certmagic"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
)

func init() {
	caddy.RegisterModule(Handler{})
}

// Handler authenticates requests with Instagram Login (the OAuth
// authorization-code flow of the Instagram API with Instagram Login).
//
// A request with a valid session cookie goes on to the next handler with
// the user's identity as request headers (header_user_id, header_username,
// header_token) and as the placeholders `{http.auth.user.id}` and
// `{http.auth.user.instagram_username}`, which Caddy's access log records
// as `user_id`. Whatever the request, the client's own copies of those
// headers are removed first, and the plugin's cookies never reach the
// upstream.
//
// A request without a session is answered here: a browser's page load (a
// GET or HEAD navigation accepting HTML) gets a 302 to Instagram's consent
// page, with a state bound to the browser by a sealed cookie; anything else
// (POST, fetch, XHR, JSON clients, WebSockets) gets a 401 with a short JSON
// body, and the next handler is not called.
//
// The handler serves its own paths on every request of the site: the OAuth
// callback (the path of redirect_uri), logout, whoami, and Meta's
// deauthorize and data deletion callbacks. `protect` (the Caddyfile
// directive's matcher) only narrows which other requests need a session.
type Handler struct {
	// The Instagram app ID. Required.
	ClientID string `json:"client_id,omitempty"`
	// The Instagram app secret. Required. `{env.NAME}` is resolved when
	// the config loads, so the JSON config need not hold the secret.
	ClientSecret string `json:"client_secret,omitempty"`
	// Where Instagram sends the user back: an absolute URL, or a path
	// completed with the scheme of the connection and the request's host.
	// Default: /oauth2/instagram/callback.
	RedirectURI string `json:"redirect_uri,omitempty"`
	// Permissions asked for, sent comma-joined. Default: instagram_business_basic.
	Scope []string `json:"scope,omitempty"`
	// Instagram's consent page. Default: https://www.instagram.com/oauth/authorize.
	AuthorizeURL string `json:"authorize_url,omitempty"`
	// Instagram's code-for-token endpoint. Default: https://api.instagram.com/oauth/access_token.
	TokenURL string `json:"token_url,omitempty"`
	// The profile endpoint that gives the username (asked for fields
	// id,username), or "off". Default: https://graph.instagram.com/me.
	UserinfoURL string `json:"userinfo_url,omitempty"`
	// The endpoint that exchanges the 1-hour token for a 60-day one, or
	// "off". Default: https://graph.instagram.com/access_token.
	LongLivedURL string `json:"long_lived_token,omitempty"`
	// The endpoint that renews a 60-day token that expires within 7 days,
	// or "off". Default: https://graph.instagram.com/refresh_access_token.
	TokenRefreshURL string `json:"token_refresh,omitempty"`
	// Name of the session cookie; pending logins use <name>_state_<id>.
	// Default: __Host-instagram_auth; __Secure-instagram_auth with
	// cookie_domain; _instagram_auth with insecure_cookies.
	CookieName string `json:"cookie_name,omitempty"`
	// Domain attribute of the cookies. Default: a host-only cookie, which
	// opens only on the host (and port) that issued it.
	CookieDomain string `json:"cookie_domain,omitempty"`
	// Base64 of 32 random bytes each: the first seals cookies, all open
	// them, so a key can be rotated without logging everybody out.
	// Default: a key generated once and kept in Caddy's storage.
	CookieSecret []string `json:"cookie_secret,omitempty"`
	// Drops the Secure flag from cookies, for plain-HTTP development.
	InsecureCookies bool `json:"insecure_cookies,omitempty"`
	// How long a session lasts, counted from login and never extended;
	// never beyond the token it forwards. Default: 24h.
	SessionLifetime caddy.Duration `json:"session_lifetime,omitempty"`
	// A session unused for this long ends. Default: none.
	SessionIdle caddy.Duration `json:"session_idle,omitempty"`
	// Time limit of each call to Instagram. Default: 10s.
	Timeout caddy.Duration `json:"timeout,omitempty"`
	// The path that ends the session (`?all=1`: every session of the user).
	// Default: /oauth2/instagram/logout.
	LogoutPath string `json:"logout_path,omitempty"`
	// Where logout sends the browser: a path or a URL. Default: /.
	LogoutRedirect string `json:"logout_redirect,omitempty"`
	// The path that tells a single-page app who is logged in, as JSON.
	// Default: /oauth2/instagram/whoami.
	WhoamiPath string `json:"whoami_path,omitempty"`
	// Meta's deauthorize callback. Default: /oauth2/instagram/deauthorize.
	DeauthorizePath string `json:"deauthorize_path,omitempty"`
	// Meta's data deletion callback and its status page.
	// Default: /oauth2/instagram/data-deletion.
	DataDeletionPath string `json:"data_deletion_path,omitempty"`
	// The path other proxies ask whether a request has a session (nginx
	// auth_request, Traefik forwardAuth, Caddy's forward_auth): 200 with
	// the identity on the response, or 401. Default: /oauth2/instagram/auth.
	AuthPath string `json:"auth_path,omitempty"`
	// The path that starts a login returning to ?rd=<target>.
	// Default: /oauth2/instagram/start.
	StartPath string `json:"start_path,omitempty"`
	// The request header carrying a signed identity assertion (an ES256
	// JWT) upstream. Default: none, so no assertion.
	AssertionHeader string `json:"assertion_header,omitempty"`
	// Where the public keys of the assertions are published, with
	// assertion_header. Default: /oauth2/instagram/jwks.json.
	JWKSPath string `json:"jwks_path,omitempty"`
	// How long an assertion signing key signs before the next replaces it:
	// a duration of at least 1m, or "off". Default: 30d.
	AssertionKeyRotation string `json:"assertion_key_rotation,omitempty"`
	// Accepts `Authorization: Bearer <Instagram token>` from apps, checked
	// with Instagram, on requests without a session.
	AllowBearer bool `json:"allow_bearer,omitempty"`
	// With cookie_domain: the hosts a login may start on and return to,
	// through one absolute redirect_uri (exact hosts, or *. and a domain,
	// each optionally with :port).
	ReturnHosts []string `json:"return_hosts,omitempty"`
	// Lets CORS preflight requests (OPTIONS with Origin and
	// Access-Control-Request-Method) pass on without a session.
	AllowPreflight bool `json:"allow_preflight,omitempty"`
	// Token requests per client IP: "<count> <duration>", or "off".
	// Default: "30 1m".
	LoginRateLimit string `json:"login_rate_limit,omitempty"`
	// Instagram user ids (digits only) or usernames allowed in.
	// Default: every user.
	AllowUsers []string `json:"allow_users,omitempty"`
	// Header carrying the user id upstream. Default: X-Instagram-User-Id.
	HeaderUserID string `json:"header_user_id,omitempty"`
	// Header carrying the username upstream. Default: X-Instagram-Username.
	HeaderUsername string `json:"header_username,omitempty"`
	// Header carrying the access token upstream, or "off".
	// Default: X-Instagram-Access-Token.
	HeaderToken string `json:"header_token,omitempty"`
	// Requests that need a session; empty means all. The Caddyfile's
	// directive matcher lands here, so that header stripping and the
	// handler's own paths still work outside it.
	ProtectRaw caddyhttp.RawMatcherSets `json:"protect,omitempty" caddy:"namespace=http.matchers"`
	// The addresses of the site block the directive is in, as the
	// Caddyfile spells them: the Caddyfile adapter fills this in so that
	// the start-up line names the site. Only log lines and load-time
	// warnings read it; no request does.
	Site []string `json:"site,omitempty"`

	cfg       runtimeConfig
	protect   caddyhttp.MatcherSets
	keys      seal.Ring
	sessions  sessions
	pending   pendingLogins
	headers   identityHeaders
	instagram *instagram.Client
	shared    *sharedState
	sharedKey string
	events    eventEmitter
	sampled   logSampler // lines strangers can cause, through the gates in shared
	logger    *zap.Logger
	now       func() time.Time // the clock the handler and its parts are given (clock.go)
	refresher refresher
	// assertions signs the identity assertion and serves the JWKS; nil
	// when assertion_header is not set (assertion.go).
	assertions *assertions
	// assertionStorage, when set before Provision (benchmarks, whose
	// context has no config), keeps the assertion keys instead of the
	// config's storage.
	assertionStorage certmagic.Storage
	bearers          bearerTokens // allow_bearer (bearer.go)
	// warnings holds a bit per login trap already logged. Not an atomic
	// type: the Handler is copied by value before Provision.
	warnings loginWarnings

	// This config's storage, as the revocation sync uses it.
	storageUser *revocation.User
}

// CaddyModule returns the Caddy module information.
func (Handler) CaddyModule() caddy.ModuleInfo {
	return caddy.ModuleInfo{
		ID:  "http.handlers.instagram_auth",
		New: func() caddy.Module { return new(Handler) },
	}
}

// Provision checks the whole config first, before any storage I/O, then
// prepares everything a request needs: keys, URLs, header names, the
// Instagram client and the state shared across reloads.
func (h *Handler) Provision(ctx caddy.Context) error {
	h.logger = ctx.Logger()
	h.now = clockOf(ctx)
	cfg, err := prepare(h)
	if err != nil {
		return err
	}
	h.cfg = cfg
	h.cfg.site = siteName(ctx, h.Site)
	if err := registerMetrics(ctx.GetMetricsRegistry()); err != nil {
		return err
	}
	if len(h.ProtectRaw) > 0 {
		mods, err := ctx.LoadModule(h, "ProtectRaw")
		if err != nil {
			return fmt.Errorf("protect: loading matchers: %w", err)
		}
		if err := h.protect.FromInterface(mods); err != nil {
			return fmt.Errorf("protect: %w", err)
		}
	}
	secrets := h.CookieSecret
	if len(secrets) == 0 {
		stored, err := seal.StoredSecret(ctx, ctx.Storage())
		if err != nil {
			return err
		}
		secrets = []string{stored}
	}
	if h.keys, err = seal.NewRing(secrets); err != nil {
		return err
	}
	h.headers = newIdentityHeaders(h.HeaderUserID, h.HeaderUsername, h.HeaderToken, h.cfg.assertionHeader)
	h.instagram = instagram.New(instagram.Config{
		ClientID: h.ClientID, ClientSecret: h.ClientSecret,
		TokenURL: h.TokenURL, UserinfoURL: h.UserinfoURL, LongLivedURL: h.LongLivedURL, RefreshURL: h.TokenRefreshURL,
		Timeout: time.Duration(h.Timeout), Now: h.now, Observe: observeProvider,
	})
	h.events = newEventEmitter(ctx)
	h.sharedKey, h.shared, err = loadSharedState(ctx, h)
	if err != nil {
		return err
	}
	if h.assertionStorage == nil {
		h.assertionStorage = storageOf(ctx)
	}
	if h.assertions, err = loadAssertions(h, h.assertionStorage); err != nil {
		return err
	}
	h.wire()
	logStartup(h)
	return nil
}

// wire hands the parts of the request flow what they share: the derived
// config, the keys, the state shared across reloads, the clock and the
// logger.
func (h *Handler) wire() {
	h.sessions = sessions{cfg: &h.cfg, keys: h.keys, revoked: h.shared.revocations, now: h.now}
	h.pending = pendingLogins{cfg: &h.cfg, keys: h.keys, now: h.now}
	h.sampled = logSampler{logger: h.logger, now: h.now}
	h.refresher = refresher{cfg: &h.cfg, instagram: h.instagram, memory: h.shared.refreshes, logger: h.logger, now: h.now}
	h.warnings = loginWarnings{cfg: &h.cfg, logger: h.logger}
	h.bearers = newBearerTokens(&h.cfg, h.instagram, time.Duration(h.Timeout), h.shared.revocations, &h.shared.throttle, h.sampled, h.now)
}

// logStartup says what an operator needs to know about this config, once
// per provision: at start-up and again at each reload, which provisions
// the new config's handlers afresh.
func logStartup(h *Handler) {
	logRedirectURI(h)
	warnIdleNotShorter(h)
	if h.headers.token != "" && h.logger.Core().Enabled(zapcore.DebugLevel) {
		h.logger.Warn("debug logging is on: Caddy's reverse_proxy logs the request headers it sends upstream, "+
			"so access tokens will be logged; filter the header out of the log or set header_token off",
			zap.String("header", h.headers.token))
	}
}

// logRedirectURI names the redirect URI to register with Instagram, which
// must match byte for byte. A path is completed per request with the
// site's scheme and host, which the handler does not know before then.
func logRedirectURI(h *Handler) {
	uri, hint := h.RedirectURI, "in the Meta app dashboard: Instagram > API setup with Instagram business login > "+
		"Business login settings > OAuth redirect URIs"
	site := "https://<your site>"
	if h.InsecureCookies {
		site = "http://<your site>" // a plain-HTTP development site
	}
	if strings.HasPrefix(uri, "/") {
		uri = site + uri
		hint = "redirect_uri is a path: register the origin of each site it serves (scheme and host, as browsers reach them) followed by it, " + hint
	}
	fields := append(siteField(h.cfg.site), zap.String("redirect_uri", uri), zap.String("client_id", h.ClientID))
	if len(h.ReturnHosts) > 0 { // behaviour 34: one URI for every host
		hint = "the one redirect URI of every host return_hosts allows: register only this one, " + hint
		fields = append(fields, zap.Strings("return_hosts", h.ReturnHosts))
	}
	if h.assertions != nil {
		// Behaviour 35: where upstreams fetch the keys of the assertion.
		fields = append(fields, zap.String("jwks_url", site+h.cfg.paths.jwks))
	}
	h.logger.Info("the redirect URI to register with Instagram", append(fields, zap.String("hint", hint))...)
}

// Validate reports a config that cannot work, with the same checks
// Provision starts with (placeholders are resolved there, once: a value
// must not be resolved twice).
func (h *Handler) Validate() error {
	applyDefaults(h)
	return validate(h).join()
}

// Cleanup releases the state shared with other configs of the same app.
func (h *Handler) Cleanup() error {
	return errors.Join(h.releaseSharedState(), h.assertions.release())
}

// Interface guards
var (
	_ caddy.CleanerUpper          = (*Handler)(nil)
	_ caddy.Provisioner           = (*Handler)(nil)
	_ caddy.Validator             = (*Handler)(nil)
	_ caddyhttp.MiddlewareHandler = (*Handler)(nil)
)
