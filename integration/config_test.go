package integration

import (
	"net/http"
	"strings"
	"testing"

	"github.com/b4b0c547/caddy-instagram-auth/instagramtest"
)

// The case: client_id {env.IGID} in a Caddyfile. The authorize
// redirect carries the id itself, and the whole login works with every
// endpoint and the secret taken from the environment too.
func TestCaddyfileEnvPlaceholdersLogIn(t *testing.T) {
	h := newHarness(t)
	env := map[string]string{
		"client_id " + testID:                      "IG_TEST_ID",
		"client_secret " + testSecret:              "IG_TEST_SECRET",
		"authorize_url " + h.ig.AuthorizeURL():     "IG_TEST_AUTHORIZE",
		"token_url " + h.ig.TokenURL():             "IG_TEST_TOKEN",
		"userinfo_url " + h.ig.UserinfoURL():       "IG_TEST_USERINFO",
		"long_lived_token " + h.ig.ExchangeURL():   "IG_TEST_EXCHANGE",
		"redirect_uri " + siteURL + "/auth/cb":     "IG_TEST_REDIRECT",
		"allow_users " + instagramtest.UserID("r"): "IG_TEST_ALLOWED",
	}
	cfg := strings.Replace(h.caddyfile(), "timeout 2s", "timeout 2s\n\t\tredirect_uri "+siteURL+"/auth/cb\n\t\tallow_users "+instagramtest.UserID("r"), 1)
	for line, name := range env {
		option, value, _ := strings.Cut(line, " ")
		t.Setenv(name, value)
		if !strings.Contains(cfg, line+"\n") {
			t.Fatalf("the harness's Caddyfile lacks %q", line)
		}
		cfg = strings.Replace(cfg, line+"\n", option+" {env."+name+"}\n", 1)
	}
	h.load(cfg)

	authorize := h.startLogin(h.client, "/")
	if got := mustQuery(t, authorize).Get("client_id"); got != testID {
		t.Fatalf("authorize URL carries client_id %q, want %q", got, testID)
	}
	resp := h.do(h.client, http.MethodGet, stripFragment(h.consent(h.client, authorize, "r", true)), nil)
	if resp.StatusCode != http.StatusFound {
		t.Fatalf("callback: status %d, want 302: %s", resp.StatusCode, readAll(t, resp))
	}
	if e := h.upstreamSaw(h.get("/")); e.Header.Get("X-Instagram-Username") != "r" {
		t.Errorf("upstream saw username %q, want r (userinfo_url from the environment)", e.Header.Get("X-Instagram-Username"))
	}
	if h.ig.ExchangeRequests() != 1 {
		t.Errorf("%d long-lived exchanges, want 1 (long_lived_token from the environment)", h.ig.ExchangeRequests())
	}
}
