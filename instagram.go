package instagramauth

import (
	"bytes"
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

// identity is what a login learns about the user.
type identity struct {
	userID   string // decimal digits, exactly as Instagram sent them
	username string // may be empty
	token    string
	expires  time.Time
	// longLived: token is a 60-day one, from the exchange
	longLived bool
}

// tokenResponse covers the three shapes the token endpoint has used: legacy
// {access_token, user{id, username}}, flat {access_token, user_id} and
// {data:[{access_token, user_id, permissions}]}. json.Number keeps ids above
// 2^53 digit for digit, whether sent as a number or a string; permissions
// may be a string or an array, so it is not decoded at all.
type tokenResponse struct {
	AccessToken string      `json:"access_token"`
	UserID      json.Number `json:"user_id"`
	ExpiresIn   json.Number `json:"expires_in"`
	User        *struct {
		ID       json.Number `json:"id"`
		Username string      `json:"username"`
	} `json:"user"`
	Data []tokenResponse `json:"data"`
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

// parseTokenResponse reads any of the token response shapes.
func parseTokenResponse(body []byte) (identity, error) {
	var a tokenResponse
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	if err := dec.Decode(&a); err != nil {
		return identity{}, errors.New("token response is not the JSON expected")
	}
	if len(a.Data) > 0 {
		a = a.Data[0]
	}
	id := a.UserID
	var username string
	if a.User != nil {
		if id == "" {
			id = a.User.ID
		}
		username = a.User.Username
	}
	if !isAccessTokenShaped(a.AccessToken) {
		return identity{}, errors.New("token response has no usable access_token")
	}
	if !isUsernameShaped(username) {
		username = ""
	}
	if !isDigits(string(id)) {
		return identity{}, errors.New("token response has no numeric user id")
	}
	return identity{
		userID:   string(id),
		username: username,
		token:    a.AccessToken,
		expires:  now().Add(expiresIn(a.ExpiresIn, shortTokenExpiry)),
	}, nil
}

// isDigits accepts a decimal id: digits only, bounded in length.
func isDigits(s string) bool {
	if s == "" || len(s) > maxIDDigits {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// isAccessTokenShaped accepts a token that can travel in a header: 1 to 2048
// visible ASCII characters.
func isAccessTokenShaped(s string) bool {
	if s == "" || len(s) > 2048 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] <= ' ' || s[i] >= 0x7f {
			return false
		}
	}
	return true
}

// isUsernameShaped accepts Instagram usernames: up to 30 letters, digits,
// dots and underscores (and "" for unknown). Anything else is not put in
// a header.
func isUsernameShaped(s string) bool {
	return len(s) <= 30 && isAlnumOr(s, "._")
}

// maxExpiresIn caps expires_in: more seconds would overflow a
// time.Duration into the past, and the session is capped anyway.
const maxExpiresIn = 10 * 365 * 24 * time.Hour

func expiresIn(n json.Number, fallback time.Duration) time.Duration {
	secs, err := n.Int64()
	if err != nil || secs <= 0 {
		return fallback
	}
	if secs > int64(maxExpiresIn/time.Second) {
		return maxExpiresIn
	}
	return time.Duration(secs) * time.Second
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
