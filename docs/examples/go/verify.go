// Command verify checks an identity assertion from caddy-instagram-auth with
// go-jose (github.com/go-jose/go-jose/v4) and prints its claims as JSON.
//
//	go run ./docs/examples/go JWKS_URL ISSUER AUDIENCE < token
//
// JWKS_URL is the site's /oauth2/instagram/jwks.json, ISSUER the site's
// origin, AUDIENCE your own origin. A refused token prints
// "token refused: <reason>" and exits 1.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"
)

// verify returns the claims of token if the key named by its kid in the
// JWKS signed it with ES256, it is for audience from issuer, and it has
// not expired.
func verify(ctx context.Context, jwksURL, issuer, audience, token string) (map[string]any, error) {
	// Only ES256: a token may not choose its own algorithm ("none", HS256...).
	tok, err := jwt.ParseSigned(token, []jose.SignatureAlgorithm{jose.ES256})
	if err != nil {
		return nil, err
	}
	// A real service fetches the JWKS once and again only for an unknown kid.
	keys, err := fetchJWKS(ctx, jwksURL)
	if err != nil {
		return nil, err
	}
	kid := tok.Headers[0].KeyID
	found := keys.Key(kid)
	if len(found) == 0 {
		return nil, fmt.Errorf("no key with kid %q in the JWKS", kid)
	}
	var std jwt.Claims
	var all map[string]any
	if err := tok.Claims(found[0].Key, &std, &all); err != nil {
		return nil, fmt.Errorf("signature verification failed: %w", err)
	}
	if std.Expiry == nil {
		return nil, errors.New(`missing required "exp" claim`)
	}
	if std.Subject == "" {
		return nil, errors.New(`missing required "sub" claim`)
	}
	// Validate allows one minute of clock skew.
	err = std.Validate(jwt.Expected{Issuer: issuer, AnyAudience: jwt.Audience{audience}, Time: time.Now()})
	if err != nil {
		return nil, err
	}
	return all, nil
}

func fetchJWKS(ctx context.Context, url string) (*jose.JSONWebKeySet, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return nil, err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("JWKS: %s", resp.Status)
	}
	var keys jose.JSONWebKeySet
	err = json.NewDecoder(io.LimitReader(resp.Body, 1<<20)).Decode(&keys)
	return &keys, err
}

func main() {
	if len(os.Args) != 4 || os.Args[2] == "" || os.Args[3] == "" {
		fmt.Fprintln(os.Stderr, "usage: verify JWKS_URL ISSUER AUDIENCE < token")
		os.Exit(2)
	}
	token, err := io.ReadAll(os.Stdin)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	claims, err := verify(ctx, os.Args[1], os.Args[2], os.Args[3], strings.TrimSpace(string(token)))
	cancel()
	if err != nil {
		fmt.Fprintln(os.Stderr, "token refused:", err)
		os.Exit(1)
	}
	out, _ := json.Marshal(claims)
	fmt.Println(string(out))
}
