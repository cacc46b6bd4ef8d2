package instagramtest

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"strings"
	"time"
)

// Graph API error messages and codes. The messages are Instagram's own
// wording unless said otherwise.
const (
	MsgInvalidToken = "Invalid OAuth access token - Cannot parse access token"
	MsgBadProof     = "Invalid appsecret_proof provided in the API argument"

	// GraphCodeInvalidToken is the code of every answer about an access
	// token that is unknown, expired or revoked: a client should give the
	// token up.
	GraphCodeInvalidToken = 190
	// GraphSubcodeExpired goes with GraphCodeInvalidToken when the token
	// has expired.
	GraphSubcodeExpired = 463
)

// serveMe is GET /me (and /vX.Y/me): the profile of the token's owner.
func (p *Provider) serveMe(w http.ResponseWriter, r *http.Request) {
	p.userinfoRequests.Add(1)
	p.mu.Lock()
	fail, requireProof := p.userinfoFail, p.requireProof
	p.mu.Unlock()
	if fail {
		graphError(w, http.StatusInternalServerError, 2,
			"An unexpected error has occurred. Please retry your request later.")
		return
	}
	q := r.URL.Query()
	token := accessToken(r)
	info, found, now := p.lookupToken(token)
	if !found || !info.validAt(now) {
		tokenError(w, info, found, now)
		return
	}
	if requireProof && !hmac.Equal([]byte(q.Get("appsecret_proof")), []byte(p.proof(token))) {
		graphError(w, http.StatusBadRequest, 100, MsgBadProof)
		return
	}
	profile, unknown := profileFields(info.username, q.Get("fields"))
	if unknown != "" {
		graphError(w, http.StatusBadRequest, 100,
			"(#100) Tried accessing nonexisting field ("+unknown+") on node type (User)")
		return
	}
	writeJSON(w, http.StatusOK, profile)
}

// accessToken reads the token from the query, or from an Authorization:
// Bearer header, which the Graph API also accepts.
func accessToken(r *http.Request) string {
	if token := r.URL.Query().Get("access_token"); token != "" {
		return token
	}
	scheme, token, _ := strings.Cut(r.Header.Get("Authorization"), " ")
	if strings.EqualFold(scheme, "Bearer") {
		return strings.TrimSpace(token)
	}
	return ""
}

// proof is the appsecret_proof a client must send with token.
func (p *Provider) proof(token string) string {
	mac := hmac.New(sha256.New, []byte(p.clientSecret))
	mac.Write([]byte(token))
	return hex.EncodeToString(mac.Sum(nil))
}

// profileFields answers only the fields asked for (id,username when none
// are), like the Graph API; it returns the first field it does not know.
func profileFields(username, fields string) (map[string]string, string) {
	known := map[string]string{
		"id":           UserID(username),
		"username":     username,
		"user_id":      AccountID(username),
		"account_type": "BUSINESS",
		"name":         strings.ToUpper(username[:1]) + username[1:],
	}
	if fields == "" {
		fields = "id,username"
	}
	profile := map[string]string{}
	for _, f := range strings.Split(fields, ",") {
		f = strings.TrimSpace(f)
		value, ok := known[f]
		if !ok {
			return nil, f
		}
		profile[f] = value
	}
	return profile, ""
}

// serveExchange is GET /access_token?grant_type=ig_exchange_token: a
// short-lived token traded for a 60-day one.
func (p *Provider) serveExchange(w http.ResponseWriter, r *http.Request) {
	p.exchangeRequests.Add(1)
	p.mu.Lock()
	fail := p.exchangeFail
	p.mu.Unlock()
	q := r.URL.Query()
	info, found, now := p.lookupToken(q.Get("access_token"))
	switch {
	case fail:
		graphError(w, http.StatusBadRequest, 1, msgUnknownError)
	case q.Get("grant_type") != "ig_exchange_token":
		graphError(w, http.StatusBadRequest, 100, msgUnsupportedGrant)
	case q.Get("client_secret") != p.clientSecret:
		graphError(w, http.StatusBadRequest, 101, "Error validating client secret.")
	case !found || !info.validAt(now):
		tokenError(w, info, found, now)
	case info.long: // only a short-lived token can be exchanged
		graphError(w, http.StatusBadRequest, GraphCodeInvalidToken, MsgInvalidToken)
	default:
		token, expiresIn := p.newToken(info.username, true)
		writeLongToken(w, token, expiresIn)
	}
}

const (
	msgUnknownError     = "An unknown error has occurred."
	msgUnsupportedGrant = "Unsupported grant type"
)

// writeLongToken is the answer of the exchange and the refresh.
func writeLongToken(w http.ResponseWriter, token string, expiresIn int) {
	writeJSON(w, http.StatusOK, longTokenAnswer{AccessToken: token, TokenType: "bearer", ExpiresIn: expiresIn})
}

type longTokenAnswer struct {
	AccessToken string `json:"access_token"`
	TokenType   string `json:"token_type"`
	ExpiresIn   int    `json:"expires_in"`
}

// tokenError answers for a token that lookupToken did not find, or found
// expired at now.
func tokenError(w http.ResponseWriter, info tokenInfo, found bool, now time.Time) {
	if !found {
		graphError(w, http.StatusBadRequest, GraphCodeInvalidToken, MsgInvalidToken)
		return
	}
	// Facebook's wording, with its date format; the mock says UTC where
	// Facebook says Pacific time.
	const layout = "Monday, 02-Jan-06 15:04:05 MST"
	graphErrorSub(w, http.StatusBadRequest, GraphCodeInvalidToken, GraphSubcodeExpired,
		"Error validating access token: Session has expired on "+info.expires.UTC().Format(layout)+
			". The current time is "+now.UTC().Format(layout)+".")
}

// graphError is the Graph API's nested error answer.
func graphError(w http.ResponseWriter, status, code int, message string) {
	graphErrorSub(w, status, code, 0, message)
}

// graphErrorSub is graphError with an error_subcode, which the Graph API
// leaves out when there is none.
func graphErrorSub(w http.ResponseWriter, status, code, subcode int, message string) {
	e := map[string]any{
		"message":    message,
		"type":       "OAuthException",
		"code":       code,
		"fbtrace_id": "A1b2C3",
	}
	if subcode != 0 {
		e["error_subcode"] = subcode
	}
	writeJSON(w, status, map[string]any{"error": e})
}
