package instagramauth

import (
	"github.com/b4b0c547/caddy-instagram-auth/internal/record"

	"net/http/httptest"
	"testing"
)

// A confirmation code opens only as what it is, for the app that gave it.
func TestConfirmationCodeIsBoundToPurposeAndApp(t *testing.T) {
	h := unitHandler(t)
	code := confirmationCode(h.keys, h.cfg.aad.Deletion, "42", 1796161606)
	if at, ok := openConfirmationCode(h.keys, h.cfg.aad.Deletion, code); !ok || at.Unix() != 1796161606 {
		t.Fatalf("own code: %v %v", at, ok)
	}
	other := unitHandler(t)
	other.ClientID = "other-app"
	other.cfg = derive(other, false)
	if _, ok := openConfirmationCode(other.keys, other.cfg.aad.Deletion, code); ok {
		t.Error("another app opened the code")
	}
	sessionValue := h.keys.Seal(h.cfg.aad.Session, record.V1{Time: 1, Fields: [3]string{"42"}}.Encode())
	if _, ok := openConfirmationCode(h.keys, h.cfg.aad.Deletion, sessionValue); ok {
		t.Error("a value sealed as a session opened as a code")
	}
}

// The status page URL is on redirect_uri's origin when that is a URL (a
// TLS-terminating proxy in front), else on the request's, with the
// connection's own scheme.
func TestDeletionStatusURL(t *testing.T) {
	h := unitHandler(t)
	r := httptest.NewRequest("POST", "/oauth2/instagram/data-deletion", nil)
	r.Host = "app.example"
	r.Header.Set("X-Forwarded-Proto", "https")
	if u, ok := h.cfg.deletionStatusURL(r); !ok || u != "http://app.example/oauth2/instagram/data-deletion" {
		t.Errorf("path redirect_uri: %q %v", u, ok)
	}
	h.RedirectURI = "https://login.example/cb"
	h.cfg = derive(h, false)
	if u, ok := h.cfg.deletionStatusURL(r); !ok || u != "https://login.example/oauth2/instagram/data-deletion" {
		t.Errorf("URL redirect_uri: %q %v", u, ok)
	}
	h.RedirectURI = "/cb"
	h.cfg = derive(h, false)
	r.Host = "evil.example/x?"
	if u, ok := h.cfg.deletionStatusURL(r); ok {
		t.Errorf("a Host that is not a host made %q", u)
	}
}
