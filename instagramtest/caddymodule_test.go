package instagramtest

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/caddyserver/caddy/v2"
	"github.com/caddyserver/caddy/v2/caddyconfig"
	"github.com/caddyserver/caddy/v2/caddyconfig/caddyfile"
	"github.com/caddyserver/caddy/v2/modules/caddyhttp"
)

func TestUnmarshalCaddyfile(t *testing.T) {
	var h Handler
	d := caddyfile.NewTestDispenser(`instagram_mock {
		client_id demo-app
		client_secret {env.DEMO_SECRET}
		shape legacy
		deauthorize_url http://localhost:8080/ig/deauthorize
		data_deletion_url {env.DELETION_URL}
	}`)
	if err := h.UnmarshalCaddyfile(d); err != nil {
		t.Fatal(err)
	}
	want := Handler{ClientID: "demo-app", ClientSecret: "{env.DEMO_SECRET}", Shape: ShapeLegacy,
		DeauthorizeURL: "http://localhost:8080/ig/deauthorize", DataDeletionURL: "{env.DELETION_URL}"}
	if h != want {
		t.Fatalf("got %+v", h)
	}
}

func TestUnmarshalCaddyfileErrors(t *testing.T) {
	cases := map[string]struct{ input, want string }{
		"unknown":     {"instagram_mock {\n client_id a\n color red\n}", `unknown subdirective "color"`},
		"missing arg": {"instagram_mock {\n client_id\n}", "client_id needs exactly one argument"},
		"extra arg":   {"instagram_mock {\n client_secret a b\n}", "client_secret needs exactly one argument"},
		"bad shape":   {"instagram_mock {\n shape xml\n}", "shape must be flat, data or legacy"},
		"twice":       {"instagram_mock {\n client_id a\n client_id b\n}", "client_id given twice"},
		"url twice":   {"instagram_mock {\n deauthorize_url http://a/\n deauthorize_url http://b/\n}", "deauthorize_url given twice"},
		"no url":      {"instagram_mock {\n data_deletion_url\n}", "data_deletion_url needs exactly one argument"},
		"inline arg":  {"instagram_mock foo", "wrong argument count"},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			var h Handler
			err := h.UnmarshalCaddyfile(caddyfile.NewTestDispenser(c.input))
			if err == nil || !strings.Contains(err.Error(), c.want) || !strings.Contains(err.Error(), "Testfile:") {
				t.Fatalf("error %v, want one naming %q and the line", err, c.want)
			}
		})
	}
}

func TestJSONRoundTrip(t *testing.T) {
	in := `{"client_id":"demo-app","client_secret":"s","shape":"data",` +
		`"deauthorize_url":"http://localhost:8080/d","data_deletion_url":"https://app.example/del"}`
	var h Handler
	if err := json.Unmarshal([]byte(in), &h); err != nil {
		t.Fatal(err)
	}
	if h.Shape != ShapeData || h.DeauthorizeURL != "http://localhost:8080/d" || h.DataDeletionURL != "https://app.example/del" {
		t.Fatalf("%+v", h)
	}
	out, err := json.Marshal(h)
	if err != nil || string(out) != in {
		t.Fatalf("%s %v", out, err)
	}
}

// TestAdaptCaddyfile checks the directive is registered and ordered: it
// needs no order line and lands before respond.
func TestAdaptCaddyfile(t *testing.T) {
	input := `http://127.0.0.1:8081 {
	respond "after"
	instagram_mock {
		client_id demo-app
		client_secret demo-secret
		deauthorize_url http://localhost:8080/d
	}
}`
	out, warnings, err := caddyconfig.GetAdapter("caddyfile").Adapt([]byte(input), nil)
	if err != nil {
		t.Fatalf("%v %v", err, warnings)
	}
	cfg := string(out)
	mock := strings.Index(cfg, `"handler":"instagram_mock"`)
	respond := strings.Index(cfg, `"handler":"static_response"`)
	if mock < 0 || respond < 0 || mock > respond {
		t.Fatalf("instagram_mock not before respond:\n%s", cfg)
	}
	if !strings.Contains(cfg, `"client_id":"demo-app","client_secret":"demo-secret","deauthorize_url":"http://localhost:8080/d"`) {
		t.Fatalf("fields missing:\n%s", cfg)
	}
}

func provision(t *testing.T, h *Handler) {
	t.Helper()
	ctx, cancel := caddy.NewContext(caddy.Context{Context: context.Background()})
	t.Cleanup(cancel)
	if err := h.Provision(ctx); err != nil {
		t.Fatal(err)
	}
}

func TestModuleServesAndSurvivesReload(t *testing.T) {
	t.Setenv("MOCK_SECRET", "env-secret")
	old := &Handler{ClientID: "reload-app", ClientSecret: "{env.MOCK_SECRET}"}
	provision(t, old)
	if old.provider.clientSecret != "env-secret" {
		t.Fatalf("secret placeholder not resolved: %q", old.provider.clientSecret)
	}

	next := caddyhttp.HandlerFunc(func(http.ResponseWriter, *http.Request) error {
		t.Error("next handler called")
		return nil
	})
	rec := httptest.NewRecorder()
	req := httptest.NewRequest("GET", "/oauth/authorize?client_id=reload-app&redirect_uri=http://a.example/cb&response_type=code&scope=instagram_business_basic", nil)
	if err := old.ServeHTTP(rec, req, next); err != nil || rec.Code != 200 {
		t.Fatalf("consent page: %d %v", rec.Code, err)
	}

	// A reload provisions the new config before cleaning up the old one:
	// the same Provider, so issued codes and tokens stay valid.
	reloaded := &Handler{ClientID: "reload-app", ClientSecret: "env-secret", Shape: ShapeLegacy}
	provision(t, reloaded)
	if reloaded.provider != old.provider {
		t.Fatal("reload made a new Provider")
	}
	if err := old.Cleanup(); err != nil {
		t.Fatal(err)
	}
	if reloaded.provider.shape != ShapeLegacy {
		t.Fatalf("shape %q", reloaded.provider.shape)
	}
	if err := reloaded.Cleanup(); err != nil {
		t.Fatal(err)
	}
	if _, ok := providers.References(reloaded.key); ok {
		t.Fatal("Provider kept after its last config went away")
	}
}

func TestProvisionRejects(t *testing.T) {
	for _, h := range []*Handler{
		{ClientSecret: "s"},
		{ClientID: "a"},
		{ClientID: "a", ClientSecret: "{env.INSTAGRAMTEST_UNSET_VARIABLE}"},
		{ClientID: "a", ClientSecret: "s", Shape: "xml"},
		{ClientID: "a", ClientSecret: "s", DeauthorizeURL: "/deauthorize"},
		{ClientID: "a", ClientSecret: "s", DeauthorizeURL: "ftp://app.example/d"},
		{ClientID: "a", ClientSecret: "s", DataDeletionURL: "http://"},
		{ClientID: "a", ClientSecret: "s", DataDeletionURL: "{env.INSTAGRAMTEST_UNSET_VARIABLE}"},
	} {
		ctx, cancel := caddy.NewContext(caddy.Context{Context: context.Background()})
		if err := h.Provision(ctx); err == nil {
			t.Errorf("%+v provisioned", *h)
		}
		cancel()
	}
}

// TestModuleCallbacks: the URLs reach the Provider, placeholders resolved,
// the settings page names them, and a reload without them clears them.
func TestModuleCallbacks(t *testing.T) {
	t.Setenv("MOCK_DELETION_URL", "http://localhost:8080/ig/deletion")
	h := &Handler{ClientID: "callbacks-app", ClientSecret: "s",
		DeauthorizeURL: "http://localhost:8080/ig/deauthorize", DataDeletionURL: "{env.MOCK_DELETION_URL}"}
	provision(t, h)
	defer h.Cleanup()
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", "/settings/apps", nil), nil)
	for _, want := range []string{
		`<code id="deauthorize-url">http://localhost:8080/ig/deauthorize</code>`,
		`<code id="data-deletion-url">http://localhost:8080/ig/deletion</code>`,
	} {
		if rec.Code != 200 || !strings.Contains(rec.Body.String(), want) {
			t.Fatalf("%d, page lacks %s", rec.Code, want)
		}
	}

	reloaded := &Handler{ClientID: "callbacks-app", ClientSecret: "s"}
	provision(t, reloaded)
	defer reloaded.Cleanup()
	if reloaded.provider != h.provider {
		t.Fatal("reload made a new Provider")
	}
	if p := reloaded.provider; p.deauthorizeURL != "" || p.dataDeletionURL != "" {
		t.Fatalf("callbacks kept after a reload without them: %q %q", p.deauthorizeURL, p.dataDeletionURL)
	}
}
