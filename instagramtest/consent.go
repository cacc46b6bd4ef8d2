package instagramtest

import (
	"html/template"
	"net/http"
	"net/url"
	"regexp"
	"strings"
)

// authRequest is the OAuth dialog's parameters, carried from the consent
// page to the decision in hidden form fields.
type authRequest struct {
	ClientID    string
	RedirectURI string
	Scope       string
	State       string
}

func authRequestFrom(v url.Values) authRequest {
	return authRequest{
		ClientID:    v.Get("client_id"),
		RedirectURI: v.Get("redirect_uri"),
		Scope:       v.Get("scope"),
		State:       v.Get("state"),
	}
}

// problem says what is wrong with the request, or "" if nothing is. The
// page names the problem so that a developer can fix the client.
func (p *Provider) problem(a authRequest) string {
	switch {
	case a.ClientID != p.clientID:
		return "Invalid platform app: unknown client_id " + a.ClientID
	case a.RedirectURI == "":
		return "Missing redirect_uri"
	case !usableRedirect(a.RedirectURI):
		return "Invalid redirect_uri: it must be an absolute http(s) URL without a fragment"
	case len(scopeList(a.Scope)) == 0:
		return "Missing scope"
	}
	return ""
}

func usableRedirect(raw string) bool {
	u, err := url.Parse(raw)
	return err == nil && (u.Scheme == "http" || u.Scheme == "https") &&
		u.Host != "" && !strings.Contains(raw, "#")
}

// serveConsent is GET /oauth/authorize: the page where the user allows or
// denies the app.
func (p *Provider) serveConsent(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	force := forceReauth(q)
	p.noteAuthorize(force)
	a := authRequestFrom(q)
	msg := p.problem(a)
	if msg == "" && q.Get("response_type") != "code" {
		msg = "Unsupported response_type " + q.Get("response_type") + ": only code is supported"
	}
	if msg != "" {
		renderPage(w, http.StatusBadRequest, errorPage, msg)
		return
	}
	data := consentData{authRequest: a, Scopes: scopeList(a.Scope), ForceReauth: force}
	if !force {
		data.Session = rememberedUser(r)
		data.Username = data.Session
	}
	renderPage(w, http.StatusOK, consentPage, data)
}

var validUsername = regexp.MustCompile(`^[a-z0-9._]{1,30}$`)

// serveDecision is POST /oauth/authorize: the Allow or Deny button.
func (p *Provider) serveDecision(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, maxForm)
	if err := r.ParseForm(); err != nil {
		renderPage(w, http.StatusBadRequest, errorPage, "Unreadable form")
		return
	}
	a := authRequestFrom(r.PostForm)
	if msg := p.problem(a); msg != "" {
		renderPage(w, http.StatusBadRequest, errorPage, msg)
		return
	}
	data := consentData{authRequest: a, Scopes: scopeList(a.Scope)}
	data.Username = strings.ToLower(strings.TrimSpace(r.PostForm.Get("username")))
	switch r.PostForm.Get("decision") {
	case "deny":
		redirect(w, a.RedirectURI, [][2]string{
			{"error", "access_denied"},
			{"error_reason", "user_denied"},
			{"error_description", "The user denied your request."},
			{"state", a.State},
		}, "")
	case "allow":
		if !validUsername.MatchString(data.Username) {
			data.Error = "Enter an Instagram username: 1 to 30 letters, digits, dots or underscores."
			renderPage(w, http.StatusBadRequest, consentPage, data)
			return
		}
		code := p.newGrant(grant{username: data.Username, redirectURI: a.RedirectURI, scopes: data.Scopes})
		p.recordAuthorization(data.Username)
		setSession(w, r, data.Username)
		// Instagram really does append "#_"; clients must cope with it.
		redirect(w, a.RedirectURI, [][2]string{{"code", code}, {"state", a.State}}, "#_")
	default:
		data.Error = "Choose Allow or Deny."
		renderPage(w, http.StatusBadRequest, consentPage, data)
	}
}

// redirect sends the browser back to the app with params appended to
// redirectURI in the given order (state only if the app sent one), then
// fragment. The Location is written by hand so the URI the app registered
// stays byte for byte as it was.
func redirect(w http.ResponseWriter, redirectURI string, params [][2]string, fragment string) {
	var b strings.Builder
	b.WriteString(redirectURI)
	sep := "?"
	if strings.Contains(redirectURI, "?") {
		sep = "&"
		if strings.HasSuffix(redirectURI, "?") || strings.HasSuffix(redirectURI, "&") {
			sep = ""
		}
	}
	for _, kv := range params {
		if kv[0] == "state" && kv[1] == "" {
			continue
		}
		b.WriteString(sep + url.QueryEscape(kv[0]) + "=" + url.QueryEscape(kv[1]))
		sep = "&"
	}
	b.WriteString(fragment)
	w.Header().Set("Location", b.String())
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusFound)
}

type consentData struct {
	authRequest
	Scopes   []string
	Username string
	Error    string
	// Session is the username the browser's mock session remembers, when
	// the page offers to continue as that user.
	Session string
	// ForceReauth says the authorize URL had force_reauth=true.
	ForceReauth bool
}

func renderPage(w http.ResponseWriter, status int, page *template.Template, data any) {
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	// No scripts and no framing: the page is a login prompt. form-action is
	// left open on purpose, since the decision redirects to another origin.
	h.Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'")
	h.Set("X-Frame-Options", "DENY")
	h.Set("Referrer-Policy", "no-referrer")
	w.WriteHeader(status)
	page.Execute(w, data) // a write error means the client left
}

const pageStyle = `<style>
body{margin:0;min-height:100vh;display:flex;align-items:center;justify-content:center;
 background:#fafafa;font-family:-apple-system,BlinkMacSystemFont,"Segoe UI",Roboto,Helvetica,Arial,sans-serif;color:#262626}
.card{width:340px;background:#fff;border:1px solid #dbdbdb;border-radius:8px;padding:32px 40px;box-sizing:border-box}
h1{font-family:Georgia,serif;font-style:italic;font-weight:normal;font-size:32px;text-align:center;margin:0 0 8px}
.mock{text-align:center;font-size:12px;color:#8e8e8e;margin:0 0 20px}
.app{font-weight:600;word-break:break-all}
ul{padding-left:20px;font-size:14px}
label{display:block;font-size:12px;color:#8e8e8e;margin:16px 0 4px}
input[type=text]{width:100%;box-sizing:border-box;padding:9px 8px;border:1px solid #dbdbdb;border-radius:4px;background:#fafafa}
.error{color:#ed4956;font-size:14px}
.notice{background:#fafafa;border:1px solid #dbdbdb;border-radius:4px;padding:8px;font-size:14px}
.wide{width:600px}
h2{font-size:16px}
.small{font-size:12px;color:#8e8e8e}
.users li{margin-bottom:12px}
.users form{display:flex;gap:8px;margin-top:4px}
.users button{flex:0 1 auto;background:#efefef}
.removed{color:#ed4956}
.token{display:block;word-break:break-all;background:#fafafa;border:1px solid #dbdbdb;border-radius:4px;padding:8px;font-size:13px}
.buttons{display:flex;gap:8px;margin-top:20px}
button{flex:1;padding:8px;border-radius:8px;border:0;font-weight:600;cursor:pointer}
#allow,.primary{background:#0095f6;color:#fff}
#deny{background:#efefef;color:#262626}
</style>`

var consentPage = template.Must(template.New("consent").Parse(`<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Log in with Instagram (mock)</title>` + pageStyle + `</head>
<body><main class="card">
<h1>Instagram</h1>
<p class="mock">Mock Instagram — offline, for development only</p>
{{if .ForceReauth}}<p id="reauth" class="notice">Instagram asks you to log in again: the site requested re-authentication (force_reauth).</p>{{end}}
{{with .Session}}<p id="session" class="notice">Logged in to Instagram as <b>{{.}}</b>.</p>{{end}}
<p><span class="app">{{.ClientID}}</span> would like to access your Instagram account:</p>
<ul>{{range .Scopes}}<li>{{.}}</li>{{end}}</ul>
{{with .Error}}<p class="error" role="alert">{{.}}</p>{{end}}
<form method="post" action="/oauth/authorize">
<input type="hidden" name="client_id" value="{{.ClientID}}">
<input type="hidden" name="redirect_uri" value="{{.RedirectURI}}">
<input type="hidden" name="scope" value="{{.Scope}}">
<input type="hidden" name="state" value="{{.State}}">
<label for="username">{{if .Session}}Username (change it to continue as someone else){{else}}Username (any; it decides the user id){{end}}</label>
<input type="text" name="username" id="username" value="{{.Username}}" required autofocus
 maxlength="30" autocomplete="off" autocapitalize="none" spellcheck="false">
<div class="buttons">
{{/* Allow comes first: Enter in the username field presses it. */}}
<button type="submit" name="decision" value="allow" id="allow">{{with .Session}}Continue as {{.}}{{else}}Allow{{end}}</button>
<button type="submit" name="decision" value="deny" id="deny" formnovalidate>Deny</button>
</div>
</form>
<p class="mock"><a id="settings" href="` + settingsPath + `">Apps and websites</a>: remove the app, ask for data deletion</p>
</main></body></html>
`))

var errorPage = template.Must(template.New("error").Parse(`<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<title>Error (mock Instagram)</title>` + pageStyle + `</head>
<body><main class="card">
<h1>Instagram</h1>
<p class="mock">Mock Instagram — offline, for development only</p>
<p class="error" role="alert">Sorry, this page isn't available: {{.}}</p>
</main></body></html>
`))
