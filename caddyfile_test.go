package instagramauth

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/caddyserver/caddy/v2"
	"github.com/caddyserver/caddy/v2/caddyconfig"
	"github.com/caddyserver/caddy/v2/caddyconfig/caddyfile"
	"github.com/caddyserver/caddy/v2/caddytest"
)

// The golden files in testdata/caddyfile_adapt hold a Caddyfile, a line of
// dashes and the JSON it must adapt to.
func TestCaddyfileAdapt(t *testing.T) {
	files, err := filepath.Glob("testdata/caddyfile_adapt/*.caddyfiletest")
	if err != nil || len(files) == 0 {
		t.Fatalf("no golden files: %v", err)
	}
	for _, file := range files {
		t.Run(filepath.Base(file), func(t *testing.T) {
			data, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			caddyfile, expected, ok := strings.Cut(string(data), "----------")
			if !ok {
				t.Fatal("no ---------- line")
			}
			if !caddytest.CompareAdapt(t, file, strings.TrimSpace(caddyfile)+"\n", "caddyfile", strings.TrimSpace(expected)) {
				t.Error("adapted JSON differs from the golden file")
			}
		})
	}
}

// Bad options are refused by caddy adapt with the line and the option.
func TestCaddyfileErrorsNameLineAndOption(t *testing.T) {
	const secret = "9Z3dLr3KQ3NKl1nUq8V6mP3yLx4p4k1q7b2GZ0tD2m8="
	cases := []struct {
		option, line string
		want         string
	}{
		{"frobnicate", "frobnicate yes", "unrecognized subdirective"},
		{"session_lifetme", "session_lifetme 12h", "did you mean session_lifetime?"},
		{"allow_user", "allow_user alice", "did you mean allow_users?"},
		{"assertion_key_rotation", "assertion_key_rotation 30s", "shorter than 1m"},
		{"assertion_key_rotation", "assertion_key_rotation weekly", "bad duration"},
		{"assertion_header", "assertion_header X-Instagram-User-Id", "same header as header_user_id"},
		{"start_path", "start_path /oauth2/instagram/logout", "already logout_path"},
		{"return_hosts", "return_hosts *.example.com", "needs cookie_domain"},
		{"token_url", "token_url", "missing value"},
		{"token_url", "token_url ftp://x", "not an absolute http(s) URL"},
		{"authorize_url", "authorize_url /relative", "not an absolute http(s) URL"},
		{"userinfo_url", "userinfo_url nope", "not an absolute http(s) URL"},
		{"redirect_uri", "redirect_uri callback", "a path starts with /"},
		{"session_lifetime", "session_lifetime forever", "session_lifetime"},
		{"session_lifetime", "session_lifetime -5m", "must be positive"},
		{"cookie_secret", "cookie_secret c2hvcnQ=", "32 bytes"},
		{"cookie_secret", "cookie_secret " + strings.Repeat("5f", 32), "looks like hex (64 hex digits, as openssl rand -hex writes): the key must be base64 of 32 bytes: use openssl rand -base64 32"},
		{"cookie_secret", "cookie_secret " + secret + " %%%", "32 bytes"},
		{"cookie_name", "cookie_name bad;name", "not a valid name"},
		{"header_user_id", "header_user_id Bad Header", "exactly one argument"},
		{"header_token", "header_token X:Token", "not a valid name"},
		{"logout_path", "logout_path bye", "path beginning with /"},
		{"insecure_cookies", "insecure_cookies yes", "takes no argument"},
		{"scope", "scope", "missing value"},
		{"token_url", "token_url https://a.example/t\n\t\ttoken_url https://b.example/t", "given twice"},
	}
	for _, c := range cases {
		t.Run(c.line, func(t *testing.T) {
			cfg := "example.com {\n\tinstagram_auth {\n\t\tclient_id 1\n\t\tclient_secret s\n\t\t" + c.line + "\n\t}\n}\n"
			_, _, err := caddyconfig.GetAdapter("caddyfile").Adapt([]byte(cfg), nil)
			if err == nil {
				t.Fatal("adapted without error")
			}
			msg := err.Error()
			for _, want := range []string{c.option, c.want, "Caddyfile:"} {
				if !strings.Contains(msg, want) {
					t.Errorf("error %q lacks %q", msg, want)
				}
			}
			if !strings.Contains(msg, "Caddyfile:5") && !strings.Contains(msg, "Caddyfile:6") {
				t.Errorf("error %q does not name the option's line", msg)
			}
			if strings.Contains(c.line, "cookie_secret") && strings.Contains(msg, secret) {
				t.Errorf("error %q quotes the secret", msg)
			}
		})
	}
	// A missing required option names the option, at the directive's line
	// (2), not the block's closing brace (5).
	_, _, err := caddyconfig.GetAdapter("caddyfile").Adapt([]byte("example.com {\n\tinstagram_auth {\n\t\tclient_id 1\n\n\t}\n}\n"), nil)
	if err == nil || !strings.Contains(err.Error(), "client_secret: is required, at Caddyfile:2") || strings.Contains(err.Error(), "Caddyfile:5") {
		t.Errorf("missing client_secret: %v", err)
	}
}

// The JSON config is checked as strictly as the Caddyfile (caddy validate).
func TestJSONConfigValidation(t *testing.T) {
	good := map[string]any{"handler": "instagram_auth", "client_id": "1", "client_secret": "s",
		"cookie_secret": []string{"9Z3dLr3KQ3NKl1nUq8V6mP3yLx4p4k1q7b2GZ0tD2m8="}}
	for option, bad := range map[string]any{
		"token_url":        "not a url",
		"userinfo_url":     "/me",
		"cookie_secret":    []string{"dG9vIHNob3J0"},
		"header_username":  "X Name",
		"logout_path":      defaultRedirectPath,
		"session_lifetime": -1,
		"client_id":        "",
	} {
		t.Run(option, func(t *testing.T) {
			h := map[string]any{}
			for k, v := range good {
				h[k] = v
			}
			h[option] = bad
			err := validateJSON(t, h)
			if err == nil || !strings.Contains(err.Error(), option) {
				t.Errorf("%s=%v: error %v, want one naming %s", option, bad, err, option)
			}
		})
	}
	if err := validateJSON(t, good); err != nil {
		t.Errorf("good config refused: %v", err)
	}
}

func validateJSON(t *testing.T, handler map[string]any) error {
	cfg := map[string]any{
		"admin": map[string]any{"disabled": true},
		"apps": map[string]any{"http": map[string]any{"servers": map[string]any{"s": map[string]any{
			"listen": []string{"127.0.0.1:0"},
			"routes": []any{map[string]any{"handle": []any{handler}}},
		}}}},
	}
	raw, err := json.Marshal(cfg)
	if err != nil {
		t.Fatal(err)
	}
	var c caddy.Config
	if err := json.Unmarshal(raw, &c); err != nil {
		t.Fatal(err)
	}
	return caddy.Validate(&c)
}

// client_secret from the environment: resolved when the config loads, and
// an unset variable is named.
func TestClientSecretFromEnvironment(t *testing.T) {
	t.Setenv("IG_TEST_SECRET", "from-env")
	h := map[string]any{"handler": "instagram_auth", "client_id": "1", "client_secret": "{env.IG_TEST_SECRET}",
		"cookie_secret": []string{"9Z3dLr3KQ3NKl1nUq8V6mP3yLx4p4k1q7b2GZ0tD2m8="}}
	if err := validateJSON(t, h); err != nil {
		t.Fatalf("set variable: %v", err)
	}
	h["client_secret"] = "{env.IG_TEST_SECRET_UNSET}"
	if err := validateJSON(t, h); err == nil || !strings.Contains(err.Error(), "IG_TEST_SECRET_UNSET") {
		t.Errorf("unset variable: %v", err)
	}
}

// Configs that would misbehave at run time are refused.
func TestConfigsThatWouldMisbehave(t *testing.T) {
	for name, body := range map[string]string{
		"redirect_uri":    "redirect_uri https://example.com",
		"header_username": "header_user_id X-User\n\t\theader_username x_user",
		"header_token":    "header_token X-Instagram-User-Id",
	} {
		t.Run(name, func(t *testing.T) {
			cfg := "example.com {\n\tinstagram_auth {\n\t\tclient_id 1\n\t\tclient_secret s\n\t\t" + body + "\n\t}\n}\n"
			adapted, _, err := caddyconfig.GetAdapter("caddyfile").Adapt([]byte(cfg), nil)
			if err == nil {
				var c caddy.Config
				if err = json.Unmarshal(adapted, &c); err == nil {
					err = caddy.Validate(&c)
				}
			}
			if err == nil || !strings.Contains(err.Error(), name) {
				t.Errorf("error %v, want one naming %s", err, name)
			}
		})
	}
}

func FuzzCaddyfile(f *testing.F) {
	for _, body := range []string{
		"client_id 123\nclient_secret s3cret",
		"client_id 123\nclient_secret {env.IG_SECRET}\nredirect_uri https://site.example/cb\nscope instagram_business_basic instagram_business_manage_messages",
		"client_id 1\nclient_secret 2\ncookie_secret " + unitSecret(unitKeyB) + " " + unitSecret(unitKeyA),
		"client_id 1\nclient_secret 2\ncookie_secret c2hvcnQ=",
		"client_id 1\nclient_secret 2\nuserinfo_url off\nlong_lived_token off\nheader_token off",
		"client_id 1\nclient_secret 2\nsession_lifetime 1h\ntimeout 5s\ninsecure_cookies\ncookie_domain example.com",
		"client_id 1\nclient_secret 2\nlogout_path /oauth2/instagram/callback",
		"client_id 1\nclient_secret 2\nallow_users alice 17841405793187218\nallow_users @bob",
		"client_id 1\nclient_secret 2\nheader_user_id Remote-User\nheader_username X_Name\ncookie_name sess",
		"client_id 1\nclient_id 2\nclient_secret 3",
		"client_id 1\nclient_secret 2\nsession_lifetime -1h",
		"client_id 1\nclient_secret 2\nauthorize_url ftp://x",
		"client_id 1\nclient_secret 2\nredirect_uri //evil/cb",
		"client_id 1\nclient_secret 2\nbogus x",
		"client_id 1\nclient_secret 2\ninsecure_cookies yes",
		"client_id 1 {\nclient_secret 2\n}",
		"client_id \"a b\"\nclient_secret `x`",
		"",
	} {
		f.Add(body)
	}
	f.Fuzz(func(t *testing.T, body string) {
		input := "instagram_auth {\n" + body + "\n}\n"
		// NewTestDispenser exits the process on a lexer error, and
		// replaces {$ENV} before lexing: keep to input that lexes.
		if strings.Contains(input, "{$") {
			return
		}
		if _, err := caddyfile.Tokenize([]byte(input), "Testfile"); err != nil {
			return
		}
		h := new(Handler)
		err := h.UnmarshalCaddyfile(caddyfile.NewTestDispenser(input))
		if err != nil {
			// Every error names its line, and each line of a joined
			// error names an option or says what is wrong with the syntax.
			for _, msg := range strings.Split(err.Error(), "\n") {
				if !strings.Contains(msg, "Testfile:") {
					t.Fatalf("error does not name the line: %q", msg)
				}
				option, _, _ := strings.Cut(msg, ":")
				option, _, _ = strings.Cut(option, " ")
				if _, known := optionNamed(option); !known && !strings.HasPrefix(msg, "unrecognized subdirective") &&
					!strings.HasPrefix(msg, "unexpected argument") && !strings.HasPrefix(msg, "wrong argument count") {
					t.Fatalf("error does not name an option: %q", msg)
				}
			}
			return
		}
		if h.ClientID == "" || h.ClientSecret == "" {
			t.Fatalf("accepted without client_id/client_secret: %+v", h)
		}
		// What the adapter accepts, Provision's checks accept too.
		applyDefaults(h)
		if errs := validate(h); len(errs) > 0 {
			t.Fatalf("adapted, then refused: %v", errs.join())
		}
	})
}
