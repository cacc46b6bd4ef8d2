package instagramtest

import (
	"net/url"
	"testing"
)

// TestMisconfigurationMessages pins the token endpoint's answer to each
// misconfiguration a site can make, byte for byte and with the messages
// written out rather than taken from the constants, so that a changed
// constant cannot pass unnoticed.
func TestMisconfigurationMessages(t *testing.T) {
	s := Start(t, testClient, testSecret)
	answer := func(message string) string {
		return `{"code":400,"error_message":"` + message + `","error_type":"OAuthException"}`
	}
	cases := map[string]struct {
		change func(url.Values)
		want   string
	}{
		"Facebook app id": {func(f url.Values) { f.Set("client_id", "1234567890") }, "Invalid platform app"},
		"wrong secret":    {func(f url.Values) { f.Set("client_secret", testSecret+"x") }, "Error validating client secret"},
		"redirect_uri": {func(f url.Values) { f.Set("redirect_uri", "https://app.example/oauth2/instagram/callback") },
			"Error validating verification code. Please make sure your redirect_uri is identical to the one you used in the OAuth dialog request"},
		"unknown code": {func(f url.Values) { f.Set("code", "AQnever-issued") }, "Matching code was not found or was already used"},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			form := tokenForm(login(t, s, "alice"))
			c.change(form)
			status, h, body := do(t, "POST", s.TokenURL(), form)
			if status != 400 || body != answer(c.want) || h.Get("Content-Type") != "application/json; charset=UTF-8" {
				t.Fatalf("%d %q %s\nwant 400 %s", status, h.Get("Content-Type"), body, answer(c.want))
			}
		})
	}
	t.Run("reused code", func(t *testing.T) {
		form := tokenForm(login(t, s, "alice"))
		do(t, "POST", s.TokenURL(), form)
		status, _, body := do(t, "POST", s.TokenURL(), form)
		if want := answer("This authorization code has been used"); status != 400 || body != want {
			t.Fatalf("%d %s\nwant 400 %s", status, body, want)
		}
	})
	for name, pair := range map[string][2]string{
		"MsgInvalidPlatformApp":  {MsgInvalidPlatformApp, "Invalid platform app"},
		"MsgBadClientSecret":     {MsgBadClientSecret, "Error validating client secret"},
		"MsgCodeNotFound":        {MsgCodeNotFound, "Matching code was not found or was already used"},
		"MsgCodeUsed":            {MsgCodeUsed, "This authorization code has been used"},
		"MsgRedirectURIMismatch": {MsgRedirectURIMismatch, "Error validating verification code. Please make sure your redirect_uri is identical to the one you used in the OAuth dialog request"},
	} {
		if pair[0] != pair[1] {
			t.Errorf("%s = %q, want %q", name, pair[0], pair[1])
		}
	}
}
