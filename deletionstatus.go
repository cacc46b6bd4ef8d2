package instagramauth

import (
	"html/template"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// The data deletion status page. Meta shows the user the URL and the
// confirmation code the callback answered; the plugin keeps no data of its
// own, so there is nothing to look up: the code is sealed (user id and
// time, with the cookie key and the deletion purpose), and the page only
// opens it. A forged or unknown code does not open: 404.

// confirmationCode seals what the status page tells.
func (h *Handler) confirmationCode(userID string, at int64) string {
	rec := recordV1{time: at, fields: [3]string{userID}}
	return h.keys.seal(h.cfg.aad.deletion, rec.encode())
}

// openConfirmationCode returns when the request was handled.
func (h *Handler) openConfirmationCode(code string) (time.Time, bool) {
	plain, _, ok := h.keys.open(h.cfg.aad.deletion, code)
	if !ok {
		return time.Time{}, false
	}
	rec, ok := decodeRecordV1(plain)
	if !ok || rec.fields[0] == "" {
		return time.Time{}, false
	}
	return time.Unix(rec.time, 0).UTC(), true
}

// deletionStatusURL is the status page's absolute URL: on the origin of
// redirect_uri when it is a URL, else on this request's, with the scheme of
// the connection itself (as redirect_uri is completed).
func (h *Handler) deletionStatusURL(r *http.Request) (string, bool) {
	if !strings.HasPrefix(h.RedirectURI, "/") {
		u, err := url.Parse(h.RedirectURI)
		if err != nil {
			return "", false
		}
		return u.Scheme + "://" + u.Host + h.DataDeletionPath, true
	}
	if !isHostShaped(r.Host) {
		return "", false
	}
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	return scheme + "://" + r.Host + h.DataDeletionPath, true
}

var deletionTemplate = template.Must(template.New("deletion").Parse(`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex">
<title>Data deletion request</title>
<style>
body{font-family:system-ui,sans-serif;background:#fafafa;color:#262626;display:flex;min-height:100vh;margin:0;align-items:center;justify-content:center}
main{background:#fff;border:1px solid #dbdbdb;border-radius:8px;padding:2rem 2.5rem;max-width:32rem}
h1{font-size:1.3rem;margin-top:0}
code{background:#f4f4f4;padding:0 .2rem;word-break:break-all}
</style>
</head>
<body>
<main>
<h1>Data deletion request: done</h1>
<p>Confirmation code: <code id="code">{{.Code}}</code></p>
<p id="status">Your request was handled on {{.When}}. This site's Instagram login keeps no data of its own
about you: your login lived only in your browser's cookie. All your sessions on this site that started
before the request were ended, on every device.</p>
<p>Data the site's own application may hold is not covered by this page: ask the site.</p>
</main>
</body>
</html>
`))

// serveDeletionStatus answers GET data_deletion_path?code=...
func (h *Handler) serveDeletionStatus(w http.ResponseWriter, r *http.Request) error {
	code := r.URL.Query().Get("code")
	if code == "" {
		code = originalURL(r).Query().Get("code")
	}
	at, ok := h.openConfirmationCode(code)
	if !ok {
		return writePage(w, http.StatusNotFound, page{
			Title:   "Unknown confirmation code",
			Message: "This data deletion confirmation code is not one this site gave out.",
		})
	}
	hdr := w.Header()
	hdr.Set("Content-Type", "text/html; charset=utf-8")
	hdr.Set("Cache-Control", "no-store")
	hdr.Set("X-Content-Type-Options", "nosniff")
	hdr.Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'")
	w.WriteHeader(http.StatusOK)
	_ = deletionTemplate.Execute(w, map[string]string{
		"Code": code,
		"When": at.Format("2 January 2006 at 15:04 UTC"),
	})
	return nil
}
