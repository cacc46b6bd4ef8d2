// Package instagramtest is a fake Instagram OAuth provider (Instagram API with
// Instagram Login) for tests, benchmarks and the offline demo. It speaks real
// HTTP and is deliberately strict where Instagram is strict (single-use codes,
// byte-identical redirect_uri, appsecret_proof, a refresh only for a
// long-lived token a day old), so that a client which works against it has a
// fair chance of working against Instagram.
//
// Besides the OAuth endpoints it plays the rest of what a site meets:
//   - Instagram's own login session in the browser, which the consent page
//     offers to continue ("Continue as alice") unless the authorize URL has
//     force_reauth=true;
//   - Meta's deauthorize and data deletion calls with signed requests
//     (SignedRequest, SendDeauthorize, SendDataDeletion), from a
//     /settings/apps page where a user removes the app (RemoveApp,
//     RequestDataDeletion);
//   - a clock to share with the code under test (SetClock) and shorter
//     lifetimes (SetLongLifetime), to reach expiry without waiting;
//   - tokens minted without a login, for the Provider's own app and for a
//     second one (MintToken, MintOtherAppToken), tokens revoked one by one
//     (RevokeToken), and a /dev/token page handing a developer a token for
//     curl;
//   - faults: slow or broken answers (SetTokenFault, SetUserinfoFail,
//     SetExchangeFail, SetRefreshFail) and a server whose idle keep-alive
//     connections fail the next POST (StartClosingIdle).
//
// Error answers carry Instagram's wording where it is known (MsgCodeUsed and
// the other Msg constants), so that a client's tests can check it recognises
// them.
//
// It must never import the plugin's root package: that package's tests import
// this one.
package instagramtest

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Shape selects the JSON layout of the token endpoint's success answer.
type Shape string

// The token answer shapes Instagram has used or documented.
const (
	// ShapeFlat is what Instagram sends in practice today:
	// {"access_token":"..","user_id":17841405793187218,"permissions":["instagram_business_basic"]}
	// with user_id a bare JSON number larger than 2^53.
	ShapeFlat Shape = "flat"
	// ShapeData is the documented layout:
	// {"data":[{"access_token":"..","user_id":"17841405793187218","permissions":"a,b"}]}
	ShapeData Shape = "data"
	// ShapeLegacy is the pre-2020 API's layout:
	// {"access_token":"..","user":{"id":"..","username":"..","full_name":"..","profile_picture":".."}}
	ShapeLegacy Shape = "legacy"
)

func (s Shape) valid() bool {
	return s == ShapeFlat || s == ShapeData || s == ShapeLegacy
}

// Memory bounds; see store.
const (
	maxCodes  = 1 << 15
	maxTokens = 1 << 17
	maxUsers  = 1 << 12
	maxForm   = 64 << 10
)

// Provider is the fake Instagram: an http.Handler serving the authorize
// (consent) page, the token, /me, long-lived exchange and refresh endpoints
// at the paths Instagram uses, and the mock's /settings/apps page, all
// relative to the handler's root. The setters may be called from any
// goroutine while requests are being served.
type Provider struct {
	clientID     string
	clientSecret string

	mu sync.Mutex // guards the fields below, up to the counters
	// now is the Provider's clock; see SetClock.
	now               func() time.Time
	longLifetime      time.Duration
	refreshMinAge     time.Duration
	refreshKeepsToken bool
	shape             Shape
	fault             tokenFault
	userinfoFail      bool
	exchangeFail      bool
	refreshFail       bool
	requireProof      bool
	codes             store[grant]
	usedCodes         store[struct{}]
	tokens            store[tokenInfo]
	users             store[appUser]
	deauthorizeURL    string
	dataDeletionURL   string

	authorizeRequests   atomic.Int64
	forceReauthRequests atomic.Int64
	lastForceReauth     atomic.Bool
	tokenRequests       atomic.Int64
	userinfoRequests    atomic.Int64
	exchangeRequests    atomic.Int64
	refreshRequests     atomic.Int64
}

// grant is what an authorization code stands for.
type grant struct {
	username    string
	redirectURI string // exactly as given to authorize, for the byte-for-byte check
	scopes      []string
}

type tokenFault struct {
	delay  time.Duration
	status int
	body   string
}

// New returns a Provider for the one app it knows, answering tokens in
// ShapeFlat and requiring appsecret_proof on /me.
func New(clientID, clientSecret string) *Provider {
	return &Provider{
		clientID:      clientID,
		clientSecret:  clientSecret,
		now:           time.Now,
		longLifetime:  defaultLongLifetime,
		refreshMinAge: defaultRefreshMinAge,
		shape:         ShapeFlat,
		requireProof:  true,
		codes:         newStore[grant](maxCodes),
		usedCodes:     newStore[struct{}](maxCodes),
		tokens:        newStore[tokenInfo](maxTokens),
		users:         newStore[appUser](maxUsers),
	}
}

// SetShape selects the token answer's layout. An unknown shape panics: it is a
// bug in the calling test.
func (p *Provider) SetShape(s Shape) {
	if !s.valid() {
		panic(fmt.Sprintf("instagramtest: unknown shape %q", s))
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.shape = s
}

// SetTokenFault makes the token endpoint wait delay (or until the client goes
// away) before answering, and then, if status is not 0, answer status with
// body verbatim instead of doing its job. SetTokenFault(0, 0, "") restores
// normal behaviour.
func (p *Provider) SetTokenFault(delay time.Duration, status int, body string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.fault = tokenFault{delay: delay, status: status, body: body}
}

// SetUserinfoFail makes /me answer a Graph error with status 500.
func (p *Provider) SetUserinfoFail(fail bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.userinfoFail = fail
}

// SetExchangeFail makes the long-lived token exchange answer a Graph error
// with status 400.
func (p *Provider) SetExchangeFail(fail bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.exchangeFail = fail
}

// SetRefreshFail makes the token refresh answer a Graph error with status
// 400.
func (p *Provider) SetRefreshFail(fail bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.refreshFail = fail
}

// SetRequireProof says whether /me insists on a correct appsecret_proof, as
// an app with "Require App Secret" does. It is on by default.
func (p *Provider) SetRequireProof(require bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.requireProof = require
}

// AuthorizeRequests counts the GETs of the authorize (consent) page.
func (p *Provider) AuthorizeRequests() int { return int(p.authorizeRequests.Load()) }

// ForceReauthRequests counts the GETs of the authorize page that carried
// force_reauth=true.
func (p *Provider) ForceReauthRequests() int { return int(p.forceReauthRequests.Load()) }

// LastForceReauth reports whether the latest GET of the authorize page
// carried force_reauth=true.
func (p *Provider) LastForceReauth() bool { return p.lastForceReauth.Load() }

// TokenRequests counts the POSTs that reached the token endpoint, faulty or not.
func (p *Provider) TokenRequests() int { return int(p.tokenRequests.Load()) }

// UserinfoRequests counts the requests that reached /me.
func (p *Provider) UserinfoRequests() int { return int(p.userinfoRequests.Load()) }

// ExchangeRequests counts the requests that reached the long-lived exchange.
func (p *Provider) ExchangeRequests() int { return int(p.exchangeRequests.Load()) }

// RefreshRequests counts the requests that reached the token refresh.
func (p *Provider) RefreshRequests() int { return int(p.refreshRequests.Load()) }

// ServeHTTP routes to the endpoint named by the request path.
func (p *Provider) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	switch path := r.URL.Path; path {
	case "/oauth/authorize", "/oauth/authorize/": // the legacy API had the slash
		switch r.Method {
		case http.MethodGet:
			p.serveConsent(w, r)
		case http.MethodPost:
			p.serveDecision(w, r)
		default:
			methodNotAllowed(w, "GET, POST")
		}
	case "/oauth/access_token":
		if r.Method != http.MethodPost {
			methodNotAllowed(w, "POST")
			return
		}
		p.serveToken(w, r)
	case devTokenPath:
		if r.Method != http.MethodGet {
			methodNotAllowed(w, "GET")
			return
		}
		p.serveDevToken(w, r)
	case settingsPath:
		switch r.Method {
		case http.MethodGet:
			p.serveSettings(w, r)
		case http.MethodPost:
			p.serveSettingsAction(w, r)
		default:
			methodNotAllowed(w, "GET, POST")
		}
	default:
		p.serveGraph(w, r, stripVersion(path))
	}
}

// serveGraph serves the graph.instagram.com endpoints, which all answer GET.
func (p *Provider) serveGraph(w http.ResponseWriter, r *http.Request, path string) {
	var serve func(http.ResponseWriter, *http.Request)
	switch path {
	case "/me":
		serve = p.serveMe
	case "/access_token":
		serve = p.serveExchange
	case "/refresh_access_token":
		serve = p.serveRefresh
	default:
		graphError(w, http.StatusNotFound, 2500, "Unknown path components: "+r.URL.Path)
		return
	}
	if r.Method != http.MethodGet {
		methodNotAllowed(w, "GET")
		return
	}
	serve(w, r)
}

var versionPrefix = regexp.MustCompile(`^/v[0-9]+\.[0-9]+/`)

// stripVersion maps /v25.0/me to /me: the Graph API serves every version at
// once.
func stripVersion(path string) string {
	if loc := versionPrefix.FindStringIndex(path); loc != nil {
		return path[loc[1]-1:]
	}
	return path
}

func methodNotAllowed(w http.ResponseWriter, allow string) {
	w.Header().Set("Allow", allow)
	graphError(w, http.StatusMethodNotAllowed, 100, "Unsupported method, allowed: "+allow)
}

// randomString is prefix followed by n base64url characters from crypto/rand,
// like Instagram's opaque codes and tokens.
func randomString(prefix string, n int) string {
	b := make([]byte, n*3/4)
	rand.Read(b) // never fails since Go 1.24
	return prefix + base64.RawURLEncoding.EncodeToString(b)
}

// UserID is the app-scoped Instagram user id the Provider reports for
// username: the token answer's user_id and the id field of /me. It is
// deterministic, 17 decimal digits like real ids (so above 2^53), and odd:
// between 2^53 and 2^54 float64 holds only even integers, so a client that
// decodes it into a float64 visibly changes its last digit.
func UserID(username string) string {
	return instagramID("178414", "app-scoped id:"+username)
}

// AccountID is the other id /me reports for username, in its user_id field
// (the account id Instagram uses in webhooks). It always differs from
// UserID, so a test can tell which one a client forwarded.
func AccountID(username string) string {
	return instagramID("178410", "account id:"+username)
}

// instagramID is prefix followed by 11 digits hashed from seed, the last one
// odd. With a 6-digit prefix starting 17841 the number lies between 2^53 and
// 2^54.
func instagramID(prefix, seed string) string {
	sum := sha256.Sum256([]byte(seed))
	n := binary.BigEndian.Uint64(sum[:8]) % 100_000_000_000
	n |= 1
	return fmt.Sprintf("%s%011d", prefix, n)
}

// scopeList splits Instagram's comma-separated scope parameter, tolerating
// spaces as OAuth 2 clients usually send them.
func scopeList(scope string) []string {
	return strings.FieldsFunc(scope, func(r rune) bool { return r == ',' || r == ' ' })
}
