package instagramtest

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"time"
)

// Token endpoint error messages, as Instagram words them, for a client's
// tests to check that it recognises each misconfiguration. Instagram has
// been quoted with and without a final period on some of them: match by
// prefix rather than equality.
const (
	// MsgInvalidPlatformApp: the client_id is not the Instagram app's id
	// (typically the Facebook app's id was used instead).
	MsgInvalidPlatformApp = "Invalid platform app"
	// MsgBadClientSecret: the client_secret is not the app's.
	MsgBadClientSecret = "Error validating client secret"
	// MsgRedirectURIMismatch: redirect_uri differs, even by a byte, from
	// the one given to the authorize page.
	MsgRedirectURIMismatch = "Error validating verification code. Please make sure your redirect_uri is identical to the one you used in the OAuth dialog request"
	// MsgCodeNotFound: the code is unknown or expired.
	MsgCodeNotFound = "Matching code was not found or was already used"
	// MsgCodeUsed: the code was exchanged before (or burnt by a failed
	// attempt).
	MsgCodeUsed = "This authorization code has been used"
	// MsgUnsupportedGrantType: grant_type is not authorization_code. Not
	// checked against Instagram's wording.
	MsgUnsupportedGrantType = "Unsupported grant_type"
)

// serveToken is POST /oauth/access_token: the authorization code exchange.
func (p *Provider) serveToken(w http.ResponseWriter, r *http.Request) {
	p.tokenRequests.Add(1)
	// Read the body before any fault delay: net/http only watches for a
	// client hanging up, and so cancels the request's context, once the
	// body has been consumed.
	r.Body = http.MaxBytesReader(w, r.Body, maxForm)
	formErr := r.ParseForm()
	if p.injectTokenFault(w, r) {
		return
	}
	if formErr != nil {
		oauthError(w, "Invalid request body")
		return
	}
	form := r.PostForm
	// The code is burnt before anything else is checked: at Instagram any
	// attempt naming a code uses it up, so a client that retries fails.
	g, found, used := p.takeGrant(form.Get("code"))
	switch {
	case form.Get("client_id") != p.clientID:
		oauthError(w, MsgInvalidPlatformApp)
	case form.Get("client_secret") != p.clientSecret:
		oauthError(w, MsgBadClientSecret)
	case form.Get("grant_type") != "authorization_code":
		oauthError(w, MsgUnsupportedGrantType)
	case used:
		oauthError(w, MsgCodeUsed)
	case !found:
		oauthError(w, MsgCodeNotFound)
	case form.Get("redirect_uri") != g.redirectURI:
		oauthError(w, MsgRedirectURIMismatch)
	default:
		token, _ := p.newToken(g.username, false)
		writeJSON(w, http.StatusOK, p.tokenAnswer(token, g))
	}
}

// newGrant records a fresh single-use code for an allowed consent.
func (p *Provider) newGrant(g grant) string {
	code := randomString("AQ", 48)
	p.mu.Lock()
	defer p.mu.Unlock()
	now := p.now()
	p.codes.put(code, g, now.Add(codeLifetime), now)
	return code
}

// takeGrant consumes code whether or not the attempt will succeed, so a
// second attempt with the same code fails like it does at Instagram. used
// says the code was valid and had been taken before: Instagram says so
// rather than "not found".
func (p *Provider) takeGrant(code string) (g grant, found, used bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	now := p.now()
	if _, used = p.usedCodes.get(code, now); used {
		return grant{}, false, true
	}
	g, found = p.codes.take(code, now)
	if found {
		p.usedCodes.put(code, struct{}{}, now.Add(codeLifetime), now)
	}
	return g, found, false
}

// injectTokenFault applies SetTokenFault and reports whether it answered (or
// the client went away while it waited).
func (p *Provider) injectTokenFault(w http.ResponseWriter, r *http.Request) bool {
	p.mu.Lock()
	fault := p.fault
	p.mu.Unlock()
	if fault.delay > 0 {
		timer := time.NewTimer(fault.delay)
		defer timer.Stop()
		select {
		case <-timer.C:
		case <-r.Context().Done():
			return true // nobody is listening; return so no goroutine lingers
		}
	}
	if fault.status == 0 {
		return false
	}
	w.WriteHeader(fault.status)
	io.WriteString(w, fault.body)
	return true
}

// tokenAnswer builds the success answer in the configured Shape.
func (p *Provider) tokenAnswer(token string, g grant) any {
	p.mu.Lock()
	shape := p.shape
	p.mu.Unlock()
	id := UserID(g.username)
	switch shape {
	case ShapeData:
		return dataAnswer{Data: []dataEntry{{
			AccessToken: token,
			UserID:      id,
			Permissions: strings.Join(g.scopes, ","),
		}}}
	case ShapeLegacy:
		return legacyAnswer{AccessToken: token, User: legacyUser{
			ID:             id,
			Username:       g.username,
			FullName:       strings.ToUpper(g.username[:1]) + g.username[1:],
			ProfilePicture: "https://mock-instagram.invalid/avatars/" + g.username + ".jpg",
		}}
	default:
		return flatAnswer{AccessToken: token, UserID: json.Number(id), Permissions: g.scopes}
	}
}

type flatAnswer struct {
	AccessToken string      `json:"access_token"`
	UserID      json.Number `json:"user_id"` // a bare number, like Instagram's
	Permissions []string    `json:"permissions"`
}

type dataAnswer struct {
	Data []dataEntry `json:"data"`
}

type dataEntry struct {
	AccessToken string `json:"access_token"`
	UserID      string `json:"user_id"`
	Permissions string `json:"permissions"`
}

type legacyAnswer struct {
	AccessToken string     `json:"access_token"`
	User        legacyUser `json:"user"`
}

type legacyUser struct {
	ID             string `json:"id"`
	Username       string `json:"username"`
	FullName       string `json:"full_name"`
	ProfilePicture string `json:"profile_picture"`
}

// oauthError is the token endpoint's error answer; unlike the Graph API's it
// is flat.
func oauthError(w http.ResponseWriter, message string) {
	writeJSON(w, http.StatusBadRequest, map[string]any{
		"error_type":    "OAuthException",
		"code":          http.StatusBadRequest,
		"error_message": message,
	})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	body, err := json.Marshal(v)
	if err != nil {
		panic(err) // only our own fixed types are marshalled
	}
	w.Header().Set("Content-Type", "application/json; charset=UTF-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	w.Write(body)
}
