package instagramauth

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"
	"unicode/utf8"
)

const (
	maxResponseBytes = 1 << 20   // Instagram's responses are small; a bigger one is not Instagram
	shortTokenExpiry = time.Hour // when the token response says nothing
	maxIDDigits      = 32
)

// instagramClient talks to Instagram's token, profile and exchange
// endpoints. Its errors never quote a URL, a token or a secret: they end
// up in logs.
type instagramClient struct {
	http                                            *http.Client
	clientID, clientSecret                          string
	tokenURL, userinfoURL, longLivedURL, refreshURL string
}

func newInstagramClient(h *Handler, timeout time.Duration) *instagramClient {
	return &instagramClient{
		http: &http.Client{
			Transport: instagramTransport,
			Timeout:   timeout,
			// A redirect would carry the secret or the token elsewhere.
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		},
		clientID:     h.ClientID,
		clientSecret: h.ClientSecret,
		tokenURL:     h.TokenURL,
		userinfoURL:  h.UserinfoURL,
		longLivedURL: h.LongLivedURL,
		refreshURL:   h.TokenRefreshURL,
	}
}

// providerError is an error response from Instagram, safe to log.
type providerError struct {
	status  int
	kind    string
	message string
}

func (e *providerError) Error() string {
	msg := fmt.Sprintf("instagram answered HTTP %d", e.status)
	if e.kind != "" {
		msg += " " + e.kind
	}
	if e.message != "" {
		msg += ": " + e.message
	}
	return msg
}

// exchangeCode redeems an authorization code for a token and user id.
func (c *instagramClient) exchangeCode(ctx context.Context, code, redirectURI string) (_ identity, err error) {
	defer observeProvider(endpointToken, time.Now(), &err)
	form := url.Values{
		"client_id":     {c.clientID},
		"client_secret": {c.clientSecret},
		"grant_type":    {"authorization_code"},
		"redirect_uri":  {redirectURI},
		"code":          {code},
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.tokenURL, strings.NewReader(form.Encode()))
	if err != nil {
		return identity{}, errors.New("building the token request failed")
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Accept", "application/json")
	markReplayable(req) // only before any answer on a reused connection: see transport.go
	body, err := c.do(req)
	if err != nil {
		return identity{}, fmt.Errorf("token request: %w", err)
	}
	return parseTokenResponse(body)
}

// exchangeLongLived exchanges a 1-hour token for a 60-day one.
func (c *instagramClient) exchangeLongLived(ctx context.Context, token string) (_ string, _ time.Time, err error) {
	defer observeProvider(endpointExchange, time.Now(), &err)
	q := url.Values{
		"grant_type":    {"ig_exchange_token"},
		"client_secret": {c.clientSecret},
		"access_token":  {token},
	}
	var a struct {
		AccessToken string      `json:"access_token"`
		ExpiresIn   json.Number `json:"expires_in"`
	}
	if err := c.getJSON(ctx, c.longLivedURL, q, &a); err != nil {
		return "", time.Time{}, fmt.Errorf("long-lived token exchange: %w", err)
	}
	if !isAccessTokenShaped(a.AccessToken) {
		return "", time.Time{}, errors.New("long-lived token exchange: no usable access_token in the response")
	}
	return a.AccessToken, now().Add(expiresIn(a.ExpiresIn, shortTokenExpiry)), nil
}

// refreshToken renews a 60-day token, which Instagram does for one at
// least 24 hours old and unexpired; the answer may hold the same token
// again, its expires_in counted from now. An answer without a usable
// expires_in is a failure: the new token's end would be a guess, and a
// session must never outlive the token it forwards.
func (c *instagramClient) refreshToken(ctx context.Context, token string) (_ string, _ time.Time, err error) {
	defer observeProvider(endpointRefresh, time.Now(), &err)
	q := url.Values{
		"grant_type":   {"ig_refresh_token"},
		"access_token": {token},
	}
	var a struct {
		AccessToken string      `json:"access_token"`
		ExpiresIn   json.Number `json:"expires_in"`
	}
	if err := c.getJSON(ctx, c.refreshURL, q, &a); err != nil {
		return "", time.Time{}, fmt.Errorf("token refresh: %w", err)
	}
	if !isAccessTokenShaped(a.AccessToken) {
		return "", time.Time{}, errors.New("token refresh: no usable access_token in the response")
	}
	if secs, err := a.ExpiresIn.Int64(); err != nil || secs <= 0 {
		return "", time.Time{}, errors.New("token refresh: no usable expires_in in the response")
	}
	return a.AccessToken, now().Add(expiresIn(a.ExpiresIn, 0)), nil
}

// fetchUsername asks the profile endpoint for the username. appsecret_proof
// keeps apps with "Require App Secret" working.
func (c *instagramClient) fetchUsername(ctx context.Context, token string) (_ string, err error) {
	defer observeProvider(endpointUserinfo, time.Now(), &err)
	q := url.Values{
		"fields":          {"id,username"},
		"access_token":    {token},
		"appsecret_proof": {appSecretProof(c.clientSecret, token)},
	}
	var a struct {
		Username string `json:"username"`
	}
	if err := c.getJSON(ctx, c.userinfoURL, q, &a); err != nil {
		return "", fmt.Errorf("userinfo: %w", err)
	}
	if a.Username == "" || !isUsernameShaped(a.Username) {
		return "", errors.New("userinfo: no usable username in the response")
	}
	return a.Username, nil
}

// appSecretProof is hex(HMAC-SHA256(token)) keyed with the client secret.
func appSecretProof(secret, token string) string {
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write([]byte(token))
	return hex.EncodeToString(mac.Sum(nil))
}

func (c *instagramClient) getJSON(ctx context.Context, endpoint string, q url.Values, into any) error {
	u, err := url.Parse(endpoint)
	if err != nil {
		return errors.New("bad endpoint")
	}
	merged := u.Query()
	for k, v := range q {
		merged[k] = v
	}
	u.RawQuery = merged.Encode()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return errors.New("building the request failed")
	}
	req.Header.Set("Accept", "application/json")
	body, err := c.do(req)
	if err != nil {
		return err
	}
	if err := json.Unmarshal(body, into); err != nil {
		return errors.New("response is not the JSON expected")
	}
	return nil
}

// do sends req and returns a 2xx response's body, read up to maxResponseBytes.
// Transport errors are stripped of the URL, which can hold a token.
func (c *instagramClient) do(req *http.Request) ([]byte, error) {
	resp, err := c.http.Do(req)
	if err != nil {
		var uerr *url.Error
		if errors.As(err, &uerr) {
			if uerr.Timeout() {
				return nil, errors.New("timed out")
			}
			return nil, uerr.Err
		}
		return nil, errors.New("request failed")
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxResponseBytes+1))
	if err != nil {
		return nil, errors.New("reading the response failed")
	}
	if len(body) > maxResponseBytes {
		return nil, fmt.Errorf("response larger than %d bytes", maxResponseBytes)
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return nil, responseError(resp.StatusCode, body)
	}
	return body, nil
}

// responseError reads Instagram's two error shapes: the token endpoint's
// {error_type, error_message} and the Graph API's {error{type, message}}.
func responseError(status int, body []byte) error {
	var a struct {
		ErrorType    string `json:"error_type"`
		ErrorMessage string `json:"error_message"`
		Error        *struct {
			Type    string `json:"type"`
			Message string `json:"message"`
		} `json:"error"`
	}
	e := &providerError{status: status}
	if json.Unmarshal(body, &a) == nil {
		e.kind, e.message = a.ErrorType, a.ErrorMessage
		if a.Error != nil {
			e.kind, e.message = a.Error.Type, a.Error.Message
		}
	}
	e.kind, e.message = clip(e.kind, 64), clip(e.message, 200)
	return e
}

// clip shortens s to at most n bytes, on a character boundary.
func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n] + "..."
}
