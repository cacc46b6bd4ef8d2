// Package assertioncheck is a development-only Caddy module for the offline
// demo: it gives the demo app (a page rendered by Caddy's templates) the
// check an upstream makes of the signed identity assertion it receives,
// with go-jose, as docs/identity-and-proxies.md describes: the signature by
// the key the token's kid names in the site's JWKS, ES256 only, iss and
// aud equal to the app's own origin, exp. It stands in for the app's own
// code, and is built into the development Caddy (cmd/caddy) only, never
// into the plugin.
//
//	templates {
//		extensions {
//			instagram_assertion {
//				jwks_url http://localhost:8080/oauth2/instagram/jwks.json
//				origin http://localhost:8080
//			}
//		}
//	}
//
// The page then calls {{verifyInstagramAssertion (.Req.Header.Get "X-Instagram-Assertion")}}.
package assertioncheck

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"text/template"
	"time"

	"github.com/caddyserver/caddy/v2"
	"github.com/caddyserver/caddy/v2/caddyconfig/caddyfile"
	"github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"
)

func init() {
	caddy.RegisterModule(Check{})
}

// Check verifies assertions against one site's JWKS, which it keeps for
// as long as the site's Cache-Control allows, fetching it again sooner
// only for a kid it does not hold (at most every refetchAfter).
type Check struct {
	// The site's JWKS: its origin followed by jwks_path.
	JWKSURL string `json:"jwks_url,omitempty"`
	// The app's own origin, which iss and aud must equal.
	Origin string `json:"origin,omitempty"`

	client *http.Client
	now    func() time.Time
	kept   *keptKeys
}

// keptKeys is the JWKS as last fetched.
type keptKeys struct {
	mu      sync.Mutex
	keys    jose.JSONWebKeySet
	fetched time.Time
	maxAge  time.Duration
}

// refetchAfter bounds the fetches that unknown kids cause: a forged kid
// must not turn every request into a request to the JWKS.
const refetchAfter = 10 * time.Second

// Result is what the page shows.
type Result struct {
	Verified bool
	Error    string // why not, when not verified
	Subject  string // sub: the Instagram user id
	Username string // instagram_username
	KeyID    string
	Expires  time.Time
}

// CaddyModule returns the Caddy module information.
func (Check) CaddyModule() caddy.ModuleInfo {
	return caddy.ModuleInfo{
		ID:  "http.handlers.templates.functions.instagram_assertion",
		New: func() caddy.Module { return new(Check) },
	}
}

// Provision checks the config.
func (c *Check) Provision(caddy.Context) error {
	if c.JWKSURL == "" || c.Origin == "" {
		return errors.New("instagram_assertion needs jwks_url and origin")
	}
	c.client = &http.Client{Timeout: 5 * time.Second}
	c.now = time.Now
	c.kept = &keptKeys{}
	return nil
}

// CustomTemplateFunctions gives the page verifyInstagramAssertion.
func (c *Check) CustomTemplateFunctions() template.FuncMap {
	return template.FuncMap{"verifyInstagramAssertion": c.Verify}
}

// Verify checks token; a token that does not pass is a Result with the
// reason, never a template error, so the page always renders.
func (c *Check) Verify(token string) Result {
	claims, kid, err := c.verify(context.Background(), token)
	if err != nil {
		return Result{Error: err.Error(), KeyID: kid}
	}
	return claims
}

// extra holds the claims beside the registered ones.
type extra struct {
	Username string `json:"instagram_username"`
}

func (c *Check) verify(ctx context.Context, token string) (Result, string, error) {
	if token == "" {
		return Result{}, "", errors.New("no assertion")
	}
	// Only ES256: a token may not choose its own algorithm ("none", HS256...).
	tok, err := jwt.ParseSigned(token, []jose.SignatureAlgorithm{jose.ES256})
	if err != nil {
		return Result{}, "", err
	}
	kid := tok.Headers[0].KeyID
	key, err := c.key(ctx, kid)
	if err != nil {
		return Result{}, kid, err
	}
	var std jwt.Claims
	var more extra
	if err := tok.Claims(key.Key, &std, &more); err != nil {
		return Result{}, kid, fmt.Errorf("signature: %w", err)
	}
	if std.Expiry == nil || std.Subject == "" {
		return Result{}, kid, errors.New("exp or sub missing")
	}
	// aud equal to the app's own origin: an assertion made for another
	// site of the same Instagram app is not for this one.
	err = std.Validate(jwt.Expected{Issuer: c.Origin, AnyAudience: jwt.Audience{c.Origin}, Time: c.now()})
	if err != nil {
		return Result{}, kid, err
	}
	return Result{Verified: true, Subject: std.Subject, Username: more.Username, KeyID: kid,
		Expires: std.Expiry.Time()}, kid, nil
}

// key is the JWKS's key named kid, from the kept copy while it is fresh.
func (c *Check) key(ctx context.Context, kid string) (jose.JSONWebKey, error) {
	k := c.kept
	k.mu.Lock()
	defer k.mu.Unlock()
	age := c.now().Sub(k.fetched)
	if unknown := len(k.keys.Key(kid)) == 0; age >= k.maxAge || unknown && age >= refetchAfter {
		if err := c.fetch(ctx); err != nil {
			return jose.JSONWebKey{}, err
		}
	}
	found := k.keys.Key(kid)
	if len(found) == 0 {
		return jose.JSONWebKey{}, fmt.Errorf("no key %q in the JWKS", kid)
	}
	return found[0], nil
}

// fetch reads the JWKS and how long it may be kept. Called with the kept
// keys' lock held.
func (c *Check) fetch(ctx context.Context) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, c.JWKSURL, nil)
	if err != nil {
		return err
	}
	resp, err := c.client.Do(req)
	if err != nil {
		return fmt.Errorf("fetching the JWKS: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("fetching the JWKS: %s", resp.Status)
	}
	var keys jose.JSONWebKeySet
	if err := json.NewDecoder(io.LimitReader(resp.Body, 1<<20)).Decode(&keys); err != nil {
		return fmt.Errorf("reading the JWKS: %w", err)
	}
	k := c.kept
	k.keys, k.fetched, k.maxAge = keys, c.now(), maxAge(resp.Header.Get("Cache-Control"))
	return nil
}

// maxAge reads max-age from a Cache-Control value; 0 (fetch every time)
// when it has none.
func maxAge(cacheControl string) time.Duration {
	for _, d := range strings.Split(cacheControl, ",") {
		if v, ok := strings.CutPrefix(strings.TrimSpace(d), "max-age="); ok {
			if n, err := strconv.Atoi(v); err == nil && n > 0 {
				return time.Duration(n) * time.Second
			}
		}
	}
	return 0
}

// UnmarshalCaddyfile reads
//
//	instagram_assertion {
//		jwks_url <url>
//		origin <origin>
//	}
func (c *Check) UnmarshalCaddyfile(d *caddyfile.Dispenser) error {
	d.Next() // the module's name
	if d.NextArg() {
		return d.ArgErr()
	}
	for d.NextBlock(0) {
		var field *string
		switch d.Val() {
		case "jwks_url":
			field = &c.JWKSURL
		case "origin":
			field = &c.Origin
		default:
			return d.Errf("unknown option %q", d.Val())
		}
		if !d.AllArgs(field) {
			return d.ArgErr()
		}
	}
	return nil
}

// Interface guards
var (
	_ caddy.Provisioner     = (*Check)(nil)
	_ caddyfile.Unmarshaler = (*Check)(nil)
)
