package instagramtest

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"strings"
)

const (
	msgBadToken = "Invalid OAuth access token - Cannot parse access token"
	msgBadProof = "Invalid appsecret_proof provided in the API argument"
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
	info, ok := p.lookupToken(token)
	if !ok {
		graphError(w, http.StatusBadRequest, 190, msgBadToken)
		return
	}
	if requireProof && !hmac.Equal([]byte(q.Get("appsecret_proof")), []byte(p.proof(token))) {
		graphError(w, http.StatusBadRequest, 100, msgBadProof)
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
	info, ok := p.lookupToken(q.Get("access_token"))
	switch {
	case fail:
		graphError(w, http.StatusBadRequest, 1, "An unknown error has occurred.")
	case q.Get("grant_type") != "ig_exchange_token":
		graphError(w, http.StatusBadRequest, 100, "Unsupported grant type")
	case q.Get("client_secret") != p.clientSecret:
		graphError(w, http.StatusBadRequest, 101, "Error validating client secret.")
	case !ok || info.long: // only a short-lived token can be exchanged
		graphError(w, http.StatusBadRequest, 190, msgBadToken)
	default:
		p.writeLongToken(w, info.username)
	}
}

// serveRefresh is GET /refresh_access_token?grant_type=ig_refresh_token: a
// long-lived token renewed for another 60 days. Instagram also wants the
// token to be a day old; the mock does not, so tests need not wait.
func (p *Provider) serveRefresh(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	info, ok := p.lookupToken(q.Get("access_token"))
	switch {
	case q.Get("grant_type") != "ig_refresh_token":
		graphError(w, http.StatusBadRequest, 100, "Unsupported grant type")
	case !ok || !info.long:
		graphError(w, http.StatusBadRequest, 190, msgBadToken)
	default:
		p.writeLongToken(w, info.username)
	}
}

func (p *Provider) writeLongToken(w http.ResponseWriter, username string) {
	writeJSON(w, http.StatusOK, longTokenAnswer{
		AccessToken: p.newToken(username, true),
		TokenType:   "bearer",
		ExpiresIn:   longExpiresIn,
	})
}

type longTokenAnswer struct {
	AccessToken string `json:"access_token"`
	TokenType   string `json:"token_type"`
	ExpiresIn   int    `json:"expires_in"`
}

// graphError is the Graph API's nested error answer.
func graphError(w http.ResponseWriter, status, code int, message string) {
	writeJSON(w, status, map[string]any{"error": map[string]any{
		"message":    message,
		"type":       "OAuthException",
		"code":       code,
		"fbtrace_id": "A1b2C3",
	}})
}
