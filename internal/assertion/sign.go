package assertion

import (
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"time"

	"github.com/go-jose/go-jose/v4/jwt"
)

// Subject is what one assertion says: who, in which session, to which site.
type Subject struct {
	Session    [16]byte  // the session's stable id; the sid claim is a hash of it
	HTTPS      bool      // the origin's scheme
	Host       string    // the origin's host[:port], as the browser reached it
	UserID     string    // digits; kept a string, since ids exceed 2^53
	Username   string    // "" when unknown: the claim is left out
	SessionEnd time.Time // no assertion outlives its session
}

// privateClaims are ours, beside the registered ones.
type privateClaims struct {
	Username string `json:"instagram_username,omitempty"`
	SID      string `json:"sid"`
}

var errSessionOver = errors.New("no assertion for a session that has ended")

// sign makes a new assertion for s at t with the key signing at t.
func (k *Keys) sign(s *Subject, t time.Time) (token string, iat, exp int64, err error) {
	if s.UserID == "" || s.Host == "" {
		return "", 0, 0, errors.New("an assertion needs a user id and a host")
	}
	iat = t.Unix()
	exp = min(iat+int64(maxLife/time.Second), s.SessionEnd.Unix())
	if exp <= iat {
		return "", 0, 0, errSessionOver
	}
	origin := origin(s.HTTPS, s.Host)
	claims := jwt.Claims{
		Issuer:   origin,
		Audience: jwt.Audience{origin},
		Subject:  s.UserID,
		IssuedAt: jwt.NewNumericDate(time.Unix(iat, 0)),
		Expiry:   jwt.NewNumericDate(time.Unix(exp, 0)),
	}
	key := k.set.Load().signingAt(t)
	token, err = jwt.Signed(key.signer).Claims(claims).Claims(privateClaims{s.Username, sidOf(s.Session)}).Serialize()
	if err != nil {
		return "", 0, 0, fmt.Errorf("signing an assertion with key %s: %w", key.kid, err)
	}
	return token, iat, exp, nil
}

func origin(https bool, host string) string {
	if https {
		return "https://" + host
	}
	return "http://" + host
}

// sidOf is the sid claim of a session: a hash of its id, the same for every
// request of the session, telling nothing about the cookie.
func sidOf(session [16]byte) string {
	sum := sha256.Sum256(append([]byte("caddy-instagram-auth assertion sid\x00"), session[:]...))
	return base64.RawURLEncoding.EncodeToString(sum[:16])
}
