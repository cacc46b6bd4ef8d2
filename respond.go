package instagramauth

import (
	"net/http"
)

// The handler's own responses that are not pages: redirects and the 401
// of API calls.

// redirect sends the browser to location with a 302 that no cache keeps.
func redirect(w http.ResponseWriter, location string) error {
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Location", location)
	w.WriteHeader(http.StatusFound)
	return nil
}

// unauthorized answers an API call without a session: 401, a short JSON
// body, no redirect, and the request body left unread.
func (h *Handler) unauthorized(w http.ResponseWriter, r *http.Request) error {
	hdr := w.Header()
	hdr.Set("Content-Type", "application/json")
	hdr.Set("Cache-Control", "no-store")
	hdr.Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(http.StatusUnauthorized)
	_, _ = w.Write([]byte(`{"error":"unauthorized","message":"an Instagram login is required"}` + "\n"))
	return nil
}
