package instagramauth

import (
	"encoding/json"
	"errors"
	"net/http"
	"time"

	"github.com/b4b0c547/caddy-instagram-auth/internal/signedrequest"
	"github.com/caddyserver/caddy/v2/modules/caddyhttp"
	"go.uber.org/zap"
)

// Meta's callbacks. When a user removes the app in Instagram's settings
// (deauthorize) or asks for their data to be deleted, Meta POSTs the form
// field signed_request (internal/signedrequest). A valid one ends every session
// of that user that started before issued_at, on every instance sharing
// the storage.

const maxSignedRequestBody = 64 << 10

var (
	errDeauthorizeMethod = errors.New("the deauthorize callback takes POST only")
	errDeletionMethod    = errors.New("the data deletion callback takes POST, and GET for its status page")
)

// readSignedRequest reads and verifies the form field of a POST. The
// value is never logged: it is the request's credential.
func readSignedRequest(w http.ResponseWriter, r *http.Request, secret string, now int64) (signedrequest.Request, int, error) {
	r.Body = http.MaxBytesReader(w, r.Body, maxSignedRequestBody)
	if err := r.ParseForm(); err != nil {
		if errors.As(err, new(*http.MaxBytesError)) {
			return signedrequest.Request{}, http.StatusRequestEntityTooLarge, errors.New("body over 64 KiB")
		}
		return signedrequest.Request{}, http.StatusBadRequest, errors.New("body is not a form")
	}
	values := r.PostForm["signed_request"]
	if len(values) != 1 {
		return signedrequest.Request{}, http.StatusBadRequest, errors.New("no signed_request form field, or several")
	}
	req, err := signedrequest.Parse(secret, values[0], now)
	if err != nil {
		return signedrequest.Request{}, http.StatusBadRequest, err
	}
	return req, 0, nil
}

// serveDeauthorize is Meta's deauthorize callback: the user removed the app.
func (h *Handler) serveDeauthorize(w http.ResponseWriter, r *http.Request) error {
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		return caddyhttp.Error(http.StatusMethodNotAllowed, errDeauthorizeMethod)
	}
	req, status, err := readSignedRequest(w, r, h.cfg.clientSecret, h.now().Unix())
	if err != nil {
		return h.refuseSignedRequest(w, r, "deauthorize", status, err)
	}
	h.endSessionsFor(req, revokedDeauthorize)
	return writeMetaJSON(w, http.StatusOK, map[string]any{"success": true})
}

// serveDataDeletion is Meta's data deletion callback (POST) and the status
// page it points the user to (GET).
func (h *Handler) serveDataDeletion(w http.ResponseWriter, r *http.Request) error {
	switch r.Method {
	case http.MethodGet, http.MethodHead:
		return h.serveDeletionStatus(w, r)
	case http.MethodPost:
	default:
		w.Header().Set("Allow", "GET, HEAD, POST")
		return caddyhttp.Error(http.StatusMethodNotAllowed, errDeletionMethod)
	}
	req, status, err := readSignedRequest(w, r, h.cfg.clientSecret, h.now().Unix())
	if err != nil {
		return h.refuseSignedRequest(w, r, "data_deletion", status, err)
	}
	statusURL, ok := h.cfg.deletionStatusURL(r)
	if !ok {
		return h.refuseSignedRequest(w, r, "data_deletion", http.StatusBadRequest, errBadHost)
	}
	h.endSessionsFor(req, revokedDataDeletion)
	code := confirmationCode(h.keys, h.cfg.aad.Deletion, req.UserID, h.now().Unix())
	return writeMetaJSON(w, http.StatusOK, map[string]string{
		"url":               statusURL + "?code=" + code,
		"confirmation_code": code,
	})
}

// endSessionsFor revokes the user's sessions that started before the
// request was issued, or in that same second: login times are whole
// seconds, and ending one too many is the safe side. A replay changes
// nothing: the line says the sessions had already ended, and nothing is
// counted or emitted.
func (h *Handler) endSessionsFor(req signedrequest.Request, source revocationSource) {
	notBefore := req.IssuedAt + 1
	ended := h.shared.revokeUser(req.UserID, notBefore, notBefore+h.cfg.sessionLifetime)
	if ended {
		countRevocation(source)
		h.events.revoked(req.UserID, "", source)
	}
	h.logger.Info("Meta callback: the user's sessions ended", zap.String("source", revocationSources[source]),
		zap.String("user_id", req.UserID), timeField("sessions_before", time.Unix(notBefore, 0)),
		zap.Bool("already_ended", !ended))
}

// refuseSignedRequest answers a bad callback: the reason is logged
// sampled (anyone can post junk), the signed request never.
func (h *Handler) refuseSignedRequest(w http.ResponseWriter, r *http.Request, source string, status int, err error) error {
	h.sampled.log(&h.shared.metaRefusals, zap.WarnLevel, "Meta callback refused",
		zap.String("source", source), zap.String("client_ip", clientIP(r)), zap.Int("status", status),
		zap.String("reason", err.Error()))
	return writeMetaJSON(w, status, map[string]string{"error": "bad_request", "message": err.Error()})
}

// writeMetaJSON answers Meta: maps of strings and booleans, which Marshal
// cannot fail on.
func writeMetaJSON(w http.ResponseWriter, status int, v any) error {
	body, _ := json.Marshal(v)
	writeJSON(w, status, append(body, '\n'))
	return nil
}
