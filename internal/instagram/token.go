package instagram

import (
	"bytes"
	"encoding/json"
	"errors"
	"time"

	"github.com/b4b0c547/caddy-instagram-auth/internal/ascii"
)

// What a login learns from Instagram's token endpoint, in any of the
// shapes it has answered with, and the checks every value passes before it
// may go into a cookie or a header.

// Identity is what a login learns about the user.
type Identity struct {
	UserID   string // decimal digits, exactly as Instagram sent them
	Username string // may be empty
	Token    string
	Expires  time.Time
	// LongLived: Token is a 60-day one, from the exchange
	LongLived bool
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

// parseTokenResponse reads any of the token response shapes.
func parseTokenResponse(body []byte, now time.Time) (Identity, error) {
	var a tokenResponse
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	if err := dec.Decode(&a); err != nil {
		return Identity{}, errors.New("token response is not the JSON expected")
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
	if !IsTokenShaped(a.AccessToken) {
		return Identity{}, errors.New("token response has no usable access_token")
	}
	if !IsUsernameShaped(username) {
		username = ""
	}
	if !IsUserID(string(id)) {
		return Identity{}, errors.New("token response has no numeric user id")
	}
	return Identity{
		UserID:   string(id),
		Username: username,
		Token:    a.AccessToken,
		Expires:  now.Add(expiresIn(a.ExpiresIn, shortTokenExpiry)),
	}, nil
}

// maxIDDigits bounds an id: Instagram's have 17 digits.
const maxIDDigits = 32

// IsUserID accepts a decimal id: digits only, bounded in length.
func IsUserID(s string) bool { return ascii.Digits(s, maxIDDigits) }

// IsTokenShaped accepts a token that can travel in a header: 1 to 2048
// visible ASCII characters.
func IsTokenShaped(s string) bool {
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

// IsUsernameShaped accepts Instagram usernames: up to 30 letters, digits,
// dots and underscores (and "" for unknown). Anything else is not put in
// a header.
func IsUsernameShaped(s string) bool { return len(s) <= 30 && ascii.AlnumOr(s, "._") }

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
