package instagramauth

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/caddyserver/caddy/v2"
	"github.com/caddyserver/caddy/v2/caddyconfig"
)

// loadCaddyfile runs what `caddy validate` does: adapt, then load and
// provision without serving. The site is plain HTTP and the storage a
// temporary folder, so nothing outside the test is touched.
func loadCaddyfile(t *testing.T, sites string) error {
	t.Helper()
	src := "{\n\tadmin off\n\tstorage file_system " + filepath.Join(t.TempDir(), "storage") + "\n}\n" + sites
	adapted, _, err := caddyconfig.GetAdapter("caddyfile").Adapt([]byte(src), nil)
	if err != nil {
		return err
	}
	var c caddy.Config
	if err := json.Unmarshal(adapted, &c); err != nil {
		t.Fatal(err)
	}
	return caddy.Validate(&c)
}

// adaptFile adapts a Caddyfile written to disk, as `caddy adapt --config`
// does, so that errors may read its source lines.
func adaptFile(t *testing.T, src string) error {
	t.Helper()
	path := filepath.Join(t.TempDir(), "Caddyfile")
	if err := os.WriteFile(path, []byte(src), 0o600); err != nil {
		t.Fatal(err)
	}
	_, _, err := caddyconfig.GetAdapter("caddyfile").Adapt([]byte(src), map[string]any{"filename": path})
	return err
}

// The options a user may take from the environment, each with a value
// that passes its checks.
var envOptions = map[string]string{
	"client_id":        "17841400000000001",
	"client_secret":    "secret-from-env",
	"redirect_uri":     "https://site.example/auth/cb",
	"authorize_url":    "https://ig.example/oauth/authorize",
	"token_url":        "https://ig.example/oauth/access_token",
	"userinfo_url":     "https://graph.example/me",
	"long_lived_token": "https://graph.example/access_token",
	"token_refresh":    "https://graph.example/refresh_access_token",
	"cookie_domain":    "site.example",
	"logout_redirect":  "https://site.example/bye",
	"cookie_secret":    unitSecret(unitKeyA),
	"allow_users":      "alice",
}

func envName(option string) string { return "IG_TEST_" + strings.ToUpper(option) }

// Every option a user may take from the environment resolves {env.*} when
// the config loads, not only client_secret and cookie_secret.
func TestEnvPlaceholdersResolveInEveryOption(t *testing.T) {
	h := &Handler{}
	for option, value := range envOptions {
		t.Setenv(envName(option), value)
		placeholder := "{env." + envName(option) + "}"
		switch option {
		case "cookie_secret":
			h.CookieSecret = []string{placeholder}
		case "allow_users":
			h.AllowUsers = []string{"17841400000000002", placeholder}
		default:
			opt, _ := optionNamed(option)
			*opt.field(h).(*string) = placeholder
		}
	}
	cfg, err := prepare(h)
	if err != nil {
		t.Fatalf("prepare: %v", err)
	}
	for option, want := range envOptions {
		var got string
		switch option {
		case "cookie_secret":
			got = h.CookieSecret[0]
		case "allow_users":
			got = h.AllowUsers[1]
		default:
			opt, _ := optionNamed(option)
			got = *opt.field(h).(*string)
		}
		if got != want {
			t.Errorf("%s = %q, want %q from the environment", option, got, want)
		}
	}
	if !strings.Contains(cfg.authorizeBase, "client_id="+envOptions["client_id"]) {
		t.Errorf("authorize URL %q lacks the client_id from the environment", cfg.authorizeBase)
	}
	if _, ok := cfg.allowUsernames["alice"]; !ok || cfg.redirectPath != "/auth/cb" {
		t.Errorf("derived config not from the resolved values: %+v", cfg)
	}
}

// A placeholder that does not resolve is a load error naming the option,
// never sent to Instagram as it is; a secret's value is never quoted.
func TestUnresolvedPlaceholderNamesTheOption(t *testing.T) {
	for option := range envOptions {
		for _, placeholder := range []string{"{env.IG_TEST_SURELY_UNSET}", "{http.request.host}"} {
			t.Run(option+" "+placeholder, func(t *testing.T) {
				h := map[string]any{"handler": "instagram_auth", "client_id": "1", "client_secret": "s",
					"cookie_secret": []string{unitSecret(unitKeyA)}}
				if option == "cookie_secret" || option == "allow_users" {
					h[option] = []string{placeholder}
				} else {
					h[option] = placeholder
				}
				err := validateJSON(t, h)
				if err == nil || !strings.Contains(err.Error(), option+": ") || !strings.Contains(err.Error(), placeholder) {
					t.Errorf("error %v, want one naming %s and %s", err, option, placeholder)
				}
				// Only an {env.*} is blamed on the environment: a request's
				// placeholder has no value when the config loads.
				if env := strings.Contains(fmt.Sprint(err), "environment variable"); env != strings.HasPrefix(placeholder, "{env.") {
					t.Errorf("error %v: the hint does not fit %s", err, placeholder)
				}
			})
		}
	}
}

// caddy validate refuses a Caddyfile whose {env.*} placeholder is unset,
// naming the option.
func TestCaddyfileUnsetEnvPlaceholderRefused(t *testing.T) {
	err := loadCaddyfile(t, "http://localhost:9999 {\n\tinstagram_auth {\n\t\tclient_id {env.IGID_SURELY_UNSET}\n\t\tclient_secret s\n\t}\n}\n")
	if err == nil || !strings.Contains(err.Error(), "client_id: {env.IGID_SURELY_UNSET} does not resolve") {
		t.Errorf("error %v, want client_id: {env.IGID_SURELY_UNSET} does not resolve", err)
	}
}

// An unset {$NAME} leaves the option without a value before the adapter
// sees it: the error names the variable, read from the source line.
func TestUnsetShorthandVariableNamed(t *testing.T) {
	for _, name := range []string{"INSTAGRAM_CLIENT_ID", "IG_ALLOWED", "IG_LIFETIME"} {
		t.Setenv(name, "")
		os.Unsetenv(name)
	}
	for option, want := range map[string]string{
		"client_id {$INSTAGRAM_CLIENT_ID}":     "client_id: missing value (is INSTAGRAM_CLIENT_ID set?), at ",
		"client_id \"{$INSTAGRAM_CLIENT_ID}\"": "client_id: missing value (is INSTAGRAM_CLIENT_ID set?), at ",
		"allow_users {$IG_ALLOWED}":            "allow_users: missing value (is IG_ALLOWED set?), at ",
		"session_lifetime {$IG_LIFETIME}":      "session_lifetime: missing value (is IG_LIFETIME set?), at ",
	} {
		t.Run(option, func(t *testing.T) {
			line := option
			if !strings.HasPrefix(option, "client_id") {
				line = "client_id 1\n\t\t" + option
			}
			err := adaptFile(t, "http://localhost {\n\tinstagram_auth {\n\t\tclient_secret s\n\t\t"+line+"\n\t}\n}\n")
			if err == nil || !strings.Contains(err.Error(), want) || !strings.Contains(err.Error(), "Caddyfile:") {
				t.Errorf("error %v, want %q and the file's line", err, want)
			}
		})
	}
}

// allow_users listing usernames with userinfo_url off would lock those
// users out: no username is ever known.
func TestUsernamesNeedUserinfo(t *testing.T) {
	src := "http://localhost {\n\tinstagram_auth {\n\t\tclient_id 1\n\t\tclient_secret s\n\t\tuserinfo_url off\n\t\tallow_users 17841400000000002 alice\n\t}\n}\n"
	_, _, err := caddyconfig.GetAdapter("caddyfile").Adapt([]byte(src), nil)
	if err == nil || !strings.Contains(err.Error(), "allow_users: ") || !strings.Contains(err.Error(), "userinfo_url") ||
		!strings.Contains(err.Error(), "Caddyfile:6") {
		t.Errorf("error %v, want one naming allow_users, userinfo_url and line 6", err)
	}
	idsOnly := strings.Replace(src, " alice", "", 1)
	if err := loadCaddyfile(t, idsOnly); err != nil {
		t.Errorf("ids only, userinfo_url off: %v", err)
	}
}

// allow_bearer checks tokens at userinfo_url: with it off, no token could
// ever pass, and the site would answer every app 502.
func TestBearerNeedsUserinfo(t *testing.T) {
	src := "http://localhost {\n\tinstagram_auth {\n\t\tclient_id 1\n\t\tclient_secret s\n\t\tuserinfo_url off\n\t\tallow_bearer\n\t}\n}\n"
	_, _, err := caddyconfig.GetAdapter("caddyfile").Adapt([]byte(src), nil)
	if err == nil || !strings.Contains(err.Error(), "allow_bearer: ") || !strings.Contains(err.Error(), "userinfo_url") ||
		!strings.Contains(err.Error(), "Caddyfile:6") {
		t.Errorf("error %v, want one naming allow_bearer, userinfo_url and line 6", err)
	}
	if err := loadCaddyfile(t, strings.Replace(src, "\t\tuserinfo_url off\n", "", 1)); err != nil {
		t.Errorf("allow_bearer with userinfo_url: %v", err)
	}
}
