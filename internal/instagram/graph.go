package instagram

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// ExchangeCode redeems an authorization code for a token and user id.
func (c *Client) ExchangeCode(ctx context.Context, code, redirectURI string) (_ Identity, err error) {
	defer c.observe(EndpointToken, time.Now(), &err)
	form := url.Values{
		"client_id":     {c.cfg.ClientID},
		"client_secret": {c.cfg.ClientSecret},
		"grant_type":    {"authorization_code"},
		"redirect_uri":  {redirectURI},
		"code":          {code},
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.cfg.TokenURL, strings.NewReader(form.Encode()))
	if err != nil {
		return Identity{}, errors.New("building the token request failed")
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Accept", "application/json")
	markReplayable(req) // only before any answer on a reused connection: see transport.go
	body, err := c.do(req)
	if err != nil {
		return Identity{}, fmt.Errorf("token request: %w", err)
	}
	return parseTokenResponse(body, c.cfg.Now())
}

// ExchangeLongLived exchanges a 1-hour token for a 60-day one.
func (c *Client) ExchangeLongLived(ctx context.Context, token string) (string, time.Time, error) {
	q := url.Values{"grant_type": {"ig_exchange_token"}, "client_secret": {c.cfg.ClientSecret}, "access_token": {token}}
	return c.longLived(ctx, EndpointExchange, c.cfg.LongLivedURL, q, "long-lived token exchange", shortTokenExpiry)
}

// Refresh renews a 60-day token, which Instagram does for one at least 24
// hours old and unexpired; the answer may hold the same token again, its
// expires_in counted from now. An answer without a usable expires_in is a
// failure: the new token's end would be a guess, and a session must never
// outlive the token it forwards.
func (c *Client) Refresh(ctx context.Context, token string) (string, time.Time, error) {
	q := url.Values{"grant_type": {"ig_refresh_token"}, "access_token": {token}}
	return c.longLived(ctx, EndpointRefresh, c.cfg.RefreshURL, q, "token refresh", 0)
}

// longLived is the exchange and the refresh: a GET whose answer is a
// 60-day token and its expires_in, or fallback without one: the exchange
// assumes an hour; the refresh, with no fallback, requires it.
func (c *Client) longLived(ctx context.Context, e Endpoint, endpoint string, q url.Values, what string, fallback time.Duration) (_ string, _ time.Time, err error) {
	defer c.observe(e, time.Now(), &err)
	var a struct {
		AccessToken string      `json:"access_token"`
		ExpiresIn   json.Number `json:"expires_in"`
	}
	if err := c.getJSON(ctx, endpoint, q, &a); err != nil {
		return "", time.Time{}, fmt.Errorf("%s: %w", what, err)
	}
	if !IsTokenShaped(a.AccessToken) {
		return "", time.Time{}, errors.New(what + ": no usable access_token in the response")
	}
	d := expiresIn(a.ExpiresIn, fallback)
	if d == 0 { // no fallback: an answer must say when its token ends
		return "", time.Time{}, errors.New(what + ": no usable expires_in in the response")
	}
	return a.AccessToken, c.cfg.Now().Add(d), nil
}

// Profile is what /me says of a token's owner.
type Profile struct {
	ID       string // the app-scoped id, the same a login's token exchange gives
	Username string // "" when Instagram gave none that is usable
}

// Me asks the profile endpoint who owns a bearer token. The call carries
// appsecret_proof, so a token issued to another app is refused by
// Instagram itself (the confused deputy); an answer without an id is no
// answer.
func (c *Client) Me(ctx context.Context, token string) (_ Profile, err error) {
	defer c.observe(EndpointBearer, time.Now(), &err)
	p, err := c.me(ctx, token)
	if err == nil && p.ID == "" {
		err = errors.New("userinfo: no id in the response")
	}
	return p, err
}

// Username asks the profile endpoint for the username, at login.
func (c *Client) Username(ctx context.Context, token string) (_ string, err error) {
	defer c.observe(EndpointUserinfo, time.Now(), &err)
	p, err := c.me(ctx, token)
	if err == nil && p.Username == "" {
		err = errors.New("userinfo: no usable username in the response")
	}
	return p.Username, err
}

// me is GET userinfo_url?fields=id,username with appsecret_proof, which
// keeps apps with "Require App Secret" working.
func (c *Client) me(ctx context.Context, token string) (Profile, error) {
	q := url.Values{
		"fields":          {"id,username"},
		"access_token":    {token},
		"appsecret_proof": {appSecretProof(c.cfg.ClientSecret, token)},
	}
	var a struct {
		ID       json.Number `json:"id"`
		Username string      `json:"username"`
	}
	if err := c.getJSON(ctx, c.cfg.UserinfoURL, q, &a); err != nil {
		return Profile{}, fmt.Errorf("userinfo: %w", err)
	}
	p := Profile{ID: string(a.ID), Username: a.Username}
	if !IsUsernameShaped(p.Username) {
		p.Username = ""
	}
	if p.ID != "" && !IsUserID(p.ID) {
		return Profile{}, errors.New("userinfo: the id in the response is not an Instagram id")
	}
	return p, nil
}
