package instagramauth

import (
	"html/template"
	"net/http"
)

// The pages a visitor may see from the plugin itself. html/template escapes
// everything put into them; nothing secret is ever given to them.

var pageTemplate = template.Must(template.New("page").Parse(`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex">
<title>{{.Title}}</title>
<style>
body{font-family:system-ui,sans-serif;background:#fafafa;color:#262626;display:flex;min-height:100vh;margin:0;align-items:center;justify-content:center}
main{background:#fff;border:1px solid #dbdbdb;border-radius:8px;padding:2rem 2.5rem;max-width:28rem}
h1{font-size:1.3rem;margin-top:0}
a{color:#0095f6}
.detail{color:#737373}
code{background:#f4f4f4;padding:0 .2rem;word-break:break-all}
</style>
</head>
<body>
<main>
<h1>{{.Title}}</h1>
{{with .Code}}<p>Confirmation code: <code id="code">{{.}}</code></p>{{end}}
<p id="status">{{.Message}}</p>
{{if .Detail}}<p class="detail">{{.Detail}}</p>{{end}}
{{if not .Code}}<p><a href="/">Try again</a></p>{{end}}
</main>
</body>
</html>
`))

type page struct {
	Title   string
	Message string
	Detail  string // e.g. the provider's error description; escaped
	Code    string // a data deletion confirmation code (deletionstatus.go)
}

var (
	pageDenied = page{
		Title:   "Access denied",
		Message: "Instagram login was cancelled or refused, so access was denied.",
	}
	pageBadState = page{
		Title:   "Login expired",
		Message: "This login link is invalid, expired or was already used, or your browser blocked this site's cookies, which the login needs. Please allow cookies for this site and start again.",
	}
	pageNotAllowed = page{
		Title:   "Access denied",
		Message: "Your Instagram account is not allowed to use this site.",
	}
	pageProviderFailed = page{
		Title:   "Instagram is not answering",
		Message: "Instagram could not complete the login right now. Please try again in a moment.",
	}
	pageMisconfigured = page{
		Title:   "Instagram login is misconfigured",
		Message: "This site's Instagram login is misconfigured, so Instagram refused it. It is not your doing: the site's owner will find the reason in Caddy's log.",
	}
	pageCodeSpent = page{
		Title:   "Login already used",
		Message: "This Instagram login was already used or has expired. Please start again.",
	}
	pageTooManyLogins = page{
		Title:   "Too many logins",
		Message: "Too many logins were started from your network in the last minutes.",
	}
	pageLoginsBusy = page{
		Title:   "Too many logins at once",
		Message: "Too many logins are in progress right now.",
	}
	pageBadCallback = page{
		Title:   "Login failed",
		Message: "The answer from Instagram was incomplete. Please start again.",
	}
)

// write makes a page a built-in answer of refuse.
func (p page) write(w http.ResponseWriter, status int) { _ = writePage(w, status, p) }

// writePage sends p with the given status. Pages are never cached, never
// framed and never a referrer. A failed write means the client left:
// nothing to report.
func writePage(w http.ResponseWriter, status int, p page) error {
	hdr := w.Header()
	hdr.Set("Content-Type", "text/html; charset=utf-8")
	hdr.Set("Cache-Control", "no-store")
	hdr.Set("X-Content-Type-Options", "nosniff")
	hdr.Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'")
	// A page at the callback has the code and state in its URL: a link
	// followed from it must not carry them on as Referer.
	hdr.Set("Referrer-Policy", "no-referrer")
	w.WriteHeader(status)
	_ = pageTemplate.Execute(w, p)
	return nil
}
