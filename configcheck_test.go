package instagramauth

import (
	"strconv"
	"strings"
	"testing"
)

// Ordinary mistakes get an error, at adapt time, that names the file, the
// line and the option, says what is wrong and what to write instead.
func TestMistakesSayWhatToWrite(t *testing.T) {
	cases := []struct {
		name, options string
		line          int
		want          []string
	}{
		{"logout_path is the callback", "logout_path " + defaultRedirectPath, 5,
			[]string{"logout_path: ", "already the redirect_uri path", "give each its own path"}},
		{"logout_path is a custom callback", "redirect_uri /auth/cb\n\t\tlogout_path /auth/cb", 6,
			[]string{"logout_path: ", "already the redirect_uri path"}},
		{"duration in two words", "session_lifetime 12 hours", 5,
			[]string{"session_lifetime: bad duration \"12 hours\"", "such as 90m, 12h or 30d"}},
		{"bad idle duration", "session_idle 1 week", 5, []string{"session_idle: bad duration"}},
		{"relative redirect_uri", "redirect_uri oauth2/callback", 5,
			[]string{"redirect_uri: ", "a path starts with /", "write /oauth2/callback"}},
		{"redirect_uri with a query", "redirect_uri https://site.example/cb?x=1", 5,
			[]string{"redirect_uri: ", "has a query"}},
		{"retired basic", "scope basic", 5, []string{"scope: \"basic\" is a retired Instagram scope: write instagram_business_basic"}},
		{"retired user_profile", "scope user_profile user_media", 5, []string{"scope: \"user_profile\" is a retired", "scope: \"user_media\" is a retired"}},
		{"retired business_basic", "scope business_basic business_manage_messages", 5,
			[]string{"write instagram_business_basic", "write instagram_business_manage_messages"}},
		{"Facebook Login permission", "scope instagram_basic", 5,
			[]string{"scope: \"instagram_basic\" is a Facebook Login permission", "write instagram_business_basic"}},
		{"comma-joined scopes", "scope instagram_business_basic,instagram_business_manage_messages", 5,
			[]string{"scope: ", "give scopes as separate arguments"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := adapt("http://localhost {\n\tinstagram_auth {\n\t\tclient_id 1\n\t\tclient_secret s\n\t\t" + c.options + "\n\t}\n}\n")
			if err == nil {
				t.Fatal("adapted without error")
			}
			for _, want := range append(c.want, "Caddyfile:"+strconv.Itoa(c.line)) {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("error %q lacks %q", err, want)
				}
			}
		})
	}
	// A path redirect_uri and the current scopes pass.
	if err := adapt("http://localhost {\n\tinstagram_auth {\n\t\tclient_id 1\n\t\tclient_secret s\n\t\tredirect_uri /oauth2/callback\n" +
		"\t\tscope instagram_business_basic instagram_business_manage_messages\n\t\tsession_lifetime 12h\n\t}\n}\n"); err != nil {
		t.Errorf("good options refused: %v", err)
	}
}
