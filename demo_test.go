package instagramauth

import (
	"encoding/json"
	"os"
	"strings"
	"testing"

	"github.com/caddyserver/caddy/v2/caddyconfig"

	_ "github.com/b4b0c547/caddy-instagram-auth/demo/assertioncheck" // the demo app's check of the assertion
	_ "github.com/b4b0c547/caddy-instagram-auth/demo/wsecho"         // the demo's websocket_echo directive
	_ "github.com/b4b0c547/caddy-instagram-auth/instagramtest"       // the demo's instagram_mock directive
)

// The demo serves the mock Instagram and its secrets: development only, so
// both of its sites listen on 127.0.0.1 and nowhere else.
func TestDemoListensOnLoopbackOnly(t *testing.T) {
	src, err := os.ReadFile("demo/Caddyfile")
	if err != nil {
		t.Fatal(err)
	}
	adapted, _, err := caddyconfig.GetAdapter("caddyfile").Adapt(src, map[string]any{"filename": "demo/Caddyfile"})
	if err != nil {
		t.Fatalf("demo/Caddyfile: %v", err)
	}
	var cfg struct {
		Apps struct {
			HTTP struct {
				Servers map[string]struct{ Listen []string } `json:"servers"`
			} `json:"http"`
		} `json:"apps"`
	}
	if err := json.Unmarshal(adapted, &cfg); err != nil || len(cfg.Apps.HTTP.Servers) == 0 {
		t.Fatalf("no servers in the adapted demo: %v", err)
	}
	for name, srv := range cfg.Apps.HTTP.Servers {
		for _, addr := range srv.Listen {
			if !strings.HasPrefix(addr, "127.0.0.1:") && !strings.HasPrefix(addr, "tcp/127.0.0.1:") {
				t.Errorf("server %s listens on %q, not on 127.0.0.1 only", name, addr)
			}
		}
	}
}
