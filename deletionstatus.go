package instagramauth

import (
	"github.com/b4b0c547/caddy-instagram-auth/internal/record"
	"github.com/b4b0c547/caddy-instagram-auth/internal/seal"

	"net/http"
	"time"
)

// The data deletion status page. Meta shows the user the URL and the
// confirmation code the callback answered; the plugin keeps no data of its
// own, so there is nothing to look up: the code is sealed (user id and
// time, with the cookie key and the deletion purpose), and the page only
// opens it. A forged or unknown code does not open: 404.

// confirmationCode seals what the status page tells.
func confirmationCode(keys seal.Ring, aad []byte, userID string, at int64) string {
	rec := record.V1{Time: at, Fields: [3]string{userID}}
	return keys.Seal(aad, rec.Encode())
}

// openConfirmationCode returns when the request was handled.
func openConfirmationCode(keys seal.Ring, aad []byte, code string) (time.Time, bool) {
	plain, _, ok := keys.Open(aad, code)
	if !ok {
		return time.Time{}, false
	}
	rec, ok := record.DecodeV1(plain)
	if !ok || rec.Fields[0] == "" {
		return time.Time{}, false
	}
	return time.Unix(rec.Time, 0).UTC(), true
}

// deletionStatusURL is the status page's absolute URL: on the origin of
// redirect_uri when it is a URL, else on the origin this request reached
// (requestOrigin), as a path redirect_uri is completed.
func (cfg *runtimeConfig) deletionStatusURL(r *http.Request) (string, bool) {
	if cfg.callbackOrigin != "" {
		return cfg.callbackOrigin + cfg.paths.dataDeletion, true
	}
	origin, ok := requestOrigin(r)
	return origin.String() + cfg.paths.dataDeletion, ok
}

// serveDeletionStatus answers GET data_deletion_path?code=..., the code
// as sent or, if a rewrite dropped it, as the client sent it.
func (h *Handler) serveDeletionStatus(w http.ResponseWriter, r *http.Request) error {
	code := r.URL.Query().Get("code")
	if code == "" {
		code = originalURL(r).Query().Get("code")
	}
	at, ok := openConfirmationCode(h.keys, h.cfg.aad.Deletion, code)
	if !ok {
		return writePage(w, http.StatusNotFound, page{
			Title:   "Unknown confirmation code",
			Message: "This data deletion confirmation code is not one this site gave out.",
		})
	}
	return writePage(w, http.StatusOK, page{
		Title: "Data deletion request: done",
		Code:  code,
		Message: "Your request was handled on " + at.Format("2 January 2006 at 15:04 UTC") + ". This site's Instagram " +
			"login keeps no data of its own about you: your login lived only in your browser's cookie. All your " +
			"sessions on this site that started before the request were ended, on every device.",
		Detail: "Data the site's own application may hold is not covered by this page: ask the site.",
	})
}
