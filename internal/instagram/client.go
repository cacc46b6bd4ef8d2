// Package instagram is the client of Instagram's OAuth and Graph
// endpoints: the code-for-token exchange in every response shape Instagram
// has used, the 60-day token exchange and refresh, and the profile (/me).
// Its errors never quote a URL, a token or a secret: they end up in logs.
// It reports each call to an Observer it is given, never to metrics of its
// own.
package instagram

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
	"time"
	"unicode/utf8"
)

const (
	maxResponseBytes = 1 << 20   // Instagram's responses are small; a bigger one is not Instagram
	shortTokenExpiry = time.Hour // when the token response says nothing
)

// Endpoint names the Instagram endpoint a call went to.
type Endpoint uint8

const (
	EndpointToken    Endpoint = iota // token_url: the code exchange
	EndpointExchange                 // long_lived_token
	EndpointUserinfo                 // userinfo_url, at login
	EndpointRefresh                  // token_refresh
	EndpointBearer                   // userinfo_url, checking a bearer token
)

// Observer is told of every call: where it went, how long it took, and
// how it ended.
type Observer func(e Endpoint, took time.Duration, err error)

// Config is what a Client needs: the app, its endpoints ("off" ones are
// never called), the time limit of each call, the clock and the observer.
type Config struct {
	ClientID, ClientSecret                          string
	TokenURL, UserinfoURL, LongLivedURL, RefreshURL string
	Timeout                                         time.Duration
	Now                                             func() time.Time
	Observe                                         Observer // may be nil
}

// Client talks to Instagram.
type Client struct {
	cfg  Config
	http *http.Client
}

// New makes a client; its connections are shared with every other client
// (see transport.go).
func New(cfg Config) *Client {
	if cfg.Observe == nil {
		cfg.Observe = func(Endpoint, time.Duration, error) {}
	}
	return &Client{cfg: cfg, http: &http.Client{
		Transport: sharedTransport,
		Timeout:   cfg.Timeout,
		// A redirect would carry the secret or the token elsewhere.
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}}
}

// Error is an error answer from Instagram, safe to log.
type Error struct {
	Status  int
	Kind    string // error_type, or the Graph error's type
	Code    int    // the Graph error's code (190: invalid token; 100: bad appsecret_proof)
	Message string
}

func (e *Error) Error() string {
	msg := fmt.Sprintf("instagram answered HTTP %d", e.Status)
	if e.Kind != "" {
		msg += " " + e.Kind
	}
	if e.Message != "" {
		msg += ": " + e.Message
	}
	return msg
}

// observe reports a call that started at start and ended with *err.
// Deferred at the top of the call, with the call's named error result.
func (c *Client) observe(e Endpoint, start time.Time, err *error) {
	c.cfg.Observe(e, time.Since(start), *err)
}

// appSecretProof is hex(HMAC-SHA256(token)) keyed with the client secret:
// Graph checks it, so a token issued to another app fails.
func appSecretProof(secret, token string) string {
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write([]byte(token))
	return hex.EncodeToString(mac.Sum(nil))
}

func (c *Client) getJSON(ctx context.Context, endpoint string, q url.Values, into any) error {
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
func (c *Client) do(req *http.Request) ([]byte, error) {
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
// {error_type, error_message} and the Graph API's {error{type, code, message}}.
func responseError(status int, body []byte) error {
	var a struct {
		ErrorType    string `json:"error_type"`
		ErrorMessage string `json:"error_message"`
		Error        *struct {
			Type    string `json:"type"`
			Code    int    `json:"code"`
			Message string `json:"message"`
		} `json:"error"`
	}
	e := &Error{Status: status}
	if json.Unmarshal(body, &a) == nil {
		e.Kind, e.Message = a.ErrorType, a.ErrorMessage
		if a.Error != nil {
			e.Kind, e.Code, e.Message = a.Error.Type, a.Error.Code, a.Error.Message
		}
	}
	e.Kind, e.Message = Clip(e.Kind, 64), Clip(e.Message, 200)
	return e
}

// Clip shortens s to at most n bytes, on a character boundary: for what
// Instagram or a client sends that goes into a log line.
func Clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n] + "..."
}
