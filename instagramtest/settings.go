package instagramtest

import (
	"html/template"
	"net/http"
	"time"
)

// settingsPath is the mock's "Apps and websites" page, where a user
// removes the app or asks for their data to be deleted, so that the site's
// deauthorize and data deletion endpoints can be tried by hand.
const settingsPath = "/settings/apps"

// settingsListed bounds the users the page lists; benchmarks make many.
const settingsListed = 100

type settingsData struct {
	ClientID        string
	DeauthorizeURL  string
	DataDeletionURL string
	Users           []settingsUser
	More            int // users not listed
	Result          *settingsResult
}

type settingsUser struct {
	Username   string
	ID         string
	Authorized string
	Removed    bool
}

// settingsResult says what the last button did, and what the site
// answered.
type settingsResult struct {
	Done       string // what the mock did
	Callback   string // the site's URL it POSTed to, if it did
	Status     int    // the site's HTTP status, 0 for no answer
	StatusText string
	Problem    string // what went wrong, if anything
	StatusURL  string // the data deletion answer
	Code       string
}

// Failed is for the page: a problem, or an answer that is not a 2xx.
func (r settingsResult) Failed() bool {
	return r.Problem != "" || (r.Callback != "" && (r.Status < 200 || r.Status > 299))
}

func (r *settingsResult) answered(status int, err error) {
	r.Status, r.StatusText = status, http.StatusText(status)
	if err != nil {
		r.Problem = err.Error()
	}
}

// serveSettings is GET /settings/apps.
func (p *Provider) serveSettings(w http.ResponseWriter, _ *http.Request) {
	renderPage(w, http.StatusOK, settingsPage, p.settingsData(nil))
}

// serveSettingsAction is POST /settings/apps: the Remove app and Request
// data deletion buttons. The site is called before the page is answered,
// so the page can say what it answered.
func (p *Provider) serveSettingsAction(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, maxForm)
	if err := r.ParseForm(); err != nil {
		renderPage(w, http.StatusBadRequest, errorPage, "Unreadable form")
		return
	}
	username := r.PostForm.Get("username")
	var res settingsResult
	switch r.PostForm.Get("action") {
	case "remove":
		res = p.removeFromSettings(r, username)
	case "delete":
		res = p.deleteFromSettings(r, username)
	default:
		renderPage(w, http.StatusBadRequest, errorPage, "Unknown action")
		return
	}
	renderPage(w, http.StatusOK, settingsPage, p.settingsData(&res))
}

func (p *Provider) removeFromSettings(r *http.Request, username string) settingsResult {
	callback, err := p.revoke(username)
	if err != nil {
		return settingsResult{Problem: username + " has not authorized " + p.clientID + ", or has removed it already."}
	}
	res := settingsResult{Done: "Removed " + p.clientID + " for " + username + ": its access tokens no longer work."}
	if callback == "" {
		res.Done += " No deauthorize callback URL is registered (deauthorize_url), so no site was told."
		return res
	}
	res.Callback = callback
	res.answered(p.SendDeauthorize(r.Context(), nil, callback, UserID(username)))
	return res
}

func (p *Provider) deleteFromSettings(r *http.Request, username string) settingsResult {
	callback, err := p.deletionCallback(username)
	if err != nil {
		return settingsResult{Problem: err.Error()}
	}
	status, statusURL, code, err := p.sendDataDeletion(r.Context(), nil, callback, UserID(username))
	res := settingsResult{Done: "Data deletion requested for " + username + ".", Callback: callback, StatusURL: statusURL, Code: code}
	res.answered(status, err)
	return res
}

func (p *Provider) settingsData(res *settingsResult) settingsData {
	p.mu.Lock()
	data := settingsData{ClientID: p.clientID, DeauthorizeURL: p.deauthorizeURL, DataDeletionURL: p.dataDeletionURL, Result: res}
	p.mu.Unlock()
	users := p.appUsers()
	if len(users) > settingsListed {
		data.More = len(users) - settingsListed
		users = users[:settingsListed]
	}
	for _, u := range users {
		data.Users = append(data.Users, settingsUser{
			Username:   u.username,
			ID:         UserID(u.username),
			Authorized: u.authorized.UTC().Format(time.DateTime + " UTC"),
			Removed:    !u.removed.IsZero(),
		})
	}
	return data
}

var settingsPage = template.Must(template.New("settings").Parse(`<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Apps and websites (mock Instagram)</title>` + pageStyle + `</head>
<body><main class="card wide">
<h1>Instagram</h1>
<p class="mock">Mock Instagram — offline, for development only</p>
<h2>Apps and websites</h2>
{{with $r := .Result}}<p id="result" {{if .Failed}}class="error" role="alert"{{else}}class="notice" role="status"{{end}}>{{.Done}}
{{- with .Callback}} The mock POSTed a signed request to <code>{{.}}</code>,{{end}}
{{- if .Status}} which answered HTTP <b id="result-status">{{.Status}}</b> {{.StatusText}}.{{else if .Callback}} which did not answer.{{end}}
{{- with .Problem}}{{if $r.Done}} {{end}}{{.}}{{end}}</p>
{{- if .StatusURL}}
<p class="notice">Deletion status page: <a id="deletion-url" href="{{.StatusURL}}">{{.StatusURL}}</a><br>
Confirmation code: <code id="confirmation-code">{{.Code}}</code></p>{{end}}
{{end}}
<p class="small">App <span class="app">{{.ClientID}}</span>.
Deauthorize callback: {{with .DeauthorizeURL}}<code id="deauthorize-url">{{.}}</code>{{else}}none registered{{end}}.
Data deletion URL: {{with .DataDeletionURL}}<code id="data-deletion-url">{{.}}</code>{{else}}none registered{{end}}.</p>
{{if not .Users}}<p id="no-users">No one has allowed the app yet.</p>{{end}}
<ul class="users">{{range .Users}}
<li id="user-{{.Username}}"><b>{{.Username}}</b> <small>id {{.ID}}, allowed {{.Authorized}}{{if .Removed}}, <span class="removed">removed</span>{{end}}</small>
<form method="post" action="` + settingsPath + `">
<input type="hidden" name="username" value="{{.Username}}">
{{if not .Removed}}<button type="submit" name="action" value="remove" id="remove-{{.Username}}">Remove app</button>{{end}}
<button type="submit" name="action" value="delete" id="delete-{{.Username}}">Request data deletion</button>
</form></li>{{end}}
</ul>
{{with .More}}<p class="small">And {{.}} more, not listed.</p>{{end}}
<p class="small"><a id="dev-token" href="` + devTokenPath + `">Developer token</a>: a token for curl (mock only)</p>
</main></body></html>
`))
