package integration

import "time"

// What the plugin shows its users, spelled as the README and docs/ spell
// it: cookie names, paths, headers, event names and documented bounds.
// The tests pin them; a change here is a change users see.
const (
	// Cookies (docs/configuration.md, docs/security.md).
	insecureCookieName = "_instagram_auth"       // with insecure_cookies, as the harness runs
	defaultCookieName  = "__Host-instagram_auth" // Secure, host-only: the default
	pendingInfix       = "_state_"               // <name>_state_<id>: a pending login
	reauthSuffix       = "_reauth"               // <name>_reauth: the mark a logout leaves

	// Default paths (README, docs/configuration.md).
	defaultRedirectPath     = "/oauth2/instagram/callback"
	defaultLogoutPath       = "/oauth2/instagram/logout"
	defaultWhoamiPath       = "/oauth2/instagram/whoami"
	defaultDeauthorizePath  = "/oauth2/instagram/deauthorize"
	defaultDataDeletionPath = "/oauth2/instagram/data-deletion"

	defaultScope = "instagram_business_basic"

	// The upstream's identity headers (README).
	defaultHeaderUserID   = "X-Instagram-User-Id"
	defaultHeaderUsername = "X-Instagram-Username"
	defaultHeaderToken    = "X-Instagram-Access-Token"

	// Events (docs/operations.md).
	eventLogout  = "instagram_logout"
	eventRevoked = "instagram_session_revoked"
)

// Documented bounds (docs/security.md, docs/behaviour.md).
const (
	stateLifetime             = 10 * time.Minute // a login may sit on the consent page
	stateLen                  = 43               // 32 random bytes, base64url without padding
	maxPending                = 4                // logins pending at once per browser (tabs)
	maxTokenRequestsInFlight  = 32               // token requests at once, per app and instance
	maxTokenRequestsPerClient = 8                // of those, at once from one client
	sampledLinesPerSecond     = 5                // lines a second of each kind of refusal
)
