package instagramtest_test

import (
	"encoding/json"
	"os"
	"strings"
	"testing"

	"github.com/caddyserver/caddy/v2/caddyconfig"
	_ "github.com/caddyserver/caddy/v2/modules/caddyhttp/reverseproxy"

	_ "github.com/b4b0c547/caddy-instagram-auth" // instagram_auth, the example's other half
	"github.com/b4b0c547/caddy-instagram-auth/instagramtest"
)

// mockDocExample is the Caddyfile of docs/mock.md, "Pointing your site at
// the mock", word for word: the test fails when either changes without the
// other, so the doc's example always parses and means what is checked
// here.
const mockDocExample = `{
	auto_https off
}

# Your site, logging in with the mock instead of Instagram.
http://localhost:8080 {
	bind 127.0.0.1
	instagram_auth {
		client_id demo-app
		client_secret demo-secret
		authorize_url http://127.0.0.1:8081/oauth/authorize
		token_url http://127.0.0.1:8081/oauth/access_token
		userinfo_url http://127.0.0.1:8081/me
		long_lived_token http://127.0.0.1:8081/access_token
		token_refresh http://127.0.0.1:8081/refresh_access_token
		# Apps may call with a token of the developer page (below).
		allow_bearer
		# Plain HTTP on localhost: no Secure flag on the cookies.
		insecure_cookies
	}
	reverse_proxy 127.0.0.1:3000
}

# The mock Instagram, on another port, reachable from this machine only.
http://127.0.0.1:8081 {
	bind 127.0.0.1
	instagram_mock {
		client_id demo-app
		client_secret demo-secret
		shape flat
		deauthorize_url http://localhost:8080/oauth2/instagram/deauthorize
		data_deletion_url http://localhost:8080/oauth2/instagram/data-deletion
	}
}
`

func TestMockDocExample(t *testing.T) {
	doc, err := os.ReadFile("../docs/mock.md")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(doc), "```caddyfile\n"+mockDocExample+"```\n") {
		t.Fatal("docs/mock.md's Caddyfile example differs from mockDocExample: change both together")
	}
	out, warnings, err := caddyconfig.GetAdapter("caddyfile").Adapt([]byte(mockDocExample), nil)
	if err != nil || len(warnings) != 0 {
		t.Fatalf("the example does not adapt: %v %v", err, warnings)
	}
	handlers := map[string]map[string]any{}
	collectHandlers(t, out, handlers)

	// The site's URLs are the mock's own endpoints, as a Server names them.
	mock := &instagramtest.Server{URL: "http://127.0.0.1:8081"}
	auth := handlers["instagram_auth"]
	for field, want := range map[string]string{
		"client_id": "demo-app", "client_secret": "demo-secret",
		"authorize_url": mock.AuthorizeURL(), "token_url": mock.TokenURL(), "userinfo_url": mock.UserinfoURL(),
		"long_lived_token": mock.ExchangeURL(), "token_refresh": mock.RefreshURL(),
	} {
		if auth[field] != want {
			t.Errorf("instagram_auth %s = %v, want %s", field, auth[field], want)
		}
	}
	if auth["allow_bearer"] != true {
		t.Errorf("instagram_auth allow_bearer = %v, want true: the developer page's tokens work", auth["allow_bearer"])
	}
	want := map[string]any{
		"handler": "instagram_mock", "client_id": "demo-app", "client_secret": "demo-secret", "shape": "flat",
		"deauthorize_url":   "http://localhost:8080/oauth2/instagram/deauthorize",
		"data_deletion_url": "http://localhost:8080/oauth2/instagram/data-deletion",
	}
	if got := handlers["instagram_mock"]; !sameJSON(got, want) {
		t.Errorf("instagram_mock adapted to %v, want %v", got, want)
	}
}

// collectHandlers finds every handler object in an adapted configuration,
// by its "handler" name, however deep the routes nest it.
func collectHandlers(t *testing.T, config []byte, into map[string]map[string]any) {
	t.Helper()
	var root any
	if err := json.Unmarshal(config, &root); err != nil {
		t.Fatal(err)
	}
	var walk func(any)
	walk = func(v any) {
		switch v := v.(type) {
		case map[string]any:
			if name, ok := v["handler"].(string); ok {
				into[name] = v
			}
			for _, child := range v {
				walk(child)
			}
		case []any:
			for _, child := range v {
				walk(child)
			}
		}
	}
	walk(root)
}

func sameJSON(a, b any) bool {
	ja, _ := json.Marshal(a)
	jb, _ := json.Marshal(b)
	return string(ja) == string(jb)
}
