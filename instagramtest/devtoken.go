package instagramtest

import (
	"html/template"
	"io"
	"net/http"
	"strings"
	"time"
)

// devTokenPath is the mock's developer page that hands out a long-lived
// token, so that a developer can try a site's allow_bearer with curl
// without writing an app. Real Instagram has nothing like it: a token
// comes only from a login.
const devTokenPath = "/dev/token"

type devTokenData struct {
	ClientID      string
	OtherClientID string
	Username      string
	OtherApp      bool
	Error         string
	Token         string // the minted token, "" on the bare form
	UserID        string
	Expires       string
}

// serveDevToken is GET /dev/token: the form, or with ?username=alice a new
// long-lived token of the Provider's own app for alice (who then counts as
// having allowed the app, so the settings page can remove it again), or
// of the second app with app=other. format=text answers the bare token,
// for a script.
func (p *Provider) serveDevToken(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	data := devTokenData{
		ClientID:      p.clientID,
		OtherClientID: OtherClientID,
		Username:      strings.ToLower(strings.TrimSpace(q.Get("username"))),
		OtherApp:      q.Get("app") == "other",
	}
	if !q.Has("username") {
		renderPage(w, http.StatusOK, devTokenPage, data)
		return
	}
	if !validUsername.MatchString(data.Username) {
		data.Error = "Enter an Instagram username: 1 to 30 letters, digits, dots or underscores."
		renderPage(w, http.StatusBadRequest, devTokenPage, data)
		return
	}
	if data.OtherApp {
		data.Token = p.MintOtherAppToken(data.Username, true)
	} else {
		data.Token = p.MintToken(data.Username, true)
	}
	if q.Get("format") == "text" {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.Header().Set("Cache-Control", "no-store")
		io.WriteString(w, data.Token+"\n")
		return
	}
	info, _, _ := p.lookupToken(data.Token)
	data.UserID = p.appUserID(info)
	data.Expires = info.expires.UTC().Format(time.DateTime + " UTC")
	renderPage(w, http.StatusOK, devTokenPage, data)
}

var devTokenPage = template.Must(template.New("devtoken").Parse(`<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Developer token (mock Instagram)</title>` + pageStyle + `</head>
<body><main class="card wide">
<h1>Instagram</h1>
<p class="mock">Mock Instagram — offline, for development only</p>
<h2>Developer token</h2>
<p id="mock-only" class="notice">A mock-only tool: real Instagram has no such page, and hands a token
only to an app its user logged in to. Use the token against this mock and sites pointed at it.</p>
{{with .Error}}<p class="error" role="alert">{{.}}</p>{{end}}
{{if .Token}}
<p>A long-lived token ({{if .OtherApp}}of another app, <span class="app">{{.OtherClientID}}</span>, which a site must refuse{{else}}of <span class="app">{{.ClientID}}</span>{{end}})
for <b id="token-user">{{.Username}}</b>, id <code id="token-user-id">{{.UserID}}</code>, valid until {{.Expires}}:</p>
<p><code id="token" class="token">{{.Token}}</code></p>
<p class="small">Send it to a site with <code>allow_bearer</code> in an <code>Authorization: Bearer</code> header.
For a script, <code>` + devTokenPath + `?username={{.Username}}&amp;format=text</code> answers the token alone.</p>
{{end}}
<form method="get" action="` + devTokenPath + `">
<label for="username">Username (any; it decides the user id)</label>
<input type="text" name="username" id="username" value="{{.Username}}" required
 maxlength="30" autocomplete="off" autocapitalize="none" spellcheck="false">
<label><input type="checkbox" name="app" value="other" id="other-app"{{if .OtherApp}} checked{{end}}>
Issue it to another app ({{.OtherClientID}}), to see a site refuse it</label>
<div class="buttons"><button type="submit" id="get-token" class="primary">Get a token</button></div>
</form>
<p class="mock"><a href="` + settingsPath + `">Apps and websites</a>: remove the app to see the token refused</p>
</main></body></html>
`))
