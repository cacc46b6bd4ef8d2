package instagramtest

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"strings"
)

// Graph API error messages, types and codes. The messages are Instagram's
// own wording unless said otherwise.
const (
	MsgInvalidToken = "Invalid OAuth access token - Cannot parse access token"
	// MsgBadProof answers an appsecret_proof that is not the HMAC of the
	// token under the secret of the app the token was issued to: a wrong
	// proof, or a token of another app (see MintOtherAppToken).
	MsgBadProof = "Invalid appsecret_proof provided in the API argument"
	// MsgProofRequired answers a call without appsecret_proof to an app
	// that requires one (SetRequireProof).
	MsgProofRequired = "API calls from the server require an appsecret_proof argument"

	// GraphTypeOAuth is the type of most Graph errors, those about tokens
	// among them; GraphTypeMethod is the type of the appsecret_proof ones.
	GraphTypeOAuth  = "OAuthException"
	GraphTypeMethod = "GraphMethodException"

	// GraphCodeInvalidToken is the code of every answer about an access
	// token that is unknown, expired or revoked: a client should give the
	// token up.
	GraphCodeInvalidToken = 190
	// GraphSubcodeExpired goes with GraphCodeInvalidToken when the token
	// has expired.
	GraphSubcodeExpired = 463
	// GraphCodeBadProof is the code of MsgBadProof and MsgProofRequired
	// (Graph's generic "invalid parameter" code).
	GraphCodeBadProof = 100
)

// serveMe is GET /me (and /vX.Y/me): the profile of the token's owner.
// Like Graph, it checks a token first, then its appsecret_proof, which it
// checks whenever one is sent, and requires under SetRequireProof.
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
		p.tokenError(w, info, found, now)
		return
	}
	switch proof := q.Get("appsecret_proof"); {
	case proof == "" && requireProof:
		writeGraphError(w, http.StatusBadRequest, GraphTypeMethod, GraphCodeBadProof, 0, MsgProofRequired)
		return
	case proof != "" && !hmac.Equal([]byte(proof), []byte(AppSecretProof(p.secretOf(info), token))):
		writeGraphError(w, http.StatusBadRequest, GraphTypeMethod, GraphCodeBadProof, 0, MsgBadProof)
		return
	}
	profile, unknown := profileFields(p.appUserID(info), info.username, q.Get("fields"))
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

// AppSecretProof is the appsecret_proof that goes with token in a Graph
// call: the hex HMAC-SHA256 of the token keyed with the secret of the app
// the token was issued to.
func AppSecretProof(secret, token string) string {
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write([]byte(token))
	return hex.EncodeToString(mac.Sum(nil))
}

// profileFields answers only the fields asked for (id,username when none
// are), like the Graph API; it returns the first field it does not know.
// id is the user's id as the token's app sees it.
func profileFields(id, username, fields string) (map[string]string, string) {
	known := map[string]string{
		"id":           id,
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
	case q.Get("client_secret") != p.secretOf(info): // the secret of the token's app
		graphError(w, http.StatusBadRequest, 101, "Error validating client secret.")
	case !found || !info.validAt(now):
		p.tokenError(w, info, found, now)
	case info.long: // only a short-lived token can be exchanged
		graphError(w, http.StatusBadRequest, GraphCodeInvalidToken, MsgInvalidToken)
	default:
		token, expiresIn := p.issue(tokenInfo{username: info.username, long: true, otherApp: info.otherApp})
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

// graphError is the Graph API's nested error answer, of type OAuthException.
func graphError(w http.ResponseWriter, status, code int, message string) {
	writeGraphError(w, status, GraphTypeOAuth, code, 0, message)
}

// writeGraphError is the Graph API's nested error answer. subcode 0 leaves
// error_subcode out, as the Graph API does when there is none.
func writeGraphError(w http.ResponseWriter, status int, typ string, code, subcode int, message string) {
	e := map[string]any{
		"message":    message,
		"type":       typ,
		"code":       code,
		"fbtrace_id": "A1b2C3",
	}
	if subcode != 0 {
		e["error_subcode"] = subcode
	}
	writeJSON(w, status, map[string]any{"error": e})
}
